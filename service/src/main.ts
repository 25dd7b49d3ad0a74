import { Clock, systemClock } from './clock';
import { createRdsClient, GlobalClusterReader, RegionDatabase } from './database';
import { createEventBridgeClient, EventPublisher, PutEventsSender } from './events';
import { systemTcp, TcpConnector } from './network';
import { Readiness, ReadinessCheck } from './readiness';
import { createTradingServer, tcpCheck } from './server';

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
  };
  /** Where platform events go; absent when run locally. */
  readonly events?: { readonly eventBusName: string; readonly endpointId?: string };
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
    };
  }
  const events = env.EVENT_BUS_NAME ? { eventBusName: env.EVENT_BUS_NAME, endpointId: env.EVENT_ENDPOINT_ID || undefined } : undefined;
  return {
    port,
    database,
    events,
    region: env.AWS_REGION ?? 'local',
    regionRole: env.REGION_ROLE ?? 'local',
    version: env.SERVICE_VERSION ?? 'dev',
    shutdownTimeoutMs,
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
}

export const systemRuntime: ServiceRuntime = {
  clock: systemClock,
  tcp: systemTcp,
  log: (entry) => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
  rds: createRdsClient,
  eventBridge: createEventBridgeClient,
};

/** The service's parts as `main` runs them, without the HTTP listener and process signals. */
export interface ServiceCore {
  readonly readiness: Readiness;
  /** The region's database; absent when run locally without one. */
  readonly database?: RegionDatabase;
  readonly identity: { readonly region: string; readonly regionRole: string; readonly version: string };
  /** Publishes a platform event in the background; failures are logged, never thrown. */
  publish(detailType: string, detail: Record<string, unknown>): void;
}

/** Builds the service from its environment. `main` and the failover rehearsal both call this. */
export function buildService(environment: ServiceEnvironment, runtime: ServiceRuntime): ServiceCore {
  const { log } = runtime;
  const database = environment.database;
  let regionDatabase: RegionDatabase | undefined;
  const readinessChecks: ReadinessCheck[] = [];
  if (database?.globalClusterIdentifier && database.clusterIdentifier) {
    regionDatabase = new RegionDatabase({
      rds: runtime.rds(environment.region),
      globalClusterIdentifier: database.globalClusterIdentifier,
      clusterIdentifier: database.clusterIdentifier,
      clusterEndpoint: database.host,
      readerEndpoint: database.readerHost ?? database.host, // readEnvironment requires it with a global cluster
      port: database.port,
      tcp: runtime.tcp,
      clock: runtime.clock,
    });
    readinessChecks.push(regionDatabase.readinessCheck());
  } else if (database) {
    // Outside a global database (local runs): the one endpoint given must accept connections.
    readinessChecks.push(tcpCheck('database', database.host, database.port, runtime.tcp));
  }
  const publisher = environment.events
    ? new EventPublisher({ ...environment.events, source: 'trading.platform', client: runtime.eventBridge(environment.region), log })
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
  return { readiness, database: regionDatabase, identity, publish };
}

function main(): void {
  const environment = readEnvironment(process.env);
  const { log } = systemRuntime;
  const core = buildService(environment, systemRuntime);
  const trading = createTradingServer({ ...core.identity, readiness: core.readiness, clock: systemRuntime.clock, log });
  trading.server.listen(environment.port, () => {
    log({ level: 'info', msg: 'listening', port: environment.port, region: environment.region });
    core.publish('ServiceStarted', { version: environment.version });
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'signal', signal })}\n`);
    // ECS waits stopTimeout (30 s) after SIGTERM before SIGKILL; finish inside it.
    void trading.shutdown(environment.shutdownTimeoutMs).then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main();
}
