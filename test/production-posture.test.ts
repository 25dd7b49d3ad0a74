import { Template } from 'aws-cdk-lib/assertions';
import { EMPTY_ON_DELETE_TAG } from '../cleanup/src/bucket-emptier';
import { RETAINED_IN_PRODUCTION } from '../lib/aspects/production-retention';
import { PRODUCTION_MIN_LOG_RETENTION_DAYS } from '../lib/config';
import { allResources, nagFindings, SynthesizedPlatform, synthesizeEnvironment, synthesizePlatform } from './helpers';

/** The checked-in production environment (config/prod.json) next to the test posture (config/dev.json). */
let production: SynthesizedPlatform;
let testPosture: SynthesizedPlatform;

beforeAll(() => {
  production = synthesizeEnvironment('prod');
  testPosture = synthesizeEnvironment('dev');
});

const ofType = (platform: SynthesizedPlatform, type: string) => allResources(platform).filter(({ resource }) => resource.Type === type);
const where = ({ stackId, logicalId }: { stackId: string; logicalId: string }) => `${stackId}/${logicalId}`;

describe('production posture', () => {
  test('Aurora: deletion protection on the global cluster and both clusters, and a final snapshot on deletion or replacement', () => {
    const clusters = ofType(production, 'AWS::RDS::DBCluster');
    expect(clusters.map(where).sort()).toEqual([expect.stringMatching(/^PrimaryData\//), expect.stringMatching(/^SecondaryData\//)]);
    for (const cluster of clusters) {
      expect({
        at: where(cluster),
        protection: cluster.resource.Properties.DeletionProtection,
        onDelete: cluster.resource.DeletionPolicy,
        onReplace: cluster.resource.UpdateReplacePolicy,
      }).toEqual({
        at: where(cluster),
        protection: true,
        onDelete: 'Snapshot',
        onReplace: 'Snapshot',
      });
    }
    expect(ofType(production, 'AWS::RDS::GlobalCluster').map(({ resource }) => resource.Properties.DeletionProtection)).toEqual([true]);
  });

  test('DynamoDB: deletion protection on every replica of the session table', () => {
    const [table] = ofType(production, 'AWS::DynamoDB::GlobalTable');
    expect(table.resource.Properties.Replicas.map((replica: any) => [replica.Region, replica.DeletionProtectionEnabled])).toEqual([
      ['us-west-2', true],
      ['us-east-1', true],
    ]);
  });

  test('load balancers: deletion protection in both regions', () => {
    const balancers = ofType(production, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(balancers).toHaveLength(2);
    for (const { resource } of balancers)
      expect(resource.Properties.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
  });

  test('exactly the record types are retained: keys, log groups, buckets and backup vaults', () => {
    const retained = allResources(production).filter(({ resource }) => resource.DeletionPolicy === 'Retain');
    expect([...new Set(retained.map(({ resource }) => resource.Type))].sort()).toEqual([...RETAINED_IN_PRODUCTION].sort());
    for (const entry of retained)
      expect({ at: where(entry), onReplace: entry.resource.UpdateReplacePolicy }).toEqual({ at: where(entry), onReplace: 'Retain' });
    const others = allResources(production).filter(
      ({ resource }) => !RETAINED_IN_PRODUCTION.includes(resource.Type) && resource.Type !== 'AWS::RDS::DBCluster',
    );
    expect(others.filter(({ resource }) => resource.DeletionPolicy !== 'Delete').map(where)).toEqual([]);
    // Nothing empties a retained bucket on destroy.
    expect([...ofType(production, 'Custom::S3AutoDeleteObjects'), ...ofType(production, 'Custom::BucketEmptier')].map(where)).toEqual([]);
  });

  test('every log group keeps at least a year', () => {
    const groups = ofType(production, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(6);
    for (const group of groups) expect(group.resource.Properties.RetentionInDays).toBeGreaterThanOrEqual(PRODUCTION_MIN_LOG_RETENTION_DAYS);
  });

  test('access logs are a tamper-evident trail: versioned, no one may delete a version, only the deployment may change the lifecycle', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const template = production.templates[stackId];
      const [logBucketId, logBucket] = Object.entries(template.findResources('AWS::S3::Bucket')).find(([, bucket]) =>
        JSON.stringify(bucket.Properties.BucketName).includes('s3-access-logs-'),
      )!;
      expect(logBucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((candidate) => candidate.Properties.Bucket.Ref === logBucketId)!;
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Sid: 'DenyErasingLogHistory', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:DeleteObjectVersion' }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Sid: 'DenyShorteningLogHistory',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['s3:PutBucketVersioning', 's3:PutLifecycleConfiguration'],
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': {
                'Fn::Sub': expect.stringMatching(
                  /^arn:\$\{AWS::Partition\}:iam::111122223333:role\/cdk-hnb659fds-cfn-exec-role-111122223333-us-(east-1|west-2)$/,
                ),
              },
            },
          },
        }),
      );
      expect(policy.DeletionPolicy).toBe('Retain');
      expect(logBucket.Properties.ObjectLockEnabled).toBeUndefined();
      expect(logBucket.Properties.Tags ?? []).not.toContainEqual(expect.objectContaining({ Key: EMPTY_ON_DELETE_TAG }));
    }
  });

  test('AWS Backup: each region backs up its own cluster and table replica daily, and copies into the other region', () => {
    for (const [stackId, region, other] of [
      ['PrimaryData', 'us-east-1', 'secondary'],
      ['SecondaryData', 'us-west-2', 'primary'],
    ]) {
      const template: Template = production.templates[stackId];
      // The vaults live in the Foundation stacks, which both deploy before either plan copies.
      const foundation = production.templates[stackId.replace('Data', 'Foundation')];
      const [vault] = Object.values(foundation.findResources('AWS::Backup::BackupVault'));
      expect(vault.Properties.BackupVaultName).toMatch(new RegExp(`^backup-trading-${stackId.startsWith('Primary') ? 'primary' : 'secondary'}-prod$`));
      expect(vault.Properties.EncryptionKeyArn).toBeDefined();
      template.resourceCountIs('AWS::Backup::BackupVault', 0);
      const [plan] = Object.values(template.findResources('AWS::Backup::BackupPlan'));
      const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
      expect(rule.ScheduleExpression).toBe('cron(0 5 * * ? *)');
      expect(JSON.stringify(rule.CopyActions[0].DestinationBackupVaultArn)).toContain(`:backup-vault:backup-trading-${other}-prod`);
      expect(JSON.stringify(rule.CopyActions[0].DestinationBackupVaultArn)).not.toContain(region);
      const [selection] = Object.values(template.findResources('AWS::Backup::BackupSelection'));
      const selected = JSON.stringify(selection.Properties.BackupSelection.Resources);
      expect(selected).toContain(`:cluster:aurora-trading-${stackId.startsWith('Primary') ? 'primary' : 'secondary'}-prod`);
      expect(selected).toContain(':table/ddb-trading-sessions-prod');
    }
  });

  test('cdk-nag AwsSolutions, PCI DSS and NIST 800-53: no unacknowledged finding in any production stack', () => {
    for (const stack of production.allStacks) expect({ stack: stack.node.id, findings: nagFindings(stack) }).toEqual({ stack: stack.node.id, findings: [] });
  });
});

