import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import { systemClock } from '../src/clock';
import { migrate, MIGRATIONS } from '../src/migrations';
import { OrderApi } from '../src/order-api';
import { PostgresOrderStore } from '../src/order-store';
import { createTradingServer, TradingServer } from '../src/server';
import { pgExecutor } from '../src/sql';
import { RdsPostgres, startRdsPostgres } from './support/rds-postgres';

/** The order API over HTTP, on an RDS-shaped PostgreSQL 16 with the service's own migrations, as the master. */
let postgres: RdsPostgres;
let pool: Pool;
let trading: TradingServer;
let url: string;
const silent = (): void => undefined;

/**
 * A pool whose idle clients may be terminated by the server (as a failover or a restart does)
 * without an unhandled 'error' event: the production adapter listens for it the same way.
 */
function quietPool(config: Record<string, unknown>): Pool {
  const created = new Pool(config);
  created.on('error', () => undefined);
  return created;
}

function connection(extra: Record<string, unknown> = {}) {
  return { ...postgres.masterLogin(), ...extra };
}

async function serve(store: PostgresOrderStore): Promise<{ trading: TradingServer; url: string }> {
  const server = createTradingServer({
    region: 'us-east-1',
    regionRole: 'primary',
    version: 't',
    log: silent,
    orders: new OrderApi({ store, region: 'us-east-1', clock: systemClock, log: silent, timeoutMs: 3000 }),
  });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  return { trading: server, url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  postgres = await startRdsPostgres();
  const session = new Client(connection());
  await session.connect();
  await migrate(pgExecutor(session), silent);
  await session.end();
  pool = quietPool(connection({ max: 10, connectionTimeoutMillis: 1000 }));
  ({ trading, url } = await serve(new PostgresOrderStore(pgExecutor(pool))));
});

afterAll(async () => {
  await trading?.shutdown(1000);
  await pool?.end();
  await postgres?.stop();
});

let keys = 0;
const newKey = () => `key-${++keys}-${Date.now()}`;
const ORDER = { traderId: 'trader-1', symbol: 'ACME', side: 'buy', quantity: 100, limitPrice: '12.34' };

