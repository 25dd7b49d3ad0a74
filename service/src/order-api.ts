/**
 * The order API's behaviour, apart from HTTP plumbing (server.ts routes to it): validation,
 * idempotency, and the mapping of "this region cannot take the write now" to 503 with Retry-After,
 * never a hang.
 */
import { randomUUID } from 'node:crypto';
import { Clock, withTimeout } from './clock';
import { RegionNotWritableError } from './database';
import { OrderStore } from './order-store';
import { Order, parseListLimit, requestFingerprint, validateOrder } from './orders';
import { invalidatesConnections } from './reconnect';

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface OrderApiOptions {
  readonly store: OrderStore;
  readonly region: string;
  readonly clock: Clock;
  /** Upper bound of one database round of a request. @default 5000 */
  readonly timeoutMs?: number;
  /** @default crypto.randomUUID */
  readonly newOrderId?: () => string;
  /** Called after an order was created (not replayed): the follow-up relay's nudge. @default - nothing */
  readonly onCreated?: (order: Order) => void;
  readonly log: (entry: Record<string, unknown>) => void;
}

/** Seconds a client waits before retrying a write the region cannot take now. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Whether a failed database call is worth retrying later (503) rather than a server fault (500):
 * the region cannot write now, the connection is unusable (see `invalidatesConnections`: a demoted
 * writer, a shutdown, a broken connection, a refused or throttled IAM login), resources ran out
 * (53), an operator intervened or a statement hit its timeout (57), the transaction lost a serialization race
 * (40001, 40P01), or the request timed out here.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof RegionNotWritableError || invalidatesConnections(error)) return true;
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  return (
    /^(53|57)|^40001$|^40P01$/.test(code) ||
    ['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code) ||
    /timed out|timeout|connection error|not queryable/i.test(message)
  );
}

export class OrderApi {
  private readonly newOrderId: () => string;

  constructor(private readonly options: OrderApiOptions) {
    this.newOrderId = options.newOrderId ?? randomUUID;
  }

  /** `POST /orders`. `rawBody` is the request body as received. */
  public async create(idempotencyKey: string | undefined, rawBody: string): Promise<ApiResponse> {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      // The key is checked as well: every bad field is named, not only the body.
      const keyProblem = validateOrder(idempotencyKey, {});
      const fields: Record<string, string> = { body: 'is not valid JSON' };
      if (!keyProblem.valid && keyProblem.fields['Idempotency-Key']) fields['Idempotency-Key'] = keyProblem.fields['Idempotency-Key'];
      return { status: 400, body: { error: 'invalid order', fields } };
    }
    const validation = validateOrder(idempotencyKey, body);
    if (!validation.valid) return { status: 400, body: { error: 'invalid order', fields: validation.fields } };
    const order: Order = {
      orderId: this.newOrderId(),
      status: 'accepted',
      region: this.options.region,
      acceptedAt: new Date(this.options.clock.now()).toISOString(),
      ...validation.request,
    };
    return this.guard('create', () =>
      this.options.store.accept(validation.idempotencyKey, requestFingerprint(validation.request), order).then((result): ApiResponse => {
        switch (result.outcome) {
          case 'created':
            this.options.onCreated?.(result.order);
            return { status: 201, body: result.order, headers: { Location: `/orders/${result.order.orderId}` } };
          case 'replayed':
            return { status: 200, body: result.order, headers: { Location: `/orders/${result.order.orderId}` } };
          case 'conflict':
            return {
              status: 409,
              body: { error: 'this Idempotency-Key was used for a different order', fields: { 'Idempotency-Key': 'was used with a different body' } },
            };
        }
      }),
    );
  }

  /** `GET /orders/{orderId}`. */
  public get(orderId: string): Promise<ApiResponse> {
    return this.guard('get', async () => {
      const order = await this.options.store.get(orderId);
      return order ? { status: 200, body: order } : { status: 404, body: { error: 'order not found' } };
    });
  }

  /** `GET /traders/{traderId}/orders?limit=N`. */
  public async listForTrader(traderId: string, limit: string | null): Promise<ApiResponse> {
    const parsed = parseListLimit(limit);
    if ('error' in parsed) return { status: 400, body: { error: 'invalid query', fields: { limit: parsed.error } } };
    return this.guard('list', async () => ({ status: 200, body: { orders: await this.options.store.listByTrader(traderId, parsed.limit) } }));
  }

  /**
   * Runs one request's database work within the timeout and maps its failure to a response. Promise
   * style, not try/await: during an outage every request fails, and each rethrow through an await
   * is a JavaScript throw (microseconds each).
   */
  private guard(operation: string, work: () => Promise<ApiResponse>): Promise<ApiResponse> {
    let pending: Promise<ApiResponse>;
    try {
      pending = work();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return withTimeout(this.options.clock, this.options.timeoutMs ?? 5000, pending).catch((error: unknown): ApiResponse => {
      const unavailable = isUnavailable(error);
      this.options.log({ level: unavailable ? 'warn' : 'error', msg: 'order request failed', operation, error: String(error) });
      if (unavailable) {
        return {
          status: 503,
          body: { error: 'this region cannot take the request now; retry with the same Idempotency-Key' },
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        };
      }
      return { status: 500, body: { error: 'internal error' } };
    });
  }
}
