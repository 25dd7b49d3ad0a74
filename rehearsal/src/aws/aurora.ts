/**
 * Aurora Global Database as far as it decides a failover. Sources (quotes in
 * rehearsal/aws-sources.md):
 * - Endpoints: "The primary Region contains the only writer instance and also contains the only
 *   active writer endpoint ... All secondary Regions also have writer endpoints, but they're
 *   inactive. Each Regional cluster also has a reader endpoint." (AWS Database Blog, *Automate Amazon
 *   Aurora Global Database endpoint management*). Modelled: a cluster endpoint takes connections only
 *   while its cluster acts as the writer (AWS documents "inactive", not whether the name resolves;
 *   the model answers ENOTFOUND, and either way no connection succeeds); a reader endpoint while the
 *   cluster has an instance.
 * - Write forwarding: writes go through the secondary's reader endpoint (Aurora User Guide, *Using
 *   write forwarding in an Aurora PostgreSQL global database*). AWS documents no behaviour for a
 *   forwarded write while the primary is unreachable beyond `apg_write_forward.connect_timeout`
 *   (30 s): modelled as a failure.
 * - `FailoverGlobalCluster` with `AllowDataLoss` (Aurora User Guide, *Using switchover or failover
 *   in Amazon Aurora Global Database*): FailoverState `pending` → `failing-over` → done; RTO "in the
 *   order of minutes" (no figure: drawn from a configurable uniform range, default 30–120 s); "write
 *   fencing" halts writes on a reachable old primary, best-effort ("writes might be momentarily
 *   accepted in the old primary Region"): modelled as fencing after a short random delay when the
 *   regions can talk, never when they cannot; writes it accepts after the failover began are lost.
 *   The old primary rejoins as a secondary "as soon as that Region is healthy and available again",
 *   after a snapshot, with a resynchronisation (`pending-resync`) of minutes to hours.
 * - A writer change under way: `FailoverState` names the cluster "currently being promoted"
 *   (`ToDbClusterArn`, RDS API Reference, *FailoverState*); its `GlobalWriteForwardingStatus`
 *   meanwhile is undocumented, modelled as `disabled` (the choice that hurts recovery).
 * - `EnableGlobalWriteForwarding` "is used immediately if the primary is demoted by a global
 *   cluster API operation" (RDS API Reference, CreateDBCluster): a demoted cluster forwards iff its
 *   template flag says so.
 * - `SwitchoverGlobalCluster`: needs every cluster healthy; waits for the target to catch up, so no
 *   data loss; the old primary becomes a read-only secondary.
 * - Replication: storage-level, typically under a second (lag drawn per run).
 * Limits: one instance failure domain per cluster (up or down); no Serverless v2 scaling delays;
 * the control-plane API of a region answers while that region is up, subject to injected errors.
 */
import { Ledger } from '../ledger';
import { Random } from '../random';
import { Simulator } from '../simulator';
import { Network, Origin } from './network';

export interface AuroraClusterSpec {
  readonly identifier: string;
  readonly arn: string;
  readonly region: string;
  readonly joinsAs: 'primary' | 'secondary';
  /** The template's `EnableGlobalWriteForwarding`. */
  readonly writeForwarding: boolean;
  readonly instanceCount: number;
}

export interface AuroraOptions {
  readonly globalClusterIdentifier: string;
  readonly clusters: readonly AuroraClusterSpec[];
  /** Replication lag of this run, ms. */
  readonly replicationLagMs: number;
  /** Duration of a `FailoverGlobalCluster`, drawn per call. */
  readonly failoverSecondsMin: number;
  readonly failoverSecondsMax: number;
  /** Duration of a `SwitchoverGlobalCluster`. */
  readonly switchoverSeconds: number;
  /** How long the old primary needs to resynchronise after it rejoins. */
  readonly resyncSeconds: number;
}

type SyncStatus = 'connected' | 'pending-resync' | 'resyncing';

