import * as http from 'node:http';
import * as net from 'node:net';

/** A dependency the region needs in order to serve traffic (database, session store, ...). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency is usable; rejects (or times out) when it is not. */
  check(): Promise<void>;
}

export interface TradingServerOptions {
  readonly region: string;
  readonly regionRole: string;
  readonly version: string;
  /** @default - no dependency checks: the region is ready while the process is not draining */
  readonly readinessChecks?: ReadinessCheck[];
  /**
   * Upper bound for each readiness check. Route 53 needs the HTTP status within 2 s of connecting,
   * so checks never run inside a probe: they run in the background and probes read the result.
   * @default 1000
   */
  readonly readinessTimeoutMs?: number;
  /** How often the readiness checks run. @default 5000 */
  readonly readinessIntervalMs?: number;
  /** Called after a background run changes the region's readiness. @default - nothing */
  readonly onReadinessChange?: (ready: boolean, checks: CheckResult[]) => void;
  /** Structured log sink. @default - JSON lines on stdout */
  readonly log?: (entry: Record<string, unknown>) => void;
}

export interface TradingServer {
  readonly server: http.Server;
  /** True once shutdown began: readiness reports 503 so traffic drains away before exit. */
  isDraining(): boolean;
  /** Runs the readiness checks now; probes answer from the latest completed run. */
  refreshReadiness(): Promise<void>;
  /**
   * Stops taking new connections, lets in-flight requests finish, and resolves `true` when the
   * server closed cleanly, `false` when `timeoutMs` ran out and open connections were cut.
   */
  shutdown(timeoutMs: number): Promise<boolean>;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

export function createTradingServer(options: TradingServerOptions): TradingServer {
  const log = options.log ?? ((entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`));
  const readinessChecks = options.readinessChecks ?? [];
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1000;
  let draining = false;
  let latestChecks: CheckResult[] | undefined;
  let pendingRefresh: Promise<void> | undefined;

  function refreshReadiness(): Promise<void> {
    pendingRefresh ??= Promise.all(readinessChecks.map((check) => runCheck(check, readinessTimeoutMs)))
      .then((results) => {
        const wasReady = latestChecks?.every((result) => result.ok);
        latestChecks = results;
        const isReady = results.every((result) => result.ok);
        if (wasReady !== isReady) options.onReadinessChange?.(isReady, results);
      })
      .finally(() => {
        pendingRefresh = undefined;
      });
    return pendingRefresh;
  }
  const firstRefresh = refreshReadiness();
  const refreshTimer = setInterval(() => void refreshReadiness(), options.readinessIntervalMs ?? 5000);
  refreshTimer.unref();

  const identity = { region: options.region, regionRole: options.regionRole, version: options.version };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
    }
    switch (path) {
      case '/healthz':
        // Liveness for the load balancer: cheap, and independent of dependencies so that a
        // database outage never makes ECS kill and replace every task.
        return send(res, 200, { status: 'alive' });
      case '/ready':
        return void readiness().then(({ ready, checks }) => {
          if (!ready) log({ level: 'warn', msg: 'not ready', draining, checks });
          send(res, ready ? 200 : 503, { ready, draining, ...identity, checks });
        });
      case '/':
        return send(res, 200, { service: 'trading', ...identity });
      default:
        return send(res, 404, { error: 'not found' });
    }
  });
  // The ALB keeps idle connections for 60 s; staying open longer avoids its 502s on reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function readiness(): Promise<{ ready: boolean; checks: CheckResult[] }> {
    if (draining) return { ready: false, checks: [] };
    // Only the very first probe after start waits, at most one check timeout.
    if (latestChecks === undefined) await firstRefresh;
    const checks = latestChecks ?? [];
    // Draining may have begun while waiting: answer with the state at answer time.
    return { ready: !draining && checks.every((result) => result.ok), checks };
  }

  function shutdown(timeoutMs: number): Promise<boolean> {
    draining = true;
    clearInterval(refreshTimer);
    log({ level: 'info', msg: 'draining', timeoutMs });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        log({ level: 'warn', msg: 'shutdown timeout: closing remaining connections' });
        server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        log({ level: 'info', msg: 'server closed' });
        resolve(true);
      });
      server.closeIdleConnections();
    });
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'Cache-Control': 'no-store',
      // While draining, keep-alive connections would hold the server open past its shutdown.
      ...(draining ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(res.req.method === 'HEAD' ? undefined : payload);
  }

  return { server, isDraining: () => draining, refreshReadiness, shutdown };
}

/** Readiness of a TCP dependency: a connection can be opened within the check timeout. */
export function tcpCheck(name: string, host: string, port: number): ReadinessCheck {
  return {
    name,
    check: () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', (error) => {
          socket.destroy();
          reject(error);
        });
      }),
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, ok: true };
  } catch (error) {
    return { name: check.name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
