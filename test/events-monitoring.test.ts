import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { allResources, nagFindings, onlyResource, resolveIn, synthesizePlatform, SynthesizedPlatform, appTaskDefinition } from './helpers';

const SUFFIX = 'ev5';
const BUS = `bus-trading-events-${SUFFIX}`;
let platform: SynthesizedPlatform;
let routing: Template;

beforeAll(() => {
  platform = synthesizePlatform({ environmentSuffix: SUFFIX });
  routing = platform.templates.EventRouting;
});

const resolve = (value: any, stackId: string) => resolveIn(platform, value, stackId);
const resources = (stackId: string, type: string): Array<[string, any]> => Object.entries(platform.templates[stackId].findResources(type));
const actionsOf = (statement: any): string[] => [statement.Action].flat();
const regionOf: Record<string, string> = {};

describe('EventBridge buses and rules', () => {
  test.each([
    ['PrimaryFoundation', 'us-east-1'],
    ['SecondaryFoundation', 'us-west-2'],
  ])('%s: a bus with the shared name, and a rule routing platform events to an encrypted queue', (stackId, region) => {
    regionOf[stackId] = region;
    const [, bus] = resources(stackId, 'AWS::Events::EventBus')[0];
    expect(bus.Properties.Name).toBe(BUS);
    const [, rule] = resources(stackId, 'AWS::Events::Rule').find(([, r]) => r.Properties.Name === `rule-trading-platform-events-${SUFFIX}`)!;
    expect(rule.Properties.EventPattern).toEqual({ source: [{ prefix: 'trading.' }] });
    expect(resolve(rule.Properties.EventBusName, stackId).resource.Type).toBe('AWS::Events::EventBus');
    const [target] = rule.Properties.Targets;
    const queue = resolve(target.Arn, stackId).resource;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.QueueName).toBe(`sqs-trading-events-${stackId.startsWith('Primary') ? 'primary' : 'secondary'}-${SUFFIX}`);
    expect(resolve(queue.Properties.KmsMasterKeyId, stackId).resource.Type).toBe('AWS::KMS::Key');
    expect(resolve(queue.Properties.RedrivePolicy.deadLetterTargetArn, stackId).resource.Type).toBe('AWS::SQS::Queue');
    // Undeliverable events are kept, not dropped.
    expect(target.DeadLetterConfig.Arn).toBeDefined();
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 });
  });

  test('the bus names are equal in both regions (a global endpoint requires it)', () => {
    const names = ['PrimaryFoundation', 'SecondaryFoundation'].map((id) => resources(id, 'AWS::Events::EventBus')[0][1].Properties.Name);
    expect(new Set(names).size).toBe(1);
  });

  test.each(['PrimaryFoundation', 'SecondaryFoundation'])('%s bus policy admits exactly the replication role to PutEvents', (stackId) => {
    const policies = resources(stackId, 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    const statement = policies[0][1].Properties.Statement;
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'events:PutEvents' });
    expect(JSON.stringify(statement.Principal)).toContain(':root');
    expect(JSON.stringify(statement.Condition.ArnEquals['aws:PrincipalArn'])).toContain(`:role/role-events-replication-primary-${SUFFIX}`);
    expect(JSON.stringify(statement)).not.toContain('"*"');
  });

  test('queues of both regions: TLS only, and EventBridge may use the key only for rules of this bus', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const queuePolicies = resources(stackId, 'AWS::SQS::QueuePolicy')
        .map(([, p]) => p.Properties.PolicyDocument.Statement)
        .flat();
      expect(queuePolicies).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      const { resource: key } = onlyResource(platform.templates[stackId], 'AWS::KMS::Key');
      // The key also protects Aurora, DynamoDB, S3 and the secret. For the queues the statement names
      // the bus's rules with aws:SourceArn, which SQS documents as supported for CloudWatch Events
      // (SQS Developer Guide, Amazon SQS key management); aws:SourceAccount is not on that list.
      const grants = key.Properties.KeyPolicy.Statement.filter((st: any) => st.Principal?.Service === 'events.amazonaws.com');
      // The queues' statement, the alarm topic's, and the delivery canary topic's (same code as the alarm topic's).
      expect(grants.map((grant: any) => grant.Sid).sort()).toEqual([
        'AllowDeliveryCanaryToPublishToEncryptedTopic',
        'AllowEventBridgeToDeliverToEncryptedQueues',
        'AllowSecretReadAlarmToPublishToEncryptedTopic',
      ]);
      const queues = grants.find((grant: any) => grant.Sid === 'AllowEventBridgeToDeliverToEncryptedQueues');
      expect(actionsOf(queues).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(Object.keys(queues.Condition)).toEqual(['ArnLike']);
      expect(Object.keys(queues.Condition.ArnLike)).toEqual(['aws:SourceArn']);
      expect(JSON.stringify(queues.Condition.ArnLike['aws:SourceArn'])).toContain(`:rule/${BUS}/*`);
      // For the alarm topic SNS documents that no source condition may be in the key policy (see AlarmTopic).
      const secretReads = grants.find((grant: any) => grant.Sid === 'AllowSecretReadAlarmToPublishToEncryptedTopic');
      // No source condition (SNS guide); the topic is named by its encryption context instead.
      expect(Object.keys(secretReads.Condition.StringEquals)).toEqual(['kms:EncryptionContext:aws:sns:topicArn']);
      expect(JSON.stringify(secretReads.Condition)).not.toMatch(/aws:Source(Account|Arn|OrgID)/);
      // Each queue (the queue and its dead-letter queue) admits EventBridge only for the platform rule;
      // the delivery canary's queue only for the canary rule; its read-back queue not at all.
      const policies = resources(stackId, 'AWS::SQS::QueuePolicy').map(([, policy]) => policy.Properties);
      expect(policies.map((policy) => policy.Queues[0].Ref).sort()).toEqual([
        expect.stringMatching(/^DeliveryCanaryQueue/),
        expect.stringMatching(/^DeliveryCanaryReadbackQueue/),
        expect.stringMatching(/^EventsDeadLetterQueue/),
        expect.stringMatching(/^EventsQueue/),
      ]);
      for (const policy of policies) {
        const [queue] = policy.Queues;
        const statements = policy.PolicyDocument.Statement.filter((st: any) => st.Principal?.Service === 'events.amazonaws.com');
        if (queue.Ref.startsWith('DeliveryCanaryReadbackQueue')) {
          expect(statements).toEqual([]);
          continue;
        }
        expect(statements).toHaveLength(1);
        expect(statements[0].Action).toBe('sqs:SendMessage');
        expect(statements[0].Resource).toEqual({ 'Fn::GetAtt': [queue.Ref, 'Arn'] });
        const rule = queue.Ref.startsWith('DeliveryCanary') ? /^DeliveryCanaryRule/ : /PlatformEvents/;
        expect(statements[0].Condition.ArnEquals['aws:SourceArn']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(rule), 'Arn'] });
      }
    }
  });
});