class Cluster {
  public writer: boolean;
  public forwarding: boolean;
  /** Instances answer (a "database lost" fault turns this off). */
  public up = true;
  /**
   * The cluster acts as the writer: its cluster endpoint resolves and accepts writes. Normally the
   * same as `writer`; an old primary that write fencing could not reach keeps acting as the writer
   * until Aurora can reach it again (split brain, the risk the orchestrator's guard exists for).
   */
  public acceptsWrites: boolean;
  /** Writes it held when it lost the writer role (already counted as kept or lost then). */
  public countedAtDemotion = 0;
  public sync: SyncStatus = 'connected';
  /** Commit times of the writes this cluster's storage holds, as writer or by replication. */
  public readonly commits = new Ledger();
  /** Whether this cluster must rejoin as a secondary once its region is back. */
  public rejoinPending = false;

  constructor(public readonly spec: AuroraClusterSpec) {
    this.writer = spec.joinsAs === 'primary';
    this.acceptsWrites = this.writer;
    this.forwarding = !this.writer && spec.writeForwarding;
  }
}

export type WriteResult = { readonly ok: true; readonly cluster: string } | { readonly ok: false; readonly error: string };

/** What the invariants need to know about a writer change. */
export interface WriterChange {
  readonly at: number;
  readonly kind: 'failover' | 'switchover';
  readonly from: string;
  readonly to: string;
  readonly requestedAt: number;
  /** Commit time up to which the new writer holds the old writer's writes. */
  readonly replicatedUpTo: number;
  /** Writes the old writer had acknowledged that the new writer does not hold. */
  readonly lostWrites: number;
}

export class AuroraGlobalDatabase {
  private readonly clusters: Cluster[];
  private status: 'available' | 'failing-over' | 'switching-over' = 'available';
  private failoverState: { Status: string; FromDbClusterArn: string; ToDbClusterArn: string; IsDataLossAllowed: boolean } | undefined;
  public readonly writerChanges: WriterChange[] = [];
  private readonly random: Random;

  constructor(
    private readonly sim: Simulator,
    private readonly network: Network,
    random: Random,
    private readonly options: AuroraOptions,
  ) {
    this.random = random;
    this.clusters = options.clusters.map((spec) => new Cluster(spec));
  }

  public clusterByArn(arn: string): Cluster | undefined {
    return this.clusters.find((cluster) => cluster.spec.arn === arn || cluster.spec.identifier === arn);
  }

  /** A failover or switchover is under way. */
  public changingWriter(): boolean {
    return this.status !== 'available';
  }

  public writerIdentifier(): string | undefined {
    return this.clusters.find((cluster) => cluster.writer)?.spec.identifier;
  }

  /** Whether the cluster's region may take writes in its current role (writer, or forwarding secondary). */
  public roleAllowsWrites(identifier: string): boolean {
    const cluster = this.cluster(identifier);
    return cluster.writer || cluster.forwarding;
  }

  public clusterInRegion(region: string): string | undefined {
    return this.clusters.find((cluster) => cluster.spec.region === region)?.spec.identifier;
  }

  /** Whether the cluster's instances accept connections. */
  public clusterAvailable(identifier: string): boolean {
    const cluster = this.cluster(identifier);
    return cluster.up && this.network.regionUp(cluster.spec.region);
  }

  public setClusterUp(identifier: string, up: boolean): void {
    const cluster = this.cluster(identifier);
    cluster.up = up;
    const writer = this.clusters.find((candidate) => candidate.writer);
    if (up && cluster.rejoinPending && writer && this.network.regionsConnected(cluster.spec.region, writer.spec.region)) this.rejoin(cluster);
  }

  /** The region came back: a cluster that lost the writer role while away rejoins as a secondary. */
  public regionRecovered(region: string): void {
    for (const cluster of this.clusters.filter((candidate) => candidate.spec.region === region && candidate.rejoinPending)) this.rejoin(cluster);
  }

  /** Clusters acting as the writer right now (more than one is split brain). */
  public clustersAcceptingWrites(): string[] {
    return this.clusters.filter((cluster) => this.actsAsWriter(cluster)).map((cluster) => cluster.spec.identifier);
  }

