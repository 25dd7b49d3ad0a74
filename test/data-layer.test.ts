import { Template } from 'aws-cdk-lib/assertions';
import { AURORA_ENGINE_VERSION } from '../lib/constructs/aurora-global-primary';
import { SESSION_EXPIRY_ATTRIBUTE, SESSION_KEY_ATTRIBUTE } from '../service/src/follow-up-targets';
import { allResources, onlyResource, resolveIn, synthesizePlatform, SynthesizedPlatform, appTaskDefinition } from './helpers';

const SUFFIX = 'dl4';
let platform: SynthesizedPlatform;
let primaryData: Template;
let secondaryData: Template;

beforeAll(() => {
  platform = synthesizePlatform({ environmentSuffix: SUFFIX });
  primaryData = platform.templates.PrimaryData;
  secondaryData = platform.templates.SecondaryData;
});

const resolve = (value: any, stackId: string) => resolveIn(platform, value, stackId);
const resources = (stackId: string, type: string): Array<[string, any]> => Object.entries(platform.templates[stackId].findResources(type));
const statements = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
const actionsOf = (statement: any): string[] => [statement.Action].flat();

describe('Aurora global database', () => {
  test('global cluster: Aurora PostgreSQL pinned to one version, encrypted, no deletion protection, defined by engine only', () => {
    const { resource } = onlyResource(primaryData, 'AWS::RDS::GlobalCluster');
    expect(resource.Properties).toMatchObject({
      GlobalClusterIdentifier: `aurora-trading-global-${SUFFIX}`,
      Engine: 'aurora-postgresql',
      EngineVersion: AURORA_ENGINE_VERSION.auroraPostgresFullVersion,
      StorageEncrypted: true,
      DeletionProtection: false,
    });
    // Engine+version and SourceDBClusterIdentifier are mutually exclusive (cfn-lint E3018).
    expect(resource.Properties.SourceDBClusterIdentifier).toBeUndefined();
  });

  test('primary cluster joins the global cluster, Serverless v2, CMK of its own region, credentials from Secrets Manager', () => {
    const { logicalId: globalId } = onlyResource(primaryData, 'AWS::RDS::GlobalCluster');
    const { resource: cluster } = onlyResource(primaryData, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: `aurora-trading-primary-${SUFFIX}`,
      GlobalClusterIdentifier: { Ref: globalId },
      Engine: 'aurora-postgresql',
      EngineVersion: AURORA_ENGINE_VERSION.auroraPostgresFullVersion,
      StorageEncrypted: true,
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    expect(cluster.DeletionPolicy).toBe('Delete');
    expect(resolve(cluster.Properties.KmsKeyId, 'PrimaryData')).toMatchObject({ stackId: 'PrimaryFoundation', resource: { Type: 'AWS::KMS::Key' } });
    expect(JSON.stringify(cluster.Properties.MasterUserPassword)).toContain('resolve:secretsmanager');
  });

  test('primary: a writer and a reader, both Serverless v2, in different AZs', () => {
    const instances = resources('PrimaryData', 'AWS::RDS::DBInstance').map(([, r]) => r.Properties);
    expect(instances).toHaveLength(2);
    for (const instance of instances) expect(instance).toMatchObject({ DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
    const zones = instances.map((instance) => instance.AvailabilityZone);
    expect(new Set(zones).size).toBe(2);
    expect(instances.map((i) => i.DBInstanceIdentifier).sort()).toEqual([`aurora-trading-primary-reader-${SUFFIX}`, `aurora-trading-primary-writer-${SUFFIX}`]);
  });

  test('secondary cluster: attaches to the same global cluster in the secondary region, write forwarding on, no credentials', () => {
    expect(platform.stacks.secondaryData.region).toBe('us-west-2');
    const { resource: cluster } = onlyResource(secondaryData, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: `aurora-trading-secondary-${SUFFIX}`,
      EnableGlobalWriteForwarding: true,
      Engine: 'aurora-postgresql',
      EngineVersion: AURORA_ENGINE_VERSION.auroraPostgresFullVersion,
      StorageEncrypted: true,
      DeletionProtection: false,
    });
    for (const credential of ['MasterUsername', 'MasterUserPassword', 'ManageMasterUserPassword', 'MasterUserSecret']) {
      expect(cluster.Properties[credential]).toBeUndefined();
    }
    // The same global cluster the primary stack creates, by its deterministic name.
    expect(cluster.Properties.GlobalClusterIdentifier).toBe(onlyResource(primaryData, 'AWS::RDS::GlobalCluster').resource.Properties.GlobalClusterIdentifier);
    expect(cluster.DeletionPolicy).toBe('Delete');
  });

  test("secondary cluster uses the key of its own region, never the primary's", () => {
    const { resource: cluster } = onlyResource(secondaryData, 'AWS::RDS::DBCluster');
    const key = resolve(cluster.Properties.KmsKeyId, 'SecondaryData');
    expect(key.stackId).toBe('SecondaryFoundation');
    expect(platform.stacks.secondaryFoundation.region).toBe('us-west-2');
  });

  test('secondary: at least one Serverless v2 instance', () => {
    const instances = resources('SecondaryData', 'AWS::RDS::DBInstance').map(([, r]) => r.Properties);
    expect(instances.length).toBeGreaterThanOrEqual(1);
    for (const instance of instances)
      expect(instance).toMatchObject({ DBInstanceClass: 'db.serverless', Engine: 'aurora-postgresql', PubliclyAccessible: false });
  });

  test.each([
    ['PrimaryData', 'PrimaryFoundation', 'us-east-1'],
    ['SecondaryData', 'SecondaryFoundation', 'us-west-2'],
  ])('%s: DB subnet group over the private (isolated) subnets of all 3 AZs', (stackId, foundationId, region) => {
    const { resource: group } = onlyResource(platform.templates[stackId], 'AWS::RDS::DBSubnetGroup');
    const subnets = group.Properties.SubnetIds.map((id: any) => resolve(id, stackId));
    expect(subnets).toHaveLength(3);
    for (const subnet of subnets) {
      expect(subnet.stackId).toBe(foundationId);
      expect(subnet.resource.Properties.Tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Isolated' });
    }
    expect(subnets.map((s: any) => s.resource.Properties.AvailabilityZone).sort()).toEqual(['a', 'b', 'c'].map((l) => `${region}${l}`));
  });

  test('customer-managed keys with rotation in both regions', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const { resource: key } = onlyResource(platform.templates[stackId], 'AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Delete');
    }
  });

  test("credentials secret: CMK-encrypted and replicated to the secondary region with that region's key", () => {
    const { resource: secret } = onlyResource(primaryData, 'AWS::SecretsManager::Secret');
    expect(secret.Properties.Name).toBe(`secret-trading-db-${SUFFIX}`);
    expect(resolve(secret.Properties.KmsKeyId, 'PrimaryData').stackId).toBe('PrimaryFoundation');
    expect(secret.Properties.ReplicaRegions).toHaveLength(1);
    expect(secret.Properties.ReplicaRegions[0].Region).toBe('us-west-2');
    expect(resolve(secret.Properties.ReplicaRegions[0].KmsKeyId, 'PrimaryData').stackId).toBe('SecondaryFoundation');
  });

  test.each([
    ['PrimaryService', 'PrimaryData'],
    ['SecondaryService', 'SecondaryData'],
  ])('only the %s tasks reach the database port of their region', (serviceId, dataId) => {
    const dbGroups = resources(dataId, 'AWS::EC2::SecurityGroup');
    expect(dbGroups).toHaveLength(1);
    const [dbGroupId, dbGroup] = dbGroups[0];
    expect(dbGroup.Properties.SecurityGroupIngress ?? []).toEqual([]);
    const ingressToDb = allResources(platform).filter(({ stackId, resource }) => {
      if (resource.Type !== 'AWS::EC2::SecurityGroupIngress' || typeof resource.Properties.GroupId !== 'object') return false;
      const target = resolve(resource.Properties.GroupId, stackId);
      return target.stackId === dataId && target.logicalId === dbGroupId;
    });
    expect(ingressToDb).toHaveLength(1);
    const [{ stackId, resource }] = ingressToDb;
    expect(stackId).toBe(serviceId);
    expect(resource.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
    expect(resolve(resource.Properties.GroupId, stackId)).toMatchObject({ stackId: dataId, logicalId: dbGroupId });
    const source = resolve(resource.Properties.SourceSecurityGroupId, stackId);
    expect(source.stackId).toBe(serviceId);
    expect(source.resource.Properties.Tags).toContainEqual({
      Key: 'Name',
      Value: `sg-trading-svc-${serviceId === 'PrimaryService' ? 'primary' : 'secondary'}-${SUFFIX}`,
    });
  });

  test('replication-lag alarm: AuroraGlobalDBReplicationLag of the SECONDARY cluster, in the secondary region, 60 s, to SNS', () => {
    const { resource: alarm } = onlyResource(secondaryData, 'AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'AuroraGlobalDBReplicationLag',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: `aurora-trading-secondary-${SUFFIX}` }],
      Threshold: 60000,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      // Missing data notifies through INSUFFICIENT_DATA instead of pinning the alarm in ALARM.
      TreatMissingData: 'missing',
    });
    expect(alarm.Properties.Unit).toBeUndefined();
    expect(alarm.Properties.InsufficientDataActions).toEqual(alarm.Properties.AlarmActions);
    expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    const topic = resolve(alarm.Properties.AlarmActions[0], 'SecondaryData');
    expect(topic).toMatchObject({ stackId: 'SecondaryFoundation', resource: { Type: 'AWS::SNS::Topic' } });
    expect(topic.resource.Properties.KmsMasterKeyId).toBeDefined();
  });

  test('the alarm topic key lets CloudWatch publish to the encrypted topic', () => {
    const { resource: key } = onlyResource(platform.templates.SecondaryFoundation, 'AWS::KMS::Key');
    const statement = key.Properties.KeyPolicy.Statement.find((st: any) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(statement).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow' });
    // The key protects the data stores too: CloudWatch may use it only for this account's alarms.
    expect(statement.Condition.StringEquals['aws:SourceAccount']).toBeDefined();
    expect(JSON.stringify(statement.Condition.ArnLike['aws:SourceArn'])).toContain(':cloudwatch:us-west-2:');
  });

  test('output: global cluster identifier', () => {
    const { logicalId } = onlyResource(primaryData, 'AWS::RDS::GlobalCluster');
    expect(primaryData.toJSON().Outputs.AuroraGlobalClusterIdentifier.Value).toEqual({ Ref: logicalId });
  });
});

describe('DynamoDB global table', () => {
  test('replicas in both regions, on-demand, TTL, KMS, deletable', () => {
    const { resource: table } = onlyResource(primaryData, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties).toMatchObject({
      TableName: `ddb-trading-sessions-${SUFFIX}`,
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.Replicas.map((r: any) => r.Region).sort()).toEqual(['us-east-1', 'us-west-2']);
  });

  test("point-in-time recovery on EVERY replica, each encrypted with its region's key, none deletion-protected", () => {
    const { resource: table } = onlyResource(primaryData, 'AWS::DynamoDB::GlobalTable');
    const foundationOf: Record<string, string> = { 'us-east-1': 'PrimaryFoundation', 'us-west-2': 'SecondaryFoundation' };
    for (const replica of table.Properties.Replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(false);
      expect(resolve(replica.SSESpecification.KMSMasterKeyId, 'PrimaryData').stackId).toBe(foundationOf[replica.Region]);
    }
  });

  test("the service's sessions use the table's partition key and its TTL attribute", () => {
    const { resource: table } = onlyResource(primaryData, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: SESSION_KEY_ATTRIBUTE, KeyType: 'HASH' }]);
    expect(table.Properties.TimeToLiveSpecification.AttributeName).toBe(SESSION_EXPIRY_ATTRIBUTE);
  });

  test('output: table name', () => {
    expect(primaryData.toJSON().Outputs.SessionTableName.Value).toEqual({ Ref: onlyResource(primaryData, 'AWS::DynamoDB::GlobalTable').logicalId });
  });
});

describe('S3 files buckets and cross-region replication', () => {
  const filesBucket = (stackId: string): [string, any] =>
    resources(stackId, 'AWS::S3::Bucket').find(([, b]) => JSON.stringify(b.Properties.BucketName).includes('s3-trading-files-'))!;

  test.each([
    ['PrimaryFoundation', 'us-east-1'],
    ['SecondaryFoundation', 'us-west-2'],
  ])('%s bucket: versioned, KMS, private, TLS-only, lifecycle rules, emptied on destroy', (stackId, region) => {
    const [bucketId, bucket] = filesBucket(stackId);
    expect(JSON.stringify(bucket.Properties.BucketName)).toContain(`-${region}-${SUFFIX}`);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        Status: 'Enabled',
      }),
    );
    const policy = resources(stackId, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)![1];
    expect(statements(policy)).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const autoDelete = resources(stackId, 'Custom::S3AutoDeleteObjects').filter(([, r]) => r.Properties.BucketName.Ref === bucketId);
    expect(autoDelete).toHaveLength(1);
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  test('primary replicates everything to the secondary bucket with RTC (15 min), metrics and delete markers', () => {
    const [, bucket] = filesBucket('PrimaryFoundation');
    const { Rules: rules } = bucket.Properties.ReplicationConfiguration;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      Status: 'Enabled',
      Filter: { Prefix: '' },
      DeleteMarkerReplication: { Status: 'Enabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    });
    expect(JSON.stringify(rules[0].Destination.Bucket)).toContain(`s3-trading-files-`);
    expect(JSON.stringify(rules[0].Destination.Bucket)).toContain(`-us-west-2-${SUFFIX}`);
    expect(resolve(rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID, 'PrimaryFoundation').stackId).toBe('SecondaryFoundation');
  });

  /** A custom resource's call as JSON, each token of its Fn::Join replaced by `<token n>` (listed in `tokens`). */
  const sdkCall = (value: any): { call: any; tokens: any[] } => {
    const tokens: any[] = [];
    const text = value['Fn::Join'][1].map((part: any) => (typeof part === 'string' ? part : `<token ${tokens.push(part) - 1}>`)).join('');
    return { call: JSON.parse(text), tokens };
  };
  const replicationBack = () => onlyResource(secondaryData, 'Custom::BucketReplication');

  test("the secondary bucket states no replication of its own: the data stack's rule owns it, and the two would overwrite each other", () => {
    expect(filesBucket('SecondaryFoundation')[1].Properties.ReplicationConfiguration).toBeUndefined();
    expect(resources('SecondaryFoundation', 'Custom::BucketReplication')).toHaveLength(0);
  });

  test('the secondary bucket replicates back to the primary bucket with the same rule: RTC, metrics, delete markers, KMS of the primary region', () => {
    const [, forward] = filesBucket('PrimaryFoundation');
    const { call, tokens } = sdkCall(replicationBack().resource.Properties.Create);
    expect(call).toMatchObject({ service: 'S3', action: 'PutBucketReplication' });
    expect(call.parameters.Bucket).toBe(`s3-trading-files-<token 0>-us-west-2-${SUFFIX}`);
    expect(tokens[0]).toEqual({ Ref: 'AWS::AccountId' });
    const [rule] = call.parameters.ReplicationConfiguration.Rules;
    expect(call.parameters.ReplicationConfiguration.Rules).toHaveLength(1);
    // CloudFormation spells the rule id `Id`, the S3 API `ID`.
    const { Destination: forwardDestination, Id: forwardId, ...forwardRule } = forward.Properties.ReplicationConfiguration.Rules[0];
    const { Destination: destination, ID: backId, ...backRule } = rule;
    expect(backRule).toEqual(forwardRule);
    expect([forwardId, backId]).toEqual(['replicate-all-to-standby', 'replicate-all-to-primary']);
    expect({ ...destination, Bucket: 'x', EncryptionConfiguration: 'x' }).toEqual({ ...forwardDestination, Bucket: 'x', EncryptionConfiguration: 'x' });
    expect(destination.Bucket).toMatch(new RegExp(`^arn:aws:s3:::s3-trading-files-<token \\d+>-us-east-1-${SUFFIX}$`));
    const key = tokens[Number(/<token (\d+)>/.exec(destination.EncryptionConfiguration.ReplicaKmsKeyID)![1])];
    expect(key).toEqual({ 'Fn::GetStackOutput': expect.objectContaining({ Region: 'us-east-1', OutputName: 'DataKeyArn' }) });
    expect(JSON.stringify(replicationBack().resource.Properties.Update)).toBe(JSON.stringify(replicationBack().resource.Properties.Create));
  });

  test('deleting the data stack removes the rule; the role it passes holds its permissions before the rule is applied', () => {
    const { logicalId, resource } = replicationBack();
    expect(JSON.parse(resource.Properties.Delete['Fn::Join'][1].map((part: any) => (typeof part === 'string' ? part : 'X')).join(''))).toMatchObject({
      action: 'DeleteBucketReplication',
      ignoreErrorCodesMatching: 'NoSuchBucket',
    });
    const { call, tokens } = sdkCall(resource.Properties.Create);
    const role = tokens[Number(/<token (\d+)>/.exec(call.parameters.ReplicationConfiguration.Role)![1])];
    const roleId = role['Fn::GetAtt'][0];
    expect(secondaryData.toJSON().Resources[roleId].Properties.RoleName).toBe(`role-s3-replication-secondary-${SUFFIX}`);
    const [policyId, policy] = resources('SecondaryData', 'AWS::IAM::Policy').find(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))!;
    expect(
      statements(policy)
        .map((statement: any) => statement.Sid)
        .sort(),
    ).toEqual(['DecryptSourceObjects', 'EncryptReplicas', 'ReadReplicationConfiguration', 'ReadSourceVersions', 'WriteReplicas']);
    expect([resource.DependsOn].flat()).toContain(policyId);
    // The function that applies it may set replication on that one bucket and pass that one role, nothing else.
    const [, callerPolicy] = resources('SecondaryData', 'AWS::IAM::Policy').find(([id]) => id !== policyId && id.startsWith('FilesReplicationToPrimaryRule'))!;
    expect(statements(callerPolicy)).toEqual([
      { Effect: 'Allow', Action: 's3:PutReplicationConfiguration', Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [roleId, 'Arn'] } },
    ]);
    expect(logicalId).toMatch(/^FilesReplicationToPrimaryRule/);
  });

  test('replication role: exactly the replication permissions, KMS included', () => {
    const [, bucket] = filesBucket('PrimaryFoundation');
    const role = resolve(bucket.Properties.ReplicationConfiguration.Role, 'PrimaryFoundation');
    expect(role.resource.Properties.RoleName).toBe(`role-s3-replication-primary-${SUFFIX}`);
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    const policies = resources('PrimaryFoundation', 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role.logicalId));
    expect(policies).toHaveLength(1);
    const bySid = Object.fromEntries(statements(policies[0][1]).map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'DecryptSourceObjects',
      'EncryptReplicas',
      'ReadReplicationConfiguration',
      'ReadSourceVersions',
      'WriteReplicas',
    ]);
    expect(actionsOf(bySid.ReadReplicationConfiguration).sort()).toEqual(['s3:GetReplicationConfiguration', 's3:ListBucket']);
    expect(actionsOf(bySid.ReadSourceVersions).sort()).toEqual(['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging']);
    expect(actionsOf(bySid.WriteReplicas).sort()).toEqual(['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags']);
    expect(JSON.stringify(bySid.WriteReplicas.Resource)).toContain('-us-west-2-');
    expect(bySid.DecryptSourceObjects).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
    expect(resolve(bySid.DecryptSourceObjects.Resource, 'PrimaryFoundation').stackId).toBe('PrimaryFoundation');
    expect(bySid.EncryptReplicas).toMatchObject({
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } },
    });
    expect(resolve(bySid.EncryptReplicas.Resource, 'PrimaryFoundation').stackId).toBe('SecondaryFoundation');
    for (const statement of Object.values<any>(bySid)) expect(actionsOf(statement).every((action) => !action.includes('*'))).toBe(true);
  });

  test('outputs: files bucket name in each region', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const [bucketId] = filesBucket(stackId);
      expect(platform.templates[stackId].toJSON().Outputs.FilesBucketName.Value).toEqual({ Ref: bucketId });
    }
  });
});

