/**
 * The order contract: what `POST /orders` accepts and what every order endpoint answers. Other
 * clients are written against it, so the field names, rules and messages are fixed here once.
 */
import { hash } from 'node:crypto';

export type Side = 'buy' | 'sell';

/** A valid order request, normalized (the limit price without redundant zeros). */
export interface OrderRequest {
  readonly traderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  /** A positive decimal with at most 4 decimal places, as a string: never a float. */
  readonly limitPrice: string;
}

/** An accepted order as the API returns it. */
export interface Order extends OrderRequest {
  readonly orderId: string;
  readonly status: 'accepted';
  /** The region that accepted it. */
  readonly region: string;
  /** ISO 8601, UTC, millisecond precision. */
  readonly acceptedAt: string;
}

export type OrderValidation =
  | { readonly valid: true; readonly idempotencyKey: string; readonly request: OrderRequest }
  | { readonly valid: false; readonly fields: Record<string, string> };

export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const MAX_TEXT_LENGTH = 128;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

const PRINTABLE = /^[\x20-\x7e]+$/;
const DECIMAL = /^(\d+)(?:\.(\d{1,4}))?$/;

/**
 * Checks the `Idempotency-Key` header and the body, and names every bad field (`Idempotency-Key`
 * included), so a client fixes its request in one round trip.
 */
export function validateOrder(idempotencyKey: string | undefined, body: unknown): OrderValidation {
  const fields: Record<string, string> = {};
  if (idempotencyKey === undefined || idempotencyKey === '') {
    fields['Idempotency-Key'] = 'header is required';
  } else if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE.test(idempotencyKey)) {
    fields['Idempotency-Key'] = `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { valid: false, fields: { ...fields, body: 'must be a JSON object' } };
  }
  const input = body as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = input[name];
    if (typeof value !== 'string' || value.length === 0) {
      fields[name] = 'must be a non-empty string';
      return undefined;
    }
    if (value.length > MAX_TEXT_LENGTH || !PRINTABLE.test(value)) {
      fields[name] = `must be 1 to ${MAX_TEXT_LENGTH} printable characters`;
      return undefined;
    }
    return value;
  };
  const traderId = text('traderId');
  const symbol = text('symbol');
  const side = input.side;
  if (side !== 'buy' && side !== 'sell') fields.side = 'must be "buy" or "sell"';
  const quantity = input.quantity;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) {
    fields.quantity = 'must be a positive integer';
  }
  const limitPrice = typeof input.limitPrice === 'string' ? normalizeDecimal(input.limitPrice) : undefined;
  if (limitPrice === undefined) {
    fields.limitPrice = 'must be a positive decimal string with at most 4 decimal places, such as "12.34"';
  }
  for (const name of Object.keys(input)) {
    if (!['traderId', 'symbol', 'side', 'quantity', 'limitPrice'].includes(name)) fields[name] = 'is not a field of an order';
  }
  if (Object.keys(fields).length > 0) return { valid: false, fields };
  return {
    valid: true,
    idempotencyKey: idempotencyKey!,
    request: { traderId: traderId!, symbol: symbol!, side: side as Side, quantity: quantity as number, limitPrice: limitPrice! },
  };
}

/**
 * A positive decimal of at most 4 places, without leading zeros or trailing fractional zeros
 * ("012.3400" → "12.34"), so equal prices compare equal; undefined when the string is not one.
 */
export function normalizeDecimal(value: string): string | undefined {
  const match = DECIMAL.exec(value);
  if (!match) return undefined;
  const whole = match[1].replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (/^0*$/.test(whole) && fraction === '') return undefined;
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** What makes two requests with one idempotency key "the same body": the normalized fields. */
export function requestFingerprint(request: OrderRequest): string {
  const canonical = JSON.stringify([request.traderId, request.symbol, request.side, request.quantity, request.limitPrice]);
  return hash('sha256', canonical, 'hex');
}

/** `limit` of the trader's order list: default 50, 1 to 500. */
export function parseListLimit(value: string | null): { limit: number } | { error: string } {
  if (value === null) return { limit: DEFAULT_LIST_LIMIT };
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIST_LIMIT) {
    return { error: `must be an integer from 1 to ${MAX_LIST_LIMIT}` };
  }
  return { limit: Number(value) };
}
