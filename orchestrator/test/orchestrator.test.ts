import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, GlobalCluster, RDSClient } from '@aws-sdk/client-rds';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { OrchestratorConfig, OrchestratorDependencies, probe, runOnce } from '../src/orchestrator';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from './moto-server';

const REGION = 'us-west-2';
const SECONDARY_ARN = 'arn:aws:rds:us-west-2:123456789012:cluster:aurora-trading-secondary-t';
const PRIMARY_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:aurora-trading-primary-t';
const PRIMARY_URL = 'https://primary.example/ready';
const SECONDARY_URL = 'https://secondary.example/ready';

let moto: MotoServer;
let ssm: SSMClient;
let sns: SNSClient;
let events: EventBridgeClient;
let sqs: SQSClient;
let config: OrchestratorConfig;
let notificationsQueueUrl: string;
let eventsQueueUrl: string;
const rds = mockClient(RDSClient);

beforeAll(async () => {
  moto = await startMoto();
  const common = { region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS };
  ssm = new SSMClient(common);
  sns = new SNSClient(common);
  events = new EventBridgeClient(common);
  sqs = new SQSClient(common);

  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alarms' }))).TopicArn!;
  notificationsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notifications' }))).QueueUrl!;
  const notificationsQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: notificationsQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: notificationsQueueArn }));

  await events.send(new CreateEventBusCommand({ Name: 'bus-trading-events-t' }));
  eventsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'events' }))).QueueUrl!;
  const eventsQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: eventsQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  await events.send(
    new PutRuleCommand({ Name: 'all', EventBusName: 'bus-trading-events-t', EventPattern: JSON.stringify({ source: [{ prefix: 'trading.' }] }) }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'all', EventBusName: 'bus-trading-events-t', Targets: [{ Id: 'q', Arn: eventsQueueArn }] }));

  config = {
    globalClusterIdentifier: 'aurora-trading-global-t',
    secondaryClusterArn: SECONDARY_ARN,
    primaryReadinessUrl: PRIMARY_URL,
    secondaryReadinessUrl: SECONDARY_URL,
    pauseParameterName: '/trading-dr/t/failover/paused',
    probeCount: 3,
    probeIntervalMs: 10_000,
    probeTimeoutMs: 3_000,
    promotionTimeoutMs: 300_000,
    promotionPollMs: 10_000,
    eventBusName: 'bus-trading-events-t',
    notificationTopicArn: topicArn,
    // Three rounds 10 s apart per run.
    probeWindowMs: 30_000,
    probeStateParameterName: '/trading-dr/t/failover/probe-streak',
    probeStreakMaxAgeMs: 80_000,
    trafficWaitMs: 30_000,
  };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  rds.reset();
  await ssm.send(new DeleteParameterCommand({ Name: config.pauseParameterName })).catch(() => undefined);
  await ssm.send(new DeleteParameterCommand({ Name: config.probeStateParameterName })).catch(() => undefined);
  // SQS (and moto) allow one purge a minute: drain instead.
  await messages(notificationsQueueUrl);
  await messages(eventsQueueUrl);
});

function globalCluster(secondaryIsWriter: boolean, status = 'available'): { GlobalClusters: GlobalCluster[] } {
  return {
    GlobalClusters: [
      {
        GlobalClusterIdentifier: 'aurora-trading-global-t',
        Status: status,
        GlobalClusterMembers: [
          { DBClusterArn: PRIMARY_ARN, IsWriter: !secondaryIsWriter },
          { DBClusterArn: SECONDARY_ARN, IsWriter: secondaryIsWriter },
        ],
      },
    ],
  };
}

/** Scripted readiness answers per URL, in turn, the last one repeating (a number is an HTTP status, an Error a network failure). */
function dependencies(
  answers: Record<string, Array<number | Error>>,
  logs: any[] = [],
  traffic: Array<boolean | undefined> = [true],
): OrchestratorDependencies & { probed: string[] } {
  let clock = 1_700_000_000_000;
  const probed: string[] = [];
  return {
    probed,
    rds: new RDSClient({ region: REGION }),
    ssm,
    sns,
    events,
    fetch: async (url) => {
      probed.push(url);
      const script = answers[url] ?? [];
      const answer = (script.length > 1 ? script.shift() : script[0]) ?? new Error('ECONNREFUSED');
      if (answer instanceof Error) throw answer;
      return { status: answer };
    },
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    // Scripted fetches answer at once: a probe timeout can never fire here.
    schedule: () => () => undefined,
    log: (entry) => logs.push(entry),
    // Route 53's authoritative answers in turn; the last one repeats.
    trafficOnSecondary: async () => (traffic.length > 1 ? traffic.shift() : traffic[0]),
  };
}