describe('EventBridge global endpoint', () => {
  test('endpoint in the primary region over both same-named buses, failing over to the secondary on the health check', () => {
    expect(platform.stacks.eventRouting.region).toBe('us-east-1');
    const { resource: endpoint } = onlyResource(routing, 'AWS::Events::Endpoint');
    expect(endpoint.Properties.Name).toBe(`endpoint-trading-events-${SUFFIX}`);
    const busArns = endpoint.Properties.EventBuses.map((bus: any) => JSON.stringify(bus.EventBusArn));
    expect(busArns).toHaveLength(2);
    expect(busArns[0]).toContain(':events:us-east-1:');
    expect(busArns[1]).toContain(':events:us-west-2:');
    for (const arn of busArns) expect(arn).toContain(`:event-bus/${BUS}`);
    expect(endpoint.Properties.RoutingConfig.FailoverConfig.Secondary).toEqual({ Route: 'us-west-2' });
    const healthCheckArn = JSON.stringify(endpoint.Properties.RoutingConfig.FailoverConfig.Primary.HealthCheck);
    const [healthCheckId] = Object.keys(routing.findResources('AWS::Route53::HealthCheck'));
    expect(healthCheckArn).toContain(':route53:::healthcheck/');
    expect(healthCheckArn).toContain(healthCheckId);
  });

  test('event replication is enabled with its own role', () => {
    const { resource: endpoint } = onlyResource(routing, 'AWS::Events::Endpoint');
    expect(endpoint.Properties.ReplicationConfig).toEqual({ State: 'ENABLED' });
    const role = resolve(endpoint.Properties.RoleArn, 'EventRouting');
    expect(role.resource.Properties.RoleName).toBe(`role-events-replication-primary-${SUFFIX}`);
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
  });

  test('the replication role is allowed exactly what replication needs, on both regions', () => {
    const { resource: endpoint } = onlyResource(routing, 'AWS::Events::Endpoint');
    const roleId = resolve(endpoint.Properties.RoleArn, 'EventRouting').logicalId;
    const policies = resources('EventRouting', 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    expect(policies).toHaveLength(1);
    const bySid = Object.fromEntries(policies[0][1].Properties.PolicyDocument.Statement.map((st: any) => [st.Sid, st]));
    expect(Object.keys(bySid).sort()).toEqual(['ManageReplicationRules', 'PassRoleToReplicationRules', 'PutEventsOnBothBuses']);
    expect(actionsOf(bySid.PutEventsOnBothBuses)).toEqual(['events:PutEvents']);
    const busResources = JSON.stringify(bySid.PutEventsOnBothBuses.Resource);
    expect(busResources).toContain(`:events:us-east-1:`);
    expect(busResources).toContain(`:events:us-west-2:`);
    expect(actionsOf(bySid.ManageReplicationRules).sort()).toEqual(['events:DeleteRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets']);
    expect(JSON.stringify(bySid.ManageReplicationRules.Resource)).toContain(`:rule/${BUS}/GlobalEndpointManagedRule-*`);
    expect(bySid.PassRoleToReplicationRules).toMatchObject({
      Action: 'iam:PassRole',
      Condition: { StringLike: { 'iam:PassedToService': 'events.amazonaws.com' } },
    });
    expect(JSON.stringify(bySid.PassRoleToReplicationRules.Resource)).toContain(`:role/role-events-replication-primary-${SUFFIX}`);
  });

  test('health check follows the heartbeat alarm and turns UNHEALTHY when data is missing', () => {
    const { resource: healthCheck } = onlyResource(routing, 'AWS::Route53::HealthCheck');
    const config = healthCheck.Properties.HealthCheckConfig;
    expect(config).toMatchObject({ Type: 'CLOUDWATCH_METRIC', InsufficientDataHealthStatus: 'Unhealthy' });
    expect(config.AlarmIdentifier.Region).toBe('us-east-1');
    const alarm = resolve(config.AlarmIdentifier.Name, 'EventRouting').resource;
    expect(alarm.Properties).toMatchObject({
      AlarmName: `alarm-event-bus-heartbeat-${SUFFIX}`,
      Namespace: 'AWS/Events',
      MetricName: 'MatchedEvents',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
    expect(alarm.Properties.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'EventBusName', Value: expect.anything() },
        { Name: 'RuleName', Value: expect.anything() },
      ]),
    );
  });

  test('a heartbeat is put on the primary bus every minute, with a source the platform rule matches', () => {
    const { resource: schedule } = onlyResource(routing, 'AWS::Scheduler::Schedule');
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(schedule.Properties.State).toBe('ENABLED');
    const bus = resolve(schedule.Properties.Target.Arn, 'EventRouting');
    expect(bus).toMatchObject({ stackId: 'PrimaryFoundation', resource: { Type: 'AWS::Events::EventBus', Properties: { Name: BUS } } });
    expect(schedule.Properties.Target.EventBridgeParameters.Source).toMatch(/^trading\./);
    const role = resolve(schedule.Properties.Target.RoleArn, 'EventRouting');
    const policy = resources('EventRouting', 'AWS::IAM::Policy').find(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role.logicalId))![1];
    expect(policy.Properties.PolicyDocument.Statement.flatMap(actionsOf)).toEqual(['events:PutEvents']);
  });

  test.each([
    ['PrimaryService', 'us-east-1'],
    ['SecondaryService', 'us-west-2'],
  ])('%s publishes through the global endpoint and may put events on the two buses only', (serviceId) => {
    const { resource: task } = appTaskDefinition(platform.templates[serviceId]);
    const environment = Object.fromEntries(task.Properties.ContainerDefinitions[0].Environment.map((e: any) => [e.Name, e.Value]));
    expect(environment.EVENT_BUS_NAME).toBe(BUS);
    expect(resolve(environment.EVENT_ENDPOINT_ID, serviceId)).toMatchObject({ stackId: 'EventRouting', resource: { Type: 'AWS::Events::Endpoint' } });
    const statement = resources(serviceId, 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .find((st: any) => st.Sid === 'PublishPlatformEvents');
    expect(statement.Action).toBe('events:PutEvents');
    const arns = statement.Resource.map((arn: any) => JSON.stringify(arn));
    expect(arns).toHaveLength(2);
    expect(arns.join()).toContain(':events:us-east-1:');
    expect(arns.join()).toContain(':events:us-west-2:');
  });

  test('outputs: endpoint id and URL, bus name', () => {
    const outputs = routing.toJSON().Outputs;
    const [endpointId] = Object.keys(routing.findResources('AWS::Events::Endpoint'));
    expect(outputs.EventEndpointId.Value).toEqual({ 'Fn::GetAtt': [endpointId, 'EndpointId'] });
    expect(outputs.EventEndpointUrl.Value).toEqual({ 'Fn::GetAtt': [endpointId, 'EndpointUrl'] });
    expect(outputs.EventBusName.Value).toBe(BUS);
  });
});

