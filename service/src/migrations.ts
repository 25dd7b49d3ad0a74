/**
 * Versioned schema migrations, applied at startup by the writer's region only: global write
 * forwarding forwards no DDL ("DDL statements aren't supported", Aurora User Guide, *Limitations of
 * global write forwarding in Aurora PostgreSQL*), and the standby's schema arrives by storage
 * replication. One migrator at a time across tasks: a session-level advisory lock.
 */
import { SqlExecutor } from './sql';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
  /**
   * What the application role may do with this migration's tables beyond reading them (the
   * bootstrap's default privileges give SELECT), granted by the migration role, which owns them.
   * @default - nothing more
   */
  readonly applicationGrants?: readonly string[];
  /** The same for the write-canary role, when it exists (the bootstrap creates it). @default - nothing */
  readonly canaryGrants?: readonly string[];
}

/**
 * The table `npm run verify-deployment` writes through the standby's forwarding path
 * (forwarded-write-canary), and what its role may do: this table and nothing else.
 */
export const WRITE_CANARY_TABLE = 'write_canary';
export const WRITE_CANARY_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';

/** Key of the advisory lock every migrator takes (any 64-bit number; this one spells "trading"). */
export const MIGRATION_LOCK_KEY = 7_472_616_469;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'orders',
    statements: [
      `CREATE TABLE orders (
        order_id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE CHECK (char_length(idempotency_key) BETWEEN 1 AND 128),
        request_fingerprint text NOT NULL,
        trader_id text NOT NULL,
        symbol text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        quantity bigint NOT NULL CHECK (quantity > 0),
        limit_price numeric NOT NULL CHECK (limit_price > 0 AND scale(limit_price) <= 4),
        status text NOT NULL,
        region text NOT NULL,
        accepted_at timestamptz NOT NULL
      )`,
      'CREATE INDEX orders_trader_newest ON orders (trader_id, accepted_at DESC, order_id DESC)',
    ],
    // Insert orders; the no-op update of the key lets a replay return the stored order in the same statement.
    applicationGrants: ['INSERT ON orders', 'UPDATE (idempotency_key) ON orders'],
  },
  {
    version: 2,
    name: 'order follow-ups',
    // The orders table is the outbox (follow-ups.ts): the acknowledged insert is unchanged, and a
    // NULL time marks a follow-up still due. Adding nullable columns or one with a constant default
    // rewrites no rows in PostgreSQL 11 and later.
    statements: [
      `ALTER TABLE orders
        ADD COLUMN confirmation_stored_at timestamptz,
        ADD COLUMN event_published_at timestamptz,
        ADD COLUMN session_recorded_at timestamptz,
        ADD COLUMN follow_up_lease_until timestamptz,
        ADD COLUMN follow_up_attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN follow_up_error text`,
      `CREATE INDEX orders_follow_up_due ON orders (accepted_at)
        WHERE confirmation_stored_at IS NULL OR event_published_at IS NULL OR session_recorded_at IS NULL`,
    ],
    // The relay leases due orders (SELECT ... FOR UPDATE SKIP LOCKED needs UPDATE on a column) and records what it did.
    applicationGrants: [
      'UPDATE (confirmation_stored_at, event_published_at, session_recorded_at, follow_up_lease_until, follow_up_attempts, follow_up_error) ON orders',
    ],
  },
  {
    version: 3,
    name: 'write canary',
    // Written, read back and deleted by verify-deployment through the standby's forwarding path, with
    // the service's statement form; never an order, never an event.
    statements: [`CREATE TABLE ${WRITE_CANARY_TABLE} (canary_id text PRIMARY KEY, region text NOT NULL, written_at timestamptz NOT NULL)`],
    canaryGrants: [`${WRITE_CANARY_PRIVILEGES} ON ${WRITE_CANARY_TABLE}`],
  },
];

/**
 * Applies the pending migrations in version order, each in its own transaction. `session` must be
 * one connection (a `pg.Client`), because the advisory lock belongs to the session holding it.
 */
export async function migrate(
  session: SqlExecutor,
  log: (entry: Record<string, unknown>) => void,
  migrations: readonly Migration[] = MIGRATIONS,
  /** The application role that gets each migration's grants. @default - no grants (a database without the bootstrap's roles) */
  applicationRole?: string,
  /**
   * The write-canary role, which gets each migration's canary grants if it exists: a database
   * bootstrapped before the canary role existed gets them when the bootstrap runs again.
   * @default - no canary grants
   */
  canaryRole?: string,
): Promise<{ readonly applied: number[]; readonly current: number }> {
  for (const role of [applicationRole, canaryRole]) {
    if (role !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`${JSON.stringify(role)} is not a plain lowercase SQL identifier`);
  }
  const versions = migrations.map((migration) => migration.version);
  if (versions.some((version, index) => index > 0 && version <= versions[index - 1])) {
    throw new Error(`migration versions must increase: ${versions.join(', ')}`);
  }
  await session.execute('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await session.execute(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await session.execute('SELECT version FROM schema_migrations')).rows.map((row) => Number(row.version)));
    const newest = Math.max(0, ...done);
    if (newest > Math.max(0, ...versions)) {
      log({ level: 'warn', msg: 'database schema is newer than this service', databaseVersion: newest, serviceVersion: Math.max(0, ...versions) });
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await session.execute('BEGIN');
      try {
        for (const statement of migration.statements) await session.execute(statement);
        if (applicationRole) for (const grant of migration.applicationGrants ?? []) await session.execute(`GRANT ${grant} TO "${applicationRole}"`);
        if (canaryRole) {
          for (const grant of migration.canaryGrants ?? []) {
            await session.execute(
              `DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${canaryRole}') THEN GRANT ${grant} TO "${canaryRole}"; END IF; END $$`,
            );
          }
        }
        await session.execute('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await session.execute('COMMIT');
      } catch (error) {
        await session.execute('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${migration.version} (${migration.name}) failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      log({ level: 'info', msg: 'migration applied', version: migration.version, name: migration.name });
      applied.push(migration.version);
    }
    return { applied, current: Math.max(newest, ...applied) };
  } finally {
    await session.execute('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}
