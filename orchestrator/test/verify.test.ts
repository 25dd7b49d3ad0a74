/**
 * verify-deployment's checks against hand-written fakes shaped like the AWS answers (moto reports
 * every Route 53 health check healthy and has no write forwarding or pending-reboot states, so
 * fakes cover those; each fake answer carries the fields the API reference documents). Every
 * check passes on the healthy fake and fails, alone, on a fake that breaks exactly it.
 */
import { DatabaseCheckResult, formatResultLine } from '../../service/src/verify-database';
import { CHECKS, formatResults, verifyDeployment, VerifyPorts } from '../src/verify';
import { TARGET } from './verify-target';

const ARN = (region: string, role: string) => `arn:aws:rds:${region}:111122223333:cluster:aurora-trading-${role}-prod`;

/** A healthy deployment's answers, keyed by service and command; tests break one at a time. */
function healthy(): Record<string, (input: any, region: string) => any> {
  const outputs: Record<string, Record<string, string>> = {
    'trading-dr-service-primary-prod': { LoadBalancerDnsName: 'alb-primary.us-east-1.elb.amazonaws.com', ...taskOutputs('us-east-1', 'primary') },
    'trading-dr-service-secondary-prod': { LoadBalancerDnsName: 'alb-secondary.us-west-2.elb.amazonaws.com', ...taskOutputs('us-west-2', 'secondary') },
    'trading-dr-dns-prod': {
      PrimaryHealthCheckId: 'hc-primary',
      SecondaryHealthCheckId: 'hc-secondary',
      HostedZoneId: 'Z123',
      HostedZoneNameServers: 'ns-1.awsdns-01.org,ns-2.awsdns-02.co.uk,ns-3.awsdns-03.com,ns-4.awsdns-04.net',
    },
    'trading-dr-foundation-primary-prod': {
      FilesBucketName: 'files-east',
      PrivateSubnetIds: 'subnet-e1,subnet-e2,subnet-e3',
      AlarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:sns-trading-alarms-primary-prod',
    },
    'trading-dr-foundation-secondary-prod': {
      FilesBucketName: 'files-west',
      PrivateSubnetIds: 'subnet-w1,subnet-w2,subnet-w3',
      AlarmTopicArn: 'arn:aws:sns:us-west-2:111122223333:sns-trading-alarms-secondary-prod',
    },
  };
  const checkers = (successes: number, of = 8) =>
    Array.from({ length: of }, (_, index) => ({
      Region: 'us-east-1',
      StatusReport: { Status: index < successes ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out' },
    }));
  const record = (id: string, weight: number) => ({
    Name: 'app.trading.acme-bank.net.',
    Type: 'A',
    SetIdentifier: id,
    Weight: weight,
    HealthCheckId: `hc-${id}`,
    AliasTarget: { DNSName: `dualstack.alb-${id}` },
  });
  const members = (role: string, region: string) => ({
    DBClusterMembers: [
      { DBInstanceIdentifier: `${role}-1`, IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync' },
      { DBInstanceIdentifier: `${role}-2`, IsClusterWriter: false, DBClusterParameterGroupStatus: 'in-sync' },
    ],
    DBClusterArn: ARN(region, role),
  });
  return {
    'cloudformation:DescribeStacksCommand': (input) => ({
      Stacks: [{ Outputs: Object.entries(outputs[input.StackName] ?? {}).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
    }),
    'acm:ListCertificatesCommand': (input, region) => ({
      // ACM lists RSA_2048 certificates only unless asked for other key types.
      CertificateSummaryList: input.Includes?.keyTypes?.includes('EC_prime256v1')
        ? [
            { CertificateArn: `arn:aws:acm:${region}:111122223333:certificate/other`, DomainName: 'www.acme-bank.net' },
            { CertificateArn: `arn:aws:acm:${region}:111122223333:certificate/app`, DomainName: 'app.trading.acme-bank.net' },
          ]
        : [],
    }),
    'acm:ListTagsForCertificateCommand': () => ({ Tags: [] }),
    'acm:DescribeCertificateCommand': (input) => ({
      Certificate: {
        CertificateArn: input.CertificateArn,
        Status: 'ISSUED',
        DomainValidationOptions: [
          {
            DomainName: 'app.trading.acme-bank.net',
            ValidationMethod: 'DNS',
            ResourceRecord: { Name: '_3f1.app.trading.acme-bank.net.', Type: 'CNAME', Value: '_9a2.zfyfvmchrl.acm-validations.aws.' },
          },
        ],
      },
    }),
    'route53:GetHealthCheckStatusCommand': () => ({ HealthCheckObservations: checkers(8) }),
    // What Aurora publishes in the secondary region, with the dimensions it uses.
    'cloudwatch:ListMetricsCommand': (input, region) => {
      const published = [
        {
          Namespace: 'AWS/RDS',
          MetricName: 'AuroraGlobalDBReplicationLag',
          Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'aurora-trading-secondary-prod' }],
        },
      ];
      return {
        Metrics: published.filter(
          (metric) =>
            region === 'us-west-2' &&
            metric.MetricName === input.MetricName &&
            (input.Dimensions ?? []).every((wanted: any) =>
              metric.Dimensions.some((dimension) => dimension.Name === wanted.Name && dimension.Value === wanted.Value),
            ),
        ),
      };
    },
    'route53:GetHostedZoneCommand': (input) =>
      input.Id === 'Z123'
        ? {
            HostedZone: { Id: '/hostedzone/Z123', Name: 'trading.acme-bank.net.' },
            DelegationSet: { NameServers: ['ns-3.awsdns-03.com', 'ns-1.awsdns-01.org', 'ns-4.awsdns-04.net', 'ns-2.awsdns-02.co.uk'] },
          }
        : (() => {
            throw Object.assign(new Error('No hosted zone found'), { name: 'NoSuchHostedZone' });
          })(),
    // The answers hold only for the request AWS would answer them to: a wrong request gets nothing.
    'route53:ListResourceRecordSetsCommand': (input) =>
      input.HostedZoneId !== 'Z123'
        ? { ResourceRecordSets: [] }
        : input.StartRecordName === 'app.trading.acme-bank.net.' && input.StartRecordType === 'A'
          ? { ResourceRecordSets: [record('primary', 100), record('secondary', 0)] }
          : input.StartRecordName === '_3f1.app.trading.acme-bank.net.' && input.StartRecordType === 'CNAME'
            ? {
                ResourceRecordSets: [
                  { Name: '_3f1.app.trading.acme-bank.net.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: '_9a2.zfyfvmchrl.acm-validations.aws.' }] },
                ],
              }
            : { ResourceRecordSets: [] },
    'rds:DescribeGlobalClustersCommand': () => ({
      GlobalClusters: [
        {
          GlobalClusterMembers: [
            { DBClusterArn: ARN('us-east-1', 'primary'), IsWriter: true },
            { DBClusterArn: ARN('us-west-2', 'secondary'), IsWriter: false, GlobalWriteForwardingStatus: 'enabled' },
          ],
        },
      ],
    }),
    'rds:DescribeDBClustersCommand': (input, region) => {
      const role = region === 'us-east-1' ? 'primary' : 'secondary';
      return input.DBClusterIdentifier === `aurora-trading-${role}-prod` ? { DBClusters: [members(role, region)] } : { DBClusters: [] };
    },
    's3:GetBucketReplicationCommand': (input) => ({
      ReplicationConfiguration: {
        Rules: [
          {
            Status: 'Enabled',
            Destination: {
              Bucket: `arn:aws:s3:::${input.Bucket === 'files-east' ? 'files-west' : 'files-east'}`,
              ReplicationTime: input.Bucket === 'files-east' ? { Status: 'Enabled' } : undefined,
            },
          },
        ],
      },
    }),
    'scheduler:GetScheduleCommand': (input, region) => {
      if (input.Name !== 'schedule-trading-failover-orchestrator-prod' || region !== 'us-west-2')
        throw Object.assign(new Error('no such schedule'), { name: 'ResourceNotFoundException' });
      return { State: 'ENABLED', ScheduleExpression: 'rate(1 minute)' };
    },
    'ssm:GetParameterCommand': (input, region) => {
      if (input.Name !== '/trading-dr/prod/failover/paused' || region !== 'us-west-2')
        throw Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' });
      return { Parameter: { Value: 'false' } };
    },
    'ec2:DescribeAvailabilityZonesCommand': (_input, region) => ({
      AvailabilityZones: ['a', 'b', 'c'].map((letter) => ({ ZoneName: `${region}${letter}`, ZoneId: `${region}-az-${letter}`, State: 'available' })),
    }),
    // EventBridge delivers a canary event put on the platform bus to both canary queues of its
    // region (the topic's copy through the read-back subscription, raw); the queues hold what came.
    ...canaryDelivery(),
    ...databaseTasks(),
    // The load balancer answers for the application's name only (its certificate, its listener rules).
    'probe:GET': ({ serverName }) => ({ status: serverName === 'app.trading.acme-bank.net' ? 200 : 421 }),
    // The zone's name servers, and the failover signal they answer (only when asked at them).
    'dns:A': ({ name }) => (name.startsWith('ns-') ? [`192.0.2.${name.slice(3, 4)}`] : []),
    'dns:TXT': ({ servers, name }) =>
      name === '_failover.app.trading.acme-bank.net' && servers.length === 4 && servers.every((server: string) => server.startsWith('192.0.2.'))
        ? ['us-east-1']
        : [],
  };
}

const taskOutputs = (region: string, role: string) => ({
  DatabaseVerifyTaskDefinition: `arn:aws:ecs:${region}:111122223333:task-definition/trading-${role}-prod-db-verify:3`,
  DatabaseBootstrapTaskDefinition: `arn:aws:ecs:${region}:111122223333:task-definition/trading-${role}-prod-db-bootstrap:3`,
  ServiceSecurityGroupId: `sg-${role}`,
});

/** What each task prints, by what it was asked: the real result lines (formatResultLine) of a healthy database. */
const TASK_OUTPUT: Record<string, (forwarding: boolean) => DatabaseCheckResult[]> = {
  verify: (forwarding) => [
    { name: 'database-iam-login', status: 'pass', detail: 'trading_app logs in with IAM over TLS; without TLS it is refused (no encryption)' },
    {
      name: 'forwarded-write-canary',
      status: 'pass',
      detail: `${forwarding ? 'forwarded through the reader' : 'written on the writer'}: inserted, read back and deleted verify-1 as trading_canary, which cannot read orders`,
    },
  ],
  master: () => [{ name: 'master-password-login', status: 'pass', detail: 'trading_admin logs in with its password over TLS and does not hold rds_iam' }],
};

/**
 * ECS and CloudWatch Logs as they answer one-off tasks: RunTask in the environment's cluster with
 * its subnets and security group, a task that stops, and its awslogs stream
 * `<prefix>/<container>/<task id>`. `published` records the alarm-topic notices.
 */
function databaseTasks(output = TASK_OUTPUT): Record<string, (input: any, region: string) => any> {
  const tasks = new Map<string, { lines: string[]; container: string }>();
  let count = 0;
  return {
    'ecs:RunTaskCommand': (input, region) => {
      const role = region === 'us-east-1' ? 'primary' : 'secondary';
      const expected = taskOutputs(region, role);
      const verify = input.taskDefinition === expected.DatabaseVerifyTaskDefinition;
      const bootstrap = input.taskDefinition === expected.DatabaseBootstrapTaskDefinition;
      const network = input.networkConfiguration.awsvpcConfiguration;
      if (
        input.cluster !== `ecs-trading-${role}-prod` ||
        (!verify && !bootstrap) ||
        network.securityGroups[0] !== `sg-${role}` ||
        network.assignPublicIp !== 'DISABLED'
      )
        return { tasks: [], failures: [{ reason: 'MISSING', arn: input.taskDefinition }] };
      const command: string[] = input.overrides?.containerOverrides?.[0]?.command ?? ['node', 'dist/verify-database-cli.js'];
      const container = verify ? 'verify' : 'bootstrap';
      const taskId = `task${++count}`;
      const results = command.includes('--master') ? output.master(false) : bootstrap ? [] : output.verify(command.includes('--expect-forwarding'));
      tasks.set(`/ecs/${role}/${container}/${taskId}`, { container, lines: ['{"level":"info","msg":"starting"}', ...results.map(formatResultLine)] });
      return { tasks: [{ taskArn: `arn:aws:ecs:${region}:111122223333:task/ecs-trading-${role}-prod/${taskId}` }] };
    },
    'ecs:DescribeTasksCommand': (input) => {
      const taskId = String(input.tasks[0]).split('/').pop()!;
      const container = [...tasks.keys()].find((key) => key.endsWith(`/${taskId}`))?.split('/')[3] ?? 'verify';
      return { tasks: [{ taskArn: input.tasks[0], lastStatus: 'STOPPED', containers: [{ name: container, exitCode: 0 }] }] };
    },
    'logs:GetLogEventsCommand': (input, region) => {
      const role = region === 'us-east-1' ? 'primary' : 'secondary';
      const [prefix, container, taskId] = String(input.logStreamName).split('/');
      const group = { verify: 'db-verify', bootstrap: 'db-bootstrap' }[container];
      if (input.logGroupName !== `/trading-dr/prod/${role}/${group}`)
        throw Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' });
      const task = tasks.get(`/ecs/${role}/${container}/${taskId}`);
      if (!task || prefix !== container) throw Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' });
      // One page, then the same forward token: the end of the stream.
      return input.nextToken ? { events: [], nextForwardToken: 'f/1' } : { events: task.lines.map((message) => ({ message })), nextForwardToken: 'f/1' };
    },
    // The orchestrator's run reports (its EMF lines) in its log group, the last one 40 s old.
    'logs:FilterLogEventsCommand': (input, region) => {
      if (region !== 'us-west-2' || input.logGroupName !== '/aws/lambda/fn-trading-failover-orchestrator-prod')
        throw Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' });
      if (input.filterPattern !== '{ $.Runs = 1 }') return { events: [] };
      const report = (secondsAgo: number, decision: string) => ({
        timestamp: NOW - secondsAgo * 1000,
        message: JSON.stringify({ time: 't', _aws: {}, Decision: decision, Runs: 1, Promotions: 0 }),
      });
      const reports = [report(100, 'too-few-probes'), report(40, lastDecision), report(160, 'primary-answers')];
      return { events: reports.filter((event) => event.timestamp >= input.startTime) };
    },
    'sns:PublishCommand': (input) => {
      published.push(input);
      return { MessageId: 'm-1' };
    },
  };
}

const published: Array<{ TopicArn: string; Message: string }> = [];
const NOW = 1_800_000_000_000;
let lastDecision = 'primary-answers';
beforeEach(() => {
  lastDecision = 'primary-answers';
});

/** The platform bus and the canary queues of both regions, as SQS and EventBridge answer. */
function canaryDelivery(): Record<string, (input: any, region: string) => any> {
  const queues = new Map<string, any[]>();
  const url = (region: string, name: string) => `https://sqs.${region}.amazonaws.com/111122223333/${name}`;
  return {
    'eventbridge:PutEventsCommand': (input, region) => {
      const role = region === 'us-east-1' ? 'primary' : 'secondary';
      const [entry] = input.Entries;
      const routed = entry.EventBusName === 'bus-trading-events-prod' && entry.Source === 'trading-dr.verify' && entry.DetailType === 'Delivery canary';
      if (routed) {
        const event = JSON.stringify({ source: entry.Source, 'detail-type': entry.DetailType, detail: JSON.parse(entry.Detail) });
        for (const name of [`sqs-trading-delivery-canary-${role}-prod`, `sqs-trading-delivery-canary-readback-${role}-prod`]) {
          const key = url(region, name);
          queues.set(key, [...(queues.get(key) ?? []), { Body: event, ReceiptHandle: `${key}#${queues.get(key)?.length ?? 0}` }]);
        }
      }
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
    },
    'sqs:GetQueueUrlCommand': (input, region) => {
      if (!String(input.QueueName).startsWith('sqs-trading-delivery-canary'))
        throw Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' });
      return { QueueUrl: url(region, input.QueueName) };
    },
    'sqs:ReceiveMessageCommand': (input) => {
      const messages = queues.get(input.QueueUrl) ?? [];
      return { Messages: messages.slice(0, input.MaxNumberOfMessages) };
    },
    'sqs:DeleteMessageCommand': (input) => {
      const key = String(input.ReceiptHandle).split('#')[0];
      queues.set(
        key,
        (queues.get(key) ?? []).filter((message) => message.ReceiptHandle !== input.ReceiptHandle),
      );
      return {};
    },
  };
}

let nonces = 0;

function ports(answers: Record<string, (input: any, region: string) => any>): VerifyPorts {
  const port = (service: string) => (region: string) => ({
    send: async (command: any) => {
      const answer = answers[`${service}:${command.constructor.name}`];
      if (!answer) throw new Error(`no fake answer for ${service}:${command.constructor.name}`);
      return answer(command.input, region);
    },
  });
  return {
    acm: port('acm'),
    cloudformation: port('cloudformation'),
    cloudwatch: port('cloudwatch'),
    eventbridge: port('eventbridge'),
    sqs: port('sqs'),
    nonce: () => `nonce-${++nonces}`,
    rds: port('rds'),
    route53: port('route53')('us-east-1'),
    s3: port('s3'),
    ssm: port('ssm'),
    scheduler: port('scheduler'),
    ec2: port('ec2'),
    ecs: port('ecs'),
    logs: port('logs'),
    sns: port('sns'),
    sleep: async () => undefined,
    now: () => NOW,
    probe: async (url, serverName) => answers['probe:GET']({ url, serverName }, ''),
    dns: {
      resolve4: async (name) => answers['dns:A']({ name }, ''),
      resolve4At: async () => {
        throw new Error('verify-deployment asks no A record of the zone');
      },
      resolveTxtAt: async (servers, name) => answers['dns:TXT']({ servers, name }, ''),
    },
  };
}

const statuses = async (answers: ReturnType<typeof healthy>) =>
  Object.fromEntries((await verifyDeployment(TARGET, ports(answers))).map((result) => [result.name, result.status]));

test('a healthy deployment passes every check; the break-glass check is skipped unless asked for, never passed', async () => {
  const results = await verifyDeployment(TARGET, ports(healthy()));
  expect(results.filter((result) => result.status === 'fail')).toEqual([]);
  expect(results.filter((result) => result.status === 'pass').map((result) => result.name)).toEqual(
    CHECKS.map((check) => check.name).filter((name) => name !== 'master-password-login'),
  );
  // The break-glass check reads the master secret, which pages: only when asked.
  expect(results.filter((result) => result.status === 'skipped').map((result) => result.name)).toEqual(['master-password-login']);
  expect(results.find((result) => result.name === 'forwarded-write-canary')!.detail).toMatch(
    /us-west-2: forwarded through the reader: inserted, read back and deleted .* as trading_canary/,
  );
  expect(formatResults(results)).toMatch(/^PASS {4}ready-primary +alb-primary\.us-east-1\.elb\.amazonaws\.com answered 200\n +calls: /);
});

/** The standby's verify task reports `name` failed with `detail`. */
const standbyTaskReports =
  (name: DatabaseCheckResult['name'], detail: string) =>
  (answers: ReturnType<typeof healthy>): void =>
    void Object.assign(
      answers,
      databaseTasks({
        ...TASK_OUTPUT,
        verify: (forwarding) =>
          TASK_OUTPUT.verify(forwarding).map((result) => (result.name === name && forwarding ? { ...result, status: 'fail' as const, detail } : result)),
      }),
    );

/** Each breaks exactly one check. */
const BREAKS: Array<[string, string, (answers: ReturnType<typeof healthy>) => void, RegExp]> = [
  [
    'hosted-zone',
    'the zone was recreated (new name servers) and the orchestrator still asks the old ones',
    (a) =>
      void (a['route53:GetHostedZoneCommand'] = () => ({
        HostedZone: { Id: '/hostedzone/Z123', Name: 'trading.acme-bank.net.' },
        DelegationSet: { NameServers: ['ns-9.awsdns-09.org', 'ns-8.awsdns-08.co.uk', 'ns-7.awsdns-07.com', 'ns-6.awsdns-06.net'] },
      })),
    /its name servers are ns-6\.awsdns-06\.net, .*; the orchestrator asks ns-1\.awsdns-01\.org/,
  ],
  [
    'certificate-validation-records',
    "a region was destroyed and took the shared validation record with it: the other region's certificate cannot renew",
    (a) => {
      const original = a['route53:ListResourceRecordSetsCommand'];
      a['route53:ListResourceRecordSetsCommand'] = (input, region) =>
        input.StartRecordType === 'CNAME' ? { ResourceRecordSets: [] } : original(input, region);
    },
    /arn:aws:acm:us-east-1:111122223333:certificate\/app renews through _3f1\.app\.trading\.acme-bank\.net\. CNAME _9a2\.zfyfvmchrl\.acm-validations\.aws\., which zone Z123 does not hold/,
  ],
  [
    'eventbridge-encrypted-delivery',
    "the secondary data key's policy admits EventBridge for the queue but not for the topic (moto enforces no key policy)",
    (a) => {
      const original = a['sqs:ReceiveMessageCommand'];
      a['sqs:ReceiveMessageCommand'] = (input, region) => (String(input.QueueUrl).includes('readback-secondary') ? { Messages: [] } : original(input, region));
    },
    /us-west-2: no canary reached the encrypted topic sns-trading-delivery-canary-secondary-prod \(read back through sqs-trading-delivery-canary-readback-secondary-prod\) within 60 s/,
  ],
  [
    'database-iam-login',
    "the standby's instances still wait for the reboot that applies rds.force_ssl: a login without TLS is accepted",
    standbyTaskReports('database-iam-login', 'trading_app logged in without TLS: rds.force_ssl is not in effect'),
    /us-west-2: trading_app logged in without TLS: rds\.force_ssl is not in effect/,
  ],
  [
    'forwarded-write-canary',
    'the standby cannot forward the write (the task reports the failure of the statement)',
    standbyTaskReports('forwarded-write-canary', 'trading_canary: cannot execute INSERT in a read-only transaction'),
    /us-west-2: trading_canary: cannot execute INSERT in a read-only transaction/,
  ],
  [
    'orchestrator-last-decision',
    'the orchestrator last found the standby not ready (moto has no orchestrator logs; this fake answers FilterLogEvents)',
    () => void (lastDecision = 'secondary-unhealthy'),
    /^last run 40 s ago decided secondary-unhealthy: the orchestrator sees a problem/,
  ],
  [
    'replication-lag-metric',
    'Aurora publishes the lag under another dimension than the alarm watches',
    (a) =>
      void (a['cloudwatch:ListMetricsCommand'] = (input) => ({
        Metrics: input.Dimensions
          ? []
          : [
              {
                MetricName: 'AuroraGlobalDBReplicationLag',
                Dimensions: [
                  { Name: 'SourceRegion', Value: 'us-east-1' },
                  { Name: 'DBClusterIdentifier', Value: 'x' },
                ],
              },
            ],
      })),
    /Aurora publishes it for SourceRegion=us-east-1,DBClusterIdentifier=x: the lag alarm .* would have no data/,
  ],
  [
    'failover-signal',
    "Route 53's fast checks hold the primary unhealthy: the signal names the standby",
    (a) => void (a['dns:TXT'] = () => ['us-west-2']),
    /answers us-west-2, not us-east-1/,
  ],
  [
    'ready-secondary',
    'the standby answers 503',
    (a) => void (a['probe:GET'] = ({ url, serverName }) => ({ status: url.includes('secondary') || serverName !== 'app.trading.acme-bank.net' ? 503 : 200 })),
    /answered 503/,
  ],
  [
    'route53-health-checks',
    'the secondary health check fails at most checkers (moto would say healthy)',
    (a) => {
      const original = a['route53:GetHealthCheckStatusCommand'];
      a['route53:GetHealthCheckStatusCommand'] = (input, region) =>
        input.HealthCheckId === 'hc-secondary'
          ? {
              HealthCheckObservations: original(input, region).HealthCheckObservations.map((o: any, i: number) =>
                i > 0 ? { ...o, StatusReport: { Status: 'Failure: HTTP Status Code 503' } } : o,
              ),
            }
          : original(input, region);
    },
    /secondary hc-secondary: 1 of 8 checkers report success \(UNHEALTHY\)/,
  ],
  [
    'weighted-records',
    'the weights were changed by hand',
    (a) => {
      const original = a['route53:ListResourceRecordSetsCommand'];
      a['route53:ListResourceRecordSetsCommand'] = (input, region) => ({
        ResourceRecordSets: original(input, region).ResourceRecordSets.map((r: any) => ({ ...r, Weight: r.SetIdentifier === 'primary' ? 0 : 100 })),
      });
    },
    /primary weight 0, configured 100; secondary weight 100, configured 0/,
  ],
  [
    'global-cluster',
    'the standby does not forward writes',
    (a) => {
      const original = a['rds:DescribeGlobalClustersCommand'];
      a['rds:DescribeGlobalClustersCommand'] = (input, region) => {
        const answer = original(input, region);
        answer.GlobalClusters[0].GlobalClusterMembers[1].GlobalWriteForwardingStatus = 'disabled';
        return answer;
      };
    },
    /write forwarding disabled/,
  ],
  [
    'parameter-groups-in-sync',
    'an instance waits for its reboot',
    (a) => {
      const original = a['rds:DescribeDBClustersCommand'];
      a['rds:DescribeDBClustersCommand'] = (input, region) => {
        const answer = original(input, region);
        if (region === 'us-west-2') answer.DBClusters[0].DBClusterMembers[0].DBClusterParameterGroupStatus = 'pending-reboot';
        return answer;
      };
    },
    /secondary-1 \(secondary\) pending-reboot: reboot them as docs\/upgrades.md describes/,
  ],
  [
    'bucket-replication',
    'the reverse rule was never applied',
    (a) => {
      const original = a['s3:GetBucketReplicationCommand'];
      a['s3:GetBucketReplicationCommand'] = (input, region) => {
        if (input.Bucket === 'files-west')
          throw Object.assign(new Error('The replication configuration was not found'), { name: 'ReplicationConfigurationNotFoundError' });
        return original(input, region);
      };
    },
    /files-west has no enabled rule to files-east/,
  ],
  [
    'orchestrator-schedule',
    'automatic failover is paused',
    (a) => void (a['ssm:GetParameterCommand'] = () => ({ Parameter: { Value: 'true' } })),
    /failover\/paused is true/,
  ],
  [
    'availability-zones',
    'a configured zone is unavailable',
    (a) => {
      const original = a['ec2:DescribeAvailabilityZonesCommand'];
      a['ec2:DescribeAvailabilityZonesCommand'] = (input, region) => {
        const answer = original(input, region);
        if (region === 'us-east-1') answer.AvailabilityZones[2].State = 'unavailable';
        return answer;
      };
    },
    /us-east-1c .* is unavailable/,
  ],
];

test.each(BREAKS)('%s fails alone when %s', async (name, _what, breakIt, message) => {
  const answers = healthy();
  breakIt(answers);
  const results = await verifyDeployment(TARGET, ports(answers));
  expect(results.filter((result) => result.status === 'fail').map((result) => result.name)).toEqual([name]);
  expect(results.find((result) => result.name === name)!.detail).toMatch(message);
});

test('every check has a breaking case here', () => {
  const broken = new Set(BREAKS.map(([name]) => name));
  // ready-primary is the same check as ready-secondary for the other region; master-password-login
  // breaks in its own describe (it runs only with --break-glass).
  expect(CHECKS.map((check) => check.name).filter((name) => !['ready-primary', 'master-password-login'].includes(name) && !broken.has(name))).toEqual([]);
});

test('a task that prints no result fails both database checks, naming the task, its exit code and its log group', async () => {
  const answers = healthy();
  Object.assign(answers, databaseTasks({ verify: () => [], master: () => [] }));
  const results = await verifyDeployment(TARGET, ports(answers));
  expect(results.filter((result) => result.status === 'fail').map((result) => result.name)).toEqual(['database-iam-login', 'forwarded-write-canary']);
  expect(results.find((result) => result.name === 'database-iam-login')!.detail).toMatch(
    /us-east-1: the task arn:aws:ecs:us-east-1:111122223333:task\/ecs-trading-primary-prod\/task\d reported no database-iam-login \(exit code 0; its log group \/trading-dr\/prod\/primary\/db-verify\)/,
  );
});

test('an orchestrator silent for twenty minutes fails its check', async () => {
  const answers = healthy();
  answers['logs:FilterLogEventsCommand'] = () => ({ events: [] });
  const results = await verifyDeployment(TARGET, ports(answers));
  expect(results.find((result) => result.name === 'orchestrator-last-decision')!.detail).toBe(
    'no run report in /aws/lambda/fn-trading-failover-orchestrator-prod for 20 minutes: the orchestrator is not running (see orchestrator-schedule)',
  );
});

test('a task whose container never started (no log stream) fails the database checks with its stopped reason', async () => {
  const answers = healthy();
  answers['ecs:DescribeTasksCommand'] = (input) => ({
    tasks: [
      { taskArn: input.tasks[0], lastStatus: 'STOPPED', stoppedReason: 'CannotPullContainerError: pull access denied', containers: [{ name: 'verify' }] },
    ],
  });
  answers['logs:GetLogEventsCommand'] = () => {
    throw Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' });
  };
  const results = await verifyDeployment(TARGET, ports(answers));
  expect(results.find((result) => result.name === 'database-iam-login')!.detail).toMatch(
    /reported no database-iam-login \(exit code none, CannotPullContainerError: pull access denied; its log group/,
  );
});

describe('--break-glass: master-password-login', () => {
  test('tells the alarm topic which check reads the master secret before the task reads it, then passes', async () => {
    published.length = 0;
    const answers = healthy();
    const order: string[] = [];
    const run = answers['ecs:RunTaskCommand'];
    answers['ecs:RunTaskCommand'] = (input, region) => {
      order.push(input.overrides ? input.overrides.containerOverrides[0].command.join(' ') : 'verify task');
      return run(input, region);
    };
    const publish = answers['sns:PublishCommand'];
    answers['sns:PublishCommand'] = (input, region) => {
      order.push(`publish ${input.TopicArn}`);
      return publish(input, region);
    };
    const results = await verifyDeployment({ ...TARGET, breakGlass: true }, ports(answers));
    expect(results.find((result) => result.name === 'master-password-login')).toMatchObject({
      status: 'pass',
      detail: 'us-east-1: trading_admin logs in with its password over TLS and does not hold rds_iam',
    });
    const notice = order.indexOf('publish arn:aws:sns:us-east-1:111122223333:sns-trading-alarms-primary-prod');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(order.indexOf('node dist/verify-database-cli.js --master'));
    expect(published.at(-1)!.Message).toContain('(check master-password-login). The secret-read alarm that follows is this check.');
  });

  test('fails when the master can no longer log in with its password', async () => {
    const answers = healthy();
    Object.assign(
      answers,
      databaseTasks({
        ...TASK_OUTPUT,
        master: () => [{ name: 'master-password-login', status: 'fail', detail: 'the master could not log in with its password: PAM authentication failed' }],
      }),
    );
    const results = await verifyDeployment({ ...TARGET, breakGlass: true }, ports(answers));
    expect(results.filter((result) => result.status === 'fail').map((result) => result.name)).toEqual(['master-password-login']);
  });
});

test('a check that cannot read AWS fails with the reason instead of stopping the others', async () => {
  const answers = healthy();
  delete (answers as any)['scheduler:GetScheduleCommand'];
  const byName = await statuses(answers);
  expect(byName['orchestrator-schedule']).toBe('fail');
  expect(Object.values(byName).filter((status) => status === 'fail')).toHaveLength(1);
});

describe('the states a check must read as AWS documents them', () => {
  test('an absent pause parameter is not paused (as the orchestrator reads it); a disabled schedule fails', async () => {
    const absent = healthy();
    absent['ssm:GetParameterCommand'] = () => {
      throw Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' });
    };
    expect((await statuses(absent))['orchestrator-schedule']).toBe('pass');
    const disabled = healthy();
    disabled['scheduler:GetScheduleCommand'] = () => ({ State: 'DISABLED', ScheduleExpression: 'rate(1 minute)' });
    const result = (await verifyDeployment(TARGET, ports(disabled))).find((check) => check.name === 'orchestrator-schedule')!;
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/ is DISABLED/),
    });
  });

  test('after a failover the old primary forwards nothing, by design: reported as failed over, not as broken', async () => {
    const failedOver = healthy();
    failedOver['rds:DescribeGlobalClustersCommand'] = () => ({
      GlobalClusters: [
        {
          GlobalClusterMembers: [
            { DBClusterArn: ARN('us-east-1', 'primary'), IsWriter: false, GlobalWriteForwardingStatus: 'disabled' },
            { DBClusterArn: ARN('us-west-2', 'secondary'), IsWriter: true },
          ],
        },
      ],
    });
    const result = (await verifyDeployment(TARGET, ports(failedOver))).find((check) => check.name === 'global-cluster')!;
    expect(result).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^failed over: the writer is in us-west-2/) });
  });

  test('a cluster without an instance is not "in-sync"', async () => {
    const empty = healthy();
    const original = empty['rds:DescribeDBClustersCommand'];
    empty['rds:DescribeDBClustersCommand'] = (input, region) => (region === 'us-west-2' ? { DBClusters: [{ DBClusterMembers: [] }] } : original(input, region));
    const result = (await verifyDeployment(TARGET, ports(empty))).find((check) => check.name === 'parameter-groups-in-sync')!;
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringContaining('aurora-trading-secondary-prod has no instance') });
  });
});

test('over http there is no certificate to renew: the certificate check is skipped, not passed', async () => {
  const results = await verifyDeployment({ ...TARGET, protocol: 'http' }, ports(healthy()));
  expect(results.find((result) => result.name === 'certificate-validation-records')).toMatchObject({
    status: 'skipped',
    detail: 'protocol http: no certificate to renew',
  });
});
