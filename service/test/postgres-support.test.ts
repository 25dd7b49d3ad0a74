import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';
import { packagedPostgres, PostgresServer, serverBinaries, startPostgres } from './support/postgres';
import { RdsPostgres, startRdsPostgres, tryLogin } from './support/rds-postgres';

async function serverVersion(server: PostgresServer): Promise<number> {
  const client = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  const { rows } = await client.query('SHOW server_version_num');
  await client.end();
  return Number(rows[0].server_version_num);
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

test('the test server is PostgreSQL 16, the major version of the Aurora engine', async () => {
  expect(Math.floor((await serverVersion(postgres)) / 10000)).toBe(16);
});

test('a checkout in a private folder (0700, as a home directory is), installed under umask 077, with a space in its path, runs the server', async () => {
  // Under root the server runs as nobody, which can neither traverse this folder nor read these files.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'private-home-'));
  const native = path.join(home, 'my checkout', 'service', 'native');
  const sharedRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-binaries-'));
  fs.chmodSync(sharedRoot, 0o755);
  let server: PostgresServer | undefined;
  try {
    fs.cpSync(packagedPostgres(), native, { recursive: true, verbatimSymlinks: true });
    restrict(home);
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    server = await startPostgres({ binaries: serverBinaries(native, sharedRoot) });
    expect(Math.floor((await serverVersion(server)) / 10000)).toBe(16);
    // The user's own folders stay as private as they were.
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
  } finally {
    await server?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(sharedRoot, { recursive: true, force: true });
  }
});

/** What `umask 077` leaves: no access for group and others anywhere below `directory`. */
function restrict(directory: string): void {
  fs.chmodSync(directory, fs.statSync(directory).mode & 0o700);
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) restrict(file);
    else fs.chmodSync(file, fs.statSync(file).mode & 0o700);
  }
}

