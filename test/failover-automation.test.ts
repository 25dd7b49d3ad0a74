import { Template } from 'aws-cdk-lib/assertions';
import { allResources, nagFindings, onlyResource, resolveIn, synthesizePlatform, SynthesizedPlatform } from './helpers';

const SUFFIX = 'fo6';
let platform: SynthesizedPlatform;
let failover: Template;

beforeAll(() => {
  platform = synthesizePlatform({ environmentSuffix: SUFFIX, failoverProbeCount: '4', failoverProbeIntervalSeconds: '15' });
  failover = platform.templates.FailoverAutomation;
});

const fn = (): any => onlyResource(failover, 'AWS::Lambda::Function').resource;

test('the orchestrator runs in the secondary region, independent of the primary', () => {
  expect(platform.stacks.failover.region).toBe('us-west-2');
  const env = fn().Properties.Environment.Variables;
  expect(JSON.stringify(env.SECONDARY_CLUSTER_ARN)).toMatch(/:rds:us-west-2:.*:cluster:aurora-trading-secondary-fo6/);
  expect(env.GLOBAL_CLUSTER_ID).toBe(`aurora-trading-global-${SUFFIX}`);
  // The primary's readiness is probed from here, through the primary load balancer's DNS name.
  expect(JSON.stringify(env.PRIMARY_READINESS_URL)).toMatch(/"Fn::GetStackOutput":\{"StackName":"trading-dr-service-primary-fo6","Region":"us-east-1"/);
  expect(JSON.stringify(env.PRIMARY_READINESS_URL)).toContain('/ready');
  expect(JSON.stringify(env.SECONDARY_READINESS_URL)).toContain('/ready');
});

test('the configured probe window reaches the function; a schedule runs it every minute; never two runs at once', () => {
  const env = fn().Properties.Environment.Variables;
  expect(env).toMatchObject({ PROBE_COUNT: '4', PROBE_INTERVAL_SECONDS: '15', PAUSE_PARAMETER: `/trading-dr/${SUFFIX}/failover/paused` });
  expect(fn().Properties.ReservedConcurrentExecutions).toBe(1);
  // Each run watches the primary for its probe window, minutes long so that few ends of runs leave
  // it unwatched; then a last round of three probes of up to 1 s, the 300 s promotion wait and a
  // poll; past the window, up to 60 s more for Route 53. All of it within Lambda's 15 minutes.
  expect(env).toMatchObject({ PROBE_WINDOW_SECONDS: '400', TRAFFIC_WAIT_SECONDS: '60', PROBE_TIMEOUT_SECONDS: '1' });
  expect(fn().Properties.Timeout).toBeGreaterThanOrEqual(400 + 60 + 3 * 1 + 300 + 10);
  expect(fn().Properties.Timeout).toBeLessThanOrEqual(900);
  const asyncConfig = onlyResource(failover, 'AWS::Lambda::EventInvokeConfig').resource.Properties;
  expect(asyncConfig).toMatchObject({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
  const { resource: schedule } = onlyResource(failover, 'AWS::Scheduler::Schedule');
  expect(schedule.Properties.ScheduleExpression).toBe('rate(1 minute)');
  expect(resolveIn(platform, schedule.Properties.Target.Arn, 'FailoverAutomation').resource.Type).toBe('AWS::Lambda::Function');
  expect(schedule.Properties.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
});

test('the operator pause switch exists and starts unpaused', () => {
  failover.hasResourceProperties('AWS::SSM::Parameter', { Name: `/trading-dr/${SUFFIX}/failover/paused`, Value: 'false', Type: 'String' });
});

test('the failed-probe streak lives in a durable parameter of this region that only the orchestrator may write', () => {
  const env = fn().Properties.Environment.Variables;
  expect(env.PROBE_STATE_PARAMETER).toBe(`/trading-dr/${SUFFIX}/failover/probe-streak`);
  failover.hasResourceProperties('AWS::SSM::Parameter', { Name: `/trading-dr/${SUFFIX}/failover/probe-streak`, Type: 'String' });
  const statements = Object.values(failover.findResources('AWS::IAM::Policy')).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
  const writes = statements.filter((statement: any) => [statement.Action].flat().includes('ssm:PutParameter'));
  expect(writes).toHaveLength(1);
  const [parameterId] = Object.entries(failover.findResources('AWS::SSM::Parameter')).find(
    ([, parameter]: [string, any]) => parameter.Properties.Name === `/trading-dr/${SUFFIX}/failover/probe-streak`,
  )!;
  // Exactly that parameter's ARN: the pause switch stays read-only for the function.
  expect(JSON.stringify(writes[0].Resource)).toContain(`{"Ref":"${parameterId}"}`);
  expect(JSON.stringify(writes[0].Resource)).not.toContain('*');
});

test('IAM: failover limited to this global cluster and its two member clusters; nothing else on RDS', () => {
  const roleId = resolveIn(platform, fn().Properties.Role, 'FailoverAutomation').logicalId;
  const statements = Object.values(failover.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const bySid = Object.fromEntries(statements.map((statement: any) => [statement.Sid, statement]));
  const rdsActions = statements.flatMap((statement: any) => [statement.Action].flat()).filter((action: string) => action.startsWith('rds:'));
  expect(rdsActions.sort()).toEqual(['rds:DescribeGlobalClusters', 'rds:FailoverGlobalCluster']);
  const failoverResources = JSON.stringify(bySid.FailOverThisGlobalClusterOnly.Resource);
  expect(failoverResources).toContain(`:global-cluster:aurora-trading-global-${SUFFIX}`);
  expect(failoverResources).toContain(`:rds:us-west-2:`);
  expect(failoverResources).toContain(`:cluster:aurora-trading-secondary-${SUFFIX}`);
  expect(failoverResources).toContain(`:rds:us-east-1:`);
  expect(failoverResources).toContain(`:cluster:aurora-trading-primary-${SUFFIX}`);
  expect(failoverResources).not.toContain('*');
  expect(JSON.stringify(bySid.ReadGlobalCluster.Resource)).toContain(`:global-cluster:aurora-trading-global-${SUFFIX}`);
  expect(bySid.Notify.Action).toBe('sns:Publish');
  expect(bySid.RecordDecisions.Action).toBe('events:PutEvents');
  for (const statement of statements) for (const action of [statement.Action].flat()) expect(action.includes('*')).toBe(false);
});

test('the function may write its own log group (its role is custom: no managed policy provides it)', () => {
  const roleId = resolveIn(platform, fn().Properties.Role, 'FailoverAutomation').logicalId;
  const statements = Object.values(failover.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const logWrite = statements.find((statement: any) => [statement.Action].flat().includes('logs:PutLogEvents'));
  expect([logWrite.Action].flat()).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
  const logGroupId = resolveIn(platform, fn().Properties.LoggingConfig.LogGroup, 'FailoverAutomation').logicalId;
  expect(JSON.stringify(logWrite.Resource)).toContain(logGroupId);
  expect(resolveIn(platform, fn().Properties.Role, 'FailoverAutomation').resource.Properties.ManagedPolicyArns).toBeUndefined();
});

test('the function writes to its own log group with the configured retention', () => {
  const logGroup = resolveIn(platform, fn().Properties.LoggingConfig.LogGroup, 'FailoverAutomation').resource;
  expect(logGroup.Properties).toMatchObject({ LogGroupName: `/aws/lambda/fn-trading-failover-orchestrator-${SUFFIX}`, RetentionInDays: 7 });
});

test('deployed after the secondary cluster and both services', () => {
  const deps = platform.stacks.failover.dependencies.map((stack) => stack.node.id).sort();
  expect(deps).toEqual(expect.arrayContaining(['PrimaryService', 'SecondaryData', 'SecondaryService']));
});

test('a confirmation that leaves no room for the promotion is rejected at synth (the RTO report would say NOT MET)', () => {
  // 6 x 15 s + 1 s = 91 s: above the 85 s limit, as before the failover signal.
  expect(() => synthesizePlatform({ failoverProbeCount: '6', failoverProbeIntervalSeconds: '15' })).toThrow(
    /failoverProbeIntervalSeconds=15: with failoverProbeCount=6 confirming an outage takes up to 91 s \(count x interval \+ 1 s timeout\); at most 85 s/,
  );
});

test('cdk-nag: no unacknowledged finding', () => {
  expect(nagFindings(platform.stacks.failover)).toEqual([]);
  expect(allResources(platform).filter(({ stackId }) => stackId === 'FailoverAutomation').length).toBeGreaterThan(5);
});

test('watchdogs page when the orchestrator fails, stops running, or stays paused', () => {
  const alarms = Object.values(failover.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
  const byName = Object.fromEntries(alarms.map((alarm) => [alarm.AlarmName, alarm]));
  expect(byName[`alarm-orchestrator-errors-${SUFFIX}`]).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0 });
  expect(byName[`alarm-orchestrator-not-running-${SUFFIX}`]).toMatchObject({
    MetricName: 'Invocations',
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
  });
  // Two empty 10-minute periods: longer than the longest run (its timeout) plus the gap to the next one.
  const notRunning = byName[`alarm-orchestrator-not-running-${SUFFIX}`];
  expect(notRunning.Period * notRunning.EvaluationPeriods).toBeGreaterThan(fn().Properties.Timeout + 120);
  expect(notRunning.DatapointsToAlarm).toBe(notRunning.EvaluationPeriods);
  expect(byName[`alarm-orchestrator-paused-${SUFFIX}`]).toMatchObject({
    Namespace: 'TradingDR/Failover',
    MetricName: 'Runs',
    Dimensions: [{ Name: 'Decision', Value: 'paused' }],
    Period: 3600,
  });
  for (const alarm of alarms) {
    expect(alarm.AlarmActions).toHaveLength(1);
    expect(resolveIn(platform, alarm.AlarmActions[0], 'FailoverAutomation')).toMatchObject({
      stackId: 'SecondaryFoundation',
      resource: { Type: 'AWS::SNS::Topic' },
    });
  }
});
