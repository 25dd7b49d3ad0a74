import { createRdsClient, resolveWriterEndpoint, writableRegionCheck } from './database';
import { createEventBridgeClient, EventPublisher } from './events';
import { createTradingServer, ReadinessCheck, tcpCheck } from './server';

/** Reads the container's environment; ECS sets these from the task definition. */
export interface ServiceEnvironment {
  readonly port: number;
  readonly region: string;
  readonly regionRole: string;
  readonly version: string;
  readonly shutdownTimeoutMs: number;
  /** Database the region depends on; absent when run locally without one. */
  readonly database?: { readonly host: string; readonly port: number; readonly globalClusterIdentifier?: string; readonly clusterIdentifier?: string };
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
    database = {
      host: env.DB_HOST,
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

function main(): void {
  const environment = readEnvironment(process.env);
  // The region can serve only while its database answers; liveness stays independent of it.
  const database = environment.database;
  const readinessChecks: ReadinessCheck[] = database ? [tcpCheck('database', database.host, database.port)] : [];
  if (database?.globalClusterIdentifier && database.clusterIdentifier) {
    readinessChecks.push(writableRegionCheck(createRdsClient(environment.region), database.globalClusterIdentifier, database.clusterIdentifier));
  }
  const log = (entry: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const publisher = environment.events
    ? new EventPublisher({ ...environment.events, source: 'trading.platform', client: createEventBridgeClient(environment.region), log })
    : undefined;
  const publish = (detailType: string, detail: Record<string, unknown>): void => {
    publisher
      ?.publish(detailType, { region: environment.region, regionRole: environment.regionRole, ...detail })
      .then((route) => log({ level: 'info', msg: 'event published', detailType, route }))
      .catch((error) => log({ level: 'error', msg: 'event not published', detailType, error: String(error) }));
  };
  const trading = createTradingServer({
    ...environment,
    readinessChecks,
    log,
    onReadinessChange: (ready, checks) => publish('RegionReadinessChanged', { ready, checks }),
  });
  // The endpoint for write connections: it follows the writer across regions.
  const globalClusterIdentifier = environment.database?.globalClusterIdentifier;
  if (globalClusterIdentifier) {
    resolveWriterEndpoint(createRdsClient(environment.region), globalClusterIdentifier)
      .then((writerEndpoint) => log({ level: 'info', msg: 'database writer endpoint', writerEndpoint }))
      .catch((error) => log({ level: 'error', msg: 'writer endpoint unresolved', error: String(error) }));
  }
  trading.server.listen(environment.port, () => {
    log({ level: 'info', msg: 'listening', port: environment.port, region: environment.region });
    publish('ServiceStarted', { version: environment.version });
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
