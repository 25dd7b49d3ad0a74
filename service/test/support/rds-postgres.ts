/**
 * PostgreSQL 16 shaped like Aurora PostgreSQL 16, for every test that touches a database the way
 * the platform does. What RDS adds to PostgreSQL and the application depends on is emulated; where
 * the emulation is an assumption, it says so.
 *
 * Roles (Aurora User Guide, *Understanding PostgreSQL roles and permissions*):
 * - `rdsadmin`, the bootstrap superuser. RDS keeps its own superuser; here it is the fixture's, for
 *   setup only, over the local socket (`bootstrapSuperuserLogin`). The application never sees it.
 * - the master (`trading_admin`, the name the cluster's secret holds): "CREATE ROLE postgres WITH
 *   LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION VALID UNTIL 'infinity'", and "this
 *   first database user account is a member of the rds_superuser group". It owns the database the
 *   cluster creates (`defaultDatabaseName`; assumed, as `CREATE DATABASE` by the master would do).
 * - `rds_superuser`, holding `rds_iam` WITH ADMIN OPTION only (no INHERIT, no SET): how the master
 *   may "GRANT rds_iam TO db_userx" (Aurora User Guide, *Creating a database account using IAM
 *   authentication*) under PostgreSQL 16, where granting a role needs ADMIN OPTION on it. How RDS
 *   really lets the master grant it is not documented; this is the least privilege that does.
 * - `rds_iam`.
 *
 * Login rules (`pg_hba.conf`, first matching line wins, rebuilt before every login, see below):
 * 1. `rds.force_ssl=1` (the platform's cluster parameter, `lib/constructs/aurora-global-primary.ts`;
 *    Aurora User Guide, *Securing Aurora PostgreSQL data with SSL/TLS*): a connection without TLS is
 *    refused, whoever it is (`hostnossl ... reject`).
 * 2. A role that has the privileges of `rds_iam`, directly or through inherited membership
 *    (`pg_has_role(role, 'rds_iam', 'USAGE')`), logs in the IAM way only, even with the right
 *    password: "If the rds_iam role is added to the master user, IAM authentication takes
 *    precedence over password authentication so the master user has to log in as an IAM user"
 *    (RDS User Guide, *Database authentication*), and "You can also use nested memberships or
 *    indirect grants of the role" (Aurora User Guide, *Creating a database account using IAM
 *    authentication*).
 *    ASSUMPTION: membership that carries no inheritance (ADMIN OPTION only, or INHERIT FALSE, as
 *    PostgreSQL 16's CREATEROLE gives the master on every role it creates, and as the master's
 *    right to grant `rds_iam` is modelled here) does not count. If it counted, every master that
 *    ever created an IAM role would be locked out, and Aurora's masters are not. Whether Aurora
 *    counts INHERIT FALSE memberships is not documented: the bootstrap's guard refuses to leave the
 *    master with the privileges of `rds_iam`, which is what this rule checks.
 * 3. The IAM way here is a stand-in: a TLS client certificate whose common name is the role
 *    (`iamLogin`), signed by the fixture's CA (`cert` in pg_hba). It proves what a token proves to
 *    RDS (this caller may log in as this role) without AWS; the token itself (a SigV4-presigned
 *    `connect`) is made and tested in iam-auth.ts. A password is refused for such a role ("connection
 *    requires a valid client certificate"), as RDS refuses a password that is no valid token.
 * 4. Anyone else logs in with a password (scram-sha-256).
 *
 * Why rebuilt before every login: PostgreSQL 16's pg_hba cannot express rule 2. A `+rds_iam` line
 * matches "roles that are directly or indirectly members" of rds_iam, and that counts memberships
 * without inheritance too (tested in postgres-support.test.ts: it matches the master through its
 * ADMIN-only memberships). So the endpoint (`port`) is a forwarder: before each new connection
 * reaches the server, the fixture lists the roles with `pg_has_role(..., 'rds_iam', 'USAGE')` into
 * the file `rds_iam_logins` that pg_hba includes (`@rds_iam_logins`), and when the list changed it
 * reloads the configuration and waits until the server runs with it. A login therefore sees the
 * role memberships committed before it connected, as RDS's check at login does.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';
import { bootstrapRoles } from '../../src/bootstrap';
import { pgExecutor } from '../../src/sql';
import { initCluster, makeCertificates, NameProxy, PostgresServer, serverBinaries, startNameProxy, startServer } from './postgres';

/** The name the server certificate is issued for: clients verify it (verify-full). */
export const RDS_HOSTNAME = 'localhost';
const BOOTSTRAP_SUPERUSER = 'rdsadmin';
const IAM_LOGINS_FILE = 'rds_iam_logins';

