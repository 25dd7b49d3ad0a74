import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { systemClock } from '../src/clock';
import { migrate } from '../src/migrations';
import { OrderApi } from '../src/order-api';
import { PostgresOrderStore } from '../src/order-store';
import { PgSqlPort } from '../src/postgres';
import { createTradingServer, TradingServer } from '../src/server';
import { NameProxy, PostgresServer, startNameProxy, startPostgres, startStandby } from './support/postgres';
import { missingAcknowledged, runLoad } from '../../loadgen/src/load';

/**
 * A database failover with real processes: a PostgreSQL 16 primary and its streaming standby, the
 * service writing through a name (a TCP forwarder standing in for the writer endpoint's DNS name),
 * and clients sending idempotent orders. The primary is killed, the standby promoted and the name
 * moved. The service is never restarted.
 */
let primary: PostgresServer;
let standby: PostgresServer;
let name: NameProxy;
let port: PgSqlPort;
let trading: TradingServer;
let url: string;

async function query(server: PostgresServer, statement: string): Promise<any[]> {
  const client = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  primary = await startPostgres({ settings: { wal_keep_size: '64MB' } });
  name = await startNameProxy(primary.port);
  const endpoint = { host: '127.0.0.1', port: name.port };
  port = new PgSqlPort({
    user: primary.user,
    database: primary.database,
    password: async () => primary.password,
    connectionTimeoutMs: 500,
    statementTimeoutMs: 2000,
    backoff: { baseMs: 50, maxMs: 500 },
    log: () => undefined,
  });
  await port.withSession(endpoint, primary.user, (session) => migrate(session, () => undefined));
  standby = await startStandby(primary);
  const store = new PostgresOrderStore({ execute: (statement, parameters = []) => port.execute(endpoint, statement, parameters) });
  trading = createTradingServer({
    region: 'us-east-1',
    regionRole: 'primary',
    version: 't',
    log: () => undefined,
    orders: new OrderApi({ store, region: 'us-east-1', clock: systemClock, log: () => undefined, timeoutMs: 3000 }),
  });
  await new Promise<void>((resolve) => trading.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(trading.server.address() as AddressInfo).port}`;
  // The standby has caught up with the schema before the test starts.
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await query(standby, "SELECT to_regclass('orders') AS t"))[0].t) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await trading?.shutdown(1000);
  await port?.end();
  await name?.close();
  await standby?.stop();
  await primary?.stop();
});

test('the primary dies and the standby is promoted: writes resume without a restart, no acknowledged order is duplicated, losses are bounded', async () => {
  // The load generator operators run against app.<domain> (loadgen/), here against the service.
  // The fault and the end follow the acknowledgements, not the clock: on a busy machine fewer orders
  // go through per second, and a fixed schedule would leave too few on either side of the kill.
  let acknowledged = 0;
  const stop = new AbortController();
  const load = runLoad({
    url,
    ratePerSecond: 100,
    durationMs: 60_000,
    signal: stop.signal,
    runId: `failover-${Date.now()}`,
    requestTimeoutMs: 3000,
    onProgress: (progress) => void (acknowledged = progress.acknowledged),
  });
  await until(() => acknowledged > 110);
  const killedAt = Date.now();
  primary.process.kill('SIGKILL');
  await query(standby, 'SELECT pg_promote(true, 30)');
  name.pointTo(standby.port);
  const failedOverAt = Date.now();
  const atFailover = acknowledged;
  await until(() => acknowledged > atFailover + 60);
  stop.abort();
  const report = await load;

  // Writes resumed through the same service process and pool object, on the promoted standby.
  const newWriter = await query(standby, 'SELECT pg_is_in_recovery() AS recovering');
  expect(newWriter[0].recovering).toBe(false);
  expect(report.acks.filter((ack) => ack.at > failedOverAt).length).toBeGreaterThan(50);
  expect(report.abandoned).toBe(0);

  // What the new writer holds for each acknowledged key is the order that was acknowledged: a
  // different order id would be a second order placed by a retry.
  const stored = new Map((await query(standby, 'SELECT idempotency_key, order_id FROM orders')).map((row) => [row.idempotency_key, row.order_id]));
  expect(report.acks.filter((ack) => stored.has(ack.key) && stored.get(ack.key) !== ack.orderId)).toEqual([]);
  expect(report.acks.filter((ack) => ack.at < killedAt).length).toBeGreaterThan(100);

  // The recovery point as clients see it: acknowledged orders the new writer does not have.
  // Asynchronous replication can lose what was acknowledged just before the kill, nothing else.
  const missing = await missingAcknowledged(url, report.acks);
  expect(missing.filter((ack) => ack.at > failedOverAt || ack.at < killedAt - 1000)).toEqual([]);

  process.stdout.write(
    `failover: ${report.acknowledged} orders acknowledged, longest write gap ${report.longestGapMs} ms (kill to name switch ${failedOverAt - killedAt} ms), acknowledged but lost ${missing.length}, p99 ${report.latencyMs.p99} ms\n`,
  );
  expect(report.longestGapMs).toBeLessThan(15_000);
}, 60_000);

/** Waits until `condition` holds, checking every 100 ms, for at most 30 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
