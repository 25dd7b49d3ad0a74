import { Client, ClientConfig } from 'pg';
import { bootstrapRoles, bootstrapStatements } from '../src/bootstrap';
import { readBootstrapEnvironment, runBootstrap } from '../src/bootstrap-cli';
import { systemClock } from '../src/clock';
import { FollowUpRelay } from '../src/follow-ups';
import { migrate, MIGRATIONS } from '../src/migrations';
import { PostgresOrderStore } from '../src/order-store';
import { pgExecutor } from '../src/sql';
import { RdsPostgres, startRdsPostgres, tryLogin as login } from './support/rds-postgres';

/**
 * The privileged bootstrap on an RDS-shaped PostgreSQL 16 (support/rds-postgres.ts: a master that
 * is no superuser, `rds_iam`, IAM-only logins for the roles holding it, `rds.force_ssl`), run by the
 * bootstrap task's own code as the master over verified TLS, twice. Then the roles it made, and the
 * master's own login.
 */
let rds: RdsPostgres;
const APP = 'trading_app';
const MIGRATOR = 'trading_migrator';
/** What each of the two runs ended with: its error, and whether the master could log in with its password afterwards. */
const runs: Array<{ error?: string; masterLogin: string }> = [];
const logged: Array<Record<string, unknown>> = [];

