import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DescribeGlobalClustersCommand, GlobalCluster, RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DrillDependencies, DrillOptions, runDrill } from '../src/drill';
import { switchover, SWITCHOVER_SETTLE_MS } from '../src/switchover';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from './moto-server';

const PRIMARY_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:aurora-trading-primary-d';
const SECONDARY_ARN = 'arn:aws:rds:us-west-2:123456789012:cluster:aurora-trading-secondary-d';
const PAUSE = '/trading-dr/d/failover/paused';

let moto: MotoServer;
let ecs: ECSClient;
let ssm: SSMClient;
const rds = mockClient(RDSClient);

beforeAll(async () => {
  moto = await startMoto();
  ecs = new ECSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  ssm = new SSMClient({ region: 'us-west-2', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  await ecs.send(new CreateClusterCommand({ clusterName: 'ecs-trading-primary-d' }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({ family: 'task-trading-primary-d', containerDefinitions: [{ name: 'app', image: 'trading:1', memory: 2048 }] }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'ecs-trading-primary-d',
      serviceName: 'svc-trading-primary-d',
      taskDefinition: 'task-trading-primary-d',
      desiredCount: 2,
    }),
  );
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  rds.reset();
  await ssm.send(new PutParameterCommand({ Name: PAUSE, Value: 'false', Type: 'String', Overwrite: true }));
});

function cluster(writer: 'primary' | 'secondary', status = 'available'): { GlobalClusters: GlobalCluster[] } {
  return {
    GlobalClusters: [
      {
        Status: status,
        GlobalClusterMembers: [
          { DBClusterArn: PRIMARY_ARN, IsWriter: writer === 'primary' },
          { DBClusterArn: SECONDARY_ARN, IsWriter: writer === 'secondary' },
        ],
      },
    ],
  };
}

const options: DrillOptions = {
  environmentSuffix: 'd',
  confirmation: 'drill-d',
  applicationHostName: 'app.trading.example.net',
  secondaryLoadBalancerDnsName: 'alb-secondary.us-west-2.elb.amazonaws.com',
  globalClusterIdentifier: 'aurora-trading-global-d',
  primaryClusterArn: PRIMARY_ARN,
  secondaryClusterArn: SECONDARY_ARN,
  primaryEcsCluster: 'ecs-trading-primary-d',
  primaryEcsService: 'svc-trading-primary-d',
  pauseParameterName: PAUSE,
  objectiveSeconds: 300,
  timeoutMs: 600_000,
  pollMs: 10_000,
  resyncTimeoutMs: 3_600_000,
};

/** The DNS answer moves to the secondary after `dnsAfterPolls` lookups of the application name. */
function dependencies(dnsAfterPolls: number, progress: string[] = []): DrillDependencies {
  let clock = 0;
  let lookups = 0;
  return {
    primaryEcs: ecs,
    rds: new RDSClient({ region: 'us-west-2' }),
    ssm,
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    progress: (message) => progress.push(message),
    resolve: async (host) => {
      if (host === options.secondaryLoadBalancerDnsName) return ['198.51.100.10', '198.51.100.11'];
      lookups++;
      return lookups > dnsAfterPolls ? ['198.51.100.11'] : ['203.0.113.5'];
    },
    replicationLagSeconds: async () => 0.4,
  };
}

async function desiredCount(): Promise<number | undefined> {
  const output = await ecs.send(new DescribeServicesCommand({ cluster: options.primaryEcsCluster, services: [options.primaryEcsService] }));
  return output.services?.[0]?.desiredCount;
}

describe('game-day drill', () => {
  test('refuses to run against an environment it was not pointed at explicitly', async () => {
    await expect(runDrill({ ...options, confirmation: 'yes' }, dependencies(0))).rejects.toThrow('refusing to run: pass --confirm drill-d');
    await expect(runDrill({ ...options, confirmation: 'drill-prod' }, dependencies(0))).rejects.toThrow(/refusing/);
    expect(rds.calls()).toHaveLength(0);
    expect(await desiredCount()).toBe(2);
  });

  test('refuses when the environment is already failed over', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(cluster('secondary'));
    await expect(runDrill(options, dependencies(0))).rejects.toThrow(/already the writer/);
    expect(await desiredCount()).toBe(2);
  });

  test('injects, measures DNS and write recovery, reports RTO/RPO, and restores everything', async () => {
    // Writer moves on the 13th describe (after the pre-check and 11 polls), the DNS answer after 6 lookups.
    const describes = rds.on(DescribeGlobalClustersCommand);
    for (let i = 0; i < 12; i++) describes.resolvesOnce(cluster('primary'));
    describes
      .resolvesOnce(cluster('secondary'))
      .resolvesOnce(cluster('secondary'))
      .resolvesOnce(cluster('secondary', 'switching-over'))
      .resolves(cluster('primary'));
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    const progress: string[] = [];
    const seenDuringDrill: number[] = [];
    const deps = dependencies(6, progress);
    const report = await runDrill(options, {
      ...deps,
      sleep: async (ms) => {
        seenDuringDrill.push((await desiredCount()) ?? -1);
        await deps.sleep(ms);
      },
    });

    expect(seenDuringDrill[0]).toBe(0);
    expect(report).toMatchObject({
      dnsSwitchedAfterSeconds: 70,
      writesMovedAfterSeconds: 120,
      rtoSeconds: 120,
      rpoSeconds: 0.4,
      meetsObjective: true,
    });
    expect(await desiredCount()).toBe(2);
    const switchovers = rds.commandCalls(SwitchoverGlobalClusterCommand);
    expect(switchovers.map((call) => call.args[0].input)).toEqual([
      { GlobalClusterIdentifier: 'aurora-trading-global-d', TargetDbClusterIdentifier: PRIMARY_ARN },
    ]);
    expect((await ssm.send(new GetParameterCommand({ Name: PAUSE }))).Parameter?.Value).toBe('false');
    expect(progress[0]).toContain('failure injected');
    expect(progress.at(-1)).toMatch(/RTO 120 s .* MET; RPO 0.4 s/);
  });

  test('with a write load: it runs from before the failure until writes resumed, is read back before the switch back, and its RTO counts', async () => {
    const describes = rds.on(DescribeGlobalClustersCommand);
    for (let i = 0; i < 4; i++) describes.resolvesOnce(cluster('primary'));
    describes.resolvesOnce(cluster('secondary')).resolvesOnce(cluster('secondary', 'switching-over')).resolves(cluster('primary'));
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    const progress: string[] = [];
    const events: string[] = [];
    const deps = dependencies(2, progress);
    const writePath = {
      ratePerSecond: 20,
      acknowledged: 4000,
      abandoned: 0,
      longestGapSeconds: 95.3,
      lostAcknowledged: 2,
      byRegion: { 'us-east-1': 1500, 'us-west-2': 2500 },
    };
    const report = await runDrill(
      { ...options, writeSettleMs: 30_000 },
      {
        ...deps,
        progress: (message) => (events.push(message.split(':')[0]), deps.progress(message)),
        writeLoad: {
          start: () => void events.push('load started'),
          finish: async () => (events.push(`load finished with ${await desiredCount()} primary tasks`), writePath),
        },
      },
    );
    expect(events.indexOf('load started')).toBeLessThan(events.indexOf('failure injected'));
    // Read back while the primary is still down and the secondary holds the writes.
    expect(events).toContain('load finished with 0 primary tasks');
    expect(events.indexOf('load finished with 0 primary tasks')).toBeLessThan(events.findIndex((event) => event.startsWith('restored')));
    expect(report).toMatchObject({ writePath, meetsObjective: true });
    expect(progress.at(-1)).toBe(
      'write path (20 orders/s, as traders see it): RTO 95.3 s (longest time without an acknowledged order) against 300 s; RPO 2 acknowledged orders lost; 4000 acknowledged {"us-east-1":1500,"us-west-2":2500}, 0 abandoned',
    );
  });

  test('a write gap longer than the objective fails the drill even when the control plane moved in time', async () => {
    const describes = rds.on(DescribeGlobalClustersCommand);
    for (let i = 0; i < 4; i++) describes.resolvesOnce(cluster('primary'));
    describes.resolvesOnce(cluster('secondary')).resolvesOnce(cluster('secondary', 'switching-over')).resolves(cluster('primary'));
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    const writePath = { ratePerSecond: 20, acknowledged: 10, abandoned: 3, longestGapSeconds: 420, lostAcknowledged: 0, byRegion: {} };
    const report = await runDrill(options, { ...dependencies(2), writeLoad: { start: () => undefined, finish: async () => writePath } });
    expect(report.rtoSeconds).toBeLessThanOrEqual(300);
    expect(report.meetsObjective).toBe(false);
  });

  test('a write load that acknowledged nothing measures no RTO or RPO and cannot confirm the objective', async () => {
    // Before: "RTO <whole run> s ...; RPO 0 acknowledged orders lost" and MET when the run was short.
    const describes = rds.on(DescribeGlobalClustersCommand);
    for (let i = 0; i < 4; i++) describes.resolvesOnce(cluster('primary'));
    describes.resolvesOnce(cluster('secondary')).resolvesOnce(cluster('secondary', 'switching-over')).resolves(cluster('primary'));
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    const writePath = { ratePerSecond: 20, acknowledged: 0, abandoned: 40, unmeasured: 'no order was acknowledged', byRegion: {} };
    const progress: string[] = [];
    const report = await runDrill(options, { ...dependencies(2, progress), writeLoad: { start: () => undefined, finish: async () => writePath } });
    expect(report.rtoSeconds).toBeLessThanOrEqual(300);
    expect(report.meetsObjective).toBe(false);
    expect(progress.at(-1)).toBe(
      'write path (20 orders/s, as traders see it): no RTO or RPO measured: no order was acknowledged; 0 acknowledged {}, 40 abandoned',
    );
  });

  test('a failover that never happens is reported as NOT MET, and the primary is still restored', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(cluster('primary'));
    const progress: string[] = [];
    const report = await runDrill({ ...options, timeoutMs: 120_000 }, dependencies(1_000, progress));
    expect(report).toMatchObject({ meetsObjective: false, rtoSeconds: undefined });
    expect(await desiredCount()).toBe(2);
    expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).toHaveLength(0);
    expect(progress.at(-1)).toContain('NOT MET');
  });
});