describe('alarms', () => {
  const alarms = (): Array<{ stackId: string; resource: any }> => allResources(platform).filter(({ resource }) => resource.Type === 'AWS::CloudWatch::Alarm');
  const alarmNamed = (name: string): { stackId: string; resource: any } => {
    const found = alarms().filter(({ resource }) => resource.Properties.AlarmName === name);
    expect(found.map(({ stackId }) => stackId)).toHaveLength(1);
    return found[0];
  };

  test('each region has an encrypted, TLS-only alarm topic', () => {
    for (const stackId of ['PrimaryFoundation', 'SecondaryFoundation']) {
      const [, topic] = resources(stackId, 'AWS::SNS::Topic')[0];
      expect(topic.Properties.TopicName).toMatch(new RegExp(`^sns-trading-alarms-(primary|secondary)-${SUFFIX}$`));
      expect(resolve(topic.Properties.KmsMasterKeyId, stackId).resource.Type).toBe('AWS::KMS::Key');
      const statements = resources(stackId, 'AWS::SNS::TopicPolicy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  test('every alarm of the app notifies the alarm topic of its own region', () => {
    const all = alarms();
    const perRegion = [
      'alb-elb-5xx',
      'alb-target-5xx',
      'unhealthy-targets',
      'ecs-running-below-desired',
      'dynamodb-replication-latency',
      'eventbridge-failed-invocations',
      'waf-blocked-requests',
    ];
    const expected = [
      ...['primary', 'secondary'].flatMap((role) => perRegion.map((purpose) => `alarm-trading-${role}-${purpose}-${SUFFIX}`)),
      ...['s3-replication-failed', 's3-replication-latency', 'route53-primary-unhealthy', 'route53-secondary-unhealthy', 'route53-events-unhealthy'].map(
        (purpose) => `alarm-trading-primary-${purpose}-${SUFFIX}`,
      ),
      `alarm-aurora-replication-lag-${SUFFIX}`,
      `alarm-event-bus-heartbeat-${SUFFIX}`,
      ...['errors', 'not-running', 'paused'].map((watchdog) => `alarm-orchestrator-${watchdog}-${SUFFIX}`),
    ];
    expect(all.map(({ resource }) => resource.Properties.AlarmName).sort()).toEqual(expected.sort());
    for (const { stackId, resource } of all) {
      expect(resource.Properties.AlarmActions).toHaveLength(1);
      const topic = resolve(resource.Properties.AlarmActions[0], stackId);
      const stackRegion = platform.allStacks.find((s) => s.node.id === stackId)!.region;
      const topicRegion = platform.allStacks.find((s) => s.node.id === topic.stackId)!.region;
      expect({ alarm: resource.Properties.AlarmName, type: topic.resource.Type, sameRegion: topicRegion === stackRegion }).toEqual({
        alarm: resource.Properties.AlarmName,
        type: 'AWS::SNS::Topic',
        sameRegion: true,
      });
    }
  });

  const perRegion: Array<[string, string, any]> = [
    [
      'alb-elb-5xx',
      'AWS/ApplicationELB',
      { MetricName: 'HTTPCode_ELB_5XX_Count', Threshold: 10, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, Period: 60 },
    ],
    [
      'alb-target-5xx',
      'AWS/ApplicationELB',
      { MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 10, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3 },
    ],
    [
      'unhealthy-targets',
      'AWS/ApplicationELB',
      { MetricName: 'UnHealthyHostCount', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3 },
    ],
    [
      'ecs-running-below-desired',
      'ECS/ContainerInsights',
      { MetricName: 'RunningTaskCount', Threshold: 2, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 3, TreatMissingData: 'breaching' },
    ],
    [
      'dynamodb-replication-latency',
      'AWS/DynamoDB',
      { MetricName: 'ReplicationLatency', Threshold: 60000, ComparisonOperator: 'GreaterThanThreshold', Period: 300 },
    ],
    [
      'eventbridge-failed-invocations',
      'AWS/Events',
      { MetricName: 'FailedInvocations', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Sum' },
    ],
  ];
  test.each(
    perRegion.flatMap(([purpose, namespace, expected]) => (['primary', 'secondary'] as const).map((role) => [role, purpose, namespace, expected] as const)),
  )('%s: %s alarm watches %s with its documented threshold', (role, purpose, namespace, expected) => {
    const { stackId, resource } = alarmNamed(`alarm-trading-${role}-${purpose}-${SUFFIX}`);
    expect(stackId).toBe(role === 'primary' ? 'PrimaryMonitoring' : 'SecondaryMonitoring');
    expect(resource.Properties).toMatchObject({ Namespace: namespace, ...expected });
  });

  test('DynamoDB replication latency is watched in each sending region, toward the other region', () => {
    const primary = alarmNamed(`alarm-trading-primary-dynamodb-replication-latency-${SUFFIX}`).resource.Properties.Dimensions;
    const secondary = alarmNamed(`alarm-trading-secondary-dynamodb-replication-latency-${SUFFIX}`).resource.Properties.Dimensions;
    expect(primary).toEqual(
      expect.arrayContaining([
        { Name: 'ReceivingRegion', Value: 'us-west-2' },
        { Name: 'TableName', Value: `ddb-trading-sessions-${SUFFIX}` },
      ]),
    );
    expect(secondary).toEqual(expect.arrayContaining([{ Name: 'ReceivingRegion', Value: 'us-east-1' }]));
  });

  test('S3 replication failures and latency are watched in the source region, on the replication rule', () => {
    const failed = alarmNamed(`alarm-trading-primary-s3-replication-failed-${SUFFIX}`);
    const latency = alarmNamed(`alarm-trading-primary-s3-replication-latency-${SUFFIX}`);
    expect(failed.resource.Properties).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'OperationsFailedReplication', Threshold: 0, Statistic: 'Sum' });
    expect(latency.resource.Properties).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'ReplicationLatency', Threshold: 900, Statistic: 'Maximum' });
    expect(latency.resource.Properties.Dimensions).toContainEqual({ Name: 'RuleId', Value: 'replicate-all-to-standby' });
    expect(JSON.stringify(latency.resource.Properties.Dimensions)).toContain(`-us-west-2-${SUFFIX}`);
    expect(alarms().filter(({ resource }) => resource.Properties.AlarmName?.startsWith('alarm-trading-secondary-s3-'))).toEqual([]);
  });

  test('Route 53 health-check status of each region is alarmed in us-east-1, where the metric exists', () => {
    const healthChecks = platform.templates.GlobalTraffic.findResources('AWS::Route53::HealthCheck');
    for (const label of ['primary', 'secondary']) {
      const { stackId, resource } = alarmNamed(`alarm-trading-primary-route53-${label}-unhealthy-${SUFFIX}`);
      expect(platform.allStacks.find((s) => s.node.id === stackId)!.region).toBe('us-east-1');
      expect(resource.Properties).toMatchObject({
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      });
      const checkId = resolve(resource.Properties.Dimensions[0].Value, stackId);
      expect(checkId.stackId).toBe('GlobalTraffic');
      expect(Object.keys(healthChecks)).toContain(checkId.logicalId);
    }
    expect(alarms().filter(({ stackId, resource }) => resource.Properties.Namespace === 'AWS/Route53' && stackId !== 'PrimaryMonitoring')).toEqual([]);
  });

  test('the Aurora replication-lag alarm (60 s) and the event heartbeat alarm are in place', () => {
    expect(alarmNamed(`alarm-aurora-replication-lag-${SUFFIX}`).resource.Properties.Threshold).toBe(60000);
    expect(alarmNamed(`alarm-event-bus-heartbeat-${SUFFIX}`).stackId).toBe('EventRouting');
  });
});