describe.each([
  ['PrimaryService', 'us-east-1', 'PrimaryData'],
  ['SecondaryService', 'us-west-2', 'SecondaryData'],
])('%s wiring to the data layer', (serviceId, region, dataId) => {
  test('the container gets the endpoint, port, database login, table and bucket through its environment, and no secret name', () => {
    const { resource: task } = appTaskDefinition(platform.templates[serviceId]);
    const environment = Object.fromEntries(task.Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]));
    expect(environment).toMatchObject({
      DB_GLOBAL_CLUSTER_ID: `aurora-trading-global-${SUFFIX}`,
      DB_CLUSTER_ID: `aurora-trading-${serviceId === 'PrimaryService' ? 'primary' : 'secondary'}-${SUFFIX}`,
      DB_PORT: '5432',
      DB_NAME: 'trading',
      DB_USER: 'trading_app',
      DB_MIGRATION_USER: 'trading_migrator',
      DB_AUTH: 'iam',
      DB_TLS: 'verify-full',
      DB_WRITE_FORWARD_CONSISTENCY: 'session',
      SESSIONS_TABLE: `ddb-trading-sessions-${SUFFIX}`,
    });
    expect(environment.DB_SECRET_ID).toBeUndefined();
    expect(JSON.stringify(environment.FILES_BUCKET)).toContain(`-${region}-${SUFFIX}`);
    const host = resolve(environment.DB_HOST, serviceId);
    expect(host).toMatchObject({ stackId: dataId, resource: { Type: 'AWS::RDS::DBCluster' } });
  });

  test('the task role connects to its own cluster as the two application roles (IAM), never reads the master secret, and reads/writes only its local table replica and bucket', () => {
    const [taskRoleId] = resources(serviceId, 'AWS::IAM::Role').find(([, r]) => r.Properties.RoleName?.startsWith('role-trading-task-'))!;
    const policies = resources(serviceId, 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === taskRoleId));
    const all = policies.flatMap(([, p]) => statements(p));
    const bySid = Object.fromEntries(all.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'ConnectAsApplicationRoles',
      'ListFiles',
      'PublishPlatformEvents',
      'ReadDatabaseRole',
      'ReadWriteFiles',
      'ReadWriteSessions',
      'UseRegionKeyThroughDataServices',
    ]);
    expect(bySid.ConnectAsApplicationRoles.Action).toBe('rds-db:connect');
    const connect = JSON.stringify(bySid.ConnectAsApplicationRoles.Resource);
    expect(connect).toContain(`:rds-db:${region}:`);
    expect(connect).toMatch(/:dbuser:.*\/trading_app"/);
    expect(connect).toMatch(/:dbuser:.*\/trading_migrator"/);
    // The cluster resource id of this region's own cluster.
    const idSource = bySid.ConnectAsApplicationRoles.Resource[0]['Fn::Join'][1].find((part: any) => typeof part === 'object' && 'Fn::ImportValue' in part);
    expect(resolve(idSource, serviceId)).toMatchObject({ stackId: dataId, resource: { Type: 'AWS::RDS::DBCluster' } });
    expect(all.some((statement: any) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')))).toBe(false);
    // The role of the region's cluster (which endpoint is active) is read on exactly this global cluster.
    expect(bySid.ReadDatabaseRole.Action).toBe('rds:DescribeGlobalClusters');
    expect(JSON.stringify(bySid.ReadDatabaseRole.Resource)).toContain(`:global-cluster:aurora-trading-global-${SUFFIX}`);
    const tableArn = JSON.stringify(bySid.ReadWriteSessions.Resource);
    expect(tableArn).toContain(`:dynamodb:${region}:`);
    expect(tableArn).toContain(`table/ddb-trading-sessions-${SUFFIX}`);
    expect(actionsOf(bySid.ReadWriteSessions)).not.toContain('dynamodb:Scan');
    expect(JSON.stringify(bySid.ReadWriteFiles.Resource)).toContain(`-${region}-${SUFFIX}/*`);
    expect(bySid.UseRegionKeyThroughDataServices.Condition.StringEquals['kms:ViaService']).toEqual(
      ['dynamodb', 's3'].map((service) => `${service}.${region}.amazonaws.com`),
    );
    for (const statement of all) expect(actionsOf(statement).every((action) => !action.includes('*'))).toBe(true);
    // The key statement names this region's key, not the other region's.
    const keyResource = resolve(bySid.UseRegionKeyThroughDataServices.Resource, serviceId);
    expect(keyResource).toMatchObject({
      stackId: serviceId === 'PrimaryService' ? 'PrimaryFoundation' : 'SecondaryFoundation',
      resource: { Type: 'AWS::KMS::Key' },
    });
  });
});

