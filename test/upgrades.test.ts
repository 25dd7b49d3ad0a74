import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawPlatformConfig } from '../lib/config';
import { loadSchemas, movedNamedResources, replacedResources, replacementProblems, ResourceSchema, StackTemplate } from '../scripts/replacements';
import { assemblyTemplates, downloadedTemplates, RecordedRelease, recordedReleases, releaseTemplates, schemaSource } from '../scripts/check-upgrade';
import { checkUpgrade, importedExportProblems } from '../scripts/upgrade-gate';
import { sharedAssembly } from './assemblies';
import { SynthesizedPlatform, synthesizePlatform } from './helpers';

const CERT_EAST = 'arn:aws:acm:us-east-1:123456789012:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const CERT_WEST = 'arn:aws:acm:us-west-2:123456789012:certificate/1c7b2a5f-3d4e-4f60-9bac-1d2e3f4a5b6c';

/** One environment in the configurations a user moves it between. */
const HTTP: RawPlatformConfig = { environmentSuffix: 'live', account: '123456789012', domainName: 'trading.acme-bank.com', protocol: 'http' };
const HTTPS: RawPlatformConfig = { ...HTTP, protocol: 'https', primaryCertificateArn: CERT_EAST, secondaryCertificateArn: CERT_WEST };
const CONFIGURATIONS: Record<string, RawPlatformConfig> = {
  http: HTTP,
  https: HTTPS,
  'changed probes': { ...HTTPS, failoverProbeCount: 4, failoverProbeIntervalSeconds: 15 },
  'changed retention': { ...HTTPS, logRetentionDays: '30' },
  'year retention': { ...HTTPS, logRetentionDays: '365' },
  production: { ...HTTPS, posture: 'production', logRetentionDays: '365' },
  'production, longer retention': { ...HTTPS, posture: 'production', logRetentionDays: '731' },
  'another domain': { ...HTTP, domainName: 'trading.acme-bank.org' },
};
const MOVES: Array<[string, string]> = [
  ['http', 'https'],
  ['https', 'http'],
  ['https', 'changed probes'],
  ['changed probes', 'https'],
  ['https', 'changed retention'],
  ['year retention', 'production'],
  ['production', 'year retention'],
  ['production', 'production, longer retention'],
  ['http', 'another domain'],
];

const synthesized: Record<string, StackTemplate[]> = {};
const schemaCache = new Map<string, (type: string) => ResourceSchema | undefined>();
const schemasOf = (region: string) => {
  if (!schemaCache.has(region)) schemaCache.set(region, loadSchemas(region));
  return schemaCache.get(region)!;
};

function templates(platform: SynthesizedPlatform): StackTemplate[] {
  return platform.allStacks.map((stack) => ({
    stackId: stack.node.id,
    stackName: stack.stackName,
    region: stack.region,
    template: platform.templates[stack.node.id].toJSON(),
  }));
}

beforeAll(() => {
  for (const [name, raw] of Object.entries(CONFIGURATIONS)) synthesized[name] = templates(synthesizePlatform(raw));
});

describe('moving an environment between configurations replaces nothing that cannot be replaced', () => {
  test.each(MOVES)('%s → %s', (from, to) => {
    const replacements = replacedResources(synthesized[from], synthesized[to], schemasOf);
    const problems = replacementProblems(synthesized[from], synthesized[to], replacements, schemasOf);
    expect(problems.map(({ replacement, problem }) => `${replacement.stackId}/${replacement.logicalId} (${replacement.type}) ${problem}`)).toEqual([]);
    expect(movedNamedResources(synthesized[from], synthesized[to], schemasOf)).toEqual([]);
    expect(importedExportProblems(synthesized[from], synthesized[to])).toEqual([]);
  });

  test('HTTP → HTTPS replaces exactly the four Route 53 health checks, routing and signal (Type is create-only)', () => {
    const replacements = replacedResources(synthesized.http, synthesized.https, schemasOf);
    expect(replacements.map(({ stackId, type, changed }) => `${stackId} ${type} ${changed.join(',')}`)).toEqual(
      Array(4).fill('GlobalTraffic AWS::Route53::HealthCheck /properties/HealthCheckConfig/Type'),
    );
  });
});