  private actsAsWriter(cluster: Cluster): boolean {
    return cluster.acceptsWrites && cluster.up && this.network.regionUp(cluster.spec.region);
  }

  /** Each episode in which two clusters accepted writes at once, from its start. */
  public readonly splitBrains: Array<{ at: number; clusters: string[] }> = [];
  private inSplitBrain = false;

  /** Writes an old primary accepted after it lost the writer role, discarded when it rejoined. */
  public discardedWrites = 0;

  /** Writes an old primary accepted after it lost the writer role and will discard when it rejoins. */
  public pendingDiscards(): number {
    return this.clusters.filter((cluster) => cluster.rejoinPending).reduce((sum, cluster) => sum + cluster.commits.total - cluster.countedAtDemotion, 0);
  }

  /**
   * Whether a DNS name of a cluster resolves: the cluster endpoint while the cluster acts as the
   * writer (inactive on a secondary), the reader endpoint while the cluster has instances.
   */
  public endpointActive(identifier: string, attribute: string): boolean {
    const cluster = this.cluster(identifier);
    if (attribute === 'Endpoint.Address') return cluster.acceptsWrites;
    if (attribute === 'ReadEndpoint.Address') return cluster.spec.instanceCount > 0;
    return false;
  }

  /**
   * A write of `rows` rows through an endpoint of `identifier`, from `origin`. Name resolution and
   * network reachability are checked by the caller; this decides what the database does.
   */
  public write(identifier: string, attribute: string, rows: number): WriteResult {
    const cluster = this.cluster(identifier);
    const now = this.sim.now();
    if (!cluster.up || !this.network.regionUp(cluster.spec.region)) return { ok: false, error: 'connection timed out' };
    if (attribute === 'Endpoint.Address') {
      if (!cluster.acceptsWrites) return { ok: false, error: 'writer endpoint inactive (write-fenced or a secondary)' };
      if (this.status === 'switching-over') return { ok: false, error: 'read-only during the switchover' };
      this.commit(cluster, now, rows);
      return { ok: true, cluster: cluster.spec.identifier };
    }
    // Reader endpoint: reads locally; writes only through forwarding.
    if (!cluster.forwarding) return { ok: false, error: 'cannot execute INSERT in a read-only transaction' };
    const writer = this.clusters.find((candidate) => candidate.writer);
    if (
      !writer ||
      this.status !== 'available' ||
      !writer.up ||
      !writer.acceptsWrites ||
      !this.network.regionsConnected(cluster.spec.region, writer.spec.region)
    ) {
      return { ok: false, error: 'write forwarding: primary unreachable (apg_write_forward.connect_timeout)' };
    }
    this.commit(writer, now, rows);
    return { ok: true, cluster: writer.spec.identifier };
  }

  /** `DescribeGlobalClusters` as the API of `region` answers it (output shape of the RDS API). */
  public describe(region?: string): any {
    // An old primary that Aurora cannot reach still sees itself as the writer in its own region
    // (pessimistic: AWS documents nothing about that region's view; it is what makes split brain harmful).
    const stale = this.clusters.find((cluster) => cluster.spec.region === region && cluster.rejoinPending && cluster.acceptsWrites);
    const writerOf = (cluster: Cluster): boolean => (stale ? cluster === stale : cluster.writer);
    return {
      GlobalClusters: [
        {
          GlobalClusterIdentifier: this.options.globalClusterIdentifier,
          Status: stale ? 'available' : this.status,
          FailoverState: !stale && this.failoverState ? { ...this.failoverState } : undefined,
          GlobalClusterMembers: this.clusters.map((cluster) => ({
            DBClusterArn: cluster.spec.arn,
            IsWriter: writerOf(cluster),
            // AWS documents nothing about the promoted cluster's forwarding status during a writer
            // change: pessimistic, it reads `disabled` (a service reading only this field goes unready).
            GlobalWriteForwardingStatus:
              writerOf(cluster) || (!stale && this.failoverState?.ToDbClusterArn === cluster.spec.arn)
                ? 'disabled'
                : cluster.forwarding
                  ? 'enabled'
                  : 'disabled',
            SynchronizationStatus: writerOf(cluster) ? undefined : cluster.sync,
          })),
        },
      ],
    };
  }

