import { AuroraGlobalDatabase } from '../src/aws/aurora';
import { Network } from '../src/aws/network';
import { Random } from '../src/random';
import { Simulator } from '../src/simulator';

const PRIMARY = {
  identifier: 'primary',
  arn: 'arn:aws:rds:us-east-1:1:cluster:primary',
  region: 'us-east-1',
  joinsAs: 'primary' as const,
  writeForwarding: false,
  instanceCount: 2,
};
const SECONDARY = {
  identifier: 'secondary',
  arn: 'arn:aws:rds:us-west-2:1:cluster:secondary',
  region: 'us-west-2',
  joinsAs: 'secondary' as const,
  writeForwarding: true,
  instanceCount: 1,
};

function globalDatabase(options: { lagMs?: number } = {}) {
  const sim = new Simulator(1);
  const network = new Network(new Random(2));
  const aurora = new AuroraGlobalDatabase(sim, network, new Random(3), {
    globalClusterIdentifier: 'global',
    clusters: [PRIMARY, SECONDARY],
    replicationLagMs: options.lagMs ?? 500,
    failoverSecondsMin: 30,
    failoverSecondsMax: 120,
    switchoverSeconds: 60,
    resyncSeconds: 600,
  });
  const member = (arn: string) => aurora.describe().GlobalClusters[0].GlobalClusterMembers.find((candidate: any) => candidate.DBClusterArn === arn);
  return { sim, network, aurora, member };
}

describe('Aurora global database endpoints by role (AWS Database Blog: secondary writer endpoints are inactive)', () => {
  test('only the writer has an active cluster endpoint; every cluster with instances has a reader endpoint', () => {
    const { aurora } = globalDatabase();
    expect(aurora.endpointActive('primary', 'Endpoint.Address')).toBe(true);
    expect(aurora.endpointActive('secondary', 'Endpoint.Address')).toBe(false);
    expect(aurora.endpointActive('secondary', 'ReadEndpoint.Address')).toBe(true);
  });

  test('writes through the forwarding secondary reader land on the writer, and fail while the writer is unreachable', () => {
    const { aurora, network } = globalDatabase();
    expect(aurora.write('secondary', 'ReadEndpoint.Address', 3)).toEqual({ ok: true, cluster: 'primary' });
    expect(aurora.heldByWriter()).toBe(3);
    network.setPartitioned('us-east-1', 'us-west-2', true);
    expect(aurora.write('secondary', 'ReadEndpoint.Address', 1).ok).toBe(false);
    expect(aurora.write('primary', 'ReadEndpoint.Address', 1)).toEqual({ ok: false, error: 'cannot execute INSERT in a read-only transaction' });
  });
});

