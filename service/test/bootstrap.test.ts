import { Client } from 'pg';
import { bootstrapRoles, bootstrapStatements } from '../src/bootstrap';
import { systemClock } from '../src/clock';
import { FollowUpRelay } from '../src/follow-ups';
import { readBootstrapEnvironment } from '../src/bootstrap-cli';
import { migrate, MIGRATIONS } from '../src/migrations';
import { PostgresOrderStore } from '../src/order-store';
import { pgExecutor } from '../src/sql';
import { PostgresServer, startPostgres } from './support/postgres';

/**
 * The privileged bootstrap on a real PostgreSQL 16, as a master like Aurora's: not a superuser, with
 * CREATEROLE, owner of the application database. Then the roles it made.
 */
let postgres: PostgresServer;
const PASSWORDS = { trading_app: 'app-secret', trading_migrator: 'migrator-secret' };
const MASTER = { user: 'trading_admin', password: 'master-secret' };
const OPTIONS = {
  database: 'trading',
  applicationUser: 'trading_app',
  migrationUser: 'trading_migrator',
  iamAuthentication: false,
  localPasswords: PASSWORDS,
};
const logged: Array<Record<string, unknown>> = [];

async function as<T>(user: string, password: string, work: (client: Client) => Promise<T>, database = 'trading'): Promise<T> {
  const client = new Client({ host: postgres.host, port: postgres.port, user, password, database });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  postgres = await startPostgres();
  await as(
    postgres.user,
    postgres.password,
    async (superuser) => {
      await superuser.query(`CREATE ROLE ${MASTER.user} LOGIN CREATEROLE NOSUPERUSER PASSWORD '${MASTER.password}'`);
      await superuser.query(`CREATE DATABASE trading OWNER ${MASTER.user}`);
    },
    'postgres',
  );
  await as(MASTER.user, MASTER.password, (master) => bootstrapRoles(pgExecutor(master), OPTIONS, (entry) => logged.push(entry)));
});
afterAll(async () => postgres?.stop());

test('running it again changes nothing and fails nothing (idempotent)', async () => {
  await expect(as(MASTER.user, MASTER.password, (master) => bootstrapRoles(pgExecutor(master), OPTIONS, () => undefined))).resolves.toBeUndefined();
});

test('every statement is logged, passwords never', () => {
  expect(logged.length).toBe(bootstrapStatements(OPTIONS).length);
  expect(JSON.stringify(logged)).not.toMatch(/app-secret|migrator-secret/);
  expect(JSON.stringify(logged)).toContain("PASSWORD '***'");
});

test('the migration role applies the migrations; the application role reads and inserts orders and nothing else', async () => {
  await as('trading_migrator', PASSWORDS.trading_migrator, (client) => migrate(pgExecutor(client), () => undefined, MIGRATIONS, 'trading_app'));
  await as('trading_app', PASSWORDS.trading_app, async (client) => {
    const store = new PostgresOrderStore(pgExecutor(client));
    const order = {
      orderId: '11111111-1111-4111-8111-111111111111',
      status: 'accepted' as const,
      region: 'us-east-1',
      acceptedAt: '2026-11-25T12:00:00.000Z',
      traderId: 't',
      symbol: 'ACME',
      side: 'buy' as const,
      quantity: 1,
      limitPrice: '1',
    };
    expect((await store.accept('bootstrap-key', 'f', order)).outcome).toBe('created');
    expect((await store.accept('bootstrap-key', 'f', { ...order, orderId: '22222222-2222-4222-8222-222222222222' })).outcome).toBe('replayed');
    expect(await store.get(order.orderId)).toEqual(order);
    await expect(client.query('SELECT version FROM schema_migrations')).resolves.toBeDefined();
    for (const forbidden of [
      'DELETE FROM orders',
      "UPDATE orders SET status = 'x'",
      'CREATE TABLE app_table (id int)',
      'DROP TABLE orders',
      'TRUNCATE orders',
      "INSERT INTO schema_migrations (version, name) VALUES (99, 'forged')",
    ]) {
      await expect(client.query(forbidden)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
    }
  });
});

test('the application role can run the follow-up relay: lease due orders and record their follow-ups', async () => {
  await as('trading_migrator', PASSWORDS.trading_migrator, (client) => migrate(pgExecutor(client), () => undefined, MIGRATIONS, 'trading_app'));
  await as('trading_app', PASSWORDS.trading_app, async (client) => {
    await new PostgresOrderStore(pgExecutor(client)).accept('relay-key', 'f', {
      orderId: '33333333-3333-4333-8333-333333333333',
      status: 'accepted',
      region: 'us-east-1',
      acceptedAt: '2026-11-25T12:00:01.000Z',
      traderId: 't',
      symbol: 'ACME',
      side: 'sell',
      quantity: 2,
      limitPrice: '1.5',
    });
    const done = async (): Promise<void> => undefined;
    const relay = new FollowUpRelay({
      sql: pgExecutor(client),
      targets: { confirmation: done, event: done, session: done },
      isWriter: async () => true,
      clock: systemClock,
      log: () => undefined,
    });
    const round = await relay.runOnce();
    expect(round.leased).toBeGreaterThan(0);
    expect(round.failed).toBe(0);
    expect((await relay.runOnce()).leased).toBe(0);
  });
});

test('with IAM authentication the roles get rds_iam and no password', () => {
  const statements = bootstrapStatements({ ...OPTIONS, iamAuthentication: true, localPasswords: undefined });
  expect(statements).toContain('GRANT rds_iam TO "trading_app"');
  expect(statements).toContain('GRANT rds_iam TO "trading_migrator"');
  expect(statements.join('\n')).not.toMatch(/PASSWORD/);
});

test('names that are not plain identifiers are refused before any statement runs', () => {
  expect(() => bootstrapStatements({ ...OPTIONS, applicationUser: 'app"; DROP TABLE orders; --' })).toThrow(/is not a plain lowercase SQL identifier/);
});

describe('the bootstrap task’s environment', () => {
  const env = {
    DB_HOST: 'writer',
    DB_USER: 'trading_app',
    DB_MIGRATION_USER: 'trading_migrator',
    DB_MASTER_SECRET: JSON.stringify({ username: 'trading_admin', password: 'p' }),
  };

  test('reads the endpoint, the roles and the injected master secret', () => {
    expect(readBootstrapEnvironment(env)).toEqual({
      host: 'writer',
      port: 5432,
      database: 'trading',
      applicationUser: 'trading_app',
      migrationUser: 'trading_migrator',
      master: { username: 'trading_admin', password: 'p' },
    });
  });

  test.each([
    [{ DB_MASTER_SECRET: undefined, DB_USER: undefined }, 'missing DB_USER, DB_MASTER_SECRET'],
    [{ DB_MASTER_SECRET: 'not json' }, 'DB_MASTER_SECRET is not the JSON of the database secret'],
    [{ DB_MASTER_SECRET: '{"username":"u"}' }, 'DB_MASTER_SECRET has no username and password'],
  ])('%j is refused', (change, message) => {
    expect(() => readBootstrapEnvironment({ ...env, ...change })).toThrow(message);
  });
});
