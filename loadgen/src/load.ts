/**
 * A steady stream of idempotent orders, measured the way traders see it: by acknowledged writes.
 * Each order has a sequence number and its own Idempotency-Key, and is retried with that key until
 * it is acknowledged, so a retry can never place a second order. The drill's RTO is the longest
 * time without an acknowledgement between two acknowledgements; its RPO the acknowledged orders the
 * new writer does not have. Without acknowledgements on both sides of the outage neither can be
 * measured, and `summarizeLoad` says so instead of printing a number.
 */

export interface LoadOptions {
  /** Base URL of the service, e.g. `https://app.<domainName>`. */
  readonly url: string;
  /** Orders started per second (open loop: a slow service does not slow the schedule down). */
  readonly ratePerSecond: number;
  /** Stop starting orders after this long; orders in flight still finish. */
  readonly durationMs: number;
  /** Distinguishes this run's keys from every other run's. */
  readonly runId: string;
  /** Give up on one order after this long. @default 120000 */
  readonly orderDeadlineMs?: number;
  /**
   * Once sending stops, orders not yet acknowledged keep retrying for at most this long (and never
   * past their own deadline). A drill stops sending while the failover may still be under way, and
   * those retries are what measure when writes resume; a short command-line run can ask for less
   * so that it does not wait two minutes for a target that went away.
   * @default orderDeadlineMs
   */
  readonly drainMs?: number;
  /** Per-request timeout. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Called every `progressIntervalMs` with the numbers so far and those of the last interval. @default - nothing */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** @default 1000 */
  readonly progressIntervalMs?: number;
  /** Stops sending new orders early (orders already sent are still retried to their deadline). @default - run for `durationMs` */
  readonly signal?: AbortSignal;
}

export interface Ack {
  readonly sequence: number;
  readonly key: string;
  readonly orderId: string;
  readonly region: string;
  /** When the acknowledgement arrived (ms since the epoch). */
  readonly at: number;
  /** From the first attempt to the acknowledgement. */
  readonly latencyMs: number;
}

/**
 * Why an attempt failed, from what `fetch` (Node's undici) reports. A network failure rejects with
 * a `TypeError` whose `cause` is the underlying error (the Fetch standard's "network error"); its
 * `code` is a Node system error code (ECONNREFUSED, ENOTFOUND, ...: Node's "Common system errors"),
 * an OpenSSL certificate code (Node's "X509 certificate error codes"), or an undici code
 * (UND_ERR_CONNECT_TIMEOUT, UND_ERR_SOCKET, ...: undici's docs/api/Errors.md). A request that
 * outlives `AbortSignal.timeout` rejects with a `TimeoutError` DOMException instead.
 *
 * - `dns`: the name did not resolve (ENOTFOUND, EAI_AGAIN, EAI_FAIL, ...).
 * - `connect-refused`: nothing accepted the connection (ECONNREFUSED): no listener, or a closed port.
 * - `connect-timeout`: the connection was not established in time (UND_ERR_CONNECT_TIMEOUT, ETIMEDOUT).
 * - `unreachable`: no route to the address (EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL).
 * - `tls`: the handshake failed or the certificate was refused (X509 codes, ERR_TLS_*, ERR_SSL_*).
 * - `reset`: the connection was closed under the request (ECONNRESET, EPIPE, UND_ERR_SOCKET).
 * - `timeout`: no complete response within `requestTimeoutMs` (or undici's headers/body timeouts).
 * - `http-429`, `http-4xx`, `http-5xx`: the service answered with that status (4xx: other than 429).
 * - `bad-response`: an answer that is not an order: unexpected status (1xx, 3xx) or unparsable body.
 * - `other`: anything else; the report keeps an example message of each class.
 */
export const ERROR_CLASSES = [
  'dns',
  'connect-refused',
  'connect-timeout',
  'unreachable',
  'tls',
  'reset',
  'timeout',
  'http-429',
  'http-4xx',
  'http-5xx',
  'bad-response',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];
