/**
 * The one privileged step of a database's life: creating the application's roles with the master
 * credentials. It is explicit (an operator runs it once per environment, see the README), idempotent
 * (running it again changes nothing), and logs every statement it runs. Never part of a normal start.
 *
 * - `<migration role>` owns the schema's tables: the writer's migrations run as it.
 * - `<application role>` may read every table (default privileges), and do what each migration
 *   grants it (insert orders): nothing else. It cannot write `schema_migrations`.
 * - With IAM authentication both log in with tokens (`rds_iam`), and have no password.
 * - The master keeps its password login. "If the rds_iam role is added to the master user, IAM
 *   authentication takes precedence over password authentication so the master user has to log in
 *   as an IAM user" (RDS User Guide, *Database authentication*), and nested grants count ("You can
 *   also use nested memberships or indirect grants of the role", Aurora User Guide, *Creating a
 *   database account using IAM authentication*). So the master must never have the privileges of
 *   `rds_iam` through the migration role: it is that role's member WITH INHERIT FALSE, SET TRUE
 *   while it sets the role's default privileges, and WITH SET FALSE (ADMIN only) afterwards
 *   (PostgreSQL 16), and sets the role's default privileges as the role (`SET ROLE`), not with
 *   `ALTER DEFAULT PRIVILEGES FOR ROLE`, which PostgreSQL 16 refuses without inheritance ("permission
 *   denied to change default privileges"). Why not other ways: ADMIN OPTION alone (what PostgreSQL
 *   16 gives a CREATEROLE creator) allows neither `SET ROLE` nor `FOR ROLE`; an inheriting
 *   membership is the defect this replaces.
 * - It all runs in one transaction, which ends with a check that the master does not have the
 *   privileges of `rds_iam`. An earlier version of this bootstrap made it inherit them through the
 *   migration role; these statements turn that membership's inheritance off, but a master locked
 *   out by it must first log in the IAM way to run them (README, the bootstrap step). If the check
 *   fails, nothing is changed and the master's password still works.
 */
import { WRITE_CANARY_PRIVILEGES, WRITE_CANARY_TABLE } from './migrations';
import { SqlExecutor } from './sql';

export interface BootstrapOptions {
  readonly database: string;
  readonly applicationUser: string;
  readonly migrationUser: string;
  /**
   * The role verify-deployment's forwarded-write canary logs in as: it may touch the canary table
   * only (migrations.ts, `WRITE_CANARY_TABLE`). @default - none
   */
  readonly canaryUser?: string;
  /** Grant `rds_iam` (Aurora): the roles log in with IAM tokens only. */
  readonly iamAuthentication: boolean;
  /** Local runs and tests only: passwords for the two roles instead of IAM. @default - none */
  readonly localPasswords?: Record<string, string>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain lowercase SQL identifier`);
  return `"${name}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The statements of the bootstrap, in order; each is safe to run again. `bootstrapRoles` runs them
 * in one transaction, which the first (`SET LOCAL`) and the last (the check) rely on.
 */
export function bootstrapStatements(options: BootstrapOptions): string[] {
  const app = identifier(options.applicationUser);
  const migrator = identifier(options.migrationUser);
  const database = identifier(options.database);
  const statements: string[] = [
    // PostgreSQL 16 grants a role its CREATEROLE creator with the options this setting names: were it
    // 'inherit' (a parameter group could set it), the master would inherit rds_iam from the roles it
    // creates. The default, '', grants ADMIN OPTION only. `SET LOCAL`: for this transaction only.
    "SET LOCAL createrole_self_grant = ''",
  ];
  const canary = options.canaryUser === undefined ? undefined : identifier(options.canaryUser);
  for (const [role, name] of [[migrator, options.migrationUser], [app, options.applicationUser], ...(canary ? [[canary, options.canaryUser!]] : [])]) {
    statements.push(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(name)}) THEN CREATE ROLE ${role} LOGIN; END IF; END $$`);
    if (options.iamAuthentication) statements.push(`GRANT rds_iam TO ${role}`);
    const password = options.localPasswords?.[name];
    if (password !== undefined) statements.push(`ALTER ROLE ${role} PASSWORD ${literal(password)}`);
    statements.push(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
  }
  statements.push(
    // SET without INHERIT: the master may act as the migration role, never inherits its rds_iam. On an
    // existing membership (the same grantor, the master) the options are updated, so a database an
    // earlier version bootstrapped loses the inheritance.
    `GRANT ${migrator} TO CURRENT_USER WITH INHERIT FALSE, SET TRUE`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${migrator}`,
    `GRANT USAGE ON SCHEMA public TO ${app}`,
    ...(canary ? [`GRANT USAGE ON SCHEMA public TO ${canary}`] : []),
    // As the migration role: tables it creates from now on can be read; anything more comes with the migration.
    `SET ROLE ${migrator}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${app}`,
    // The canary table may exist already (its migration ran before this role did): grant it as its owner.
    ...(canary
      ? [
          `DO $$ BEGIN IF to_regclass('public.${WRITE_CANARY_TABLE}') IS NOT NULL THEN GRANT ${WRITE_CANARY_PRIVILEGES} ON public.${WRITE_CANARY_TABLE} TO ${canary}; END IF; END $$`,
        ]
      : []),
    'RESET ROLE',
    // And the SET option back off: no source says whether Aurora counts a membership the master may
    // SET to as holding rds_iam, so what stays is the ADMIN-only membership PostgreSQL 16 gives every
    // CREATEROLE creator anyway. The default privileges belong to the migration role and stay.
    `GRANT ${migrator} TO CURRENT_USER WITH INHERIT FALSE, SET FALSE`,
    MASTER_KEEPS_PASSWORD_LOGIN,
  );
  return statements;
}

/** The last statement: fails (and so undoes the transaction) if the master would have to log in the IAM way. */
const MASTER_KEEPS_PASSWORD_LOGIN = `DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
    IF pg_has_role(session_user, 'rds_iam', 'USAGE') THEN
      RAISE EXCEPTION 'the master % would have the privileges of rds_iam and could log in only with IAM: nothing was changed', session_user
        USING HINT = 'find the membership that passes rds_iam on to it (pg_auth_members with inherit_option) and revoke its inheritance';
    END IF;
  END IF;
END $$`;

export async function bootstrapRoles(session: SqlExecutor, options: BootstrapOptions, log: (entry: Record<string, unknown>) => void): Promise<void> {
  if (options.applicationUser === options.migrationUser)
    throw new Error('the application role and the migration role must differ: the application must not run DDL');
  if (options.canaryUser !== undefined && [options.applicationUser, options.migrationUser].includes(options.canaryUser))
    throw new Error('the canary role must be a role of its own: it may touch the canary table only');
  const statements = bootstrapStatements(options);
  await session.execute('BEGIN');
  try {
    for (const statement of statements) {
      // Passwords are never logged.
      log({ level: 'info', msg: 'bootstrap', statement: statement.replace(/PASSWORD '.*'$/, "PASSWORD '***'") });
      await session.execute(statement);
    }
    await session.execute('COMMIT');
  } catch (error) {
    await session.execute('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
