/**
 * Speed goal of the order path: at least 500 acknowledged orders per second with p99 latency under
 * 50 ms, on this 2-core machine, against a local PostgreSQL 16 (the service's real HTTP server, order
 * API, store and SQL adapter; the load generator as client). The order path has no AWS side effect
 * yet, so nothing needs faking.
 *
 *   npm run bench:orders [-- --rate <orders/s> (600)] [--seconds <n> (10)]
 */
import { AddressInfo } from 'node:net';
import { runLoad } from '../loadgen/src/load';
import { systemClock } from '../service/src/clock';
import { migrate } from '../service/src/migrations';
import { OrderApi } from '../service/src/order-api';
import { PostgresOrderStore } from '../service/src/order-store';
import { PgSqlPort } from '../service/src/postgres';
import { createTradingServer } from '../service/src/server';
import { startPostgres } from '../service/test/support/postgres';

const GOAL_RATE = 500;
const GOAL_P99_MS = 50;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
  const rate = value('--rate', 600);
  const seconds = value('--seconds', 10);
  const postgres = await startPostgres({ settings: { synchronous_commit: 'on' } });
  const endpoint = { host: postgres.host, port: postgres.port };
  const port = new PgSqlPort({
    user: postgres.user,
    database: postgres.database,
    password: async () => postgres.password,
    maxConnectionsPerEndpoint: 20,
    log: () => undefined,
  });
  const server = createTradingServer({
    region: 'local',
    regionRole: 'primary',
    version: 'bench',
    log: () => undefined,
    orders: new OrderApi({
      store: new PostgresOrderStore({ execute: (statement, parameters = []) => port.execute(endpoint, statement, parameters) }),
      region: 'local',
      clock: systemClock,
      log: () => undefined,
    }),
  });
  try {
    await port.withSession(endpoint, postgres.user, (session) => migrate(session, () => undefined));
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    // Warm-up: connections, JIT.
    await runLoad({ url, ratePerSecond: 200, durationMs: 1000, runId: `warm-${Date.now()}` });
    const started = Date.now();
    const report = await runLoad({ url, ratePerSecond: rate, durationMs: seconds * 1000, runId: `bench-${Date.now()}` });
    const elapsed = (Date.now() - started) / 1000;
    const throughput = report.acknowledged / elapsed;
    const met = throughput >= GOAL_RATE && report.latencyMs.p99 < GOAL_P99_MS && report.abandoned === 0;
    process.stdout.write(
      `${report.acknowledged} orders acknowledged in ${elapsed.toFixed(1)} s: ${throughput.toFixed(0)} orders/s (offered ${rate}/s), latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms, failed attempts ${report.failedAttempts}; goal >= ${GOAL_RATE}/s with p99 < ${GOAL_P99_MS} ms: ${met ? 'met' : 'NOT met'}\n`,
    );
    process.exitCode = met ? 0 : 1;
  } finally {
    await server.shutdown(1000);
    await port.end();
    await postgres.stop();
  }
}

void main();
