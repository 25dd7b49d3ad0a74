import { normalizeDecimal, parseListLimit, requestFingerprint, validateOrder } from '../src/orders';

const BODY = { traderId: 't-1', symbol: 'ACME', side: 'buy', quantity: 100, limitPrice: '12.34' };

describe('order validation', () => {
  test('a valid request passes, with the limit price normalized', () => {
    expect(validateOrder('key-1', { ...BODY, limitPrice: '012.3400' })).toEqual({
      valid: true,
      idempotencyKey: 'key-1',
      request: { traderId: 't-1', symbol: 'ACME', side: 'buy', quantity: 100, limitPrice: '12.34' },
    });
  });

  test('every bad field is named at once, the header included', () => {
    const result = validateOrder(undefined, { traderId: '', symbol: 7, side: 'hold', quantity: 1.5, limitPrice: 12.34, venue: 'x' });
    expect(result).toEqual({
      valid: false,
      fields: {
        'Idempotency-Key': 'header is required',
        traderId: 'must be a non-empty string',
        symbol: 'must be a non-empty string',
        side: 'must be "buy" or "sell"',
        quantity: 'must be a positive integer',
        limitPrice: 'must be a positive decimal string with at most 4 decimal places, such as "12.34"',
        venue: 'is not a field of an order',
      },
    });
  });

  test.each([
    ['a key of 129 characters', 'k'.repeat(129)],
    ['a key with a control character', 'key\n1'],
    ['a key with a non-ASCII character', 'clé'],
  ])('the idempotency key is refused: %s', (_name, key) => {
    expect(validateOrder(key, BODY)).toEqual({ valid: false, fields: { 'Idempotency-Key': 'must be 1 to 128 printable characters' } });
  });

  test('a key of exactly 128 printable characters is accepted', () => {
    expect(validateOrder('~'.repeat(128), BODY).valid).toBe(true);
  });

  test.each([['0'], ['0.0000'], ['-1'], ['1.23456'], ['1e3'], ['.5'], ['5.'], [' 5'], ['']])('limitPrice %j is refused', (price) => {
    expect(validateOrder('k', { ...BODY, limitPrice: price })).toMatchObject({ valid: false, fields: { limitPrice: expect.any(String) } });
  });

  test.each([
    [0, 'must be a positive integer'],
    [-5, 'must be a positive integer'],
    [2 ** 53, 'must be a positive integer'],
    ['100', 'must be a positive integer'],
  ])('quantity %j is refused', (quantity, message) => {
    expect(validateOrder('k', { ...BODY, quantity })).toEqual({ valid: false, fields: { quantity: message } });
  });

  test('a body that is not an object is refused as a whole', () => {
    expect(validateOrder('k', [BODY])).toEqual({ valid: false, fields: { body: 'must be a JSON object' } });
    expect(validateOrder('k', null)).toEqual({ valid: false, fields: { body: 'must be a JSON object' } });
  });
});

describe('decimals and fingerprints', () => {
  test.each([
    ['12.34', '12.34'],
    ['12.3400', '12.34'],
    ['0012', '12'],
    ['0.0001', '0.0001'],
    ['10.0', '10'],
  ])('%s normalizes to %s', (input, expected) => {
    expect(normalizeDecimal(input)).toBe(expected);
  });

  test('equal prices give the same fingerprint, any other field change a different one', () => {
    const request = { traderId: 't', symbol: 'ACME', side: 'buy' as const, quantity: 1, limitPrice: '12.34' };
    expect(requestFingerprint(request)).toBe(requestFingerprint({ ...request }));
    for (const change of [{ traderId: 'u' }, { symbol: 'ACMF' }, { side: 'sell' as const }, { quantity: 2 }, { limitPrice: '12.35' }]) {
      expect(requestFingerprint({ ...request, ...change })).not.toBe(requestFingerprint(request));
    }
  });
});

describe('list limit', () => {
  test.each([
    [null, { limit: 50 }],
    ['1', { limit: 1 }],
    ['500', { limit: 500 }],
    ['0', { error: 'must be an integer from 1 to 500' }],
    ['501', { error: 'must be an integer from 1 to 500' }],
    ['ten', { error: 'must be an integer from 1 to 500' }],
  ])('limit=%j → %j', (value, expected) => {
    expect(parseListLimit(value)).toEqual(expected);
  });
});
