/**
 * The load generator's preflight: can this machine reach the target at all? Orders retry for two
 * minutes each (a drill needs retries across a failover), so without this check a mistyped name or
 * a closed port looks like an outage; here it fails within seconds and names the step that failed
 * (DNS, TCP connect, TLS handshake) with its reason.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { classifyError, type ErrorClass } from './load';

export type ReachabilityStep = 'dns' | 'connect' | 'tls';

export class UnreachableTargetError extends Error {
  constructor(
    readonly url: string,
    readonly step: ReachabilityStep,
    /** The class the load run would count such attempts under (see `ERROR_CLASSES`). */
    readonly errorClass: ErrorClass,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach ${url}: ${reason}`, options);
    this.name = 'UnreachableTargetError';
  }
}

/** The preflight's I/O. Each call gets a signal that aborts when its step times out. */
export interface ReachabilityPort {
  /** Every address of `hostname`. */
  lookup(hostname: string, signal: AbortSignal): Promise<readonly string[]>;
  /** A connected TCP socket; rejects with the system error (its `code`: ECONNREFUSED, ...). */
  connect(address: string, port: number, signal: AbortSignal): Promise<net.Socket>;
  /** A completed TLS handshake over `socket` whose certificate is verified for `host`, offering `servername` as SNI. */
  handshake(socket: net.Socket, target: { readonly host: string; readonly servername?: string }, signal: AbortSignal): Promise<tls.TLSSocket>;
}

/**
 * The real network, resolved and verified as `fetch` does it: `dns.lookup` (getaddrinfo, so
 * /etc/hosts counts, like Node's `net.connect` that undici uses) and Node's default CA store.
 * `tlsOptions.ca` replaces that store (tests; `fetch` itself would need NODE_EXTRA_CA_CERTS).
 */
export function nodeReachability(tlsOptions: Pick<tls.ConnectionOptions, 'ca'> = {}): ReachabilityPort {
  return {
    lookup: async (hostname) => (await dns.promises.lookup(hostname, { all: true })).map((entry) => entry.address),
    connect: (address, port, signal) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: address, port });
        // Destroyed on timeout: a pending connect would otherwise keep the process alive until the
        // kernel gives up (minutes), long after the preflight has reported.
        const abort = (): void => void socket.destroy();
        signal.addEventListener('abort', abort, { once: true });
        socket.once('error', (error) => {
          signal.removeEventListener('abort', abort);
          reject(error);
        });
        socket.once('connect', () => {
          signal.removeEventListener('abort', abort);
          resolve(socket);
        });
      }),
    handshake: (socket, target, signal) =>
      new Promise((resolve, reject) => {
        // rejectUnauthorized defaults to true: an unverifiable certificate fails the handshake with its X509 code.
        const secure = tls.connect({ socket, host: target.host, servername: target.servername, ...tlsOptions });
        const abort = (): void => void secure.destroy();
        signal.addEventListener('abort', abort, { once: true });
        secure.once('error', (error) => {
          signal.removeEventListener('abort', abort);
          reject(error);
        });
        secure.once('secureConnect', () => {
          signal.removeEventListener('abort', abort);
          resolve(secure);
        });
      }),
  };
}

export interface ReachabilityOptions {
  /** @default nodeReachability() */
  readonly network?: ReachabilityPort;
  /** Limit of each step (the lookup, each address's connect, the handshake). @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Resolves the URL's host name, connects to its addresses in turn until one accepts, and for https
 * completes a TLS handshake with SNI and certificate verification. Resolves when the target can be
 * reached; otherwise rejects with an `UnreachableTargetError` naming the step and its reason, e.g.
 * `cannot reach https://app.x.example: DNS lookup of app.x.example failed: no such host name (ENOTFOUND)`.
 */
export async function checkReachable(url: string, options: ReachabilityOptions = {}): Promise<void> {
  const network = options.network ?? nodeReachability();
  const timeoutMs = options.timeoutMs ?? 5000;
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error(`${url} is not an http or https URL`);
  const secure = target.protocol === 'https:';
  // URL keeps an IPv6 literal's brackets; the socket APIs want the bare address.
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || (secure ? 443 : 80));

  let addresses: readonly string[] = [host];
  if (net.isIP(host) === 0) {
    try {
      addresses = await step(timeoutMs, (signal) => network.lookup(host, signal));
    } catch (error) {
      throw new UnreachableTargetError(url, 'dns', 'dns', `DNS lookup of ${host} ${failure(error)}`, { cause: error });
    }
    if (addresses.length === 0) throw new UnreachableTargetError(url, 'dns', 'dns', `DNS lookup of ${host} returned no addresses`);
  }

  const refusals: { reason: string; errorClass: ErrorClass; error: unknown }[] = [];
  for (const address of addresses) {
    const endpoint = net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
    let socket: net.Socket;
    try {
      socket = await step(timeoutMs, (signal) => network.connect(address, port, signal));
    } catch (error) {
      refusals.push({
        reason: `TCP connect to ${endpoint} ${failure(error)}`,
        errorClass: error instanceof StepTimeout ? 'connect-timeout' : classifyError(error),
        error,
      });
      continue;
    }
    try {
      if (!secure) return;
      // RFC 6066 allows only host names as SNI (Node warns about IP addresses); the certificate is
      // still verified for an IP address through `host`.
      const servername = net.isIP(host) === 0 ? host : undefined;
      try {
        (await step(timeoutMs, (signal) => network.handshake(socket, { host, servername }, signal))).destroy();
        return;
      } catch (error) {
        const sni = servername === undefined ? 'no SNI' : `SNI ${servername}`;
        throw new UnreachableTargetError(url, 'tls', 'tls', `TLS handshake with ${endpoint} (${sni}) ${failure(error)}`, { cause: error });
      }
    } finally {
      socket.destroy();
    }
  }
  throw new UnreachableTargetError(url, 'connect', refusals[0].errorClass, refusals.map((refusal) => refusal.reason).join('; '), { cause: refusals[0].error });
}

class StepTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`);
  }
}

/** Runs one step with its own time limit; the race also bounds a port that ignores the signal (getaddrinfo cannot be cancelled). */
async function step<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timeout = new StepTimeout(ms);
      controller.abort(timeout);
      reject(timeout);
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Plain words for the codes a reachability failure usually carries (Node's "Common system errors"). */
const REASONS: Record<string, string> = {
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'temporary DNS failure',
  EAI_FAIL: 'DNS failure',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function failure(error: unknown): string {
  if (error instanceof StepTimeout) return error.message;
  const { code, message } = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return `failed: ${String(message)}`;
  return `failed: ${REASONS[code] ?? String(message)} (${code})`;
}