describe('the analysis itself', () => {
  const stack = (stackId: string, resources: Record<string, any>, outputs: Record<string, any> = {}): StackTemplate => ({
    stackId,
    stackName: stackId.toLowerCase(),
    region: 'us-east-1',
    template: { Resources: resources, Outputs: outputs },
  });
  const check = (type: string, properties: Record<string, unknown>) => ({
    Type: 'AWS::Route53::HealthCheck',
    Properties: { HealthCheckConfig: { Type: type, ...properties } },
  });

  test('finds an import of a replaced resource (the defect a review found in the health checks)', () => {
    const exported = { Value: { 'Fn::GetAtt': ['Check', 'HealthCheckId'] }, Export: { Name: 'dns:CheckId' } };
    const consumer = stack('Monitoring', {
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Dimensions: [{ Value: { 'Fn::ImportValue': 'dns:CheckId' } }] } },
    });
    const before = [stack('Dns', { Check: check('HTTP', {}) }, { CheckId: exported }), consumer];
    const after = [stack('Dns', { Check: check('HTTPS', {}) }, { CheckId: exported }), consumer];
    const replacements = replacedResources(before, after, schemasOf);
    expect(replacementProblems(before, after, replacements, schemasOf).map(({ problem }) => problem)).toEqual([
      'is imported by Monitoring (Fn::ImportValue of output CheckId): the export cannot change while in use',
    ]);
  });

  test('finds a weak reader that does not change, and accepts one that changes', () => {
    const output = { Value: { Ref: 'Check' } };
    const reader = (label: string) =>
      stack('Monitoring', {
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmDescription: label, Dimensions: [{ Value: { 'Fn::GetStackOutput': { StackName: 'dns', OutputName: 'CheckId' } } }] },
        },
      });
    const before = [stack('Dns', { Check: check('HTTP', {}) }, { CheckId: output }), reader('HTTP probe')];
    const stale = [stack('Dns', { Check: check('HTTPS', {}) }, { CheckId: output }), reader('HTTP probe')];
    const following = [stack('Dns', { Check: check('HTTPS', {}) }, { CheckId: output }), reader('HTTPS probe')];
    expect(replacementProblems(before, stale, replacedResources(before, stale, schemasOf), schemasOf).map(({ problem }) => problem)).toEqual([
      'is read weakly by Monitoring/Alarm (Fn::GetStackOutput of CheckId), which does not change: it would keep the old value',
    ]);
    expect(replacementProblems(before, following, replacedResources(before, following, schemasOf), schemasOf)).toEqual([]);
  });

  test('a create-only name property of the type itself counts as a custom name, not only the primary identifier', () => {
    const group = (vpc: string) => ({ Type: 'AWS::EC2::SecurityGroup', Properties: { GroupName: 'sg-trading-db-live', GroupDescription: 'db', VpcId: vpc } });
    const before = [stack('Data', { Group: group('vpc-1') })];
    const after = [stack('Data', { Group: group('vpc-2') })];
    expect(replacementProblems(before, after, replacedResources(before, after, schemasOf), schemasOf).map(({ problem }) => problem)).toEqual([
      'keeps its custom physical name (/properties/GroupName): CloudFormation creates the replacement first, and the name is taken',
    ]);
  });

  test('finds an export the new templates drop while the old consumer still imports it', () => {
    const producer = (exported: boolean) =>
      stack(
        'Foundation',
        { Vault: { Type: 'AWS::Backup::BackupVault', Properties: {} } },
        exported ? { VaultName: { Value: { Ref: 'Vault' }, Export: { Name: 'f:Vault' } } } : {},
      );
    const consumer = stack('Data', { Plan: { Type: 'AWS::Backup::BackupPlan', Properties: { Vault: { 'Fn::ImportValue': 'f:Vault' } } } });
    expect(importedExportProblems([producer(true), consumer], [producer(false), stack('Data', {})])).toEqual([
      'Foundation no longer exports "f:Vault", which Data imports in the release: Foundation deploys first and CloudFormation refuses to delete an export in use (keep it with Stack.exportValue until no supported release imports it)',
    ]);
    expect(importedExportProblems([producer(true), consumer], [producer(true), consumer])).toEqual([]);
    // Kept, but with another value: CloudFormation refuses to modify an export in use as well.
    const changed = stack('Foundation', {}, { VaultName: { Value: { Ref: 'OtherVault' }, Export: { Name: 'f:Vault' } } });
    expect(importedExportProblems([producer(true), consumer], [changed, consumer])).toEqual([
      'Foundation exports "f:Vault" with another value ({"Ref":"OtherVault"}, was {"Ref":"Vault"}), which Data imports: CloudFormation refuses to modify an export in use',
    ]);
  });

  test('finds a named resource that moves to another logical id', () => {
    const bucket = { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'logs-live' } };
    const before = [stack('Foundation', { AccessLogBucket: bucket })];
    expect(movedNamedResources(before, [stack('Foundation', { AccessLogsBucket: bucket })], schemasOf)).toEqual([
      'us-east-1 AWS::S3::Bucket ["logs-live"] moves from Foundation/AccessLogBucket to Foundation/AccessLogsBucket: the new resource is created while the old one still holds the name',
    ]);
    expect(movedNamedResources(before, before, schemasOf)).toEqual([]);
    // A name that is not the primary identifier (a security group's GroupName) counts as well.
    const group = { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupName: 'sg-db-live', GroupDescription: 'db' } };
    expect(movedNamedResources([stack('Data', { Group: group })], [stack('Foundation', { Group: group })], schemasOf)).toHaveLength(1);
  });

  test('finds a replaced resource that keeps its custom physical name, and accepts one renamed with it', () => {
    const cluster = (name: string, key: string) => ({
      Type: 'AWS::RDS::DBCluster',
      Properties: { DBClusterIdentifier: name, KmsKeyId: key, Engine: 'aurora-postgresql' },
    });
    const before = [stack('Data', { Cluster: cluster('aurora-live', 'key-1') })];
    const sameName = [stack('Data', { Cluster: cluster('aurora-live', 'key-2') })];
    const renamed = [stack('Data', { Cluster: cluster('aurora-v2-live', 'key-2') })];
    expect(replacementProblems(before, sameName, replacedResources(before, sameName, schemasOf), schemasOf).map(({ problem }) => problem)).toEqual([
      'keeps its custom physical name (/properties/DBClusterIdentifier): CloudFormation creates the replacement first, and the name is taken',
    ]);
    expect(replacedResources(before, renamed, schemasOf)).toHaveLength(1);
    expect(replacementProblems(before, renamed, replacedResources(before, renamed, schemasOf), schemasOf)).toEqual([]);
  });
});

