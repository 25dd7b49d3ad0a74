import { PgSqlPort } from '../src/postgres';
import { makeCertificates } from './support/postgres';
import { RdsPostgres, startRdsPostgres } from './support/rds-postgres';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The production SQL adapter against an RDS-shaped PostgreSQL 16 (TLS required), as the master with its password. */
let postgres: RdsPostgres;
const ports: PgSqlPort[] = [];
const silent = (): void => undefined;

beforeAll(async () => {
  postgres = await startRdsPostgres();
});
afterAll(async () => {
  await Promise.all(ports.map((port) => port.end()));
  await postgres?.stop();
});

function adapter(ca: string | undefined, extra: Partial<ConstructorParameters<typeof PgSqlPort>[0]> = {}): PgSqlPort {
  const port = new PgSqlPort({
    user: postgres.master.user,
    database: postgres.database,
    password: async () => postgres.master.password,
    ca: ca ? [ca] : undefined,
    log: silent,
    ...extra,
  });
  ports.push(port);
  return port;
}

test('TLS with the CA and the endpoint name verified: the session is encrypted', async () => {
  const result = await adapter(postgres.ca).execute({ host: 'localhost', port: postgres.port }, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', []);
  expect(result.rows).toEqual([{ ssl: true }]);
});

test('a certificate from another CA is refused', async () => {
  const other = makeCertificates(fs.mkdtempSync(path.join(os.tmpdir(), 'other-ca-')));
  await expect(adapter(other.ca).execute({ host: 'localhost', port: postgres.port }, 'SELECT 1', [])).rejects.toThrow(
    /self-signed certificate|unable to verify|certificate/i,
  );
});

test('a host name the certificate does not name is refused (verify-full, not only the chain)', async () => {
  await expect(adapter(postgres.ca).execute({ host: '127.0.0.1', port: postgres.port }, 'SELECT 1', [])).rejects.toThrow(
    /Hostname\/IP does not match|altnames/i,
  );
});

test('every session gets the statement timeout and the configured settings', async () => {
  const port = adapter(postgres.ca, { statementTimeoutMs: 1234, sessionSettings: { application_name: 'trading-service' } });
  const { rows } = await port.execute(
    { host: 'localhost', port: postgres.port },
    "SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app",
    [],
  );
  expect(rows).toEqual([{ timeout: '1234ms', app: 'trading-service' }]);
  await expect(port.execute({ host: 'localhost', port: postgres.port }, 'SELECT pg_sleep(3)', [])).rejects.toMatchObject({ code: '57014' });
});

test('the password provider is asked for each new connection, with the endpoint', async () => {
  const asked: string[] = [];
  const port = adapter(postgres.ca, {
    password: async (endpoint) => {
      asked.push(`${endpoint.host}:${endpoint.port}`);
      return postgres.master.password;
    },
  });
  await Promise.all([0, 1, 2].map(() => port.execute({ host: 'localhost', port: postgres.port }, 'SELECT pg_sleep(0.1)', [])));
  expect(asked).toEqual(Array(3).fill(`localhost:${postgres.port}`));
});
