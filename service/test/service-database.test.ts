import { systemClock } from '../src/clock';
import { GlobalClusterReader } from '../src/database';
import { buildService, createPgSqlPort, migrateUntilDone, readEnvironment, ServiceRuntime } from '../src/main';
import { bootstrapLocalRoles, RdsPostgres, startRdsPostgres } from './support/rds-postgres';
import { MIGRATIONS } from '../src/migrations';

const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * The service as `main` builds it, against an RDS-shaped PostgreSQL 16 (TLS required) with the
 * bootstrap's roles (local passwords): readiness reads the schema, the writer's region migrates as
 * the migration role, the order API answers as the application role. Only the RDS role read is
 * scripted.
 */
let postgres: RdsPostgres;
let roles: Awaited<ReturnType<typeof bootstrapLocalRoles>>;
const silent = (): void => undefined;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  postgres = await startRdsPostgres();
  roles = await bootstrapLocalRoles(postgres);
});
afterAll(async () => {
  for (const close of closers) await close();
  await postgres?.stop();
});

function runtime(role: 'writer' | 'forwarding-secondary'): ServiceRuntime {
  const rds: GlobalClusterReader = {
    send: async () =>
      ({
        GlobalClusters: [
          {
            GlobalClusterMembers: [
              {
                DBClusterArn: 'arn:aws:rds:us-east-1:1:cluster:aurora-trading-primary-dev',
                IsWriter: role === 'writer',
                GlobalWriteForwardingStatus: role === 'writer' ? 'disabled' : 'enabled',
              },
            ],
          },
        ],
        $metadata: {},
      }) as any,
  };
  return {
    clock: systemClock,
    tcp: { connect: async () => undefined },
    log: silent,
    rds: () => rds,
    eventBridge: () => ({ send: async () => ({}) as any }),
    s3: () => ({ send: async () => ({}) as any }),
    dynamoDb: () => ({ send: async () => ({}) as any }),
    // The production adapter, with the test server's CA instead of the RDS bundle.
    sql: (access, region, log) => {
      const port = createPgSqlPort(access, region, log, [postgres.ca]);
      closers.push(() => port.end());
      return port;
    },
  };
}

/** A core closed after the file, as `main` closes it: its readiness loop would otherwise outlive the test. */
function closeAfterwards<T extends { close(): Promise<void> }>(core: T): T {
  closers.push(() => core.close());
  return core;
}

function environment(global: boolean) {
  return readEnvironment({
    AWS_REGION: 'us-east-1',
    ...postgres.serviceEnvironment(roles.user, roles.password, roles.migrationUser),
    DB_READER_HOST: postgres.hostname,
    DB_WRITE_FORWARD_CONSISTENCY: 'session',
    ...(global ? { DB_GLOBAL_CLUSTER_ID: 'aurora-trading-global-dev', DB_CLUSTER_ID: 'aurora-trading-primary-dev' } : {}),
  });
}

test('a forwarding secondary does not migrate, and is not ready before the writer has', async () => {
  const core = closeAfterwards(buildService(environment(true), runtime('forwarding-secondary')));
  expect(await core.migrate()).toBe("database is forwarding-secondary: migrations run in the writer's region only");
  await core.readiness.refresh();
  const answer = await core.readiness.answer();
  expect({ ready: answer.ready, check: answer.checks[0]?.error }).toEqual({ ready: false, check: expect.stringMatching(/schema_migrations.*does not exist/) });
});

test('the writer migrates at startup, then is ready, and the order API writes through its endpoint', async () => {
  const core = closeAfterwards(buildService(environment(true), runtime('writer')));
  expect(await core.migrate()).toBe(`schema at version ${LATEST} (applied: ${MIGRATIONS.map((migration) => migration.version).join(', ')})`);
  expect(await core.migrate()).toBe(`schema at version ${LATEST} (applied: none)`);
  await core.readiness.refresh();
  expect((await core.readiness.answer()).ready).toBe(true);
  const created = await core.orders!.create('k-1', JSON.stringify({ traderId: 't', symbol: 'ACME', side: 'sell', quantity: 5, limitPrice: '9.5' }));
  expect(created).toMatchObject({ status: 201, body: { region: 'us-east-1', limitPrice: '9.5' } });
});

test('without a global cluster (a local run) the one endpoint is used for everything', async () => {
  const core = closeAfterwards(buildService(environment(false), runtime('writer')));
  expect(await core.migrate()).toBe(`schema at version ${LATEST} (applied: none)`);
  expect(await core.orders!.get('00000000-0000-4000-8000-000000000000')).toEqual({ status: 404, body: { error: 'order not found' } });
});

test('every session sends apg_write_forward.consistency_mode=session (set per session, not left to the parameter group)', async () => {
  const core = closeAfterwards(buildService(environment(false), runtime('writer')));
  await core.migrate();
  const port = createPgSqlPort(environment(false).database!.access!, 'us-east-1', silent, [postgres.ca]);
  closers.push(() => port.end());
  const { rows } = await port.execute(
    { host: postgres.hostname, port: postgres.port },
    "SELECT current_setting('apg_write_forward.consistency_mode') AS mode",
    [],
  );
  expect(rows).toEqual([{ mode: 'session' }]);
});

describe('database login settings are checked when the service starts', () => {
  test.each([
    [{ DB_AUTH: 'kerberos' }, 'DB_AUTH="kerberos" must be iam or password'],
    [{ DB_AUTH: 'password' }, 'DB_PASSWORD is required with DB_AUTH=password'],
    [{ DB_TLS: 'disable' }, 'DB_AUTH=iam needs DB_TLS=verify-full: IAM authentication requires TLS'],
    [{ DB_WRITE_FORWARD_CONSISTENCY: 'strong' }, 'DB_WRITE_FORWARD_CONSISTENCY="strong" must be eventual, session or global'],
  ])('%j', (extra, message) => {
    expect(() => readEnvironment({ DB_HOST: 'h', DB_USER: 'trading_app', ...extra })).toThrow(message);
  });

  test('defaults: IAM login, TLS verified, the application role also migrates unless a migration role is named', () => {
    expect(readEnvironment({ DB_HOST: 'h', DB_USER: 'trading_app' }).database?.access).toEqual({
      database: 'trading',
      user: 'trading_app',
      migrationUser: 'trading_app',
      auth: 'iam',
      password: undefined,
      tls: 'verify-full',
      writeForwardConsistency: undefined,
    });
  });

  test('without DB_USER there is no order API, as before', () => {
    expect(readEnvironment({ DB_HOST: 'h' }).database?.access).toBeUndefined();
  });
});

test('migrations are retried until they succeed, waiting longer each time (the roles may not exist yet)', async () => {
  const scheduled: number[] = [];
  let pending: (() => void) | undefined;
  const clock = { now: () => 0, schedule: (ms: number, callback: () => void) => (scheduled.push(ms), (pending = callback), () => undefined) };
  let calls = 0;
  const migrate = async () => {
    calls++;
    if (calls < 4) throw new Error('password authentication failed for user "trading_migrator"');
    return 'schema at version 1 (applied: 1)';
  };
  const logged: string[] = [];
  migrateUntilDone(migrate, clock, (entry) => logged.push(String(entry.msg)));
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    pending!();
  }
  await new Promise((resolve) => setImmediate(resolve));
  expect({ calls, scheduled, last: logged[logged.length - 1] }).toEqual({ calls: 4, scheduled: [5_000, 15_000, 30_000], last: 'migrations' });
});