export type ErrorCounts = Partial<Record<ErrorClass, number>>;

export interface LoadTotals {
  readonly acknowledged: number;
  readonly failedAttempts: number;
  readonly inFlight: number;
  readonly byRegion: Record<string, number>;
  /** Failed attempts since the start, by why they failed. */
  readonly errorsByClass: ErrorCounts;
}

export interface LoadProgress extends LoadTotals {
  /** What happened since the previous progress call (about a second): the rate, and why attempts fail now. */
  readonly interval: { readonly ms: number; readonly acknowledged: number; readonly failedAttempts: number; readonly errorsByClass: ErrorCounts };
}

/**
 * The longest outage the run saw, and whether it can be measured: an RTO needs an acknowledged
 * write before the outage (else its beginning was not seen) and one after it (else its end was not).
 */
export type Outage =
  | { readonly kind: 'no-acknowledgements' }
  | { readonly kind: 'one-acknowledgement'; readonly at: number }
  /** Attempts failed from the start until the first acknowledgement, the longest wait of the run. */
  | { readonly kind: 'began-before-run'; readonly firstAckAt: number; readonly waitedMs: number }
  /** Attempts still failed after the last acknowledgement, for at least `atLeastMs`: writes did not resume. */
  | { readonly kind: 'not-resumed'; readonly lastAckAt: number; readonly atLeastMs: number }
  | {
      readonly kind: 'measured';
      /** The longest time between two consecutive acknowledgements: the client-observed RTO. */
      readonly gapMs: number;
      readonly fromAckAt: number;
      readonly toAckAt: number;
      /** Set when attempts failed after the last acknowledgement too (a shorter outage that had not ended). */
      readonly unresolvedAtLeastMs?: number;
      /** Set when attempts failed from the start until the first acknowledgement (shorter than `gapMs`). */
      readonly failingAtStartMs?: number;
    };

export interface LoadReport extends LoadTotals {
  readonly acks: Ack[];
  /** Orders given up: past their deadline, past the drain, or refused with a 4xx that retrying cannot fix. */
  readonly abandoned: number;
  /**
   * The longest time without an acknowledged write while orders were being sent, counting from the
   * start to the first acknowledgement and from the last one to the moment sending stopped (so
   * writes that never resume are not hidden). An RTO only when `outage.kind` is `measured`.
   */
  readonly longestGapMs: number;
  readonly outage: Outage;
  /** The first message seen of each class, e.g. `fetch failed: connect ECONNREFUSED 10.0.1.7:443`. */
  readonly errorExamples: Partial<Record<ErrorClass, string>>;
  readonly startedAt: number;
  readonly sendingStoppedAt: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const send = options.fetch ?? fetch;
  const orderDeadlineMs = options.orderDeadlineMs ?? 120_000;
  const drainMs = options.drainMs ?? orderDeadlineMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const acks: Ack[] = [];
  const byRegion: Record<string, number> = {};
  const errorsByClass: ErrorCounts = {};
  const errorExamples: Partial<Record<ErrorClass, string>> = {};
  let recent: { at: number; acknowledged: number; failedAttempts: number; errorsByClass: ErrorCounts } = {
    at: Date.now(),
    acknowledged: 0,
    failedAttempts: 0,
    errorsByClass: {},
  };
  let failedAttempts = 0;
  // Evidence of an outage at either end of the run: a failure that ended before the first
  // acknowledgement, an attempt begun after the last one that failed (one begun earlier, during
  // the outage, can time out after writes resumed).
  let firstFailureEndedAt: number | undefined;
  let lastFailedAttemptStartedAt: number | undefined;
  let abandoned = 0;
  let inFlight = 0;
  const started = Date.now();
  let sendingStopped: number | undefined;
  const orders: Promise<void>[] = [];

