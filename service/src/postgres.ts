/**
 * The production adapter behind `SqlPort`: one node-postgres pool per endpoint, TLS with
 * certificate verification, and credentials from a provider (an IAM authentication token in AWS, a
 * password locally). Pools are per endpoint because the endpoint a region writes through changes
 * with its role (writer: cluster endpoint; forwarding secondary: reader endpoint).
 */
import { Client, Pool, PoolConfig } from 'pg';
import { SqlPort } from './database';
import { Endpoint } from './network';
import { BackoffPolicy, invalidatesConnections, reconnectDelayMs } from './reconnect';
import { pgExecutor, SqlExecutor, SqlResult } from './sql';

export interface PgSqlPortOptions {
  readonly user: string;
  readonly database: string;
  /** Called for every new connection: an IAM token lives 15 minutes, so it is made fresh each time. */
  password(endpoint: Endpoint, user: string): Promise<string>;
  /** CA certificates to verify the server with; the host name verified is the endpoint's. @default - no TLS (local runs) */
  readonly ca?: readonly string[];
  /** @default 10 */
  readonly maxConnectionsPerEndpoint?: number;
  /** Bound on opening a connection, so that a dead endpoint fails fast. @default 2000 */
  readonly connectionTimeoutMs?: number;
  /** Server-side bound on one statement. @default 4000 */
  readonly statementTimeoutMs?: number;
  /**
   * Settings applied to every session, for example `apg_write_forward.consistency_mode` for a
   * forwarding secondary. @default - none
   */
  readonly sessionSettings?: Record<string, string>;
  readonly log: (entry: Record<string, unknown>) => void;
  /** Waits between failed connects. @default - 100 ms doubling to 5 s, with jitter */
  readonly backoff?: BackoffPolicy;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

export class PgSqlPort implements SqlPort {
  private readonly pools = new Map<string, Pool>();
  private readonly probePools = new Map<string, Pool>();
  /** Consecutive failed statements per endpoint, reset by a success: the connect back-off. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: PgSqlPortOptions) {}

  public async execute(endpoint: Endpoint, statement: string, parameters: readonly unknown[]): Promise<SqlResult> {
    const key = keyOf(endpoint);
    // After failures the pool was replaced and will connect anew: wait first, longer each time.
    const delay = reconnectDelayMs(this.failures.get(key) ?? 0, this.options.random ?? Math.random, this.options.backoff);
    if (delay > 0) await (this.options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms))))(delay);
    const pool = this.pool(endpoint);
    try {
      const result = await pool.query(statement, [...parameters]);
      this.failures.delete(key);
      return { rowCount: result.rowCount ?? 0, rows: result.rows };
    } catch (error) {
      if (invalidatesConnections(error)) {
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
        this.retire(key, pool, error);
      }
      throw error;
    }
  }

  /** Replaces the endpoint's pool: its other connections may point at an instance that lost the role. */
  private retire(key: string, pool: Pool, error: unknown): void {
    if (this.pools.get(key) !== pool) return;
    this.pools.delete(key);
    this.options.log({ level: 'warn', msg: 'database connections replaced', endpoint: key, error: String(error) });
    pool.end().catch(() => undefined);
  }

  /**
   * Runs `work` on one dedicated session, as `user` (for example the migration role), and closes
   * it afterwards: what needs session state, such as an advisory lock, gets it here.
   */
  public async withSession<T>(endpoint: Endpoint, user: string, work: (session: SqlExecutor) => Promise<T>): Promise<T> {
    // No statement timeout: a migrator may wait for another's advisory lock, and DDL may take long.
    const client = new Client({
      ...this.poolConfig(endpoint),
      options: this.sessionOptions(0),
      user,
      password: () => this.options.password(endpoint, user),
    });
    client.on('error', (error) => this.options.log({ level: 'warn', msg: 'database session lost', error: String(error) }));
    await client.connect();
    try {
      return await work(pgExecutor(client));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Runs `statement` for readiness on a connection of its own: never queued behind requests that
   * hold the pool (forwarded writes wait for the primary), never delayed by the reconnect back-off,
   * so the answer is about the endpoint, within the check's timeout.
   */
  public async probe(endpoint: Endpoint, statement: string): Promise<void> {
    const key = keyOf(endpoint);
    let pool = this.probePools.get(key);
    if (!pool) {
      pool = new Pool({ ...this.poolConfig(endpoint), max: 1, connectionTimeoutMillis: 1000 });
      pool.on('error', () => undefined);
      this.probePools.set(key, pool);
    }
    try {
      await pool.query(statement);
    } catch (error) {
      if (invalidatesConnections(error)) {
        this.probePools.delete(key);
        pool.end().catch(() => undefined);
      }
      throw error;
    }
  }

  /** Closes every pool (at shutdown). */
  public async end(): Promise<void> {
    const pools = [...this.pools.values(), ...this.probePools.values()];
    this.pools.clear();
    this.probePools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
  }

  /** The connection settings of one endpoint; exposed so that tests check what production uses. */
  public poolConfig(endpoint: Endpoint): PoolConfig {
    const options = this.options;
    const settings = this.sessionOptions(options.statementTimeoutMs ?? 4000);
    return {
      host: endpoint.host,
      port: endpoint.port,
      user: options.user,
      database: options.database,
      password: () => options.password(endpoint, options.user),
      max: options.maxConnectionsPerEndpoint ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      idleTimeoutMillis: 30_000,
      options: settings,
      ssl: options.ca
        ? {
            ca: [...options.ca],
            rejectUnauthorized: true,
            // Node verifies the certificate against this name: the endpoint's own DNS name.
            servername: endpoint.host,
          }
        : false,
    };
  }

  private sessionOptions(statementTimeoutMs: number): string {
    return Object.entries({ statement_timeout: String(statementTimeoutMs), ...this.options.sessionSettings })
      .map(([key, value]) => `-c ${key}=${value}`)
      .join(' ');
  }

  private pool(endpoint: Endpoint): Pool {
    const key = keyOf(endpoint);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(this.poolConfig(endpoint));
      // An idle connection ended by the server (a failover, a restart) must not crash the process:
      // the pool drops it, and the next query opens a new one.
      pool.on('error', (error) => this.options.log({ level: 'warn', msg: 'idle database connection lost', endpoint: key, error: String(error) }));
      this.pools.set(key, pool);
    }
    return pool;
  }
}

function keyOf(endpoint: Endpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}