  /** `FailoverGlobalCluster`; throws the API's errors. */
  public failover(targetArn: string, allowDataLoss: boolean, origin: Origin): void {
    const target = this.requireTarget(targetArn);
    if (!allowDataLoss) throw apiError('InvalidParameterCombination', 'only the AllowDataLoss failover is modelled');
    if (this.status !== 'available') throw apiError('InvalidGlobalClusterStateFault', `global cluster is ${this.status}`);
    if (target.writer) throw apiError('InvalidDBClusterStateFault', 'target is already the writer');
    const from = this.clusters.find((cluster) => cluster.writer)!;
    const requestedAt = this.sim.now();
    this.status = 'failing-over';
    this.failoverState = { Status: 'failing-over', FromDbClusterArn: from.spec.arn, ToDbClusterArn: target.spec.arn, IsDataLossAllowed: true };
    this.sim.trace('aurora', `failover to ${target.spec.identifier} started (requested from ${origin})`);
    // Write fencing through the storage layer: only when the regions can talk, after a moment.
    const fencedAfterMs = this.random.uniform(0, 2000);
    this.sim.schedule(fencedAfterMs, () => {
      if (this.network.regionsConnected(from.spec.region, target.spec.region)) {
        from.acceptsWrites = false;
        this.sim.trace('aurora', `${from.spec.identifier} write-fenced`);
      }
    });
    // What the target holds: everything replicated before the failover began.
    const replicatedUpTo = this.replicatedPosition(from, target, requestedAt);
    const durationMs = this.random.uniform(this.options.failoverSecondsMin, this.options.failoverSecondsMax) * 1000;
    this.sim.schedule(durationMs, () => {
      const inherited = from.commits.upTo(replicatedUpTo);
      const lost = from.commits.total - inherited.total;
      this.changeWriter(from, target, inherited, { kind: 'failover', requestedAt, replicatedUpTo, lostWrites: lost });
      from.rejoinPending = true;
      from.countedAtDemotion = from.commits.total;
      this.sim.trace('aurora', `${target.spec.identifier} is the writer (${lost} acknowledged writes not replicated)`);
      // Aurora demotes the old primary as soon as it can reach it; until then it may go on writing.
      if (this.network.regionsConnected(from.spec.region, target.spec.region) && from.up) this.rejoin(from);
      this.checkSplitBrain();
    });
  }

  /** `SwitchoverGlobalCluster`: both regions healthy and connected, no data loss. */
  public switchover(targetArn: string): void {
    const target = this.requireTarget(targetArn);
    if (this.status !== 'available') throw apiError('InvalidGlobalClusterStateFault', `global cluster is ${this.status}`);
    const from = this.clusters.find((cluster) => cluster.writer)!;
    if (target.writer) throw apiError('InvalidDBClusterStateFault', 'target is already the writer');
    if (!from.up || !target.up || !this.network.regionsConnected(from.spec.region, target.spec.region) || target.sync !== 'connected') {
      throw apiError('InvalidGlobalClusterStateFault', 'switchover needs every member healthy and connected');
    }
    const requestedAt = this.sim.now();
    this.status = 'switching-over';
    this.failoverState = { Status: 'switching-over', FromDbClusterArn: from.spec.arn, ToDbClusterArn: target.spec.arn, IsDataLossAllowed: false };
    this.sim.schedule(this.options.switchoverSeconds * 1000, () => {
      this.changeWriter(from, target, from.commits, { kind: 'switchover', requestedAt, replicatedUpTo: requestedAt, lostWrites: 0 });
      this.sim.trace('aurora', `switchover: ${target.spec.identifier} is the writer`);
    });
  }