describe('planned switchover / failback', () => {
  const switchoverOptions = {
    globalClusterIdentifier: 'aurora-trading-global-d',
    targetClusterArn: PRIMARY_ARN,
    pauseParameterName: PAUSE,
    timeoutMs: 300_000,
    pollMs: 10_000,
  };

  test('switches with no data loss, pausing the automation meanwhile and restoring it', async () => {
    rds
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce(cluster('secondary'))
      .resolvesOnce(cluster('secondary'))
      .resolvesOnce(cluster('secondary', 'switching-over'))
      .resolves(cluster('primary'));
    rds.on(SwitchoverGlobalClusterCommand).callsFake(async () => {
      expect((await ssm.send(new GetParameterCommand({ Name: PAUSE }))).Parameter?.Value).toBe('true');
      return {};
    });
    const progress: string[] = [];
    // The switch stays paused through the settle period after the new writer is verified.
    const sleeps: Array<{ ms: number; paused: string | undefined }> = [];
    const deps = dependencies(0, progress);
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push({ ms, paused: (await ssm.send(new GetParameterCommand({ Name: PAUSE }))).Parameter?.Value });
      return deps.sleep(ms);
    };
    expect(await switchover(switchoverOptions, { ...deps, sleep, rds: new RDSClient({ region: 'us-west-2' }) })).toBe('switched');
    expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).toHaveLength(1);
    expect(sleeps[sleeps.length - 1]).toEqual({ ms: SWITCHOVER_SETTLE_MS, paused: 'true' });
    expect((await ssm.send(new GetParameterCommand({ Name: PAUSE }))).Parameter?.Value).toBe('false');
  });

  test('waits for the old primary to resynchronise before switching, and names the resume command if it never does', async () => {
    const resyncing = cluster('secondary');
    resyncing.GlobalClusters[0].GlobalClusterMembers![0].SynchronizationStatus = 'pending-resync';
    rds.on(DescribeGlobalClustersCommand).resolves(resyncing);
    const progress: string[] = [];
    await expect(
      switchover(
        { ...switchoverOptions, resyncTimeoutMs: 60_000, resumeCommand: 'npm run switchover -- --environment d --to primary --confirm switchover-d' },
        dependencies(0, progress),
      ),
    ).rejects.toThrow(/pending-resync.*resume with: npm run switchover -- --environment d/);
    expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).toHaveLength(0);
    expect(progress.some((line) => line.includes('waiting for the old primary to resynchronise'))).toBe(true);
  });

  test('is a no-op when the target is already the writer', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves(cluster('primary'));
    expect(await switchover(switchoverOptions, dependencies(0))).toBe('already-writer');
    expect(rds.commandCalls(SwitchoverGlobalClusterCommand)).toHaveLength(0);
  });

  test('a switchover that does not finish in time fails loudly and still restores the pause switch', async () => {
    await ssm.send(new PutParameterCommand({ Name: PAUSE, Value: 'true', Type: 'String', Overwrite: true }));
    rds.on(DescribeGlobalClustersCommand).resolves(cluster('secondary'));
    rds.on(SwitchoverGlobalClusterCommand).resolves({});
    await expect(switchover({ ...switchoverOptions, timeoutMs: 30_000 }, dependencies(0))).rejects.toThrow(/did not finish within 30 s/);
    // It was paused before the switchover started, and stays so.
    expect((await ssm.send(new GetParameterCommand({ Name: PAUSE }))).Parameter?.Value).toBe('true');
  });
});
