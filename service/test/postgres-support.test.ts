import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { packagedPostgres, PostgresServer, serverBinaries, startPostgres } from './support/postgres';

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
