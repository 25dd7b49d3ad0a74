import { invalidatesConnections, reconnectDelayMs } from '../src/reconnect';
import { PgSqlPort } from '../src/postgres';
import { RdsPostgres, startRdsPostgres } from './support/rds-postgres';

describe('reconnect back-off', () => {
  test('no wait before the first connect, then doubling from 100 ms to a 5 s cap, with jitter of up to half', () => {
    expect([0, 1, 2, 3, 7, 20].map((failures) => reconnectDelayMs(failures, () => 1))).toEqual([0, 100, 200, 400, 5000, 5000]);
    expect(reconnectDelayMs(3, () => 0)).toBe(200);
  });

  test.each([
    [{ code: '25006' }, true],
    [{ code: '57P01' }, true],
    [{ code: '08006' }, true],
    [{ code: 'ECONNRESET' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [{ code: '23505' }, false],
    [{ code: '42501' }, false],
  ])('%j invalidates pooled connections: %s', (error, expected) => {
    expect(invalidatesConnections(error)).toBe(expected);
  });
});

describe('the adapter after a failover-like error', () => {
  let postgres: RdsPostgres;
  beforeAll(async () => {
    postgres = await startRdsPostgres();
  });
  afterAll(async () => postgres?.stop());

  test('a read-only error (the instance lost the writer role) replaces the pool: the next statement runs on a new connection', async () => {
    const logged: string[] = [];
    const port = new PgSqlPort({
      user: postgres.master.user,
      database: postgres.database,
      password: async () => postgres.master.password,
      ca: [postgres.ca],
      maxConnectionsPerEndpoint: 1,
      log: (entry) => logged.push(String(entry.msg)),
      sleep: async () => undefined,
    });
    const endpoint = { host: postgres.hostname, port: postgres.port };
    try {
      await port.execute(endpoint, 'CREATE TABLE IF NOT EXISTS t (id int)', []);
      const before = (await port.execute(endpoint, 'SELECT pg_backend_pid() AS pid', [])).rows[0].pid;
      // This connection now behaves like one left on a demoted writer.
      await port.execute(endpoint, 'SET SESSION default_transaction_read_only = on', []);
      await expect(port.execute(endpoint, 'INSERT INTO t VALUES (1)', [])).rejects.toMatchObject({ code: '25006' });
      expect(logged).toContain('database connections replaced');
      await port.execute(endpoint, 'INSERT INTO t VALUES (2)', []);
      const after = (await port.execute(endpoint, 'SELECT pg_backend_pid() AS pid', [])).rows[0].pid;
      expect(after).not.toBe(before);
    } finally {
      await port.end();
    }
  });

  test('connects after failures wait longer each time, so a reconnect storm spreads out', async () => {
    const waits: number[] = [];
    const port = new PgSqlPort({
      user: 'nobody',
      database: 'none',
      password: async () => 'x',
      connectionTimeoutMs: 200,
      log: () => undefined,
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
    });
    try {
      for (let attempt = 0; attempt < 4; attempt++) {
        await expect(port.execute({ host: '127.0.0.1', port: 1 }, 'SELECT 1', [])).rejects.toBeDefined();
      }
      expect(waits).toEqual([100, 200, 400]);
    } finally {
      await port.end();
    }
  });
});
