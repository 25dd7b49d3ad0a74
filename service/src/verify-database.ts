/**
 * What only the database itself can answer, checked from inside the VPC by a one-off task that
 * `npm run verify-deployment` runs (orchestrator/src/verify-database-task.ts reads its results):
 *
 * - `database-iam-login`: a role of the bootstrap's logs in with an IAM token over verified TLS,
 *   `rds.force_ssl` is on, and the same login without TLS is refused (`rds.force_ssl` applies only
 *   after the instances rebooted with the parameter group: docs/upgrades.md). The task checks it as
 *   the canary role: it may not log in as the application, whose login the service's /ready proves.
 * - `forwarded-write-canary`: through the standby's endpoint, with the service's statement form
 *   (`INSERT ... ON CONFLICT ... RETURNING`), a row of the canary table is written, read back and
 *   deleted by the canary role, which may not read the orders.
 * - `master-password-login` (break-glass only: the task that runs it reads the master secret, which
 *   pages): the master logs in with its password over TLS and does not hold `rds_iam`.
 *
 * The logins are a port: IAM tokens and the RDS CA bundle in AWS (verify-database-cli.ts), the
 * RDS-shaped PostgreSQL's stand-ins in tests.
 */
import { WRITE_CANARY_TABLE } from './migrations';
import { SqlResult } from './sql';

/** One connection. */
export interface DatabaseSession {
  execute(statement: string, parameters?: readonly unknown[]): Promise<SqlResult>;
  end(): Promise<void>;
}

export interface DatabaseLogins {
  /** `user` with an IAM token, over TLS verified against the RDS CA bundle. */
  iam(user: string): Promise<DatabaseSession>;
  /** The same login without TLS: it must be refused. */
  iamWithoutTls(user: string): Promise<DatabaseSession>;
  /** The master with its password, over verified TLS. */
  master(): Promise<DatabaseSession>;
}

export type DatabaseCheckName = 'database-iam-login' | 'forwarded-write-canary' | 'master-password-login';

export interface DatabaseCheckResult {
  readonly name: DatabaseCheckName;
  readonly status: 'pass' | 'fail';
  readonly detail: string;
}

/** The line prefix by which the task's results are found among its log lines. */
export const RESULT_MARKER = 'verify-database-result';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function withSession<T>(open: () => Promise<DatabaseSession>, work: (session: DatabaseSession) => Promise<T>): Promise<T> {
  const session = await open();
  try {
    return await work(session);
  } finally {
    await session.end().catch(() => undefined);
  }
}

/** SQLSTATE invalid_authorization_specification: how PostgreSQL refuses a login by its pg_hba rules. */
const LOGIN_REFUSED = '28000';
/** SQLSTATE insufficient_privilege. */
const PERMISSION_DENIED = '42501';
const sqlState = (error: unknown): string | undefined => (error as { code?: string }).code;

/**
 * `user` logs in with IAM over verified TLS, `rds.force_ssl` is on, and the same login without TLS
 * is refused by the server's rules (SQLSTATE 28000), not by a timeout or a bad token. IAM
 * authentication alone requires TLS ("IAM database authentication requires an SSL connection",
 * AWS re:Post, *connect to RDS for PostgreSQL using IAM*), so the refusal proves little without the
 * setting: both are checked.
 */
export async function checkIamLogin(logins: DatabaseLogins, user: string): Promise<DatabaseCheckResult> {
  const name = 'database-iam-login';
  let identity: { user: string; tls: boolean; forceSsl: string | null };
  try {
    identity = await withSession(
      () => logins.iam(user),
      async (session) => {
        const { rows } = await session.execute(
          `SELECT current_user AS "user", (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls, current_setting('rds.force_ssl', true) AS force_ssl`,
        );
        return { user: String(rows[0].user), tls: rows[0].tls === true, forceSsl: (rows[0].force_ssl as string | null) ?? null };
      },
    );
  } catch (error) {
    return { name, status: 'fail', detail: `${user} could not log in with IAM over TLS: ${describe(error)}` };
  }
  if (identity.user !== user || !identity.tls)
    return { name, status: 'fail', detail: `logged in as ${identity.user}, TLS ${identity.tls ? 'on' : 'off'}; expected ${user} over TLS` };
  if (!['1', 'on'].includes(String(identity.forceSsl)))
    return {
      name,
      status: 'fail',
      detail: `rds.force_ssl is ${identity.forceSsl ?? 'unset'} in this session: an instance still waits for the reboot that applies it (see parameter-groups-in-sync)`,
    };
  try {
    await withSession(
      () => logins.iamWithoutTls(user),
      (session) => session.execute('SELECT 1'),
    );
  } catch (error) {
    if (sqlState(error) !== LOGIN_REFUSED)
      return { name, status: 'fail', detail: `the login without TLS failed, but not by the server's refusal: ${describe(error)}` };
    return {
      name,
      status: 'pass',
      detail: `${user} logs in with IAM over TLS, rds.force_ssl is on, and without TLS the server refuses it (${describe(error)})`,
    };
  }
  return { name, status: 'fail', detail: `${user} logged in without TLS: rds.force_ssl is not in effect` };
}