describe('DR dashboards', () => {
  test.each([
    ['PrimaryMonitoring', 'primary'],
    ['SecondaryMonitoring', 'secondary'],
  ])('%s: health of both regions, replication lag of every store, traffic and errors', (stackId, role) => {
    const { resource } = onlyResource(platform.templates[stackId], 'AWS::CloudWatch::Dashboard');
    expect(resource.Properties.DashboardName).toBe(`trading-dr-${role}-${SUFFIX}`);
    const body = JSON.stringify(resource.Properties.DashboardBody);
    for (const metric of [
      'HealthCheckStatus',
      'AuroraGlobalDBReplicationLag',
      'ReplicationLatency',
      'OperationsFailedReplication',
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'HTTPCode_ELB_5XX_Count',
      'RunningTaskCount',
      'MatchedEvents',
      'FailedInvocations',
    ]) {
      expect({ metric, shown: body.includes(metric) }).toEqual({ metric, shown: true });
    }
    // Route 53 metrics are read from us-east-1 and Aurora lag from the secondary region, whichever dashboard shows them.
    expect(body).toMatch(/HealthCheckStatus[^\]]*us-east-1/);
    expect(body).toMatch(/AuroraGlobalDBReplicationLag[^\]]*us-west-2/);
  });
});

test('cdk-nag AwsSolutions, PCI DSS and NIST 800-53: no unacknowledged finding in the event and monitoring stacks', () => {
  for (const stackId of ['EventRouting', 'PrimaryMonitoring', 'SecondaryMonitoring', 'PrimaryFoundation', 'SecondaryFoundation']) {
    const stack = platform.allStacks.find((s) => s.node.id === stackId)!;
    expect({ stackId, findings: nagFindings(stack) }).toEqual({ stackId, findings: [] });
  }
});