  const fail = (errorClass: ErrorClass, detail: string, attemptStartedAt: number): void => {
    failedAttempts++;
    recent.failedAttempts++;
    errorsByClass[errorClass] = (errorsByClass[errorClass] ?? 0) + 1;
    recent.errorsByClass[errorClass] = (recent.errorsByClass[errorClass] ?? 0) + 1;
    errorExamples[errorClass] ??= detail;
    firstFailureEndedAt ??= Date.now();
    lastFailedAttemptStartedAt = Math.max(lastFailedAttemptStartedAt ?? attemptStartedAt, attemptStartedAt);
  };

  const place = async (sequence: number): Promise<void> => {
    const key = `${options.runId}-${sequence}`;
    const first = Date.now();
    // Retrying past the drain would only make the run outlive what its caller asked for.
    const deadline = (): number => Math.min(first + orderDeadlineMs, sendingStopped === undefined ? Infinity : sendingStopped + drainMs);
    const body = JSON.stringify({
      traderId: `load-${options.runId}`,
      symbol: 'LOAD',
      side: sequence % 2 ? 'sell' : 'buy',
      quantity: sequence + 1,
      limitPrice: '100.25',
    });
    inFlight++;
    try {
      for (let attempt = 0; Date.now() < deadline(); attempt++) {
        const attemptStartedAt = Date.now();
        try {
          const response = await send(`${options.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body,
            signal: AbortSignal.timeout(Math.max(1, Math.min(requestTimeoutMs, deadline() - Date.now()))),
          });
          if (response.status === 200 || response.status === 201) {
            const order = (await response.json()) as { orderId: string; region: string };
            const at = Date.now();
            acks.push({ sequence, key, orderId: order.orderId, region: order.region, at, latencyMs: at - first });
            byRegion[order.region] = (byRegion[order.region] ?? 0) + 1;
            recent.acknowledged++;
            return;
          }
          await response.body?.cancel();
          fail(classifyStatus(response.status), `HTTP ${response.status}`, attemptStartedAt);
          // 4xx other than these is a bug in the request, not an outage: retrying would not help.
          if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
            abandoned++;
            return;
          }
        } catch (error) {
          fail(classifyError(error), describeError(error), attemptStartedAt);
        }
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5), Math.max(0, deadline() - Date.now())));
      }
      abandoned++;
    } finally {
      inFlight--;
    }
  };

  const progressTimer = setInterval(() => {
    const now = Date.now();
    const interval = { ms: now - recent.at, acknowledged: recent.acknowledged, failedAttempts: recent.failedAttempts, errorsByClass: recent.errorsByClass };
    recent = { at: now, acknowledged: 0, failedAttempts: 0, errorsByClass: {} };
    options.onProgress?.({ acknowledged: acks.length, failedAttempts, inFlight, byRegion: { ...byRegion }, errorsByClass: { ...errorsByClass }, interval });
  }, options.progressIntervalMs ?? 1000);
  try {
    const interval = 1000 / options.ratePerSecond;
    for (let sequence = 0; Date.now() - started < options.durationMs && !options.signal?.aborted; sequence++) {
      // Attached now: a rejection must not go unhandled while later orders are being scheduled.
      orders.push(
        place(sequence).catch((error) => {
          abandoned++;
          fail(classifyError(error), describeError(error), Date.now());
        }),
      );
      const next = started + (sequence + 1) * interval;
      if (next > Date.now()) await sleep(next - Date.now(), options.signal);
    }
    sendingStopped = Date.now();
    await Promise.all(orders);
  } finally {
    clearInterval(progressTimer);
  }
  const ackTimes = acks.map((ack) => ack.at).sort((a, b) => a - b);
  const times = [started, ...ackTimes];
  if (sendingStopped > times[times.length - 1]) times.push(sendingStopped);
  const longestGapMs = times.reduce((longest, at, index) => (index === 0 ? longest : Math.max(longest, at - times[index - 1])), 0);
  const latencies = acks.map((ack) => ack.latencyMs).sort((a, b) => a - b);
  const percentile = (p: number) => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
  return {
    acks,
    acknowledged: acks.length,
    failedAttempts,
    inFlight,
    abandoned,
    byRegion,
    errorsByClass,
    errorExamples,
    startedAt: started,
    sendingStoppedAt: sendingStopped,
    longestGapMs,
    outage: findOutage(started, ackTimes, firstFailureEndedAt, lastFailedAttemptStartedAt),
    latencyMs: { p50: percentile(50), p99: percentile(99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

/**
 * Which outage the run can vouch for. Waiting before the first acknowledgement is only an outage
 * if attempts failed meanwhile (otherwise it is the first request's latency, TLS set-up included),
 * and so is the time after the last one; either, when it is the longest, makes the RTO unmeasurable.
 */
export function findOutage(
  startedAt: number,
  ackTimes: readonly number[],
  firstFailureEndedAt: number | undefined,
  lastFailedAttemptStartedAt: number | undefined,
): Outage {
  if (ackTimes.length === 0) return { kind: 'no-acknowledgements' };
  const firstAckAt = ackTimes[0];
  const lastAckAt = ackTimes[ackTimes.length - 1];
  const head = firstFailureEndedAt !== undefined && firstFailureEndedAt < firstAckAt ? firstAckAt - startedAt : 0;
  const tail = lastFailedAttemptStartedAt !== undefined && lastFailedAttemptStartedAt > lastAckAt ? lastFailedAttemptStartedAt - lastAckAt : 0;
  let gapMs = 0;
  let fromAckAt = firstAckAt;
  for (let index = 1; index < ackTimes.length; index++) {
    if (ackTimes[index] - ackTimes[index - 1] > gapMs) {
      gapMs = ackTimes[index] - ackTimes[index - 1];
      fromAckAt = ackTimes[index - 1];
    }
  }
  if (tail > 0 && tail >= gapMs && tail >= head) return { kind: 'not-resumed', lastAckAt, atLeastMs: tail };
  if (head > 0 && head >= gapMs) return { kind: 'began-before-run', firstAckAt, waitedMs: head };
  if (ackTimes.length === 1) return { kind: 'one-acknowledgement', at: firstAckAt };
  return {
    kind: 'measured',
    gapMs,
    fromAckAt,
    toAckAt: fromAckAt + gapMs,
    ...(tail > 0 ? { unresolvedAtLeastMs: tail } : {}),
    ...(head > 0 ? { failingAtStartMs: head } : {}),
  };
}

export function classifyStatus(status: number): ErrorClass {
  if (status === 429) return 'http-429';
  if (status >= 400 && status < 500) return 'http-4xx';
  if (status >= 500 && status < 600) return 'http-5xx';
  return 'bad-response';
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Node's "X509 certificate error codes" (the `code` of a refused certificate). */
const X509_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** The class of a thrown error (see `ERROR_CLASSES`), from its `code`s and names down its `cause` chain. */
export function classifyError(error: unknown): ErrorClass {
  const codes: string[] = [];
  const names: string[] = [];
  const collect = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 4) return;
    const { code, name, cause, errors } = value as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    // DOMException's `code` is a legacy number; only the string codes name a failure.
    if (typeof code === 'string') codes.push(code);
    if (typeof name === 'string') names.push(name);
    collect(cause, depth + 1);
    // Several addresses tried in turn (Happy Eyeballs) fail as one AggregateError.
    if (Array.isArray(errors)) for (const inner of errors) collect(inner, depth + 1);
  };
  collect(error, 0);
  if (names.includes('TimeoutError')) return 'timeout';
  for (const code of codes) {
    if (DNS_CODES.has(code)) return 'dns';
    if (code === 'ECONNREFUSED') return 'connect-refused';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'connect-timeout';
    if (UNREACHABLE_CODES.has(code)) return 'unreachable';
    if (X509_CODES.has(code) || /^ERR_(TLS|SSL)_/.test(code)) return 'tls';
    if (RESET_CODES.has(code)) return 'reset';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (code.startsWith('HPE_')) return 'bad-response';
  }
  if (names.includes('HTTPParserError') || names.includes('SyntaxError')) return 'bad-response';
  return 'other';
}

/** `fetch failed: connect ECONNREFUSED 10.0.1.7:443`: the wrapper's message is never the reason. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  // Duck-typed: errors from another realm (Node's internals seen from a vm context, as under jest) fail `instanceof Error`.
  for (let value: unknown = error, depth = 0; value !== undefined && value !== null && depth < 5; depth++) {
    const { message, cause, errors } = (typeof value === 'object' ? value : {}) as { message?: unknown; cause?: unknown; errors?: unknown };
    // An AggregateError (every address failed) may say nothing itself; its errors do.
    if (Array.isArray(errors) && errors.length > 0) {
      parts.push(errors.map((inner: unknown) => describeError(inner)).join(', '));
      break;
    }
    parts.push(typeof message === 'string' ? message : String(value));
    value = cause;
  }
  return parts.join(': ');
}

/** `connect-refused 37, http-5xx 2`, most frequent first; `none` when nothing failed. */
export function formatErrorCounts(counts: ErrorCounts): string {
  const entries = Object.entries(counts).filter(([, count]) => (count ?? 0) > 0) as [ErrorClass, number][];
  if (entries.length === 0) return 'none';
  return entries
    .sort(([a, countA], [b, countB]) => countB - countA || ERROR_CLASSES.indexOf(a) - ERROR_CLASSES.indexOf(b))
    .map(([errorClass, count]) => `${errorClass} ${count}`)
    .join(', ');
}

/** One progress line: totals, and what the last interval added, failed attempts by class. */
export function formatProgress(progress: LoadProgress): string {
  const over = `in ${seconds(progress.interval.ms)}`;
  const failures = progress.interval.failedAttempts === 0 ? '' : `: ${formatErrorCounts(progress.interval.errorsByClass)}`;
  return (
    `acknowledged ${progress.acknowledged} (+${progress.interval.acknowledged} ${over}), ` +
    `failed attempts ${progress.failedAttempts} (+${progress.interval.failedAttempts} ${over}${failures}), ` +
    `in flight ${progress.inFlight}, by region ${JSON.stringify(progress.byRegion)}`
  );
}

export interface LoadSummary {
  /** What to print, one line each. */
  readonly lines: readonly string[];
  /**
   * 0 only when the outage was measured (acknowledged writes before and after it), its length is
   * within the RTO objective, no order was abandoned, and the read-back found every acknowledged
   * order; 1 otherwise (including when nothing could be measured). Runs that could not start (bad
   * arguments, an unreachable target) are the caller's, conventionally 2.
   */
  readonly exitCode: 0 | 1;
}

export interface SummaryOptions {
  /** The longest acceptable time without acknowledged writes. @default 300000 (the platform's 5-minute RTO) */
  readonly rtoObjectiveMs?: number;
}

/**
 * The end-of-run text. `missing` is the read-back's result (`missingAcknowledged`); leave it out
 * when the read-back was skipped, as it should be unless `report.outage.kind` is `measured`: an
 * RPO is only meaningful once writes resumed, and reading back from a target that is down fails.
 */
export function summarizeLoad(report: LoadReport, missing?: readonly Ack[], options: SummaryOptions = {}): LoadSummary {
  const rtoObjectiveMs = options.rtoObjectiveMs ?? 300_000;
  const failedWith = `${formatErrorCounts(report.errorsByClass)}${examples(report)}`;
  // Latency of nothing would read as 0 ms.
  const latency = report.acknowledged === 0 ? '' : `; latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`;
  const lines = [
    `done: ${report.acknowledged} acknowledged, ${report.abandoned} abandoned, ${report.failedAttempts} failed attempts (${formatErrorCounts(report.errorsByClass)})${latency}`,
  ];
  const problems: string[] = [];
  const outage = report.outage;
  switch (outage.kind) {
    case 'no-acknowledgements':
      lines.push(`no order was acknowledged: no RTO or RPO can be measured; attempts failed with: ${failedWith}`);
      problems.push('nothing acknowledged');
      break;
    case 'one-acknowledgement':
      lines.push(
        `only one order was acknowledged (at ${iso(outage.at)}): an outage needs acknowledged writes before and after it; no RTO or RPO can be measured`,
      );
      problems.push('one acknowledgement');
      break;
    case 'began-before-run':
      lines.push(
        `writes were failing when the run began: the first acknowledgement came ${seconds(outage.waitedMs)} after the start (at ${iso(outage.firstAckAt)}), ` +
          `so the outage's beginning was not observed: no RTO or RPO can be measured; attempts failed with: ${failedWith}`,
      );
      problems.push('outage began before the run');
      break;
    case 'not-resumed':
      lines.push(
        `writes did not resume within the run: no acknowledgement after ${iso(outage.lastAckAt)}, attempts still failing ${seconds(outage.atLeastMs)} later ` +
          `(the outage lasted at least that long; not an RTO, which needs an acknowledged write after the outage; no RPO either); attempts failed with: ${failedWith}`,
      );
      problems.push('writes did not resume');
      break;
    case 'measured': {
      lines.push(
        `RTO (longest time without an acknowledged write, between the acknowledgements at ${iso(outage.fromAckAt)} and ${iso(outage.toAckAt)}): ` +
          `${seconds(outage.gapMs)} (objective ${seconds(rtoObjectiveMs)})`,
      );
      if (outage.gapMs > rtoObjectiveMs) problems.push(`RTO over the objective`);
      if (outage.failingAtStartMs !== undefined)
        lines.push(`(attempts were also failing from the start until the first acknowledgement ${seconds(outage.failingAtStartMs)} later)`);
      if (outage.unresolvedAtLeastMs !== undefined) {
        lines.push(
          `writes were failing again when the run ended: attempts failed for at least ${seconds(outage.unresolvedAtLeastMs)} after the last acknowledgement`,
        );
        problems.push('writes failing at the end');
      }
      if (missing === undefined) {
        lines.push('RPO: not measured (acknowledged orders were not read back)');
        problems.push('no read-back');
      } else {
        lines.push(
          `RPO: ${missing.length} acknowledged orders missing${missing.length === 0 ? '' : ` (sequences ${missing.map((ack) => ack.sequence).join(', ')})`}`,
        );
        if (missing.length > 0) problems.push(`${missing.length} acknowledged orders missing`);
      }
      if (report.failedAttempts > 0) lines.push(`attempts failed with: ${failedWith}`);
      break;
    }
  }
  if (report.abandoned > 0) problems.push(`${report.abandoned} orders abandoned`);
  lines.push(problems.length === 0 ? 'verdict: pass' : `verdict: FAIL (${problems.join('; ')})`);
  return { lines, exitCode: problems.length === 0 ? 0 : 1 };
}

function examples(report: LoadReport): string {
  const entries = Object.entries(report.errorExamples);
  return entries.length === 0 ? '' : ` (first of each: ${entries.map(([errorClass, message]) => `${errorClass}: ${message}`).join('; ')})`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

/**
 * Reads every acknowledged order back (from whichever region answers `GET /orders/{id}` now, the
 * new writer after a failover): the acknowledged orders it does not have are the client-observed
 * recovery point.
 */
export async function missingAcknowledged(url: string, acks: readonly Ack[], send: typeof fetch = fetch): Promise<Ack[]> {
  const missing: Ack[] = [];
  for (const ack of acks) {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await send(`${url}/orders/${ack.orderId}`, { signal: AbortSignal.timeout(5000) });
        await response.body?.cancel();
        if (response.status === 404) missing.push(ack);
        if (response.status === 200 || response.status === 404) break;
      } catch {
        // retry below
      }
      if (attempt >= 5) throw new Error(`could not read order ${ack.orderId} back`);
      await sleep(200);
    }
  }
  return missing;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(stop, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