export interface CanaryOptions {
  readonly user: string;
  /** Unique per run: the canary row's key. */
  readonly canaryId: string;
  readonly region: string;
  /** Expect the endpoint to be a reader that forwards the write (the standby), not the writer. */
  readonly expectForwarding: boolean;
}

export async function checkForwardedWrite(logins: DatabaseLogins, options: CanaryOptions): Promise<DatabaseCheckResult> {
  const name = 'forwarded-write-canary';
  try {
    return await withSession(
      () => logins.iam(options.user),
      async (session) => {
        // A reader instance is in recovery: its writes are forwarded to the writer's region.
        const forwarded = (await session.execute('SELECT pg_is_in_recovery() AS reader')).rows[0].reader === true;
        // As the service sets it (main.ts): read-your-writes in this session, whatever the parameter group says.
        if (forwarded) await session.execute("SET apg_write_forward.consistency_mode = 'session'");
        if (forwarded !== options.expectForwarding) {
          return {
            name,
            status: 'fail' as const,
            detail: `the endpoint is ${forwarded ? 'a reader' : 'the writer'}; expected ${options.expectForwarding ? 'a forwarding reader (the standby)' : 'the writer'}`,
          };
        }
        const written = await session.execute(
          `INSERT INTO ${WRITE_CANARY_TABLE} (canary_id, region, written_at) VALUES ($1, $2, now())
           ON CONFLICT (canary_id) DO UPDATE SET written_at = EXCLUDED.written_at
           RETURNING canary_id, region`,
          [options.canaryId, options.region],
        );
        if (written.rows[0]?.canary_id !== options.canaryId)
          return { name, status: 'fail' as const, detail: `the insert returned ${JSON.stringify(written.rows)}` };
        const read = await session.execute(`SELECT region FROM ${WRITE_CANARY_TABLE} WHERE canary_id = $1`, [options.canaryId]);
        if (read.rows[0]?.region !== options.region)
          return { name, status: 'fail' as const, detail: `the canary row did not read back in the same session (${JSON.stringify(read.rows)})` };
        const deleted = await session.execute(`DELETE FROM ${WRITE_CANARY_TABLE} WHERE canary_id = $1`, [options.canaryId]);
        if (deleted.rowCount !== 1) return { name, status: 'fail' as const, detail: `the delete removed ${deleted.rowCount} rows` };
        try {
          await session.execute('SELECT 1 FROM orders LIMIT 1');
          return { name, status: 'fail' as const, detail: `${options.user} can read the orders: the canary role must touch its table only` };
        } catch (error) {
          if (sqlState(error) !== PERMISSION_DENIED)
            return { name, status: 'fail' as const, detail: `reading the orders failed, but not for want of permission: ${describe(error)}` };
        }
        return {
          name,
          status: 'pass' as const,
          detail: `${forwarded ? 'forwarded through the reader' : 'written on the writer'}: inserted, read back and deleted ${options.canaryId} as ${options.user}, which cannot read orders`,
        };
      },
    );
  } catch (error) {
    return { name, status: 'fail', detail: `${options.user}: ${describe(error)}` };
  }
}

export async function checkMasterLogin(logins: DatabaseLogins): Promise<DatabaseCheckResult> {
  const name = 'master-password-login';
  try {
    return await withSession(
      () => logins.master(),
      async (session) => {
        const { rows } = await session.execute(
          `SELECT session_user AS "user",
                  EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') AND pg_has_role(session_user, 'rds_iam', 'USAGE') AS iam_only`,
        );
        return rows[0].iam_only === true
          ? { name, status: 'fail' as const, detail: `${rows[0].user} holds rds_iam: its password will stop working (service/src/bootstrap.ts)` }
          : { name, status: 'pass' as const, detail: `${rows[0].user} logs in with its password over TLS and does not hold rds_iam` };
      },
    );
  } catch (error) {
    return { name, status: 'fail', detail: `the master could not log in with its password: ${describe(error)}` };
  }
}

/** A result as the task prints it, one line each. */
export function formatResultLine(result: DatabaseCheckResult): string {
  return `${RESULT_MARKER} ${JSON.stringify(result)}`;
}

/** The results among a task's log lines (others are ignored). */
export function parseResultLines(lines: readonly string[]): DatabaseCheckResult[] {
  return lines.filter((line) => line.startsWith(`${RESULT_MARKER} `)).map((line) => JSON.parse(line.slice(RESULT_MARKER.length + 1)) as DatabaseCheckResult);
}
