import { Client, ClientConfig } from 'pg';
import { bootstrapRoles } from '../src/bootstrap';
import { migrate, MIGRATIONS } from '../src/migrations';
import { pgExecutor } from '../src/sql';
import {
  checkForwardedWrite,
  checkIamLogin,
  checkMasterLogin,
  DatabaseLogins,
  DatabaseSession,
  formatResultLine,
  parseResultLines,
} from '../src/verify-database';
import { RdsPostgres, startRdsPostgres } from './support/rds-postgres';

/**
 * The in-VPC checks of verify-deployment against the RDS-shaped PostgreSQL 16 (support/rds-postgres.ts):
 * its IAM stand-in, `rds.force_ssl`, and a master that IAM would lock out. It has no write
 * forwarding (a single writer): the forwarded path itself is only answered in AWS, by the same code.
 */
const APP = 'trading_app';
const MIGRATOR = 'trading_migrator';
const CANARY = 'trading_canary';
let rds: RdsPostgres;

async function open(config: ClientConfig): Promise<DatabaseSession> {
  const client = new Client(config);
  client.on('error', () => undefined);
  await client.connect();
  return { execute: pgExecutor(client).execute, end: () => client.end() };
}

const logins = (): DatabaseLogins => ({
  iam: (user) => open(rds.iamLogin(user)),
  // What a token without TLS amounts to here: a login the endpoint must refuse for want of TLS.
  iamWithoutTls: (user) => open(rds.passwordLogin(user, 'a-token', { tls: false })),
  master: () => open(rds.masterLogin()),
});

async function asMaster(work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client(rds.masterLogin());
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

const bootstrap = (canaryUser?: string) =>
  asMaster((client) =>
    bootstrapRoles(
      pgExecutor(client),
      { database: rds.database, applicationUser: APP, migrationUser: MIGRATOR, canaryUser, iamAuthentication: true },
      () => undefined,
    ),
  );

beforeAll(async () => {
  rds = await startRdsPostgres();
  // A database bootstrapped before the canary existed, migrated by a service that knows the canary
  // role's name (which does not exist yet), then bootstrapped again: the upgrade path.
  await bootstrap();
  const migrator = new Client(rds.iamLogin(MIGRATOR));
  await migrator.connect();
  try {
    await migrate(pgExecutor(migrator), () => undefined, MIGRATIONS, APP, CANARY);
  } finally {
    await migrator.end();
  }
  await bootstrap(CANARY);
}, 60_000);
afterAll(async () => rds?.stop());

test('database-iam-login: the application role logs in the IAM way over TLS, and without TLS it is refused', async () => {
  const result = await checkIamLogin(logins(), APP);
  expect(result).toMatchObject({
    name: 'database-iam-login',
    status: 'pass',
    detail: expect.stringMatching(/rds\.force_ssl is on, and without TLS the server refuses it \(.*no encryption/),
  });
  // The task checks it as the canary role, which holds rds_iam as the application does.
  expect(await checkIamLogin(logins(), CANARY)).toMatchObject({ status: 'pass' });
});

test('database-iam-login fails when a login without TLS is accepted (rds.force_ssl not in effect)', async () => {
  const accepting = { ...logins(), iamWithoutTls: (user: string) => open(rds.iamLogin(user)) };
  expect(await checkIamLogin(accepting, APP)).toMatchObject({
    status: 'fail',
    detail: expect.stringContaining('logged in without TLS: rds.force_ssl is not in effect'),
  });
});

test('database-iam-login fails when rds.force_ssl is not on in the session (an instance not yet rebooted), even though IAM alone needs TLS', async () => {
  const superuser = new Client(rds.bootstrapSuperuserLogin());
  await superuser.connect();
  await superuser.query(`ALTER ROLE ${APP} SET rds.force_ssl = '0'`);
  try {
    expect(await checkIamLogin(logins(), APP)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^rds\.force_ssl is 0 in this session/) });
  } finally {
    await superuser.query(`ALTER ROLE ${APP} RESET rds.force_ssl`);
    await superuser.end();
  }
});

test('a login without TLS that fails for another reason than the server refusing it is no proof', async () => {
  const unreachable = { ...logins(), iamWithoutTls: () => Promise.reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })) };
  expect(await checkIamLogin(unreachable, APP)).toMatchObject({
    status: 'fail',
    detail: "the login without TLS failed, but not by the server's refusal: connect ETIMEDOUT",
  });
});

test('database-iam-login fails, naming the role, when the role has no IAM login', async () => {
  expect(await checkIamLogin(logins(), 'nobody_here')).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/^nobody_here could not log in with IAM over TLS/),
  });
});

test('forwarded-write-canary: the canary role writes with the service statement form, reads back, deletes, and cannot read the orders', async () => {
  const result = await checkForwardedWrite(logins(), { user: CANARY, canaryId: 'verify-1', region: 'us-west-2', expectForwarding: false });
  expect(result).toEqual({
    name: 'forwarded-write-canary',
    status: 'pass',
    detail: 'written on the writer: inserted, read back and deleted verify-1 as trading_canary, which cannot read orders',
  });
  // Nothing is left behind.
  await asMaster(async (client) => {
    const migratorView = await client.query('SELECT count(*)::int AS left FROM write_canary').catch((error: Error) => error.message);
    expect(migratorView).toMatch(/permission denied/);
  });
  const left = new Client(rds.iamLogin(CANARY));
  await left.connect();
  expect((await left.query('SELECT count(*)::int AS n FROM write_canary')).rows[0].n).toBe(0);
  await left.end();
});

test("forwarded-write-canary fails on the writer when the standby's forwarding path was asked for", async () => {
  expect(await checkForwardedWrite(logins(), { user: CANARY, canaryId: 'verify-2', region: 'us-west-2', expectForwarding: true })).toMatchObject({
    status: 'fail',
    detail: 'the endpoint is the writer; expected a forwarding reader (the standby)',
  });
});

test('forwarded-write-canary fails when the canary role can read the orders', async () => {
  const superuser = new Client(rds.bootstrapSuperuserLogin());
  await superuser.connect();
  await superuser.query(`GRANT SELECT ON orders TO ${CANARY}`);
  try {
    expect(await checkForwardedWrite(logins(), { user: CANARY, canaryId: 'verify-3', region: 'us-west-2', expectForwarding: false })).toMatchObject({
      status: 'fail',
      detail: 'trading_canary can read the orders: the canary role must touch its table only',
    });
  } finally {
    await superuser.query(`REVOKE SELECT ON orders FROM ${CANARY}`);
    await superuser.end();
  }
});

test('master-password-login passes for a master without rds_iam, and fails once IAM takes precedence over its password', async () => {
  expect(await checkMasterLogin(logins())).toMatchObject({
    status: 'pass',
    detail: 'trading_admin logs in with its password over TLS and does not hold rds_iam',
  });
  const superuser = new Client(rds.bootstrapSuperuserLogin());
  await superuser.connect();
  await superuser.query(`GRANT rds_iam TO ${rds.master.user}`);
  try {
    expect(await checkMasterLogin(logins())).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^the master could not log in with its password: .*client certificate/),
    });
  } finally {
    await superuser.query(`REVOKE rds_iam FROM ${rds.master.user}`);
    await superuser.end();
  }
});

test('results travel as marked log lines; other lines are ignored', () => {
  const result = { name: 'database-iam-login' as const, status: 'pass' as const, detail: 'x' };
  expect(parseResultLines(['{"level":"info"}', formatResultLine(result), 'noise'])).toEqual([result]);
});
