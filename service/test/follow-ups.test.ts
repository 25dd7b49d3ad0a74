import { Pool } from 'pg';
import { systemClock } from '../src/clock';
import { FOLLOW_UP_COLUMNS, FollowUp, FollowUpRelay, FollowUpRelayOptions, FollowUpTarget } from '../src/follow-ups';
import { migrate } from '../src/migrations';
import { Order } from '../src/orders';
import { PostgresOrderStore } from '../src/order-store';
import { pgExecutor, SqlExecutor } from '../src/sql';
import { RdsPostgres, startRdsPostgres } from './support/rds-postgres';

/**
 * The outbox relay on a real PostgreSQL 16: leases, records, retries after the lease, never two
 * relays on one order, idle outside the writer's region. Targets are in-process recorders here; the
 * real S3, DynamoDB and EventBridge targets run against moto in follow-up-targets.test.ts.
 */
let postgres: RdsPostgres;
let pool: Pool;
let sql: SqlExecutor;
let sequence = 0;

beforeAll(async () => {
  postgres = await startRdsPostgres();
  // As the master (its password, over TLS): the tables are its own here, the test empties them.
  pool = new Pool({ ...postgres.masterLogin(), max: 8 });
  // node-postgres (API, *pg.Pool*, event 'error'): an idle client's backend error is emitted on the
  // pool, and an unhandled 'error' event ends the test file. A lost idle client is replaced on the
  // next query, so it is reported here, never fatal; a server that is really gone fails the queries.
  pool.on('error', (error) => process.stderr.write(`idle test connection lost: ${error.message}\n`));
  sql = pgExecutor(pool);
  const client = await pool.connect();
  try {
    await migrate(pgExecutor(client), () => undefined);
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});
beforeEach(async () => {
  await sql.execute('DELETE FROM orders');
});

async function acceptOrders(count: number): Promise<Order[]> {
  const store = new PostgresOrderStore(sql);
  const orders: Order[] = [];
  for (let i = 0; i < count; i++) {
    sequence += 1;
    const order: Order = {
      orderId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
      status: 'accepted',
      region: 'us-east-1',
      acceptedAt: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, sequence)).toISOString(),
      traderId: `trader-${i % 3}`,
      symbol: 'ACME',
      side: 'buy',
      quantity: 1,
      limitPrice: '10.5',
    };
    const outcome = await store.accept(`key-${sequence}`, 'fingerprint', order);
    if (outcome.outcome !== 'created') throw new Error(`order ${i} was not created`);
    orders.push(order);
  }
  return orders;
}

/** Targets that record the order ids they saw, each failing while its `failing` set says so. */
function recordingTargets(delayMs = 0) {
  const calls: Record<FollowUp, string[]> = { confirmation: [], event: [], session: [] };
  const failing = new Set<FollowUp>();
  const target =
    (followUp: FollowUp): FollowUpTarget =>
    async (order) => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      calls[followUp].push(order.orderId);
      if (failing.has(followUp)) throw new Error(`${followUp} store unavailable`);
    };
  return { calls, failing, targets: { confirmation: target('confirmation'), event: target('event'), session: target('session') } };
}

function relay(targets: FollowUpRelayOptions['targets'], overrides: Partial<FollowUpRelayOptions> = {}): FollowUpRelay {
  return new FollowUpRelay({ sql, targets, isWriter: async () => true, clock: systemClock, log: () => undefined, ...overrides });
}

async function dueCount(): Promise<number> {
  const columns = Object.values(FOLLOW_UP_COLUMNS);
  const result = await sql.execute(`SELECT count(*)::int AS due FROM orders WHERE ${columns.map((column) => `${column} IS NULL`).join(' OR ')}`);
  return Number(result.rows[0].due);
}

test('a round does every follow-up of the due orders, oldest first, and records each; the next round finds nothing', async () => {
  const orders = await acceptOrders(5);
  const { calls, targets } = recordingTargets();
  const subject = relay(targets);
  expect(await subject.runOnce()).toEqual({ leased: 5, completed: 5, failed: 0 });
  for (const followUp of ['confirmation', 'event', 'session'] as const) expect(calls[followUp]).toEqual(orders.map((order) => order.orderId));
  expect(await dueCount()).toBe(0);
  const rows = await sql.execute('SELECT follow_up_lease_until, follow_up_error, follow_up_attempts FROM orders');
  expect(rows.rows.every((row) => row.follow_up_lease_until === null && row.follow_up_error === null && row.follow_up_attempts === 1)).toBe(true);
  expect(await subject.runOnce()).toEqual({ leased: 0, completed: 0, failed: 0 });
});

