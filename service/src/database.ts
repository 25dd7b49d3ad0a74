import { DescribeGlobalClustersCommand, DescribeGlobalClustersCommandOutput, RDSClient } from '@aws-sdk/client-rds';
import { Clock } from './clock';
import { SqlExecutor } from './sql';
import { Endpoint, TcpConnector } from './network';
import { ReadinessCheck } from './readiness';

/** The part of the RDS client used here: one command, typed (a seam for tests and the rehearsal). */
export interface GlobalClusterReader {
  send(command: DescribeGlobalClustersCommand): Promise<DescribeGlobalClustersCommandOutput>;
}

/**
 * Role of this region's cluster in the global database, as RDS reports it:
 * - `writer`: the global writer;
 * - `forwarding-secondary`: a secondary with global write forwarding (the standby before a failover);
 * - `read-only-secondary`: a secondary without forwarding (an old primary that rejoined after a
 *   failover: its region must stay out of rotation, or traffic would return to a read-only database);
 * - `promoting`: the target of a failover under way (`FailoverState.ToDbClusterArn`, status
 *   `pending` or `failing-over`, data loss allowed; see {@link failoverPromotes}). AWS documents nothing about its
 *   `GlobalWriteForwardingStatus` meanwhile, so the role does not read it: the region stays ready
 *   (its reader endpoint answers), and Route 53 keeps sending traffic to the region about to take
 *   the writes instead of failing open to the dead primary when both look unhealthy. It takes no
 *   writes until it is the writer (forwarding to a primary being failed away from cannot succeed).
 * - `demoting`: the writer a failover is moving away from (`FailoverState.FromDbClusterArn`, "the
 *   Aurora DB cluster that is currently being demoted", same statuses). Not ready, no writes: with
 *   `AllowDataLoss` what it accepts now may be lost, and the traffic belongs to the promoted region.
 * - `detached`: not a member of the global cluster.
 */
export type DatabaseRole = 'writer' | 'forwarding-secondary' | 'promoting' | 'demoting' | 'read-only-secondary' | 'detached';

/**
 * A failover under way, by `FailoverState` (RDS API Reference, *FailoverState*): "pending – The
 * service received a request to switch over or fail over the global cluster", "failing-over – Aurora
 * is promoting the chosen secondary"; `IsDataLossAllowed` true means a failover, false a switchover;
 * `ToDbClusterArn` is "the Aurora DB cluster that is currently being promoted". Not a switchover (a
 * planned failback): its writer stays writable until the switch, so traffic stays there; not
 * `cancelling`: the clusters are "returning to their previous states".
 */
function failoverPromotes(state: { Status?: string; IsDataLossAllowed?: boolean } | undefined): boolean {
  return state !== undefined && state.IsDataLossAllowed === true && ['pending', 'failing-over'].includes(String(state.Status));
}

/** Thrown when the region cannot take writes in its current role; the API answers 503 with Retry-After. */
export class RegionNotWritableError extends Error {
  constructor(
    public readonly role: DatabaseRole | 'unknown',
    detail?: string,
  ) {
    super(`this region cannot take writes: its database is ${role}${detail ? ` (${detail})` : ''}`);
    this.name = 'RegionNotWritableError';
  }
}

/**
 * Executes one statement on an endpoint. The production adapter (a PostgreSQL pool with TLS and IAM
 * authentication) belongs to the trading workload; the failover rehearsal supplies a simulated one.
 */
export interface SqlPort {
  execute(endpoint: Endpoint, statement: string, parameters: readonly unknown[]): Promise<SqlPortResult>;
}

/** A statement's result; the rehearsal's simulated port counts rows without returning them. */
export interface SqlPortResult {
  readonly rowCount: number;
  readonly rows?: readonly Record<string, unknown>[];
}

export interface RegionDatabaseOptions {
  readonly rds: GlobalClusterReader;
  readonly globalClusterIdentifier: string;
  /** This region's cluster identifier. */
  readonly clusterIdentifier: string;
  /** This region's cluster (writer) endpoint: `Endpoint.Address` of its `AWS::RDS::DBCluster`. */
  readonly clusterEndpoint: string;
  /** This region's reader endpoint: `ReadEndpoint.Address` of the same cluster. */
  readonly readerEndpoint: string;
  readonly port: number;
  readonly tcp: TcpConnector;
  /**
   * How readiness checks the endpoint of the role: a read through it with the service's own
   * connection settings (TLS, credentials), so that "ready" means the service can use it.
   * @default - a TCP connection to the endpoint
   */
  readonly probe?: (endpoint: Endpoint) => Promise<void>;
  /**
   * The global cluster as the other region's RDS API describes it, asked when this region's API
   * fails: a task started during a regional RDS API outage (it has never read its role) would
   * otherwise stay unready, and a rolling task replacement would fail over a healthy region. The
   * peer's view is also the fresher one for an old primary whose own region still shows it as the
   * writer. `DescribeGlobalClusters` answers in any region of the global cluster.
   * @default - none: such a task waits for its own region's API
   */
  readonly peerRds?: GlobalClusterReader;
  /** The region `peerRds` asks, for messages. @default - none */
  readonly peerRegion?: string;
  readonly clock: Clock;
  /** Failed writes re-read the role at most this often. @default 1000 */
  readonly roleRereadAfterFailureMs?: number;
  /**
   * A role read still unanswered after this long is abandoned and a new one starts: one hung call
   * must never freeze the role (the client's request timeout should end it first).
   * @default 10000
   */
  readonly abandonReadAfterMs?: number;
}

