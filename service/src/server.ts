import * as http from 'node:http';
import { Clock, systemClock } from './clock';
import { Endpoint, systemTcp, TcpConnector } from './network';
import { ApiResponse, OrderApi } from './order-api';
import { CheckResult, Readiness, ReadinessAnswer, ReadinessCheck } from './readiness';

export type { CheckResult, ReadinessCheck } from './readiness';

export interface TradingServerOptions {
  readonly region: string;
  readonly regionRole: string;
  readonly version: string;
  /**
   * The region's readiness state machine.
   * @default - one built from `readinessChecks` on the system clock
   */
  readonly readiness?: Readiness;
  /** @default - no dependency checks: the region is ready while the process is not draining */
  readonly readinessChecks?: ReadinessCheck[];
  /** Upper bound for each readiness check (Route 53 allows 2 s for the answer). @default 1000 */
  readonly readinessTimeoutMs?: number;
  /** How often the readiness checks run. @default 5000 */
  readonly readinessIntervalMs?: number;
  /** Called after a background run changes the region's readiness. @default - nothing */
  readonly onReadinessChange?: (ready: boolean, checks: CheckResult[]) => void;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Structured log sink. @default - JSON lines on stdout */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** The order API; without it the order routes answer 404. @default - none */
  readonly orders?: OrderApi;
}

/** Largest order body read; an order is a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface TradingServer {
  readonly server: http.Server;
  readonly readiness: Readiness;
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

/** The paths a probe may ask for (GET or HEAD). */
export const PROBE_PATHS = { liveness: '/healthz', readiness: '/ready', identity: '/' } as const;

/**
 * What a GET of `path` answers, apart from the order routes: the failover rehearsal's load balancer
 * asks the same function, so a health check wired to another path is answered as the service would.
 */
export function probeRoute(path: string): keyof typeof PROBE_PATHS | undefined {
  return PROBE_ROUTES.get(path);
}

const PROBE_ROUTES = new Map<string, keyof typeof PROBE_PATHS>(
  Object.entries(PROBE_PATHS).map(([route, path]): [string, keyof typeof PROBE_PATHS] => [path, route as keyof typeof PROBE_PATHS]),
);

/** The status of `/ready` for a readiness answer. */
export function readinessStatus(answer: ReadinessAnswer): number {
  return answer.ready ? 200 : 503;
}

/** Status and body of `/ready` for a readiness answer: what Route 53 and the orchestrator see. */
export function readinessResponse(
  answer: ReadinessAnswer,
  identity: { region: string; regionRole: string; version: string },
): { status: number; body: unknown } {
  return { status: readinessStatus(answer), body: { ...answer, ...identity } };
}

export function createTradingServer(options: TradingServerOptions): TradingServer {
  const log = options.log ?? ((entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`));
  const clock = options.clock ?? systemClock;
  const readiness =
    options.readiness ??
    new Readiness({
      checks: options.readinessChecks ?? [],
      clock,
      timeoutMs: options.readinessTimeoutMs,
      intervalMs: options.readinessIntervalMs,
      onChange: options.onReadinessChange,
    });

  const identity = { region: options.region, regionRole: options.regionRole, version: options.version };

  const server = http.createServer((req, res) => {
    // A malformed request target must get an answer, never throw out of the handler (and the process).
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://service');
    } catch {
      return send(res, 400, { error: 'malformed request target' });
    }
    const path = url.pathname;
    const orderRoute = options.orders && routeOrders(options.orders, req, res, path, url.searchParams);
    if (orderRoute) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
    }
    switch (probeRoute(path)) {
      case 'liveness':
        // Liveness for the load balancer: cheap, and independent of dependencies so that a
        // database outage never makes ECS kill and replace every task.
        return send(res, 200, { status: 'alive' });
      case 'readiness':
        return void readiness.answer().then((answer) => {
          if (!answer.ready) log({ level: 'warn', msg: 'not ready', draining: answer.draining, checks: answer.checks });
          const { status, body } = readinessResponse(answer, identity);
          send(res, status, body);
        });
      case 'identity':
        return send(res, 200, { service: 'trading', ...identity });
      default:
        return send(res, 404, { error: 'not found' });
    }
  });
  // The ALB keeps idle connections for 60 s; staying open longer avoids its 502s on reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  function shutdown(timeoutMs: number): Promise<boolean> {
    readiness.drain();
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

  /** Answers the order routes; false when `path` is none of them. */
  function routeOrders(orders: OrderApi, req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams): boolean {
    const reply = (work: Promise<ApiResponse>): void =>
      void work
        .then((response) => send(res, response.status, response.body, response.headers))
        .catch((error) => {
          log({ level: 'error', msg: 'order route failed', error: String(error) });
          send(res, 500, { error: 'internal error' });
        });
    const only = (method: string): boolean => {
      if (req.method === method) return true;
      send(res, 405, { error: 'method not allowed' }, { Allow: method });
      return false;
    };
    if (path === '/orders') {
      if (only('POST')) reply(readBody(req).then((body) => (body === undefined ? tooLarge() : orders.create(headerValue(req, 'idempotency-key'), body))));
      return true;
    }
    const order = /^\/orders\/([^/]+)$/.exec(path);
    if (order) {
      const orderId = decoded(order[1]);
      if (orderId === undefined) send(res, 404, { error: 'order not found' });
      else if (only('GET')) reply(orders.get(orderId));
      return true;
    }
    const traderOrders = /^\/traders\/([^/]+)\/orders$/.exec(path);
    if (traderOrders) {
      const traderId = decoded(traderOrders[1]);
      if (traderId === undefined) send(res, 400, { error: 'invalid trader id', fields: { traderId: 'is not valid percent-encoding' } });
      else if (only('GET')) reply(orders.listForTrader(traderId, query.get('limit')));
      return true;
    }
    return false;
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'Cache-Control': 'no-store',
      // While draining, keep-alive connections would hold the server open past its shutdown.
      ...(readiness.isDraining() ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(res.req.method === 'HEAD' ? undefined : payload);
  }

  return { server, readiness, isDraining: () => readiness.isDraining(), refreshReadiness: () => readiness.refresh(), shutdown };
}

/** Readiness of a TCP dependency: a connection can be opened within the check timeout. */
export function tcpCheck(name: string, host: string, port: number, tcp: TcpConnector = systemTcp): ReadinessCheck {
  const endpoint: Endpoint = { host, port };
  return { name, check: () => tcp.connect(endpoint) };
}

/** The body as text, or undefined when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tooLarge(): Promise<ApiResponse> {
  return Promise.resolve({ status: 413, body: { error: `the body exceeds ${MAX_BODY_BYTES} bytes`, fields: { body: 'is too large' } } });
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