/** Receives and deletes every message of the queue. */
async function messages(queueUrl: string): Promise<any[]> {
  const bodies: any[] = [];
  for (;;) {
    const output = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!output.Messages?.length) return bodies;
    for (const message of output.Messages) {
      bodies.push(JSON.parse(message.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

describe('orchestrator run against moto (SSM, SNS, EventBridge) and a mocked RDS failover', () => {
  test('confirmed outage: fails over once with data loss allowed, verifies the new writer, notifies and emits an event', async () => {
    // The role at the start, again right before the promotion, then the failover under way and done.
    rds
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce(globalCluster(false))
      .resolvesOnce(globalCluster(false))
      .resolvesOnce(globalCluster(false, 'failing-over'))
      .resolves(globalCluster(true));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const deps = dependencies({ [PRIMARY_URL]: [new Error('ETIMEDOUT'), 503, new Error('ECONNRESET'), 503], [SECONDARY_URL]: [200] });

    const report = await runOnce(config, deps);

    expect(report).toMatchObject({ promoted: true, verifiedWriter: true, decision: { reason: 'primary-outage-confirmed' } });
    const failovers = rds.commandCalls(FailoverGlobalClusterCommand);
    expect(failovers).toHaveLength(1);
    expect(failovers[0].args[0].input).toEqual({
      GlobalClusterIdentifier: 'aurora-trading-global-t',
      TargetDbClusterIdentifier: SECONDARY_ARN,
      AllowDataLoss: true,
    });
    expect((await messages(notificationsQueueUrl)).map((message) => message.Subject)).toEqual([
      'Trading DR: standby database promotion started',
      'Trading DR: standby database promoted and verified as writer',
    ]);
    const [event] = await messages(eventsQueueUrl);
    expect(event).toMatchObject({
      source: 'trading.failover',
      'detail-type': 'FailoverDecision',
      detail: { reason: 'primary-outage-confirmed', promoted: true, verifiedWriter: true },
    });
  });

  test('paused through the SSM parameter: no probe, no failover, and no event every minute', async () => {
    await ssm.send(new PutParameterCommand({ Name: config.pauseParameterName, Value: 'true', Type: 'String', Overwrite: true }));
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({});
    const report = await runOnce(config, deps);
    expect(report.decision.reason).toBe('paused');
    expect(deps.probed).toEqual([]);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    expect(await messages(eventsQueueUrl)).toEqual([]);
  });

  test('the parameter set to anything but "true" does not pause', async () => {
    await ssm.send(new PutParameterCommand({ Name: config.pauseParameterName, Value: 'false', Type: 'String', Overwrite: true }));
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [200] }));
    expect(report.decision.reason).toBe('primary-answers');
  });

  test('repeated invocation after the promotion is a no-op: never a second failover', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(true));
    const deps = dependencies({ [PRIMARY_URL]: [503, 503, 503], [SECONDARY_URL]: [200] });
    const first = await runOnce(config, deps);
    const second = await runOnce(config, deps);
    expect([first.decision.reason, second.decision.reason]).toEqual(['already-promoted', 'already-promoted']);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('writes wait for Route 53 to move the traffic: each further round reads its answer and probes the primary once more', async () => {
    rds.on(DescribeGlobalClustersCommand).resolvesOnce(globalCluster(false)).resolvesOnce(globalCluster(false)).resolves(globalCluster(true));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] }, [], [false, false, undefined, true]);
    const report = await runOnce({ ...config, probeWindowMs: 60_000 }, deps);
    expect(report).toMatchObject({ promoted: true, decision: { reason: 'primary-outage-confirmed' } });
    // Six rounds 10 s apart. The third confirms the outage and adds a veto probe beside its Route 53
    // read; each later round's one probe is the veto, taken at the same time as that round's read.
    expect(deps.probed.filter((url) => url === PRIMARY_URL)).toHaveLength(6 + 1);
    expect(deps.probed.filter((url) => url === SECONDARY_URL)).toHaveLength(4);
  });

  test('Route 53 still answering with the primary blocks the promotion: one vantage point never moves the writer', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [503, 503, 503], [SECONDARY_URL]: [200] }, [], [false]));
    expect(report.decision).toMatchObject({ action: 'none', reason: 'traffic-not-moved' });
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('a primary that answers the last probe, after the traffic moved, still vetoes', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [503, 503, 503, 200], [SECONDARY_URL]: [200] }));
    expect(report.decision.reason).toBe('primary-answers');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('one answer from the primary starts the streak over: the failures must be consecutive', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({ [PRIMARY_URL]: [503, 200, 503], [SECONDARY_URL]: [200] });
    const report = await runOnce(config, deps);
    expect(report.decision.reason).toBe('too-few-probes');
    // The run keeps watching for its whole window, whatever the primary answers.
    expect(deps.probed.filter((url) => url === PRIMARY_URL)).toHaveLength(3);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    // Routine runs stay quiet: no event, no page.
    expect(await messages(eventsQueueUrl)).toEqual([]);
  });

  test('the failed-probe streak carries over to the next run through the durable parameter, never through memory', async () => {
    rds
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce(globalCluster(false))
      .resolvesOnce(globalCluster(false))
      .resolvesOnce(globalCluster(false))
      .resolves(globalCluster(true));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    const first = await runOnce({ ...config, probeWindowMs: 20_000 }, deps);
    expect(first.decision.reason).toBe('too-few-probes');
    const stored = JSON.parse((await ssm.send(new GetParameterCommand({ Name: config.probeStateParameterName }))).Parameter!.Value!);
    expect(stored.reasons).toEqual(['HTTP 503', 'HTTP 503']);
    // The next run confirms with its first probe.
    const second = await runOnce({ ...config, probeWindowMs: 20_000 }, deps);
    expect(second).toMatchObject({ promoted: true, decision: { reason: 'primary-outage-confirmed' } });
  });

  test('a stored streak older than its maximum age is discarded: the primary was not watched meanwhile', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    await runOnce({ ...config, probeWindowMs: 20_000 }, deps);
    await deps.sleep(config.probeStreakMaxAgeMs + 1);
    const report = await runOnce({ ...config, probeWindowMs: 10_000 }, deps);
    expect(report.decision).toMatchObject({ reason: 'too-few-probes', detail: '1 failed probes, 3 in a row required' });
  });

  test('a switchover that made this region the writer while a run was watching stops its failover request', async () => {
    rds.on(DescribeGlobalClustersCommand).resolvesOnce(globalCluster(false)).resolves(globalCluster(true));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] }));
    expect(report.decision.reason).toBe('already-promoted');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('a stored streak dated in the future is discarded: clock skew or a hand edit must not confirm an outage', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    const future = JSON.stringify({ lastProbeAt: deps.now() + 3_600_000, reasons: ['HTTP 503', 'HTTP 503', 'HTTP 503'] });
    await ssm.send(new PutParameterCommand({ Name: config.probeStateParameterName, Value: future, Type: 'String', Overwrite: true }));
    const report = await runOnce({ ...config, probeWindowMs: 10_000 }, deps);
    expect(report.decision).toMatchObject({ reason: 'too-few-probes', detail: '1 failed probes, 3 in a row required' });
  });

  test('a pause set while a run is watching stops the promotion it was about to request', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    const fetch = deps.fetch;
    let probes = 0;
    const report = await runOnce(config, {
      ...deps,
      fetch: async (url, init) => {
        if (url === PRIMARY_URL && ++probes === 2) {
          await ssm.send(new PutParameterCommand({ Name: config.pauseParameterName, Value: 'true', Type: 'String', Overwrite: true }));
        }
        return fetch(url, init);
      },
    });
    expect(report.decision.reason).toBe('paused');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('secondary unhealthy: no failover, and a human is paged', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [503, 503, 503], [SECONDARY_URL]: [503] }));
    expect(report).toMatchObject({ promoted: false, decision: { reason: 'secondary-unhealthy' } });
    expect((await messages(notificationsQueueUrl))[0].Subject).toBe('Trading DR: failover blocked (secondary-unhealthy)');
  });

  test('the minimum outage spans runs: the streak keeps its first failure, and the next run promotes once a minute has passed', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const floor = { ...config, minimumOutageMs: 60_000 };
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    // First run: three probes 10 s apart confirm by count, but they span 20 s of the 60 s required.
    const first = await runOnce(floor, deps);
    expect(first).toMatchObject({ promoted: false, decision: { reason: 'too-few-probes' } });
    expect(first.decision.detail).toMatch(/failed every probe for \d+ s of the 60 s required/);
    const stored = JSON.parse((await ssm.send(new GetParameterCommand({ Name: config.probeStateParameterName! }))).Parameter!.Value!);
    expect(stored.lastProbeAt - stored.firstProbeAt).toBeGreaterThanOrEqual(20_000);
    // The next run continues the same streak (its first failure is the first run's) and promotes.
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    rds.reset();
    rds.on(FailoverGlobalClusterCommand).resolves({});
    rds.on(DescribeGlobalClustersCommand).resolvesOnce(globalCluster(false)).resolvesOnce(globalCluster(false)).resolves(globalCluster(true));
    const second = await runOnce(floor, deps);
    expect(second).toMatchObject({ promoted: true, decision: { reason: 'primary-outage-confirmed' } });
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(1);
    await messages(notificationsQueueUrl);
    await messages(eventsQueueUrl);
  });

  test('a failover blocked for a minute pages from inside a long run, once, not at its end', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [503] });
    const pagedAt: number[] = [];
    const sent = deps.sns.send.bind(deps.sns);
    (deps as { sns: unknown }).sns = { send: (command: any) => (pagedAt.push(deps.now()), sent(command)) };
    const started = deps.now();
    const report = await runOnce({ ...config, probeWindowMs: 300_000 }, deps);
    expect(report).toMatchObject({ promoted: false, decision: { reason: 'secondary-unhealthy' } });
    expect((await messages(notificationsQueueUrl)).map((message) => message.Subject)).toEqual(['Trading DR: failover blocked (secondary-unhealthy)']);
    // Confirmed by the third probe (20 s), blocked from then on: the page goes out a minute later, long before the run ends.
    expect(pagedAt).toHaveLength(1);
    expect(pagedAt[0] - started).toBeLessThanOrEqual(20_000 + 60_000 + 10_000);
    expect(report.durationMs).toBeGreaterThan(300_000);
  });

  test("Route 53's answer unreadable for a minute (the resolver fails) with the outage confirmed: no promotion, and a page", async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] }, [], [undefined]);
    const report = await runOnce({ ...config, probeWindowMs: 200_000 }, deps);
    expect(report).toMatchObject({ promoted: false, decision: { reason: 'traffic-not-moved' } });
    expect(report.decision.detail).toContain('answer unreadable');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    expect((await messages(notificationsQueueUrl)).map((message) => message.Subject)).toEqual(['Trading DR: failover blocked (traffic-not-moved)']);
  });

  test('Route 53 still answering the primary (readable) blocks without a page: that is the split-brain guard at work', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const report = await runOnce({ ...config, probeWindowMs: 200_000 }, dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] }, [], [false]));
    expect(report.decision.reason).toBe('traffic-not-moved');
    expect(await messages(notificationsQueueUrl)).toEqual([]);
    await messages(eventsQueueUrl);
  });

  test('RDS throttling: the cluster state is unknown, nothing is changed, a human is paged', async () => {
    rds.on(DescribeGlobalClustersCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const logs: any[] = [];
    const report = await runOnce(config, dependencies({}, logs));
    expect(report.decision.reason).toBe('cluster-state-unknown');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'global cluster unreadable', error: 'ThrottlingException: Rate exceeded' }));
    expect((await messages(notificationsQueueUrl))[0].Subject).toContain('cluster-state-unknown');
  });

  test('a secondary that is not a member of the global cluster (a wiring fault): state unknown, the error names the cluster and the members', async () => {
    const others = globalCluster(false);
    others.GlobalClusters[0].GlobalClusterMembers = [{ DBClusterArn: PRIMARY_ARN, IsWriter: true }];
    rds.on(DescribeGlobalClustersCommand).resolves(others);
    const logs: any[] = [];
    const report = await runOnce(config, dependencies({}, logs));
    expect(report.decision.reason).toBe('cluster-state-unknown');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
    expect(logs).toContainEqual({
      level: 'error',
      msg: 'the secondary cluster is not a member of the global cluster',
      secondaryClusterArn: SECONDARY_ARN,
      members: PRIMARY_ARN,
    });
    await messages(notificationsQueueUrl);
  });

  test('an unreadable cluster state keeps the watch going; the promotion follows in the same run once the API answers', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    rds
      .on(DescribeGlobalClustersCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolvesOnce(globalCluster(false))
      .resolvesOnce(globalCluster(false))
      .resolves(globalCluster(true));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    const report = await runOnce(config, deps);
    expect(report).toMatchObject({ promoted: true, decision: { reason: 'primary-outage-confirmed' } });
  });

  test('a promotion that failed to start keeps the streak: the next run requests it again at once', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    rds.on(FailoverGlobalClusterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const deps = dependencies({ [PRIMARY_URL]: [503], [SECONDARY_URL]: [200] });
    const first = await runOnce({ ...config, promotionTimeoutMs: 10_000 }, deps);
    expect(first.promoted).toBe(false);
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const second = await runOnce({ ...config, probeWindowMs: 10_000, promotionTimeoutMs: 10_000 }, deps);
    // One round: the stored streak plus this run's first probe confirm the outage.
    expect(second).toMatchObject({ promoted: true, decision: { reason: 'primary-outage-confirmed' } });
  });

  test('a failover already under way is not requested again', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false, 'failing-over'));
    const report = await runOnce(config, dependencies({}));
    expect(report.decision.reason).toBe('failover-in-progress');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('the failover API refuses: paged once, asked again every round while the run lasts, no crash', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    rds.on(FailoverGlobalClusterCommand).rejects(Object.assign(new Error('cluster is not in a valid state'), { name: 'InvalidGlobalClusterStateFault' }));
    const logs: any[] = [];
    const report = await runOnce(config, dependencies({ [PRIMARY_URL]: [503, 503, 503, 503], [SECONDARY_URL]: [200] }, logs));
    expect(report).toMatchObject({ promoted: false, decision: { action: 'promote-secondary' } });
    expect(rds.commandCalls(FailoverGlobalClusterCommand).length).toBeGreaterThan(1);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'failover request failed' }));
    // A promotion that could not even start pages at once, and once: it is retried unseen otherwise.
    expect((await messages(notificationsQueueUrl)).map((message) => message.Subject)).toEqual(['Trading DR: standby database promotion FAILED to start']);
  });

  test('a promotion that does not produce a writer in time is reported and paged', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    rds.on(FailoverGlobalClusterCommand).resolves({});
    const report = await runOnce({ ...config, promotionTimeoutMs: 30_000 }, dependencies({ [PRIMARY_URL]: [503, 503, 503, 503], [SECONDARY_URL]: [200] }));
    expect(report).toMatchObject({ promoted: true, verifiedWriter: false });
    expect((await messages(notificationsQueueUrl)).map((message) => message.Subject)).toEqual([
      'Trading DR: standby database promotion started',
      'Trading DR: promotion NOT verified in time',
    ]);
  });

  test('an unreadable pause switch counts as paused', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(globalCluster(false));
    const unreachableSsm = new SSMClient({ region: REGION, endpoint: 'http://127.0.0.1:9', credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
    const report = await runOnce(config, { ...dependencies({ [PRIMARY_URL]: [503, 503, 503], [SECONDARY_URL]: [200] }), ssm: unreachableSsm });
    expect(report.decision.reason).toBe('paused');
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });
});

describe('readiness probe over real HTTP', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ok') return void res.writeHead(200).end();
      if (req.url === '/down') return void res.writeHead(503).end();
      // /hang never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const fetchStatus = async (url: string, init: { signal: AbortSignal }) => ({ status: (await fetch(url, init)).status });
  const schedule = (ms: number, callback: () => void) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  };

  test('200 is up, 503 is down with its status, silence is a timeout', async () => {
    expect(await probe(`${base}/ok`, { probeTimeoutMs: 1000 }, { fetch: fetchStatus, schedule })).toEqual({ ok: true });
    expect(await probe(`${base}/down`, { probeTimeoutMs: 1000 }, { fetch: fetchStatus, schedule })).toEqual({ ok: false, reason: 'HTTP 503' });
    expect(await probe(`${base}/hang`, { probeTimeoutMs: 200 }, { fetch: fetchStatus, schedule })).toEqual({ ok: false, reason: 'timeout after 200 ms' });
  });
});
