/**
 * Orders in PostgreSQL (Aurora), written in one DML statement, which global write forwarding
 * forwards: `INSERT ... ON CONFLICT (idempotency_key) DO UPDATE ... RETURNING ...` with an order id
 * made by the service. Forwarding supports no sequences, `SELECT ... FOR UPDATE`, `LOCK`, `SAVEPOINT`, DDL or
 * user-defined functions (Aurora User Guide, *Limitations of global write forwarding in Aurora
 * PostgreSQL*); this path uses none of them.
 */
import { Order, OrderRequest } from './orders';
import { SqlExecutor } from './sql';

export type AcceptOutcome =
  { readonly outcome: 'created'; readonly order: Order } | { readonly outcome: 'replayed'; readonly order: Order } | { readonly outcome: 'conflict' };

/** Where orders live. */
export interface OrderStore {
  /** Stores `order` under `idempotencyKey` unless the key exists: then the stored order, or a conflict when its request differs. */
  accept(idempotencyKey: string, fingerprint: string, order: Order): Promise<AcceptOutcome>;
  get(orderId: string): Promise<Order | undefined>;
  /** Newest first. */
  listByTrader(traderId: string, limit: number): Promise<Order[]>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ORDER_COLUMNS = 'order_id, trader_id, symbol, side, quantity, limit_price, status, region, accepted_at, request_fingerprint';

export class PostgresOrderStore implements OrderStore {
  constructor(private readonly sql: SqlExecutor) {}

  public async accept(idempotencyKey: string, fingerprint: string, order: Order): Promise<AcceptOutcome> {
    // One statement returns the row in both cases: the new one, or the one that holds the key (a
    // no-op update makes it returnable; `xmax = 0` tells a fresh insert). A second statement to read
    // the existing row would, on a forwarding secondary, read the local replica, which may not have
    // the row yet when another session or region wrote it.
    // Global write forwarding forwards DML "such as INSERT, DELETE, and UPDATE" (Aurora User Guide,
    // *Using write forwarding in an Aurora PostgreSQL global database*); `ON CONFLICT` is part of
    // INSERT but no page names it, so this is unverified until a deployed drill writes through the
    // standby (README, The container service).
    const result = await this.sql.execute(
      `INSERT INTO orders (order_id, idempotency_key, request_fingerprint, trader_id, symbol, side, quantity, limit_price, status, region, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
       RETURNING ${ORDER_COLUMNS}, (xmax = 0) AS inserted`,
      [
        order.orderId,
        idempotencyKey,
        fingerprint,
        order.traderId,
        order.symbol,
        order.side,
        order.quantity,
        order.limitPrice,
        order.status,
        order.region,
        order.acceptedAt,
      ],
    );
    // Either branch of the upsert returns the row: an empty answer is a broken contract, a 500.
    const row = result.rows[0];
    if (!row) throw new Error(`the order upsert for idempotency key ${JSON.stringify(idempotencyKey)} returned no row`);
    if (row.inserted === true) return { outcome: 'created', order: toOrder(row) };
    return row.request_fingerprint === fingerprint ? { outcome: 'replayed', order: toOrder(row) } : { outcome: 'conflict' };
  }

  public async get(orderId: string): Promise<Order | undefined> {
    if (!UUID.test(orderId)) return undefined;
    const result = await this.sql.execute(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, [orderId]);
    return result.rows[0] ? toOrder(result.rows[0]) : undefined;
  }

  public async listByTrader(traderId: string, limit: number): Promise<Order[]> {
    const result = await this.sql.execute(`SELECT ${ORDER_COLUMNS} FROM orders WHERE trader_id = $1 ORDER BY accepted_at DESC, order_id DESC LIMIT $2`, [
      traderId,
      limit,
    ]);
    return result.rows.map(toOrder);
  }
}

/** The order a row of `ORDER_COLUMNS` holds. */
export function toOrder(row: Record<string, unknown>): Order {
  const request: OrderRequest = {
    traderId: String(row.trader_id),
    symbol: String(row.symbol),
    side: row.side as OrderRequest['side'],
    // bigint arrives as a string; the API accepts only safe integers, so the number is exact.
    quantity: Number(row.quantity),
    // numeric arrives as a string: the exact decimal, never a float.
    limitPrice: String(row.limit_price),
  };
  const acceptedAt = row.accepted_at instanceof Date ? row.accepted_at.toISOString() : new Date(String(row.accepted_at)).toISOString();
  return { orderId: String(row.order_id), status: 'accepted', region: String(row.region), acceptedAt, ...request };
}
