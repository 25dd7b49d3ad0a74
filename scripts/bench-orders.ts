/**
 * Speed goal of the order path: at least 500 acknowledged orders per second with p99 latency under
 * 50 ms, on this 2-core machine, against a local PostgreSQL 16. The service is built as `main`
 * builds it (buildService: HTTP server, order API, store, SQL adapter, follow-up relay), the load
 * generator is the client, and the AWS side effects (S3 confirmation, DynamoDB session,
 * EventBridge event) are in-process fakes that answer after a fixed latency. The relay runs during
 * the measurement; the report also gives how long the follow-ups trail the acknowledgements.
 *
 *   npm run bench:orders [-- --rate <orders/s> (600)] [--seconds <n> (10)] [--aws-latency-ms <n> (20)]
 */
import { AddressInfo } from 'node:net';
import { runLoad } from '../loadgen/src/load';
import { systemClock } from '../service/src/clock';
import { buildService, createPgSqlPort, readEnvironment } from '../service/src/main';
import { createTradingServer } from '../service/src/server';
import { localDatabaseEnvironment, startPostgres } from '../service/test/support/postgres';

const GOAL_RATE = 500;
const GOAL_P99_MS = 50;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
  const rate = value('--rate', 600);
  const seconds = value('--seconds', 10);
  const awsLatencyMs = value('--aws-latency-ms', 20);
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
    await core.migrate();
    core.followUps!.start();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    // Warm-up: connections, JIT.
    await runLoad({ url, ratePerSecond: 200, durationMs: 1000, runId: `warm-${Date.now()}` });
    const before = { ...calls };
    const started = Date.now();
    const report = await runLoad({ url, ratePerSecond: rate, durationMs: seconds * 1000, runId: `bench-${Date.now()}` });
    const elapsed = (Date.now() - started) / 1000;
    const loadEnded = Date.now();
    // Follow-ups of every acknowledged order, counted by the fake S3's confirmations.
    while (calls.s3 - before.s3 < report.acknowledged && Date.now() - loadEnded < 30_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const trailMs = Date.now() - loadEnded;
    const throughput = report.acknowledged / elapsed;
    const met = throughput >= GOAL_RATE && report.latencyMs.p99 < GOAL_P99_MS && report.abandoned === 0;
    process.stdout.write(
      `${report.acknowledged} orders acknowledged in ${elapsed.toFixed(1)} s: ${throughput.toFixed(0)} orders/s (offered ${rate}/s), latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms, failed attempts ${report.failedAttempts}; goal >= ${GOAL_RATE}/s with p99 < ${GOAL_P99_MS} ms: ${met ? 'met' : 'NOT met'}\n` +
        `follow-ups (fake AWS calls answering after ${awsLatencyMs} ms): ${calls.s3 - before.s3} confirmations, ${calls.dynamoDb - before.dynamoDb} sessions, ${calls.eventBridge - before.eventBridge} events; the last one ${trailMs} ms after the load ended\n`,
    );
    process.exitCode = met ? 0 : 1;
  } finally {
    await server.shutdown(1000);
    await core.close();
    await postgres.stop();
  }
}

void main();
