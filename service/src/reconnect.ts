/**
 * Back-off for new database connections after failures. After a failover every task reconnects at
 * once; IAM authentication is throttled ("Use IAM database authentication when your application
 * requires fewer than 200 new IAM database authentication connections per second", Aurora User
 * Guide), so failed connects wait longer each time, with jitter, until one succeeds.
 */
export interface BackoffPolicy {
  /** @default 100 */
  readonly baseMs?: number;
  /** @default 5000 */
  readonly maxMs?: number;
}

/** Delay before the next connection after `failures` consecutive failures: full jitter on an exponential cap. */
export function reconnectDelayMs(failures: number, random: () => number, policy: BackoffPolicy = {}): number {
  if (failures <= 0) return 0;
  const cap = Math.min(policy.maxMs ?? 5000, (policy.baseMs ?? 100) * 2 ** (failures - 1));
  return Math.round(cap * (0.5 + random() / 2));
}

/**
 * PostgreSQL errors after which a pooled connection must not be reused: the server is no longer
 * the writer (25006 read-only transaction), was shut down or restarted (57P01-57P03), or the
 * connection broke (08xxx, resets). The pool is replaced, so new connections resolve the endpoint
 * name again and reach whichever instance now holds it.
 */
export function invalidatesConnections(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  // Class 28: an IAM login refused or throttled ("PAM authentication failed") also backs off.
  return (
    /^(08|28|57P0)/.test(code) ||
    code === '25006' ||
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code) ||
    /Connection terminated/i.test(message) ||
    isCredentialError(error)
  );
}

/** The SDK could not sign an IAM token (no or expired task credentials): no connection is possible now. */
export function isCredentialError(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === 'CredentialsProviderError' || name === 'ExpiredTokenException';
}
