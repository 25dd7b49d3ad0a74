import { allResources, resolveIn, SynthesizedPlatform, synthesizeEnvironment } from './helpers';

/**
 * The controls a bank's security review asks for (PCI DSS v4.0.1, NIST 800-53), read from the
 * synthesized templates of both postures: config/prod.json (production) and config/dev.json (test).
 */
const postures: Record<string, SynthesizedPlatform> = {};

beforeAll(() => {
  postures.production = synthesizeEnvironment('prod');
  postures.test = synthesizeEnvironment('dev');
});

const POSTURES = ['production', 'test'];
const ofType = (platform: SynthesizedPlatform, type: string) => allResources(platform).filter(({ resource }) => resource.Type === type);
const regionOf = (platform: SynthesizedPlatform, stackId: string) => platform.allStacks.find((stack) => stack.node.id === stackId)!.region;
const stackNameOf = (platform: SynthesizedPlatform, stackId: string) => platform.allStacks.find((stack) => stack.node.id === stackId)!.stackName;

/** A rendered ARN (pattern) of a key policy, with the account pseudo parameter spelled out. */
function renderArn(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'AWS::AccountId') return '111122223333';
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(renderArn).join(value['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

describe.each(POSTURES)('%s posture', (posture) => {
  test('every log group is encrypted with its own region customer-managed key, which admits CloudWatch Logs for that log group only', () => {
    const platform = postures[posture];
    const groups = ofType(platform, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(8);
    for (const group of groups) {
      const region = regionOf(platform, group.stackId);
      const at = `${group.stackId}/${group.logicalId}`;
      expect({ at, key: group.resource.Properties.KmsKeyId !== undefined }).toEqual({ at, key: true });
      const key = resolveIn(platform, group.resource.Properties.KmsKeyId, group.stackId);
      expect({ at, keyType: key.resource.Type, keyRegion: regionOf(platform, key.stackId) }).toEqual({ at, keyType: 'AWS::KMS::Key', keyRegion: region });
      const statements = key.resource.Properties.KeyPolicy.Statement.filter(
        (statement: any) => statement.Principal?.Service === `logs.${region}.amazonaws.com`,
      );
      expect(statements).toHaveLength(1);
      const admitted: string[] = statements[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'].map(renderArn);
      // CloudFormation names an unnamed group "<stack name>-<logical id>-<random>".
      const name = group.resource.Properties.LogGroupName ?? `${stackNameOf(platform, group.stackId)}-${group.logicalId}-ABCDEF123456`;
      const arn = `arn:aws:logs:${region}:111122223333:log-group:${name}`;
      expect({ at, admitted: admitted.some((pattern) => globToRegExp(pattern).test(arn)) }).toEqual({ at, admitted: true });
      // Never a wildcard wider than one stack's generated names.
      for (const pattern of admitted) expect(pattern).toMatch(new RegExp(`^arn:aws:logs:${region}:111122223333:log-group:[^*]+(-\\*)?$`));
    }
  });

  test('every Aurora instance of both clusters: Enhanced Monitoring through an RDS monitoring role, Performance Insights with its region key, identical within each cluster', () => {
    const platform = postures[posture];
    const instances = ofType(platform, 'AWS::RDS::DBInstance');
    expect(instances.map((instance) => instance.stackId).sort()).toEqual(expect.arrayContaining(['PrimaryData', 'SecondaryData']));
    const settingsByStack = new Map<string, string>();
    for (const instance of instances) {
      const properties = instance.resource.Properties;
      const at = `${instance.stackId}/${instance.logicalId}`;
      const key = resolveIn(platform, properties.PerformanceInsightsKMSKeyId, instance.stackId);
      const role = resolveIn(platform, properties.MonitoringRoleArn, instance.stackId);
      expect({
        at,
        interval: properties.MonitoringInterval,
        insights: properties.EnablePerformanceInsights,
        retention: properties.PerformanceInsightsRetentionPeriod,
        key: `${key.resource.Type} in ${regionOf(platform, key.stackId)}`,
        roleTrusts: role.resource.Properties.AssumeRolePolicyDocument.Statement.map((statement: any) => statement.Principal.Service),
      }).toEqual({
        at,
        interval: 60,
        insights: true,
        retention: 7,
        key: `AWS::KMS::Key in ${regionOf(platform, instance.stackId)}`,
        roleTrusts: ['monitoring.rds.amazonaws.com'],
      });
      const settings = JSON.stringify([
        properties.MonitoringInterval,
        properties.MonitoringRoleArn,
        properties.PerformanceInsightsKMSKeyId,
        properties.PerformanceInsightsRetentionPeriod,
      ]);
      expect(settingsByStack.get(instance.stackId) ?? settings).toBe(settings);
      settingsByStack.set(instance.stackId, settings);
    }
  });
});