async function run<T>(config: ClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(config);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test('PostgreSQL 16 pg_hba "+role" matches a membership that carries no privileges (ADMIN OPTION only): why the RDS-shaped server lists its IAM roles itself', async () => {
  const superuser = { host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: postgres.database };
  const hba = path.join(postgres.dataDirectory, 'pg_hba.conf');
  const original = fs.readFileSync(hba, 'utf8');
  await run(superuser, async (client) => {
    for (const statement of [
      'CREATE ROLE hba_group',
      "CREATE ROLE hba_admin_only LOGIN PASSWORD 'p'",
      'GRANT hba_group TO hba_admin_only WITH ADMIN OPTION, INHERIT FALSE, SET FALSE',
    ]) {
      await client.query(statement);
    }
    expect((await client.query("SELECT pg_has_role('hba_admin_only', 'hba_group', 'USAGE') AS usage")).rows).toEqual([{ usage: false }]);
  });
  const member = { ...superuser, user: 'hba_admin_only', password: 'p' };
  expect(await tryLogin(member)).toBe('logged in');
  try {
    fs.writeFileSync(hba, `host all +hba_group 127.0.0.1/32 reject\n${original}`);
    await run(superuser, (client) => client.query('SELECT pg_reload_conf()'));
    expect(
      await eventually(
        () => tryLogin(member),
        (outcome) => outcome !== 'logged in',
      ),
    ).toMatch(/pg_hba.conf rejects connection .* "hba_admin_only"/);
  } finally {
    fs.writeFileSync(hba, original);
    await run(superuser, (client) => client.query('SELECT pg_reload_conf()'));
  }
});

/** `attempt` again every 20 ms until `done` holds of its outcome (at most 5 s); the last outcome. */
async function eventually<T>(attempt: () => Promise<T>, done: (outcome: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const outcome = await attempt();
    if (done(outcome) || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the RDS-shaped server (support/rds-postgres.ts)', () => {
  let rds: RdsPostgres;
  beforeAll(async () => {
    rds = await startRdsPostgres();
  });
  afterAll(async () => rds?.stop());

  test('the master is no superuser, has CREATEROLE and CREATEDB, is a member of rds_superuser, owns the database, and may grant rds_iam', async () => {
    const master = await run(rds.masterLogin(), async (client) => {
      const { rows } = await client.query(
        `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolinherit, r.rolreplication,
                pg_has_role(r.oid, 'rds_superuser', 'USAGE') AS rds_superuser,
                pg_has_role(r.oid, 'rds_iam', 'USAGE') AS rds_iam,
                (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) = r.rolname AS owns_database
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      await client.query('CREATE ROLE granted_iam LOGIN');
      await client.query('GRANT rds_iam TO granted_iam');
      return rows[0];
    });
    expect(master).toEqual({
      rolsuper: false,
      rolcreaterole: true,
      rolcreatedb: true,
      rolinherit: true,
      rolreplication: false,
      rds_superuser: true,
      rds_iam: false,
      owns_database: true,
    });
    expect(await tryLogin(rds.iamLogin('granted_iam'))).toBe('logged in');
  });

  test('a role with the privileges of rds_iam, directly or through inheritance, logs in the IAM way only; a membership without inheritance does not count; the rules follow changes', async () => {
    await run(rds.masterLogin(), async (client) => {
      for (const statement of [
        "CREATE ROLE iam_direct LOGIN PASSWORD 'p'",
        'GRANT rds_iam TO iam_direct',
        'CREATE ROLE iam_group',
        'GRANT rds_iam TO iam_group',
        "CREATE ROLE iam_nested LOGIN PASSWORD 'p'",
        'GRANT iam_group TO iam_nested',
        "CREATE ROLE iam_set_only LOGIN PASSWORD 'p'",
        'GRANT iam_group TO iam_set_only WITH INHERIT FALSE, SET TRUE',
      ]) {
        await client.query(statement);
      }
    });
    const byPassword = async (role: string) => tryLogin(rds.passwordLogin(role, 'p'));
    expect(await byPassword('iam_direct')).toMatch(/requires a valid client certificate/);
    expect(await byPassword('iam_nested')).toMatch(/requires a valid client certificate/);
    expect(await tryLogin(rds.iamLogin('iam_direct'))).toBe('logged in');
    expect(await tryLogin(rds.iamLogin('iam_nested'))).toBe('logged in');
    // SET without INHERIT, and the master's ADMIN OPTION on every role it created and on rds_iam.
    expect(await byPassword('iam_set_only')).toBe('logged in');
    expect(await tryLogin(rds.masterLogin())).toBe('logged in');

    await run(rds.masterLogin(), async (client) => {
      await client.query('REVOKE rds_iam FROM iam_direct');
      await client.query('GRANT iam_group TO iam_set_only WITH INHERIT TRUE');
    });
    expect(await byPassword('iam_direct')).toBe('logged in');
    expect(await byPassword('iam_set_only')).toMatch(/requires a valid client certificate/);
  });

  test('without TLS nobody logs in (rds.force_ssl=1); a wrong password or certificate is refused; the fixture superuser is not at the endpoint', async () => {
    expect(await tryLogin(rds.passwordLogin(rds.master.user, rds.master.password, { tls: false }))).toMatch(/rejects connection .* no encryption/);
    expect(await tryLogin(rds.passwordLogin(rds.master.user, 'wrong'))).toMatch(/password authentication failed/);
    // Another role's certificate (its common name is the other role's).
    expect(await tryLogin({ ...rds.iamLogin('iam_nested'), user: 'granted_iam' })).toMatch(/certificate authentication failed for user "granted_iam"/);
    expect(await tryLogin(rds.passwordLogin('rdsadmin', 'any'))).toMatch(/rejects connection .* "rdsadmin"/);
    expect(await tryLogin(rds.bootstrapSuperuserLogin())).toBe('logged in');
  });
});