/**
 * The database of one region, seen from the service in that region, and the endpoint it may use in
 * the cluster's current role. The two VPCs are not connected, so a region reaches only its own
 * cluster, and only endpoints that are active in that cluster's role:
 *
 * - Writer: its cluster endpoint. "The primary Region contains the only writer instance and also
 *   contains the only active writer endpoint ... All secondary Regions also have writer endpoints,
 *   but they're inactive." (AWS Database Blog, *Automate Amazon Aurora Global Database endpoint
 *   management*). After a promotion the promoted cluster's writer endpoint becomes the active one.
 * - Forwarding secondary: its READER endpoint. Global write forwarding forwards writes issued on the
 *   secondary's readers: "connect to the reader endpoint of a secondary cluster that has write
 *   forwarding enabled" (Aurora User Guide, *Using global write forwarding in Aurora PostgreSQL*).
 * - Read-only secondary or detached: none; the region is not ready.
 *
 * The global writer endpoint (`DescribeGlobalClusters` → `Endpoint`) resolves to the writer's
 * private addresses, so it is usable only inside the writer's region: it is never used here.
 */
export class RegionDatabase {
  private lastRole: DatabaseRole | undefined;
  private pendingRead: { readonly promise: Promise<DatabaseRole>; readonly startedAt: number } | undefined;
  private readsStarted = 0;
  private newestApplied = 0;
  private lastFailureReread = Number.NEGATIVE_INFINITY;
  /** Why the last read found this cluster detached. */
  private detachedDetail: string | undefined;

  constructor(private readonly options: RegionDatabaseOptions) {}

  /** The last role read from RDS, undefined before the first successful read. */
  public role(): DatabaseRole | undefined {
    return this.lastRole;
  }

  /**
   * Reads the role from RDS. An API error keeps the last known role (throttling must never look like
   * a regional outage); with no role known yet, the error propagates.
   */
  public refreshRole(): Promise<DatabaseRole> {
    // Callers share one read in flight: a burst of failures never becomes a burst of API calls.
    const now = this.options.clock.now();
    if (this.pendingRead && now - this.pendingRead.startedAt < (this.options.abandonReadAfterMs ?? 10_000)) return this.pendingRead.promise;
    const read = { promise: this.readRole(++this.readsStarted), startedAt: now };
    this.pendingRead = read;
    void read.promise
      .finally(() => {
        if (this.pendingRead === read) this.pendingRead = undefined;
      })
      .catch(() => undefined);
    return read.promise;
  }