describe('FailoverGlobalCluster with AllowDataLoss (Aurora User Guide, managed failovers)', () => {
  test('the target becomes the writer after the failover; writes within the replication lag of the outage are lost', async () => {
    const { sim, network, aurora, member } = globalDatabase({ lagMs: 500 });
    await sim.run(10_000);
    aurora.write('primary', 'Endpoint.Address', 10);
    await sim.run(10_800);
    aurora.write('primary', 'Endpoint.Address', 4); // 200 ms before the outage: within the lag
    await sim.run(11_000);
    network.setRegionDown('us-east-1', true);
    aurora.replicationCut('us-east-1', 'us-west-2');
    await sim.run(40_000);
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    expect(aurora.describe().GlobalClusters[0].FailoverState).toMatchObject({ Status: 'failing-over', IsDataLossAllowed: true });
    expect(member(SECONDARY.arn).IsWriter).toBe(false);
    expect(() => aurora.failover(SECONDARY.arn, true, 'us-west-2')).toThrow('global cluster is failing-over');
    await sim.run(40_000 + 121_000);
    expect(member(SECONDARY.arn).IsWriter).toBe(true);
    expect(aurora.endpointActive('secondary', 'Endpoint.Address')).toBe(true);
    expect(aurora.heldByWriter()).toBe(10);
    expect(aurora.writerChanges[0]).toMatchObject({ kind: 'failover', from: 'primary', to: 'secondary', lostWrites: 4 });
  });

  test('a reachable old primary is write-fenced within moments; it rejoins read-only because its template has no forwarding', async () => {
    const { sim, aurora, member } = globalDatabase();
    await sim.run(5_000);
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    await sim.run(7_001);
    expect(aurora.write('primary', 'Endpoint.Address', 1).ok).toBe(false);
    await sim.run(130_000);
    expect(member(PRIMARY.arn)).toMatchObject({ IsWriter: false, GlobalWriteForwardingStatus: 'disabled', SynchronizationStatus: 'pending-resync' });
    expect(aurora.roleAllowsWrites('primary')).toBe(false);
    await sim.run(130_000 + 600_000);
    expect(member(PRIMARY.arn).SynchronizationStatus).toBe('connected');
  });

  test('an old primary the failover cannot reach is not fenced: writes it still accepts are lost', async () => {
    const { sim, network, aurora } = globalDatabase();
    await sim.run(5_000);
    network.setPartitioned('us-east-1', 'us-west-2', true);
    aurora.replicationCut('us-east-1', 'us-west-2');
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    await sim.run(10_000);
    expect(aurora.write('primary', 'Endpoint.Address', 2).ok).toBe(true);
    await sim.run(130_000);
    // The promoted cluster never holds them: the failover counts them lost.
    expect(aurora.writerChanges[0]).toMatchObject({ kind: 'failover', from: 'primary', lostWrites: 2 });
  });
});

describe("split brain: what the orchestrator's guard exists to prevent", () => {
  test('a failover while the regions cannot talk leaves the old primary writing; it is demoted and its later writes discarded once they can', async () => {
    const { sim, network, aurora } = globalDatabase();
    await sim.run(5_000);
    network.setPartitioned('us-east-1', 'us-west-2', true);
    aurora.replicationCut('us-east-1', 'us-west-2');
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    await sim.run(130_000);
    expect(aurora.clustersAcceptingWrites().sort()).toEqual(['primary', 'secondary']);
    expect(aurora.write('primary', 'Endpoint.Address', 3).ok).toBe(true);
    expect(aurora.splitBrains.length).toBeGreaterThan(0);
    network.setPartitioned('us-east-1', 'us-west-2', false);
    aurora.replicationRestored('us-east-1', 'us-west-2');
    expect(aurora.clustersAcceptingWrites()).toEqual(['secondary']);
    expect(aurora.discardedWrites).toBe(3);
  });

  test('a failover the old primary can hear ends with exactly one writer', async () => {
    const { sim, aurora } = globalDatabase();
    await sim.run(5_000);
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    await sim.run(130_000);
    expect(aurora.clustersAcceptingWrites()).toEqual(['secondary']);
    expect(aurora.splitBrains).toEqual([]);
  });
});

describe('SwitchoverGlobalCluster (planned, no data loss)', () => {
  test('needs every member connected; afterwards the demoted cluster forwards iff its template says so', async () => {
    const { sim, network, aurora, member } = globalDatabase();
    network.setRegionDown('us-east-1', true);
    aurora.replicationCut('us-east-1', 'us-west-2');
    aurora.failover(SECONDARY.arn, true, 'us-west-2');
    await sim.run(121_000);
    network.setRegionDown('us-east-1', false);
    aurora.replicationRestored('us-east-1', 'us-west-2');
    aurora.regionRecovered('us-east-1');
    expect(() => aurora.switchover(PRIMARY.arn)).toThrow('switchover needs every member healthy and connected');
    await sim.run(121_000 + 600_001);
    aurora.write('secondary', 'Endpoint.Address', 5);
    aurora.switchover(PRIMARY.arn);
    await sim.run(121_000 + 600_001 + 60_000);
    expect(member(PRIMARY.arn).IsWriter).toBe(true);
    expect(member(SECONDARY.arn).GlobalWriteForwardingStatus).toBe('enabled');
    expect(aurora.heldByWriter()).toBe(5);
    expect(aurora.writerChanges.map((change) => change.kind)).toEqual(['failover', 'switchover']);
  });
});