async function connect<T>(config: ClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(config);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const asMaster = <T>(work: (client: Client) => Promise<T>) => connect(rds.masterLogin(), work);

beforeAll(async () => {
  rds = await startRdsPostgres();
  const environment = readBootstrapEnvironment({
    DB_HOST: rds.hostname,
    DB_PORT: String(rds.port),
    DB_NAME: rds.database,
    DB_USER: APP,
    DB_MIGRATION_USER: MIGRATOR,
    DB_MASTER_SECRET: JSON.stringify({ username: rds.master.user, password: rds.master.password }),
  });
  for (let run = 1; run <= 2; run++) {
    const error = await runBootstrap(environment, (entry) => logged.push(entry), [rds.ca]).then(
      () => undefined,
      (failure: unknown) => String(failure),
    );
    runs.push({ error, masterLogin: await login(rds.masterLogin()) });
  }
}, 60_000);
afterAll(async () => rds?.stop());

test('the bootstrap task runs twice as the master, over verified TLS; after each run the master still logs in with its password', async () => {
  expect(runs).toEqual([
    { error: undefined, masterLogin: 'logged in' },
    { error: undefined, masterLogin: 'logged in' },
  ]);
  const master = await asMaster(async (client) => {
    const { rows } = await client.query(
      `SELECT pg_has_role(session_user, 'rds_iam', 'USAGE') AS has_rds_iam, m.inherit_option, m.set_option
         FROM pg_auth_members m WHERE m.roleid = $1::regrole AND m.member = session_user::regrole AND m.grantor = session_user::regrole`,
      [MIGRATOR],
    );
    return rows;
  });
  // Left with what PostgreSQL 16 gives every CREATEROLE creator: ADMIN only, neither inheriting the
  // migration role's privileges (nor its rds_iam) nor able to SET to it.
  expect(master).toEqual([{ has_rds_iam: false, inherit_option: false, set_option: false }]);
});

test('the application and migration roles log in the IAM way only; without TLS nobody logs in (rds.force_ssl)', async () => {
  for (const role of [APP, MIGRATOR]) {
    expect(await login(rds.iamLogin(role))).toBe('logged in');
    expect(await login(rds.passwordLogin(role, 'any-password'))).toMatch(/requires a valid client certificate/);
    expect(await login(rds.passwordLogin(role, 'any-password', { tls: false }))).toMatch(/pg_hba.conf rejects connection .* no encryption/);
  }
  expect(await login(rds.passwordLogin(rds.master.user, rds.master.password, { tls: false }))).toMatch(/no encryption/);
  // The roles have no password at all (read as the fixture's superuser: pg_authid is not the master's to read).
  const passwords = await connect(rds.bootstrapSuperuserLogin(), async (client) => {
    const { rows } = await client.query('SELECT rolname, rolpassword IS NULL AS none FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname', [
      [APP, MIGRATOR],
    ]);
    return rows;
  });
  expect(passwords).toEqual([
    { rolname: APP, none: true },
    { rolname: MIGRATOR, none: true },
  ]);
});

test('the migration role applies the migrations and owns the tables; the application role reads and gets what each migration grants, nothing else', async () => {
  await connect(rds.iamLogin(MIGRATOR), (client) => migrate(pgExecutor(client), () => undefined, MIGRATIONS, APP));
  const { owners, tables, columns } = await asMaster(async (client) => ({
    owners: (await client.query("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows,
    tables: (
      await client.query(
        `SELECT c.relname, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
          WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = $1::regrole ORDER BY 1, 2`,
        [APP],
      )
    ).rows,
    columns: (
      await client.query(
        `SELECT a.attname, p.privilege_type FROM pg_attribute a, aclexplode(a.attacl) p
          WHERE a.attrelid = 'orders'::regclass AND p.grantee = $1::regrole ORDER BY 1, 2`,
        [APP],
      )
    ).rows,
  }));
  expect(owners).toEqual([
    { tablename: 'orders', tableowner: MIGRATOR },
    { tablename: 'schema_migrations', tableowner: MIGRATOR },
    { tablename: 'write_canary', tableowner: MIGRATOR },
  ]);
  // SELECT from the bootstrap's default privileges; INSERT and the column UPDATEs from the migrations' grants.
  expect(tables).toEqual([
    { relname: 'orders', privilege_type: 'INSERT' },
    { relname: 'orders', privilege_type: 'SELECT' },
    { relname: 'schema_migrations', privilege_type: 'SELECT' },
    { relname: 'write_canary', privilege_type: 'SELECT' },
  ]);
  expect(columns.map((row) => `${row.privilege_type} ${row.attname}`)).toEqual(
    ['idempotency_key', 'confirmation_stored_at', 'event_published_at', 'session_recorded_at', 'follow_up_lease_until', 'follow_up_attempts', 'follow_up_error']
      .sort()
      .map((column) => `UPDATE ${column}`),
  );

  await connect(rds.iamLogin(APP), async (client) => {
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
      await expect(client.query(forbidden)).rejects.toMatchObject({ code: '42501' });
    }
  });
});

test('the application role can run the follow-up relay: lease due orders and record their follow-ups', async () => {
  await connect(rds.iamLogin(MIGRATOR), (client) => migrate(pgExecutor(client), () => undefined, MIGRATIONS, APP));
  await connect(rds.iamLogin(APP), async (client) => {
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

test('every statement is logged; with local passwords (no IAM) the roles log in with them, never logged', async () => {
  expect(logged.filter((entry) => entry.msg === 'bootstrap').map((entry) => entry.statement)).toEqual([
    ...bootstrapStatements({ database: rds.database, applicationUser: APP, migrationUser: MIGRATOR, iamAuthentication: true }),
    ...bootstrapStatements({ database: rds.database, applicationUser: APP, migrationUser: MIGRATOR, iamAuthentication: true }),
  ]);
  const local: Array<Record<string, unknown>> = [];
  const passwords = { local_app: 'app-secret', local_migrator: 'migrator-secret' };
  const options = {
    database: rds.database,
    applicationUser: 'local_app',
    migrationUser: 'local_migrator',
    iamAuthentication: false,
    localPasswords: passwords,
  };
  await asMaster((client) => bootstrapRoles(pgExecutor(client), options, (entry) => local.push(entry)));
  expect(local.length).toBe(bootstrapStatements(options).length);
  expect(JSON.stringify(local)).not.toMatch(/app-secret|migrator-secret/);
  expect(JSON.stringify(local)).toContain("PASSWORD '***'");
  expect(await login(rds.passwordLogin('local_app', passwords.local_app))).toBe('logged in');
  expect(await login(rds.passwordLogin('local_migrator', passwords.local_migrator))).toBe('logged in');
  expect(await login(rds.masterLogin())).toBe('logged in');
});

test('the statements repair a database the earlier bootstrap left with the master inheriting rds_iam (in a session opened before the lockout: a new one needs the IAM login, README)', async () => {
  const legacy = { database: rds.database, applicationUser: 'legacy_app', migrationUser: 'legacy_migrator', iamAuthentication: true };
  // The earlier version's statements: the master became an inheriting member of the migration role.
  const earlier = [
    'CREATE ROLE legacy_migrator LOGIN',
    'GRANT rds_iam TO legacy_migrator',
    'CREATE ROLE legacy_app LOGIN',
    'GRANT rds_iam TO legacy_app',
    'GRANT legacy_migrator TO CURRENT_USER',
    'ALTER DEFAULT PRIVILEGES FOR ROLE legacy_migrator IN SCHEMA public GRANT SELECT ON TABLES TO legacy_app',
  ];
  // One session throughout: a login is checked when it starts, so this one outlives the lockout.
  await asMaster(async (client) => {
    for (const statement of earlier) await client.query(statement);
    expect(await login(rds.masterLogin())).toMatch(/requires a valid client certificate/);
    await bootstrapRoles(pgExecutor(client), legacy, () => undefined);
  });
  expect(await login(rds.masterLogin())).toBe('logged in');
});

test('if the master would still have the privileges of rds_iam, the bootstrap fails and changes nothing', async () => {
  const options = { database: rds.database, applicationUser: 'guarded_app', migrationUser: 'guarded_migrator', iamAuthentication: true };
  await asMaster(async (client) => {
    // Something else made the master inherit rds_iam (the bootstrap cannot know what).
    for (const statement of ['CREATE ROLE iam_group', 'GRANT rds_iam TO iam_group', 'GRANT iam_group TO CURRENT_USER']) await client.query(statement);
    await expect(bootstrapRoles(pgExecutor(client), options, () => undefined)).rejects.toThrow(
      'the master trading_admin would have the privileges of rds_iam and could log in only with IAM: nothing was changed',
    );
    const { rows } = await client.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'guarded_%'");
    expect(rows).toEqual([]);
    for (const statement of ['REVOKE iam_group FROM CURRENT_USER', 'DROP ROLE iam_group']) await client.query(statement);
  });
  expect(await login(rds.masterLogin())).toBe('logged in');
});

test('with IAM authentication the roles get rds_iam and no password', () => {
  const statements = bootstrapStatements({ database: 'trading', applicationUser: APP, migrationUser: MIGRATOR, iamAuthentication: true });
  expect(statements).toContain('GRANT rds_iam TO "trading_app"');
  expect(statements).toContain('GRANT rds_iam TO "trading_migrator"');
  expect(statements.join('\n')).not.toMatch(/PASSWORD/);
});

test('names that are not plain identifiers are refused before any statement runs', () => {
  expect(() =>
    bootstrapStatements({ database: 'trading', applicationUser: 'app"; DROP TABLE orders; --', migrationUser: MIGRATOR, iamAuthentication: false }),
  ).toThrow(/is not a plain lowercase SQL identifier/);
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
