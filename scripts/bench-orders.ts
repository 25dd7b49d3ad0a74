/**
 * Speed goal of the order path: at least 500 acknowledged orders per second with p99 latency under
 * 50 ms, on this 2-core machine, against a local PostgreSQL 16. The service is built as `main`
 * builds it (buildService: HTTP server, order API, store, SQL adapter, follow-up relay), the load
 * generator is the client, and the AWS side effects (S3 confirmation, DynamoDB session,
 * EventBridge event) are in-process fakes that answer after a fixed latency. The relay runs during
 * the measurement; the report also gives how long the follow-ups trail the acknowledgements.
 *
 *   npm run bench:orders -- [--rate <orders/s> (600)] [--seconds <n> (10)] [--aws-latency-ms <n> (20)]
 */
import { AddressInfo } from 'node:net';
import { runLoad } from '../loadgen/src/load';
import { integerFlag, ParsedCommandLine, runToolProcess, ToolDefinition } from './command-line';

const GOAL_RATE = 500;
const GOAL_P99_MS = 50;

export const BENCH_ORDERS_TOOL = {
  name: 'bench:orders',
  usage: 'usage: npm run bench:orders -- [--rate <1-20000 orders/s> (600)] [--seconds <1-600> (10)] [--aws-latency-ms <0-10000> (20)] [--help]',
  options: { rate: { type: 'string' }, seconds: { type: 'string' }, 'aws-latency-ms': { type: 'string' } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof BENCH_ORDERS_TOOL.options>): Promise<number> {
  const rate = integerFlag('rate', values.rate, { min: 1, max: 20_000 }) ?? 600;
  const seconds = integerFlag('seconds', values.seconds, { min: 1, max: 600 }) ?? 10;
  const awsLatencyMs = integerFlag('aws-latency-ms', values['aws-latency-ms'], { min: 0, max: 10_000 }) ?? 20;
  const started = Date.now();
  const progress = (message: string): void => void process.stderr.write(`[+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
  // Loaded once the arguments passed: the service brings the AWS SDK and node-postgres with it.
  const [{ systemClock }, { buildService, createPgSqlPort, readEnvironment }, { createTradingServer }, { localDatabaseEnvironment, startPostgres }] =
    await Promise.all([
      import('../service/src/clock.js'),
      import('../service/src/main.js'),
      import('../service/src/server.js'),
      import('../service/test/support/postgres.js'),
    ]);
  progress('starting PostgreSQL');
  const postgres = await startPostgres({ settings: { synchronous_commit: 'on' } });
  const calls = { s3: 0, dynamoDb: 0, eventBridge: 0 };
  const answerAfterLatency = (service: keyof typeof calls, output: unknown) => ({
    send: async () => {
      await new Promise((resolve) => setTimeout(resolve, awsLatencyMs));
      calls[service] += 1;
      return output as any;
    },
  });
  const log = () => undefined;
  const core = buildService(
    readEnvironment({
      AWS_REGION: 'local',
      ...localDatabaseEnvironment(postgres),
      EVENT_BUS_NAME: 'bench-bus',
      FILES_BUCKET: 'bench-files',
      SESSIONS_TABLE: 'bench-sessions',
    }),
    {
      clock: systemClock,
      tcp: { connect: async () => undefined },
      log,
      rds: () => ({ send: () => Promise.reject(new Error('no global cluster in the benchmark')) }),
      s3: () => answerAfterLatency('s3', {}),
      dynamoDb: () => answerAfterLatency('dynamoDb', {}),
      eventBridge: () => answerAfterLatency('eventBridge', { FailedEntryCount: 0, Entries: [{ EventId: 'e' }] }),
      sql: createPgSqlPort,
    },
  );
  const server = createTradingServer({ ...core.identity, readiness: core.readiness, log, orders: core.orders });
  try {
    progress('migrating the schema');
    await core.migrate();
    core.followUps!.start();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    // Warm-up: connections, JIT.
    progress('warming up: 200 orders/s for 1 s');
    await runLoad({ url, ratePerSecond: 200, durationMs: 1000, runId: `warm-${Date.now()}` });
    const before = { ...calls };
    progress(`measuring: ${rate} orders/s for ${seconds} s`);
    const measured = Date.now();
    const report = await runLoad({ url, ratePerSecond: rate, durationMs: seconds * 1000, runId: `bench-${Date.now()}` });
    const elapsed = (Date.now() - measured) / 1000;
    const loadEnded = Date.now();
    progress('waiting for the follow-ups of every acknowledged order');
    // Follow-ups of every acknowledged order, counted by the fake S3's confirmations.
    while (calls.s3 - before.s3 < report.acknowledged && Date.now() - loadEnded < 30_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const trailMs = Date.now() - loadEnded;
    const throughput = report.acknowledged / elapsed;
    const met = throughput >= GOAL_RATE && report.latencyMs.p99 < GOAL_P99_MS && report.abandoned === 0;
    process.stdout.write(
      `${report.acknowledged} orders acknowledged in ${elapsed.toFixed(1)} s: ${throughput.toFixed(0)} orders/s (offered ${rate}/s), latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms, failed attempts ${report.failedAttempts}; goal >= ${GOAL_RATE}/s with p99 < ${GOAL_P99_MS} ms: ${met ? 'met' : 'NOT met'}\n` +
        `follow-ups (fake AWS calls answering after ${awsLatencyMs} ms): ${calls.s3 - before.s3} confirmations, ${calls.dynamoDb - before.dynamoDb} sessions, ${calls.eventBridge - before.eventBridge} events; the last one ${trailMs} ms after the load ended\n`,
    );
    return met ? 0 : 1;
  } finally {
    await server.shutdown(1000);
    await core.close();
    await postgres.stop();
  }
}

if (require.main === module) runToolProcess(BENCH_ORDERS_TOOL, main);
