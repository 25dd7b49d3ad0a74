import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { parseLoadArguments } from '../src/cli';
import { missingAcknowledged, runLoad } from '../src/load';

/** A fake order service: fails the first attempt of every third order, then acknowledges; forgets some orders. */
async function fakeService(forget: Set<number>): Promise<{ url: string; attempts: Map<string, number>; close(): Promise<void> }> {
  const attempts = new Map<string, number>();
  const orders = new Map<string, { orderId: string; sequence: number }>();
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const key = String(req.headers['idempotency-key']);
      const count = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, count);
      const sequence = Number(key.split('-').pop());
      if (sequence % 3 === 0 && count === 1) {
        res.writeHead(503, { 'Retry-After': '1' }).end('{}');
        return;
      }
      const order = orders.get(key) ?? { orderId: `order-${sequence}`, sequence };
      orders.set(key, order);
      res.writeHead(count === 1 ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: order.orderId, region: 'us-west-2' }));
      return;
    }
    const orderId = req.url!.split('/').pop()!;
    const known = [...orders.values()].find((order) => order.orderId === orderId && !forget.has(order.sequence));
    res.writeHead(known ? 200 : 404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('every order is retried with its own key until acknowledged, once; the read-back finds the ones the service lost', async () => {
  const service = await fakeService(new Set([4]));
  try {
    const report = await runLoad({ url: service.url, ratePerSecond: 50, durationMs: 400, runId: 'r1' });
    // About 20 orders; how many a busy machine's timers let it place in 400 ms varies, but every
    // placed order (sequences 0..n-1) is acknowledged exactly once.
    const sequences = report.acks.map((ack) => ack.sequence).sort((a, b) => a - b);
    expect(sequences.length).toBeGreaterThanOrEqual(5);
    expect(sequences).toEqual(sequences.map((_, index) => index));
    expect(report.abandoned).toBe(0);
    expect(new Set(report.acks.map((ack) => ack.key)).size).toBe(report.acknowledged);
    expect(report.failedAttempts).toBe(report.acks.filter((ack) => ack.sequence % 3 === 0).length);
    expect(report.byRegion).toEqual({ 'us-west-2': report.acknowledged });
    for (const ack of report.acks) expect(service.attempts.get(ack.key)).toBe(ack.sequence % 3 === 0 ? 2 : 1);
    const missing = await missingAcknowledged(service.url, report.acks);
    expect(missing.map((ack) => ack.sequence)).toEqual([4]);
  } finally {
    await service.close();
  }
});

/** A service that acknowledges every order except while `down` is set (503). */
async function switchableService(): Promise<{ url: string; setDown(down: boolean): void; close(): Promise<void> }> {
  let down = false;
  const server = http.createServer((req, res) => {
    if (down) return void res.writeHead(503).end('{}');
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: String(req.headers['idempotency-key']), region: 'us-east-1' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setDown: (value) => void (down = value),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('the longest gap between acknowledgements is the client-observed outage', async () => {
  const service = await switchableService();
  try {
    const load = runLoad({ url: service.url, ratePerSecond: 50, durationMs: 1500, runId: 'r2' });
    setTimeout(() => service.setDown(true), 300);
    setTimeout(() => service.setDown(false), 1100);
    const report = await load;
    expect(report.longestGapMs).toBeGreaterThanOrEqual(700);
    expect(report.longestGapMs).toBeLessThan(2000);
  } finally {
    await service.close();
  }
});

test('an outage that lasts until sending stops counts to that moment, and an abort stops sending early', async () => {
  const service = await switchableService();
  try {
    const stop = new AbortController();
    const started = Date.now();
    // Orders sent during the outage give up after their deadline: the run cannot wait for them forever.
    const load = runLoad({ url: service.url, ratePerSecond: 50, durationMs: 60_000, runId: 'r3', orderDeadlineMs: 300, signal: stop.signal });
    setTimeout(() => service.setDown(true), 200);
    setTimeout(() => stop.abort(), 1000);
    const report = await load;
    expect(Date.now() - started).toBeLessThan(3000);
    // Never acknowledged again: the gap runs from the last acknowledgement to the abort.
    expect(report.longestGapMs).toBeGreaterThanOrEqual(700);
    expect(report.abandoned).toBeGreaterThan(0);
  } finally {
    await service.close();
  }
});

describe('arguments', () => {
  test('--config gives the environment’s application URL', () => {
    expect(parseLoadArguments(['--config', 'prod', '--rate', '50'])).toEqual({ url: 'https://app.trading.acme-bank.net', rate: 50, durationSeconds: 60 });
  });

  test.each([
    [['--rate', '10'], 'give exactly one of --config <name> and --url <base URL>'],
    [['--url', 'https://a.example.net', '--rate', 'fast'], '--rate must be an integer from 1 to 2000, got "fast"'],
    [['--url', 'https://a.example.net/orders'], '--url must be a base URL'],
    [['--url', 'https://a.example.net', '--region', 'x'], 'unknown argument "--region"'],
    [['--config', 'staging'], '--config staging: Invalid configuration config="staging"'],
  ])('%j is refused before any request', (argv, message) => {
    expect(() => parseLoadArguments(argv)).toThrow(message);
  });
});