describe('operations: runbook, pause switch and pager outputs', () => {
  const readme = (): string => fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const runbook = (): string => {
    const text = readme();
    const start = text.indexOf('### Runbook');
    return text.slice(start, text.indexOf('\n## ', start));
  };

  test('every alarm in the templates has a runbook row: what it means and what to do', () => {
    const alarmNames = allResources(platform)
      .filter(({ resource }) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(({ resource }) => resource.Properties.AlarmName as string);
    expect(alarmNames.length).toBeGreaterThan(15);
    const rows = runbook();
    const missing = alarmNames.filter((name) => {
      const generic = name.replace(new RegExp(`-${SUFFIX}$`), '-<suffix>');
      return !rows.includes(`\`${generic}\``) && !rows.includes(`\`${generic.replace(/-(primary|secondary)-/, '-<role>-')}\``);
    });
    expect(missing).toEqual([]);
  });

  test('the documented pause command names the parameter the orchestrator reads', () => {
    const parameterName = platform.stacks.failover.orchestrator.pauseParameter.node.defaultChild as any;
    expect(parameterName.name).toBe(`/trading-dr/${SUFFIX}/failover/paused`);
    expect(runbook()).toContain('--name /trading-dr/<suffix>/failover/paused');
  });

  test('each region gives its dashboard URL and the alarm topic to subscribe the pager to', () => {
    for (const role of ['Primary', 'Secondary']) {
      const dashboard = platform.templates[`${role}Monitoring`].toJSON().Outputs.DashboardUrl.Value;
      expect(dashboard).toContain(`#dashboards/dashboard/trading-dr-${role.toLowerCase()}-${SUFFIX}`);
      // The topic's own stack outputs it (an output that re-exports an import is a cfn-lint warning).
      const topic = platform.templates[`${role}Foundation`].toJSON().Outputs.AlarmTopicArn.Value;
      expect(resolveIn(platform, topic, `${role}Foundation`).resource.Type).toBe('AWS::SNS::Topic');
    }
  });
});