test('a round leases at most its batch', async () => {
  await acceptOrders(7);
  const { targets } = recordingTargets();
  expect((await relay(targets, { batchSize: 3 }).runOnce()).leased).toBe(3);
  expect(await dueCount()).toBe(4);
});

test('a failed follow-up is retried once its lease runs out, and only it: the ones done are not repeated', async () => {
  const [order] = await acceptOrders(1);
  const { calls, failing, targets } = recordingTargets();
  const logs: Array<Record<string, unknown>> = [];
  const subject = relay(targets, { leaseSeconds: 1, log: (entry) => logs.push(entry) });
  failing.add('confirmation');
  expect(await subject.runOnce()).toEqual({ leased: 1, completed: 0, failed: 1 });
  const [row] = (await sql.execute('SELECT * FROM orders')).rows;
  expect(row).toMatchObject({ confirmation_stored_at: null, follow_up_error: 'confirmation: Error: confirmation store unavailable' });
  expect(row.event_published_at).toBeInstanceOf(Date);
  expect(row.session_recorded_at).toBeInstanceOf(Date);
  expect(logs).toEqual([expect.objectContaining({ level: 'warn', orderId: order.orderId, attempts: 1, retryInSeconds: 1 })]);

  // Still leased: nothing to do yet.
  expect((await subject.runOnce()).leased).toBe(0);
  failing.clear();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await subject.runOnce()).toEqual({ leased: 1, completed: 1, failed: 0 });
  expect(calls).toEqual({ confirmation: [order.orderId, order.orderId], event: [order.orderId], session: [order.orderId] });
  const [after] = (await sql.execute('SELECT follow_up_error, follow_up_attempts, event_published_at FROM orders')).rows;
  expect(after).toMatchObject({ follow_up_error: null, follow_up_attempts: 2, event_published_at: row.event_published_at });
});

test('relays in several tasks never work on the same order at once (FOR UPDATE SKIP LOCKED)', async () => {
  const orders = await acceptOrders(40);
  const { calls, targets } = recordingTargets(5);
  const relays = [1, 2, 3].map(() => relay(targets, { batchSize: 10 }));
  // Rounds overlap: each one holds its batch while its slow targets run.
  for (let round = 0; round < 3; round++) await Promise.all(relays.map((subject) => subject.runOnce()));
  for (const followUp of ['confirmation', 'event', 'session'] as const) {
    expect([...calls[followUp]].sort()).toEqual(orders.map((order) => order.orderId).sort());
  }
  expect(await dueCount()).toBe(0);
});

test('outside the writer region the relay leases nothing and calls no target', async () => {
  await acceptOrders(2);
  const { calls, targets } = recordingTargets();
  expect(await relay(targets, { isWriter: async () => false }).runOnce()).toEqual({ leased: 0, completed: 0, failed: 0 });
  expect(calls).toEqual({ confirmation: [], event: [], session: [] });
  expect(await dueCount()).toBe(2);
});

test('once started, a nudge follows a new order up without waiting out the idle pause', async () => {
  const { calls, targets } = recordingTargets();
  const subject = relay(targets, { idleIntervalMs: 60_000 });
  subject.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first round found nothing and pauses
    const [order] = await acceptOrders(1);
    subject.nudge();
    await waitFor(() => calls.session.includes(order.orderId), 2000);
  } finally {
    await subject.stop();
  }
});

test('a round that fails (database down, schema not migrated) is logged and retried with back-off, never thrown', async () => {
  const [order] = await acceptOrders(1);
  const { calls, targets } = recordingTargets();
  let outages = 2;
  const flaky: SqlExecutor = {
    execute: (statement, parameters) => (outages-- > 0 ? Promise.reject(new Error('Connection terminated unexpectedly')) : sql.execute(statement, parameters)),
  };
  const logs: Array<Record<string, unknown>> = [];
  const subject = relay(targets, { sql: flaky, idleIntervalMs: 20, log: (entry) => logs.push(entry) });
  subject.start();
  try {
    await waitFor(() => calls.event.includes(order.orderId), 2000);
  } finally {
    await subject.stop();
  }
  expect(logs.slice(0, 2)).toEqual([
    expect.objectContaining({ level: 'warn', msg: 'order follow-up round failed', retryInMs: 40 }),
    expect.objectContaining({ level: 'warn', msg: 'order follow-up round failed', retryInMs: 80 }),
  ]);
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