export interface RdsPostgresOptions {
  /** @default 'trading_admin' (the platform's master user name) */
  readonly masterUser?: string;
  /** The database the cluster creates, owned by the master. @default 'trading' */
  readonly database?: string;
  /** Extra `-c` settings. */
  readonly settings?: Record<string, string>;
}

export interface RdsPostgres {
  /** The endpoint: an address and port that apply the login rules first. */
  readonly host: string;
  readonly port: number;
  /** The host name to verify the server certificate against (`ssl.servername`, or `DB_HOST`). */
  readonly hostname: string;
  /** The CA that signed the server certificate (and the IAM stand-in's client certificates). */
  readonly ca: string;
  readonly database: string;
  readonly master: { readonly user: string; readonly password: string };
  /**
   * The server behind the endpoint (its process, data directory; `user` is the bootstrap superuser).
   * Its own port skips the endpoint's refresh of the IAM roles: connect to `port`.
   */
  readonly server: PostgresServer;
  /** A password login at the endpoint, over TLS verified against `ca` and `hostname` unless `tls: false`. */
  passwordLogin(user: string, password: string, options?: { readonly tls?: boolean; readonly database?: string }): ClientConfig;
  /** The master's password login over TLS: what the bootstrap task and a break-glass session use. */
  masterLogin(): ClientConfig;
  /** The IAM stand-in: a login as `user` with the client certificate the fixture issues for it, over TLS. */
  iamLogin(user: string, options?: { readonly database?: string }): ClientConfig;
  /** The fixture's superuser on the server's local socket, for setup the application could not do (never through the endpoint). */
  bootstrapSuperuserLogin(database?: string): ClientConfig;
  /** The service's environment for a password login as `user` (with `createPgSqlPort(..., [ca])`: TLS verified). */
  serviceEnvironment(user: string, password: string, migrationUser?: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startRdsPostgres(options: RdsPostgresOptions = {}): Promise<RdsPostgres> {
  const masterUser = options.masterUser ?? 'trading_admin';
  const database = options.database ?? 'trading';
  const binaries = serverBinaries();
  const superuserPassword = crypto.randomBytes(12).toString('hex');
  const dataDirectory = initCluster(superuserPassword, binaries, BOOTSTRAP_SUPERUSER);
  const directory = path.dirname(dataDirectory);
  const certificates = makeCertificates(directory);
  const owner = fs.statSync(dataDirectory);
  const caFile = path.join(directory, 'ca.crt');
  fs.writeFileSync(path.join(dataDirectory, 'pg_hba.conf'), hbaRules());
  fs.writeFileSync(path.join(dataDirectory, IAM_LOGINS_FILE), iamLoginsFile([]));
  for (const file of [caFile, path.join(dataDirectory, 'pg_hba.conf'), path.join(dataDirectory, IAM_LOGINS_FILE)]) fs.chownSync(file, owner.uid, owner.gid);

  const socket = (port: number, name = 'postgres'): ClientConfig => ({ host: directory, port, user: BOOTSTRAP_SUPERUSER, database: name });
  const server = await startServer(
    dataDirectory,
    superuserPassword,
    {
      ssl: 'on',
      ssl_cert_file: certificates.certFile,
      ssl_key_file: certificates.keyFile,
      ssl_ca_file: caFile,
      // Readable as Aurora's parameter is (current_setting('rds.force_ssl')); pg_hba enforces it (rule 1).
      'rds.force_ssl': '1',
      ...options.settings,
    },
    binaries,
    (starting) => socket(starting.port),
    BOOTSTRAP_SUPERUSER,
  );
  const master = { user: masterUser, password: `master-${crypto.randomBytes(9).toString('hex')}` };
  let rules: LoginRules | undefined;
  let endpoint: NameProxy | undefined;
  try {
    const setup = new Client(socket(server.port));
    await setup.connect();
    try {
      for (const statement of [
        'CREATE ROLE rds_iam',
        'CREATE ROLE rds_superuser',
        'GRANT rds_iam TO rds_superuser WITH ADMIN OPTION, INHERIT FALSE, SET FALSE',
        'GRANT pg_monitor, pg_signal_backend TO rds_superuser',
        `CREATE ROLE "${masterUser}" WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION PASSWORD '${master.password}'`,
        `GRANT rds_superuser TO "${masterUser}"`,
        `CREATE DATABASE "${database}" OWNER "${masterUser}"`,
      ]) {
        await setup.query(statement);
      }
    } finally {
      await setup.end();
    }
    rules = new LoginRules(() => socket(server.port), path.join(dataDirectory, IAM_LOGINS_FILE));
    await rules.start();
    endpoint = await startNameProxy(server.port, () => rules!.apply());
  } catch (error) {
    await rules?.end();
    await server.stop();
    fs.rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const port = endpoint.port;
  const clientCertificates = new Map<string, { cert: string; key: string }>();
  const tls = (extra: Record<string, string> = {}) => ({ ca: certificates.ca, servername: RDS_HOSTNAME, rejectUnauthorized: true, ...extra });

  const passwordLogin: RdsPostgres['passwordLogin'] = (user, password, login = {}) => ({
    host: '127.0.0.1',
    port,
    user,
    password,
    database: login.database ?? database,
    ssl: login.tls === false ? false : tls(),
  });
  return {
    host: '127.0.0.1',
    port,
    hostname: RDS_HOSTNAME,
    ca: certificates.ca,
    database,
    master,
    server,
    passwordLogin,
    masterLogin: () => passwordLogin(master.user, master.password),
    iamLogin: (user, login = {}) => {
      let issued = clientCertificates.get(user);
      if (!issued) clientCertificates.set(user, (issued = clientCertificate(directory, user)));
      return { host: '127.0.0.1', port, user, database: login.database ?? database, ssl: tls(issued) };
    },
    bootstrapSuperuserLogin: (name = database) => socket(server.port, name),
    serviceEnvironment: (user, password, migrationUser) => ({
      DB_HOST: RDS_HOSTNAME,
      DB_PORT: String(port),
      DB_NAME: database,
      DB_USER: user,
      ...(migrationUser ? { DB_MIGRATION_USER: migrationUser } : {}),
      DB_AUTH: 'password',
      DB_PASSWORD: password,
      DB_TLS: 'verify-full',
    }),
    stop: async () => {
      await endpoint!.close();
      await rules!.end();
      await server.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** pg_hba.conf of the emulation (the rules of the header, in order). */
function hbaRules(): string {
  return [
    '# TYPE    DATABASE     USER                ADDRESS        METHOD',
    // The fixture's superuser: on the local socket only, as RDS keeps rdsadmin to itself.
    `local      all          ${BOOTSTRAP_SUPERUSER}                             trust`,
    'local      all          all                                reject',
    `host       all          ${BOOTSTRAP_SUPERUSER}            0.0.0.0/0      reject`,
    // rds.force_ssl=1: nobody without TLS.
    'hostnossl  all          all                 0.0.0.0/0      reject',
    // Roles with the privileges of rds_iam: the IAM stand-in only; a password is refused.
    `hostssl    all          @${IAM_LOGINS_FILE}     127.0.0.1/32   cert`,
    'host       all          all                 127.0.0.1/32   scram-sha-256',
    '',
  ].join('\n');
}

/** The roles that must log in the IAM way; `rds_iam` itself always, so that the list is never empty. */
function iamLoginsFile(roles: readonly string[]): string {
  return `${['rds_iam', ...roles].map((role) => `"${role.replace(/"/g, '')}"`).join('\n')}\n`;
}

/** A client certificate for `user` (its common name), signed by the fixture's CA in `directory`. */
function clientCertificate(directory: string, user: string): { cert: string; key: string } {
  const base = path.join(directory, `client-${crypto.createHash('sha256').update(user).digest('hex').slice(0, 12)}`);
  const run = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: directory, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${user}`);
  run('x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${base}.crt`, '-days', '2');
  return { cert: fs.readFileSync(`${base}.crt`, 'utf8'), key: fs.readFileSync(`${base}.key`, 'utf8') };
}

/**
 * Keeps `rds_iam_logins` equal to the roles that have the privileges of `rds_iam`. `apply` is called
 * for each new connection; connections arriving together share one check, which starts after the
 * last of them arrived, so each sees the roles as they were when it connected.
 */
class LoginRules {
  private session?: Client;
  private written = iamLoginsFile([]);
  private loadedAt = '';
  private queue: Promise<void> = Promise.resolve();
  private next?: Promise<void>;

  constructor(
    private readonly login: () => ClientConfig,
    private readonly file: string,
  ) {}

  public async start(): Promise<void> {
    this.session = new Client(this.login());
    this.session.on('error', () => undefined);
    await this.session.connect();
    this.loadedAt = await this.serverLoadTime();
  }

  public apply(): Promise<void> {
    if (!this.next) {
      const next = this.queue.then(() => {
        this.next = undefined;
        return this.update();
      });
      this.next = next;
      this.queue = next.catch(() => undefined);
    }
    return this.next;
  }

  public async end(): Promise<void> {
    await this.queue;
    await this.session?.end().catch(() => undefined);
  }

  private async update(): Promise<void> {
    const { rows } = await this.session!.query(
      `SELECT rolname FROM pg_roles
        WHERE NOT rolsuper AND rolname <> 'rds_iam' AND pg_has_role(oid, 'rds_iam', 'USAGE')
        ORDER BY rolname`,
    );
    const content = iamLoginsFile(rows.map((row) => String(row.rolname)));
    if (content === this.written) return;
    fs.writeFileSync(this.file, content);
    const errors = await this.session!.query('SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL');
    if (errors.rows.length > 0) throw new Error(`pg_hba.conf does not load: ${JSON.stringify(errors.rows)}`);
    await this.session!.query('SELECT pg_reload_conf()');
    // The reload is asynchronous: the postmaster re-reads pg_hba.conf when it handles the signal,
    // and every backend it starts afterwards reports the new load time.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const loadedAt = await this.serverLoadTime();
      if (loadedAt !== this.loadedAt) {
        this.loadedAt = loadedAt;
        this.written = content;
        return;
      }
      if (Date.now() > deadline) throw new Error('the server did not reload its configuration within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** When the postmaster last loaded its configuration, as a new backend (forked from it) reports. */
  private async serverLoadTime(): Promise<string> {
    const probe = new Client(this.login());
    await probe.connect();
    try {
      return String((await probe.query('SELECT pg_conf_load_time()::text AS loaded')).rows[0].loaded);
    } finally {
      await probe.end();
    }
  }
}

/**
 * The bootstrap's two roles with one local password (no `rds_iam`: password logins, as the service
 * runs locally with `DB_AUTH=password`), made by the master as the bootstrap task makes them.
 */
export async function bootstrapLocalRoles(
  rds: RdsPostgres,
  user = 'trading_app',
  migrationUser = 'trading_migrator',
): Promise<{ readonly user: string; readonly migrationUser: string; readonly password: string }> {
  const password = `local-${crypto.randomBytes(9).toString('hex')}`;
  const master = new Client(rds.masterLogin());
  await master.connect();
  try {
    const options = {
      database: rds.database,
      applicationUser: user,
      migrationUser,
      iamAuthentication: false,
      localPasswords: { [user]: password, [migrationUser]: password },
    };
    await bootstrapRoles(pgExecutor(master), options, () => undefined);
  } finally {
    await master.end();
  }
  return { user, migrationUser, password };
}

/** How a login with `config` ends: 'logged in', or the server's (or the client's) message. */
export async function tryLogin(config: ClientConfig): Promise<string> {
  const client = new Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'logged in';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