async function post(body: unknown, key?: string, raw?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: raw ?? JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('POST /orders', () => {
  test('201 with the order, as the contract names its fields', async () => {
    const { status, body, headers } = await post(ORDER, newKey());
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['acceptedAt', 'limitPrice', 'orderId', 'quantity', 'region', 'side', 'status', 'symbol', 'traderId']);
    expect(body).toMatchObject({ ...ORDER, status: 'accepted', region: 'us-east-1', orderId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(new Date(body.acceptedAt).toISOString()).toBe(body.acceptedAt);
    expect(headers.get('location')).toBe(`/orders/${body.orderId}`);
  });

  test('the same key with the same body: 200 and the same order; with an equal price written differently too', async () => {
    const key = newKey();
    const first = await post(ORDER, key);
    const again = await post(ORDER, key);
    const samePrice = await post({ ...ORDER, limitPrice: '12.3400' }, key);
    expect([first.status, again.status, samePrice.status]).toEqual([201, 200, 200]);
    expect(again.body).toEqual(first.body);
    expect(samePrice.body).toEqual(first.body);
  });

  test('the same key with a different body: 409', async () => {
    const key = newKey();
    await post(ORDER, key);
    const { status, body } = await post({ ...ORDER, quantity: 101 }, key);
    expect({ status, body }).toEqual({
      status: 409,
      body: { error: 'this Idempotency-Key was used for a different order', fields: { 'Idempotency-Key': 'was used with a different body' } },
    });
  });

  test('concurrent retries of one order: exactly one 201, the rest 200, one row', async () => {
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(ORDER, key)));
    expect(results.map((result) => result.status).sort()).toEqual([200, ...Array(18).fill(200), 201].sort());
    expect(new Set(results.map((result) => result.body.orderId)).size).toBe(1);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [key]);
    expect(rows[0].n).toBe(1);
  });

  test('400 naming every bad field, the missing key included', async () => {
    const { status, body } = await post({ traderId: 'trader-1', side: 'short', quantity: 0, limitPrice: 12.5 });
    expect({ status, body }).toEqual({
      status: 400,
      body: {
        error: 'invalid order',
        fields: {
          'Idempotency-Key': 'header is required',
          symbol: 'must be a non-empty string',
          side: 'must be "buy" or "sell"',
          quantity: 'must be a positive integer',
          limitPrice: 'must be a positive decimal string with at most 4 decimal places, such as "12.34"',
        },
      },
    });
  });

  test('400 for a body that is not JSON (a bad key named too), 413 for one too large, 400/404 for malformed paths without a crash', async () => {
    expect(await post(undefined, newKey(), '{"traderId":')).toMatchObject({ status: 400, body: { fields: { body: 'is not valid JSON' } } });
    expect((await post(undefined, 'k'.repeat(200), '{"traderId":')).body.fields).toEqual({
      body: 'is not valid JSON',
      'Idempotency-Key': 'must be 1 to 128 printable characters',
    });
    expect((await get('/orders/%ZZ')).status).toBe(404);
    expect((await get('/traders/%E0%A4%A/orders')).status).toBe(400);
    expect((await get('/healthz')).status).toBe(200);
    expect(await post(undefined, newKey(), JSON.stringify({ ...ORDER, symbol: 'x'.repeat(20_000) }))).toMatchObject({ status: 413 });
  });

  test('the limit price is stored as an exact decimal, beyond what a float can hold', async () => {
    const price = '12345678901234.5678';
    const { body } = await post({ ...ORDER, limitPrice: price }, newKey());
    expect(body.limitPrice).toBe(price);
    const { rows } = await pool.query('SELECT limit_price::text AS price, pg_typeof(limit_price)::text AS type FROM orders WHERE order_id = $1', [
      body.orderId,
    ]);
    expect(rows[0]).toEqual({ price, type: 'numeric' });
    expect(Number(price).toString()).not.toBe(price);
  });

  test('405 for another method', async () => {
    const response = await fetch(`${url}/orders`, { method: 'GET' });
    expect({ status: response.status, allow: response.headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
  });
});

describe('GET /orders/{orderId} and /traders/{traderId}/orders', () => {
  test('an order by id, 404 when unknown or not an id', async () => {
    const { body: created } = await post(ORDER, newKey());
    expect(await get(`/orders/${created.orderId}`)).toEqual({ status: 200, body: created });
    expect((await get('/orders/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/orders/not-an-id')).status).toBe(404);
  });

  test('a trader’s orders, newest first, limited', async () => {
    const trader = `trader-list-${Date.now()}`;
    const created: string[] = [];
    for (let index = 0; index < 3; index++) {
      created.push((await post({ ...ORDER, traderId: trader }, newKey())).body.orderId);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = await get(`/traders/${trader}/orders`);
    expect(all.body.orders.map((order: any) => order.orderId)).toEqual([...created].reverse());
    const two = await get(`/traders/${trader}/orders?limit=2`);
    expect(two.body.orders.map((order: any) => order.orderId)).toEqual([created[2], created[1]]);
    expect(await get(`/traders/${trader}/orders?limit=501`)).toEqual({
      status: 400,
      body: { error: 'invalid query', fields: { limit: 'must be an integer from 1 to 500' } },
    });
  });
});

describe('while the region cannot take writes', () => {
  test('a read-only database (a demoted cluster) answers 503 with Retry-After', async () => {
    const readOnly = quietPool(connection({ max: 2, options: '-c default_transaction_read_only=on' }));
    const served = await serve(new PostgresOrderStore(pgExecutor(readOnly)));
    try {
      const response = await fetch(`${served.url}/orders`, { method: 'POST', headers: { 'idempotency-key': newKey() }, body: JSON.stringify(ORDER) });
      expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '2' });
    } finally {
      await served.trading.shutdown(1000);
      await readOnly.end();
    }
  });

  test('a database that accepts connections but never answers: 503 within the timeout, never a hang', async () => {
    const blackhole = net.createServer(() => undefined);
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const unreachable = quietPool(connection({ port: (blackhole.address() as AddressInfo).port, max: 1, connectionTimeoutMillis: 500 }));
    const served = await serve(new PostgresOrderStore(pgExecutor(unreachable)));
    try {
      const started = Date.now();
      const response = await fetch(`${served.url}/orders`, { method: 'POST', headers: { 'idempotency-key': newKey() }, body: JSON.stringify(ORDER) });
      expect({ status: response.status, retryAfter: response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '2' });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await served.trading.shutdown(1000);
      await unreachable.end();
      blackhole.close();
    }
  });
});

describe('migrations', () => {
  test('applied once: a second run applies nothing, also from several runners at once', async () => {
    const sessions = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new Client(connection());
        await client.connect();
        return client;
      }),
    );
    try {
      const results = await Promise.all(sessions.map((session) => migrate(pgExecutor(session), silent)));
      expect(results.map((result) => result.applied)).toEqual([[], [], []]);
      expect(results.every((result) => result.current === MIGRATIONS[MIGRATIONS.length - 1].version)).toBe(true);
      const { rows } = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    } finally {
      await Promise.all(sessions.map((session) => session.end()));
    }
  });

  test('on a fresh database, racing migrators apply each migration exactly once', async () => {
    const fresh = await startRdsPostgres();
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new Client(fresh.masterLogin());
        await client.connect();
        return client;
      }),
    );
    try {
      const results = await Promise.all(clients.map((client) => migrate(pgExecutor(client), silent)));
      expect(results.flatMap((result) => result.applied).sort()).toEqual(MIGRATIONS.map((migration) => migration.version));
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await fresh.stop();
    }
  });
});
