/**
 * A steady stream of idempotent orders, measured the way traders see it: by acknowledged writes.
 * Each order has a sequence number and its own Idempotency-Key, and is retried with that key until
 * it is acknowledged, so a retry can never place a second order. The drill's RTO is the longest
 * time without an acknowledgement; its RPO the acknowledged orders the new writer does not have.
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
  /** Per-request timeout. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Called about once a second with the numbers so far. @default - nothing */
  readonly onProgress?: (progress: LoadProgress) => void;
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

export interface LoadProgress {
  readonly acknowledged: number;
  readonly failedAttempts: number;
  readonly inFlight: number;
  readonly byRegion: Record<string, number>;
}

export interface LoadReport extends LoadProgress {
  readonly acks: Ack[];
  /** Orders given up after their deadline. */
  readonly abandoned: number;
  /** The longest time without an acknowledged write: what clients saw as the outage. */
  /**
   * The client-observed RTO: the longest time without an acknowledged write while orders were
   * being sent, counting from the start to the first acknowledgement and from the last one to the
   * moment sending stopped (so writes that never resume are not hidden).
   */
  readonly longestGapMs: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const send = options.fetch ?? fetch;
  const acks: Ack[] = [];
  const byRegion: Record<string, number> = {};
  let failedAttempts = 0;
  let abandoned = 0;
  let inFlight = 0;
  const started = Date.now();
  let sendingStopped: number | undefined;
  const orders: Promise<void>[] = [];

  const place = async (sequence: number): Promise<void> => {
    const key = `${options.runId}-${sequence}`;
    const first = Date.now();
    const body = JSON.stringify({
      traderId: `load-${options.runId}`,
      symbol: 'LOAD',
      side: sequence % 2 ? 'sell' : 'buy',
      quantity: sequence + 1,
      limitPrice: '100.25',
    });
    inFlight++;
    try {
      for (let attempt = 0; Date.now() - first < (options.orderDeadlineMs ?? 120_000); attempt++) {
        try {
          const response = await send(`${options.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body,
            signal: AbortSignal.timeout(options.requestTimeoutMs ?? 5000),
          });
          if (response.status === 200 || response.status === 201) {
            const order = (await response.json()) as { orderId: string; region: string };
            const at = Date.now();
            acks.push({ sequence, key, orderId: order.orderId, region: order.region, at, latencyMs: at - first });
            byRegion[order.region] = (byRegion[order.region] ?? 0) + 1;
            return;
          }
          await response.body?.cancel();
          // 4xx other than these is a bug in the request, not an outage: retrying would not help.
          if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new Error(`HTTP ${response.status}`);
        } catch (error) {
          if (error instanceof Error && /^HTTP 4/.test(error.message)) throw error;
        }
        failedAttempts++;
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
      }
      abandoned++;
    } finally {
      inFlight--;
    }
  };

  const progress = setInterval(() => options.onProgress?.({ acknowledged: acks.length, failedAttempts, inFlight, byRegion: { ...byRegion } }), 1000);
  try {
    const interval = 1000 / options.ratePerSecond;
    for (let sequence = 0; Date.now() - started < options.durationMs && !options.signal?.aborted; sequence++) {
      // Attached now: a rejection must not go unhandled while later orders are being scheduled.
      orders.push(
        place(sequence).catch((error) => {
          abandoned++;
          failedAttempts++;
          options.onProgress?.({ acknowledged: acks.length, failedAttempts, inFlight, byRegion: { ...byRegion } });
          void error;
        }),
      );
      const next = started + (sequence + 1) * interval;
      if (next > Date.now()) await sleep(next - Date.now(), options.signal);
    }
    sendingStopped = Date.now();
    await Promise.all(orders);
  } finally {
    clearInterval(progress);
  }
  const times = [started, ...acks.map((ack) => ack.at).sort((a, b) => a - b)];
  if (sendingStopped !== undefined && sendingStopped > times[times.length - 1]) times.push(sendingStopped);
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
    longestGapMs,
    latencyMs: { p50: percentile(50), p99: percentile(99), max: latencies[latencies.length - 1] ?? 0 },
  };
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