describe('database access for the trading workload', () => {
  test('both clusters require TLS (rds.force_ssl defaults to 0 on Aurora PostgreSQL 16)', () => {
    const [, primaryGroup] = resources('PrimaryData', 'AWS::RDS::DBClusterParameterGroup')[0];
    const [, secondaryGroup] = resources('SecondaryData', 'AWS::RDS::DBClusterParameterGroup')[0];
    for (const group of [primaryGroup, secondaryGroup])
      expect(group.Properties).toMatchObject({ Family: 'aurora-postgresql16', Parameters: { 'rds.force_ssl': '1' } });
    for (const [stackId, template] of [
      ['PrimaryData', primaryData],
      ['SecondaryData', secondaryData],
    ] as const) {
      const { resource: cluster } = onlyResource(template, 'AWS::RDS::DBCluster');
      expect(resolve(cluster.Properties.DBClusterParameterGroupName, stackId).resource.Type).toBe('AWS::RDS::DBClusterParameterGroup');
    }
  });

  test.each([
    ['PrimaryService', 'us-east-1', 'PrimaryData'],
    ['SecondaryService', 'us-west-2', 'SecondaryData'],
  ])('%s has the one-off bootstrap task: the only principal that reads the master secret', (serviceId, region, dataId) => {
    const [, task] = resources(serviceId, 'AWS::ECS::TaskDefinition').find(
      ([, candidate]) => candidate.Properties.ContainerDefinitions[0].Name === 'bootstrap',
    )!;
    const [container] = task.Properties.ContainerDefinitions;
    expect(container.Command).toEqual(['node', 'dist/bootstrap-cli.js']);
    const environment = Object.fromEntries(container.Environment.map((entry: any) => [entry.Name, entry.Value]));
    expect({ user: environment.DB_USER, migrator: environment.DB_MIGRATION_USER }).toEqual({ user: 'trading_app', migrator: 'trading_migrator' });
    expect(resolve(environment.DB_HOST, serviceId)).toMatchObject({ stackId: dataId, resource: { Type: 'AWS::RDS::DBCluster' } });
    expect(container.Secrets).toEqual([{ Name: 'DB_MASTER_SECRET', ValueFrom: expect.anything() }]);
    // The complete ARN of this region's copy: the primary's secret, or its replica's ARN in the secondary region.
    const valueFrom = container.Secrets[0].ValueFrom;
    if (region === 'us-east-1') {
      expect(resolve(valueFrom, serviceId)).toMatchObject({ stackId: 'PrimaryData', resource: { Type: 'AWS::SecretsManager::SecretTargetAttachment' } });
    } else {
      expect(valueFrom).toEqual({
        'Fn::GetStackOutput': { StackName: expect.stringMatching(/data-primary/), Region: 'us-east-1', OutputName: 'DatabaseSecretReplicaArn' },
      });
      const output = platform.templates.PrimaryData.toJSON().Outputs.DatabaseSecretReplicaArn.Value;
      expect(JSON.stringify(output)).toContain(`secretsmanager:${region}`);
      expect(output['Fn::Join'][1].at(-1)['Fn::Select'][0]).toBe(6);
    }
    // Across every template, only bootstrap execution roles may read the master secret.
    const readers = allResources(platform)
      .filter(({ resource }) => resource.Type === 'AWS::IAM::Policy')
      .filter(({ resource }) => statements(resource).some((statement: any) => actionsOf(statement).includes('secretsmanager:GetSecretValue')))
      .map(({ stackId, resource }) => `${stackId}:${JSON.stringify(resource.Properties.Roles)}`);
    expect(readers).toHaveLength(2);
    for (const reader of readers) expect(reader).toMatch(/DatabaseBootstrapExecutionRole/);
    const outputs = platform.templates[serviceId].toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['DatabaseBootstrapTaskDefinition', 'ServiceSecurityGroupId']));
    expect(Object.keys(platform.templates[serviceId.replace('Service', 'Foundation')].toJSON().Outputs)).toContain('PrivateSubnetIds');
  });
});