  private async readRole(sequence: number): Promise<DatabaseRole> {
    let output: DescribeGlobalClustersCommandOutput | undefined;
    const command = new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: this.options.globalClusterIdentifier });
    try {
      output = await this.options.rds.send(command);
    } catch (error) {
      let peerError: unknown;
      if (this.options.peerRds) output = await this.options.peerRds.send(command).catch((failed: unknown) => void (peerError = failed));
      if (!output) {
        if (this.lastRole !== undefined) return this.lastRole;
        if (peerError === undefined) throw error;
        throw new Error(
          `the RDS API failed here (${describeError(error)}) and in the peer region ${this.options.peerRegion ?? ''} (DB_PEER_REGION): ${describeError(peerError)}`,
          {
            cause: error,
          },
        );
      }
    }
    // An abandoned read that answers late must not overwrite a newer answer.
    if (sequence < this.newestApplied) return this.lastRole!;
    this.newestApplied = sequence;
    const isThisCluster = (arn: string | undefined) => arn?.endsWith(`:cluster:${this.options.clusterIdentifier}`) === true;
    const globalCluster = output.GlobalClusters?.[0];
    const member = globalCluster?.GlobalClusterMembers?.find((candidate) => isThisCluster(candidate.DBClusterArn));
    const failover = globalCluster?.FailoverState;
    const promoting = failoverPromotes(failover) && isThisCluster(failover?.ToDbClusterArn);
    const demoting = failoverPromotes(failover) && isThisCluster(failover?.FromDbClusterArn);
    if (!member) {
      // Not a passing state: name what the region looked for and what it found.
      this.detachedDetail = `cluster ${this.options.clusterIdentifier} (DB_CLUSTER_ID) is not a member of ${this.options.globalClusterIdentifier} (DB_GLOBAL_CLUSTER_ID), whose members are ${
        (globalCluster?.GlobalClusterMembers ?? []).map((candidate) => candidate.DBClusterArn).join(', ') || 'none'
      }`;
    }
    this.lastRole = !member
      ? 'detached'
      : demoting
        ? 'demoting'
        : member.IsWriter
          ? 'writer'
          : promoting
            ? 'promoting'
            : member.GlobalWriteForwardingStatus === 'enabled'
              ? 'forwarding-secondary'
              : 'read-only-secondary';
    return this.lastRole;
  }

  /** The role read most recently, reading it first if there is none yet. */
  public async currentRole(): Promise<DatabaseRole> {
    return this.lastRole ?? this.refreshRole();
  }

  /** The endpoint this region uses for reads and writes in `role`; undefined when it may not write. */
  public endpointFor(role: DatabaseRole | undefined): Endpoint | undefined {
    switch (role) {
      case 'writer':
        return { host: this.options.clusterEndpoint, port: this.options.port };
      case 'forwarding-secondary':
        return { host: this.options.readerEndpoint, port: this.options.port };
      default:
        return undefined;
    }
  }

  /** The endpoint whose reachability makes the region ready in `role`: a promoting region's reader endpoint too. */
  public readinessEndpointFor(role: DatabaseRole | undefined): Endpoint | undefined {
    return role === 'promoting' ? { host: this.options.readerEndpoint, port: this.options.port } : this.endpointFor(role);
  }

  /**
   * Readiness of the region's database: its role allows writes (writer, or secondary with
   * forwarding) or is about to (promoting), and the endpoint of that role accepts a connection
   * from this region.
   *
   * Each run starts a role read but never waits for it once a role is known: RDS throttling or
   * slowness must never turn into a 503 that Route 53 would read as a regional outage. Only a task
   * that has never read its role waits for the first answer (and is not ready until it has one).
   */
  public readinessCheck(): ReadinessCheck {
    return {
      name: 'database',
      check: async () => {
        const read = this.refreshRole();
        if (this.lastRole !== undefined) read.catch(() => undefined);
        const role = this.lastRole ?? (await read);
        const endpoint = this.readinessEndpointFor(role);
        if (!endpoint) throw new RegionNotWritableError(role, role === 'detached' ? this.detachedDetail : undefined);
        try {
          await (this.options.probe ? this.options.probe(endpoint) : this.options.tcp.connect(endpoint));
        } catch (error) {
          throw new Error(`${role} endpoint ${endpoint.host}:${endpoint.port} unreachable: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          });
        }
      },
    };
  }

  /**
   * Runs a write through the endpoint of the last known role. A failure triggers a fresh role read
   * (a failover changes which endpoint is active) and propagates: the caller retries with its
   * idempotency key, never blindly.
   */
  public write(sql: SqlPort, statement: string, parameters: readonly unknown[]): Promise<SqlPortResult> {
    const endpoint = this.endpointFor(this.lastRole);
    if (!endpoint) {
      // A region being promoted learns it can write from this read, not from the next readiness
      // run up to 5 s later. Only then: the other roles that refuse writes change by an operator's
      // hand, and every task of a scaled-out standby re-reading each second would load the RDS API.
      if (this.lastRole === 'promoting') this.rereadAfterFailure();
      return Promise.reject(new RegionNotWritableError(this.lastRole ?? 'unknown'));
    }
    // Promise style, not try/await: during an outage every request fails here, and each rethrow
    // through an await is a JavaScript throw (microseconds each).
    let executed: Promise<SqlPortResult>;
    try {
      executed = Promise.resolve(sql.execute(endpoint, statement, parameters));
    } catch (error) {
      executed = Promise.reject(error);
    }
    return executed.catch((error: unknown) => {
      this.rereadAfterFailure();
      return Promise.reject(error);
    });
  }

  /** Reads the role again after a failed or refused write, at most once per `roleRereadAfterFailureMs`. */
  private rereadAfterFailure(): void {
    const now = this.options.clock.now();
    if (now - this.lastFailureReread < (this.options.roleRereadAfterFailureMs ?? 1000)) return;
    this.lastFailureReread = now;
    this.refreshRole().catch(() => undefined);
  }
}

/**
 * The statements of the order store, run through the endpoint of the region's current role (reads
 * too: a forwarding secondary reads its own reader endpoint, the writer its cluster endpoint).
 */
export function regionExecutor(database: RegionDatabase, sql: SqlPort): SqlExecutor {
  return {
    execute: (statement, parameters = []) =>
      database.write(sql, statement, parameters).then((result) => ({ rowCount: result.rowCount, rows: result.rows ?? [] })),
  };
}

/**
 * Attempts per RDS call, with the SDK's back-off (1 s base after throttling, doubling). Role reads
 * run beside readiness, never inside it, so they may take seconds. The rehearsal applies the same.
 */
export const RDS_MAX_ATTEMPTS = 4;

export function createRdsClient(region: string): RDSClient {
  // Without a request timeout that throws, a hung call would never end (the SDK only warns).
  return new RDSClient({
    region,
    maxAttempts: RDS_MAX_ATTEMPTS,
    requestHandler: { requestTimeout: 3000, throwOnRequestTimeout: true, connectionTimeout: 1000 },
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