describe('test posture (what the seed asks for)', () => {
  test('nothing retained, no snapshot, no deletion protection, no backup vault', () => {
    const kept = allResources(testPosture).filter(({ resource }) =>
      [resource.DeletionPolicy, resource.UpdateReplacePolicy].some((policy) => policy && policy !== 'Delete'),
    );
    expect(kept.map(where)).toEqual([]);
    expect(ofType(testPosture, 'AWS::RDS::DBCluster').map(({ resource }) => resource.Properties.DeletionProtection)).toEqual([false, false]);
    expect(ofType(testPosture, 'AWS::DynamoDB::GlobalTable')[0].resource.Properties.Replicas.map((replica: any) => replica.DeletionProtectionEnabled)).toEqual([
      false,
      false,
    ]);
    expect(ofType(testPosture, 'AWS::Backup::BackupVault')).toEqual([]);
  });

  test('the access-log bucket is emptied after the files bucket is gone and after its bucket policy, by a function that still has its permissions', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const resources = testPosture.templates[stackId].toJSON().Resources;
      const [emptierId, emptier] = Object.entries<any>(resources).find(([, resource]) => resource.Type === 'Custom::BucketEmptier')!;
      const bucketId = emptier.Properties.BucketName.Ref;
      const dependsOn = (id: string): string[] => [resources[id].DependsOn ?? []].flat();
      const policyId = Object.entries<any>(resources).find(
        ([, resource]) => resource.Type === 'AWS::S3::BucketPolicy' && resource.Properties.Bucket.Ref === bucketId,
      )![0];
      const filesBucketId = Object.entries<any>(resources).find(
        ([, resource]) => resource.Type === 'AWS::S3::Bucket' && JSON.stringify(resource.Properties.BucketName).includes('trading-files'),
      )![0];
      const functionId = emptier.Properties.ServiceToken['Fn::GetAtt'][0];
      const rolePolicyId = Object.entries<any>(resources).find(
        ([, resource]) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles[0].Ref === resources[functionId].Properties.Role['Fn::GetAtt'][0],
      )![0];
      // Deletion runs in reverse: whatever depends on the emptier is deleted before it runs.
      expect({ stackId, policy: dependsOn(policyId), files: dependsOn(filesBucketId), emptier: dependsOn(emptierId) }).toEqual({
        stackId,
        policy: expect.arrayContaining([emptierId]),
        files: expect.arrayContaining([emptierId]),
        emptier: expect.arrayContaining([rolePolicyId]),
      });
      // The emptier acts only on a bucket that carries the tag (a removal in an update leaves it alone).
      expect(resources[bucketId].Properties.Tags).toContainEqual({ Key: EMPTY_ON_DELETE_TAG, Value: 'true' });
      const statement = resources[rolePolicyId].Properties.PolicyDocument.Statement.find((candidate: any) => candidate.Sid === 'EmptyAndDeleteThisBucket');
      expect(JSON.stringify(statement.Resource)).toContain(bucketId);
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
    }
  });

  test('HTTP without certificates is the test posture only: the production configuration cannot synthesize over http', () => {
    expect(() => synthesizePlatform({ posture: 'production', protocol: 'http', account: '123456789012', domainName: 'trading.acme-bank.com' })).toThrow(
      /production posture serves only HTTPS/,
    );
  });
});