describe('cross-region references', () => {
  test('no custom-resource export writers: cross-region values are CloudFormation stack-output reads', () => {
    const types = new Set(allResources(platform).map(({ resource }) => resource.Type));
    expect([...types].filter((type) => /CrossRegion|Export(Writer|Reader)/.test(type))).toEqual([]);
  });

  test('Fn::GetStackOutput is used only for values produced in another region; same-region references stay strong', () => {
    for (const stack of platform.allStacks) {
      const text = JSON.stringify(platform.templates[stack.node.id].toJSON().Resources);
      for (const match of text.matchAll(/"Fn::GetStackOutput":\{"StackName":"([^"]+)","Region":"([^"]+)"/g)) {
        const producer = platform.allStacks.find((candidate) => candidate.stackName === match[1])!;
        const crossRegion = producer.region !== stack.region;
        // Producers read from another region are weak for all their consumers (one setting per resource).
        const crossRegionProducer = ['SecondaryFoundation', 'EventRouting', 'GlobalTraffic'].includes(producer.node.id);
        expect({ consumer: stack.node.id, producer: producer.node.id, allowed: crossRegion || crossRegionProducer }).toEqual({
          consumer: stack.node.id,
          producer: producer.node.id,
          allowed: true,
        });
      }
    }
  });
});