  /**
   * The roles swap: the target holds `data` and writes; the demoted cluster forwards iff its template
   * enables it ("used immediately if the primary is demoted by a global cluster API operation").
   */
  private changeWriter(from: Cluster, target: Cluster, data: Ledger, change: Omit<WriterChange, 'at' | 'from' | 'to'>): void {
    target.commits.replaceWith(data);
    target.writer = true;
    target.acceptsWrites = true;
    target.forwarding = false;
    target.sync = 'connected';
    from.writer = false;
    if (change.kind === 'switchover') from.acceptsWrites = false;
    from.forwarding = from.spec.writeForwarding;
    this.status = 'available';
    this.failoverState = undefined;
    this.writerChanges.push({ at: this.sim.now(), from: from.spec.identifier, to: target.spec.identifier, ...change });
  }

  /** Acknowledged writes the current writer holds. */
  public heldByWriter(): number {
    return this.clusters.find((cluster) => cluster.writer)?.commits.total ?? 0;
  }

  public replicationLagMs(): number {
    return this.options.replicationLagMs;
  }

  private rejoin(cluster: Cluster): void {
    cluster.rejoinPending = false;
    cluster.acceptsWrites = false;
    this.discardedWrites += cluster.commits.total - cluster.countedAtDemotion;
    cluster.sync = 'pending-resync';
    cluster.commits.clear();
    this.sim.trace('aurora', `${cluster.spec.identifier} rejoins as a secondary (pending-resync, forwarding ${cluster.forwarding ? 'on' : 'off'})`);
    this.sim.schedule(this.options.resyncSeconds * 1000, () => {
      cluster.sync = 'connected';
      this.sim.trace('aurora', `${cluster.spec.identifier} resynchronised`);
    });
  }

  private commit(cluster: Cluster, now: number, rows: number): void {
    this.checkSplitBrain();
    cluster.commits.add(now, rows);
  }

  private checkSplitBrain(): void {
    // Counted before listed: this runs on every commit.
    let accepting = 0;
    for (const cluster of this.clusters) if (this.actsAsWriter(cluster)) accepting++;
    if (accepting > 1 && !this.inSplitBrain) this.splitBrains.push({ at: this.sim.now(), clusters: this.clustersAcceptingWrites() });
    this.inSplitBrain = accepting > 1;
  }

  /**
   * The newest commit time the target holds at `at`: replication runs `lag` behind while the two
   * regions can talk; from the moment they cannot, the target keeps what it had.
   */
  private replicatedPosition(from: Cluster, target: Cluster, at: number): number {
    const cutAt = this.connectedUntil.get(pairKey(from, target)) ?? at;
    return Math.min(at, cutAt) - this.options.replicationLagMs;
  }

  /** When each pair of regions last stopped being connected (set by the world on faults). */
  private readonly connectedUntil = new Map<string, number>();

  /** Called when a fault cuts replication between two regions (region loss, partition). */
  public replicationCut(regionA: string, regionB: string): void {
    for (const from of this.clusters) {
      for (const target of this.clusters) {
        if (from === target) continue;
        const regions = [from.spec.region, target.spec.region].sort().join('|');
        if (regions === [regionA, regionB].sort().join('|') && !this.connectedUntil.has(pairKey(from, target))) {
          this.connectedUntil.set(pairKey(from, target), this.sim.now());
        }
      }
    }
  }

  /** Replication between two regions works again: an old primary waiting to be demoted rejoins. */
  public replicationRestored(regionA: string, regionB: string): void {
    for (const key of [...this.connectedUntil.keys()]) if (key.includes(regionA) && key.includes(regionB)) this.connectedUntil.delete(key);
    for (const cluster of this.clusters.filter((candidate) => candidate.rejoinPending && this.network.regionUp(candidate.spec.region))) this.rejoin(cluster);
  }

  private requireTarget(arn: string): Cluster {
    const cluster = this.clusterByArn(arn);
    if (!cluster) throw apiError('DBClusterNotFoundFault', `${arn} is not a member of ${this.options.globalClusterIdentifier}`);
    return cluster;
  }

  private cluster(identifier: string): Cluster {
    const cluster = this.clusterByArn(identifier);
    if (!cluster) throw new Error(`unknown cluster ${identifier}`);
    return cluster;
  }
}

function pairKey(from: Cluster, target: Cluster): string {
  return `${from.spec.region}>${target.spec.region}`;
}

export function apiError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}
