/**
 * The one privileged step of a database's life: creating the application's roles with the master
 * credentials. It is explicit (an operator runs it once per environment, see the README), idempotent
 * (running it again changes nothing), and logs every statement it runs. Never part of a normal start.
 *
 * - `<migration role>` owns the schema's tables: the writer's migrations run as it.
 * - `<application role>` may read every table (default privileges), and do what each migration
 *   grants it (insert orders): nothing else. It cannot write `schema_migrations`.
 * - The master (on Aurora NOSUPERUSER with CREATEROLE) makes itself a member of the migration role,
 *   which PostgreSQL 16 requires before it may set that role's default privileges.
 * - With IAM authentication both log in with tokens (`rds_iam`), and have no password.
 */
import { SqlExecutor } from './sql';

export interface BootstrapOptions {
  readonly database: string;
  readonly applicationUser: string;
  readonly migrationUser: string;
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

/** The statements of the bootstrap, in order; each is safe to run again. */
export function bootstrapStatements(options: BootstrapOptions): string[] {
  const app = identifier(options.applicationUser);
  const migrator = identifier(options.migrationUser);
  const database = identifier(options.database);
  const statements: string[] = [];
  for (const [role, name] of [
    [migrator, options.migrationUser],
    [app, options.applicationUser],
  ]) {
    statements.push(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(name)}) THEN CREATE ROLE ${role} LOGIN; END IF; END $$`);
    if (options.iamAuthentication) statements.push(`GRANT rds_iam TO ${role}`);
    const password = options.localPasswords?.[name];
    if (password !== undefined) statements.push(`ALTER ROLE ${role} PASSWORD ${literal(password)}`);
    statements.push(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
  }
  statements.push(
    `GRANT ${migrator} TO CURRENT_USER`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${migrator}`,
    `GRANT USAGE ON SCHEMA public TO ${app}`,
    // Tables the migrator creates from now on can be read; anything more comes with the migration.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${migrator} IN SCHEMA public GRANT SELECT ON TABLES TO ${app}`,
  );
  return statements;
}

export async function bootstrapRoles(session: SqlExecutor, options: BootstrapOptions, log: (entry: Record<string, unknown>) => void): Promise<void> {
  if (options.applicationUser === options.migrationUser)
    throw new Error('the application role and the migration role must differ: the application must not run DDL');
  for (const statement of bootstrapStatements(options)) {
    // Passwords are never logged.
    log({ level: 'info', msg: 'bootstrap', statement: statement.replace(/PASSWORD '.*'$/, "PASSWORD '***'") });
    await session.execute(statement);
  }
}
