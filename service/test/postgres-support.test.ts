import { Client } from 'pg';
import { PostgresServer, startPostgres } from './support/postgres';

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => postgres?.stop());

test('the test server is PostgreSQL 16, the major version of the Aurora engine', async () => {
  const client = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: postgres.database });
  await client.connect();
  const { rows } = await client.query('SHOW server_version_num');
  await client.end();
  expect(Math.floor(Number(rows[0].server_version_num) / 10000)).toBe(16);
});
