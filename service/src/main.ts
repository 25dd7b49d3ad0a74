import { createTradingServer } from './server';

/** Reads the container's environment; ECS sets these from the task definition. */
export interface ServiceEnvironment {
  readonly port: number;
  readonly region: string;
  readonly regionRole: string;
  readonly version: string;
  readonly shutdownTimeoutMs: number;
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
  return {
    port,
    region: env.AWS_REGION ?? 'local',
    regionRole: env.REGION_ROLE ?? 'local',
    version: env.SERVICE_VERSION ?? 'dev',
    shutdownTimeoutMs,
  };
}

function main(): void {
  const environment = readEnvironment(process.env);
  const trading = createTradingServer(environment);
  trading.server.listen(environment.port, () => {
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening', port: environment.port, region: environment.region })}\n`);
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