describe('upgrades from the recorded releases (upgrades/releases.json) to today', () => {
  const schemasOfRegion = schemaSource();
  const today = (entry: RecordedRelease) => assemblyTemplates(sharedAssembly(entry.today));
  const findings = (entry: RecordedRelease, after = today(entry)) =>
    checkUpgrade({ release: `${entry.release} (${entry.configuration})`, before: releaseTemplates(entry), after, schemasOf: schemasOfRegion });
  const entry = (release: string, configuration: string) =>
    recordedReleases().find((candidate) => candidate.release === release && candidate.configuration === configuration)!;

  test.each(recordedReleases().map((recorded) => [`${recorded.release} (${recorded.configuration})`, recorded] as const))(
    '%s upgrades to today without a failure',
    (_name, recorded) => {
      expect(findings(recorded).failures).toEqual([]);
    },
  );

  test('2e76783 gets its database parameter group, which needs a reboot: reported as a manual step', () => {
    expect(findings(entry('2e76783', 'default')).manualSteps).toEqual([
      expect.stringMatching(/^2e76783 \(default\): PrimaryData\/DatabaseCluster\w+ \(AWS::RDS::DBCluster\) is given another parameter group: .*reboot/),
      expect.stringMatching(/^2e76783 \(default\): SecondaryData\/DatabaseCluster\w+ \(AWS::RDS::DBCluster\) is given another parameter group/),
    ]);
  });

  /** Today's templates of `entry` with one stack's template edited. */
  function mutated(recorded: RecordedRelease, stackId: string, edit: (template: any) => void): StackTemplate[] {
    return today(recorded).map((stack) => {
      if (stack.stackId !== stackId) return stack;
      const template = JSON.parse(JSON.stringify(stack.template));
      edit(template);
      return { ...stack, template };
    });
  }

  test('a dropped export that the release imports fails, naming the release, the stack and the export', () => {
    // What shipped before the fix: the Service stacks no longer exported the target group's full name.
    const recorded = entry('2e76783', 'default');
    const after = mutated(recorded, 'PrimaryService', (template) => {
      for (const [id, output] of Object.entries<any>(template.Outputs))
        if (String(output.Export?.Name).includes('TargetGroupFullName')) delete template.Outputs[id];
    });
    expect(findings(recorded, after).failures).toEqual([
      expect.stringMatching(
        /^2e76783 \(default\): PrimaryService no longer exports "trading-dr-service-primary-dev:ExportsOutputFnGetAttTradingTargetGroup\w+TargetGroupFullName\w+", which PrimaryMonitoring imports in the release/,
      ),
    ]);
  });

  test('a named bucket whose construct id is renamed fails, naming the release, the stack and the bucket', () => {
    const recorded = entry('3a13891', 'prod');
    let renamed = '';
    const after = mutated(recorded, 'PrimaryFoundation', (template) => {
      const [id, bucket] = Object.entries<any>(template.Resources).find(
        ([, resource]) => resource.Type === 'AWS::S3::Bucket' && resource.Properties?.BucketName,
      )!;
      renamed = id;
      delete template.Resources[id];
      template.Resources[`${id}Renamed`] = bucket;
    });
    const failures = findings(recorded, after).failures;
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^3a13891 \\(prod\\): us-east-1 AWS::S3::Bucket .* moves from PrimaryFoundation/${renamed} to PrimaryFoundation/${renamed}Renamed`),
        ),
        expect.stringMatching(
          new RegExp(
            `^3a13891 \\(prod\\): PrimaryFoundation/${renamed} \\(AWS::S3::Bucket\\) leaves the template: on the update it is orphaned \\(DeletionPolicy Retain\\)`,
          ),
        ),
      ]),
    );
  });

  test('a replaced database cluster fails, naming the release, the stack and the cluster', () => {
    const recorded = entry('3a13891', 'prod');
    const after = mutated(recorded, 'PrimaryData', (template) => {
      const cluster = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::RDS::DBCluster')!;
      cluster.Properties.DatabaseName = 'renamed';
    });
    expect(findings(recorded, after).failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^3a13891 \(prod\): PrimaryData\/\w+ \(AWS::RDS::DBCluster\) is replaced \(\/properties\/DatabaseName\) and keeps its custom physical name/,
        ),
        expect.stringMatching(/^3a13891 \(prod\): PrimaryData\/\w+ \(AWS::RDS::DBCluster\) is stateful and would be replaced \(\/properties\/DatabaseName\)/),
      ]),
    );
  });

  test('an acknowledged stateful change passes, and only for the release it names', () => {
    const recorded = entry('3a13891', 'prod');
    let clusterId = '';
    const after = mutated(recorded, 'PrimaryData', (template) => {
      const [id, cluster] = Object.entries<any>(template.Resources).find(([, resource]) => resource.Type === 'AWS::RDS::DBCluster')!;
      clusterId = id;
      cluster.Properties.StorageEncrypted = !cluster.Properties.StorageEncrypted;
    });
    const acknowledgements = [{ release: '3a13891', stackId: 'PrimaryData', logicalId: clusterId, reason: 'test' }];
    const run = (release: string) =>
      checkUpgrade({ release, before: releaseTemplates(recorded), after, schemasOf: schemasOfRegion, acknowledgements }).failures.filter((failure) =>
        failure.includes('is stateful'),
      );
    expect(run('3a13891 (prod)')).toEqual([]);
    expect(run('2e76783 (prod)')).toHaveLength(1);
  });
});

describe('the gate on removals and replaced parameter groups', () => {
  const schemasOfRegion = schemaSource();
  const recorded = () => recordedReleases().find((candidate) => candidate.release === '3a13891' && candidate.configuration === 'prod')!;
  const edited = (stackId: string, edit: (template: any) => void): StackTemplate[] =>
    assemblyTemplates(sharedAssembly('prod')).map((stack) => {
      if (stack.stackId !== stackId) return stack;
      const template = JSON.parse(JSON.stringify(stack.template));
      edit(template);
      return { ...stack, template };
    });
  const run = (after: StackTemplate[]) => checkUpgrade({ release: '3a13891 (prod)', before: releaseTemplates(recorded()), after, schemasOf: schemasOfRegion });

  test('a replaced parameter group (its Description is create-only) is a reboot step, though the cluster still names it by the same Ref', () => {
    const after = edited('PrimaryData', (template) => {
      const group = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::RDS::DBClusterParameterGroup')!;
      group.Properties.Description = `${group.Properties.Description} (changed)`;
    });
    expect(run(after).manualSteps).toEqual([
      expect.stringMatching(/^3a13891 \(prod\): PrimaryData\/\w+ \(AWS::RDS::DBCluster\) gets a replaced parameter group: .*reboot/),
    ]);
  });

  test("3a13891's production environment keeps its zone: switching it to certificates=platform, which moves the zone, is refused", () => {
    const {
      primaryCertificateArn: _east,
      secondaryCertificateArn: _west,
      ...raw
    } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'config', 'prod.json'), 'utf8'));
    const after = templates(synthesizePlatform({ ...raw, certificates: 'platform' }));
    expect(run(after).failures).toEqual(
      expect.arrayContaining([expect.stringMatching(/^3a13891 \(prod\): GlobalTraffic\/HostedZone\w+ \(AWS::Route53::HostedZone\) /)]),
    );
    // Today's prod.json (the given ARNs) keeps it where it is.
    expect(run(assemblyTemplates(sharedAssembly('prod'))).failures).toEqual([]);
  });

  test('a stack that leaves the app is named as such: its stateful resources stay until it is destroyed', () => {
    const after = assemblyTemplates(sharedAssembly('prod')).filter((stack) => stack.stackId !== 'SecondaryData');
    expect(run(after).failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^3a13891 \(prod\): SecondaryData\/\w+ \(AWS::RDS::DBCluster\) is in SecondaryData, which is no longer in the app: cdk deploy leaves that stack in place, and destroying it means it is deleted, with a final snapshot \(DeletionPolicy Snapshot\)/,
        ),
      ]),
    );
  });
});

describe('templates downloaded from an account (--from)', () => {
  test('each <stack name>.json is matched to its stack; a file that names no stack is refused', () => {
    const today = assemblyTemplates(sharedAssembly('prod'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'from-account-'));
    const release = recordedReleases().find((candidate) => candidate.release === '3a13891' && candidate.configuration === 'prod')!;
    for (const stack of releaseTemplates(release)) fs.writeFileSync(path.join(dir, `${stack.stackName}.json`), JSON.stringify(stack.template));
    const downloaded = downloadedTemplates(dir, today);
    expect(downloaded.map((stack) => stack.stackId).sort()).toEqual(today.map((stack) => stack.stackId).sort());
    expect(checkUpgrade({ release: 'account', before: downloaded, after: today, schemasOf: schemaSource() }).failures).toEqual([]);
    fs.writeFileSync(path.join(dir, 'trading-dr-unknown-prod.json'), '{}');
    expect(() => downloadedTemplates(dir, today)).toThrow(/trading-dr-unknown-prod.json names no stack of this configuration/);
  });
});
