import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseLoadArguments } from '../src/cli';
import {
  classifyError,
  classifyStatus,
  describeError,
  findOutage,
  formatProgress,
  LoadProgress,
  LoadReport,
  missingAcknowledged,
  runLoad,
  summarizeLoad,
} from '../src/load';
import { selfSignedCertificate } from '../../test/support/certificate';
import { closedPort } from '../../test/support/network';
import { runProcess } from '../../test/support/run-process';

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
    // Acknowledged writes on both sides of the outage: an RTO and, after the read-back, an RPO.
    expect(report.outage).toMatchObject({ kind: 'measured', gapMs: report.longestGapMs });
    expect(report.errorsByClass).toEqual({ 'http-5xx': report.failedAttempts });
    // This service keeps nothing to read back: a read-back that found every order.
    const summary = summarizeLoad(report, []);
    expect(summary.lines.join('\n')).toMatch(
      /^RTO \(longest time without an acknowledged write, between the acknowledgements at \S+ and \S+\): \d+\.\d s \(objective 300\.0 s\)$/m,
    );
    expect(summary.lines).toContain('RPO: 0 acknowledged orders missing');
    expect(summary).toMatchObject({ exitCode: 0 });
    expect(summary.lines[summary.lines.length - 1]).toBe('verdict: pass');
    expect(summarizeLoad(report, [report.acks[0]]).exitCode).toBe(1);
    expect(summarizeLoad(report, [], { rtoObjectiveMs: 100 }).lines.at(-1)).toBe('verdict: FAIL (RTO over the objective)');
    expect(summarizeLoad(report).lines).toContain('RPO: not measured (acknowledged orders were not read back)');
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
    // Acknowledged writes before the outage only: its length is a lower bound, not an RTO.
    expect(report.outage.kind).toBe('not-resumed');
    expect(summarizeLoad(report).lines.join('\n')).not.toMatch(/RTO \(|RPO: \d/);
  } finally {
    await service.close();
  }
});

test('against a target that refuses every connection, each progress interval says why attempts failed and the summary states no RTO or RPO', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const progress: LoadProgress[] = [];
  const report = await runLoad({
    url,
    ratePerSecond: 20,
    durationMs: 450,
    runId: 'r4',
    orderDeadlineMs: 400,
    progressIntervalMs: 100,
    onProgress: (p) => progress.push(p),
  });

  expect(report.acknowledged).toBe(0);
  expect(report.failedAttempts).toBeGreaterThan(0);
  expect(report.errorsByClass).toEqual({ 'connect-refused': report.failedAttempts });
  expect(report.errorExamples['connect-refused']).toMatch(/^fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  // Per interval, not only in total: what failed in the last one, adding up to what failed overall.
  expect(progress.length).toBeGreaterThanOrEqual(3);
  for (const p of progress) expect(p.interval.errorsByClass).toEqual(p.interval.failedAttempts === 0 ? {} : { 'connect-refused': p.interval.failedAttempts });
  expect(progress.reduce((sum, p) => sum + p.interval.failedAttempts, 0)).toBe(progress[progress.length - 1].failedAttempts);
  const busy = progress.find((p) => p.interval.failedAttempts > 0)!;
  expect(formatProgress(busy)).toBe(
    `acknowledged 0 (+0 in ${(busy.interval.ms / 1000).toFixed(1)} s), failed attempts ${busy.failedAttempts} (+${busy.interval.failedAttempts} in ${(busy.interval.ms / 1000).toFixed(1)} s: connect-refused ${busy.interval.failedAttempts}), in flight ${busy.inFlight}, by region {}`,
  );

  expect(report.outage).toEqual({ kind: 'no-acknowledgements' });
  const summary = summarizeLoad(report);
  const text = summary.lines.join('\n');
  expect(text).toContain(
    `no order was acknowledged: no RTO or RPO can be measured; attempts failed with: connect-refused ${report.failedAttempts} (first of each: connect-refused: fetch failed: connect ECONNREFUSED`,
  );
  // No figure for either: the old summary said "RTO ... 1.0 s; RPO: 0 acknowledged orders missing".
  expect(text).not.toMatch(/RTO[^;\n]*\d|RPO:|acknowledged orders missing/);
  expect(summary.exitCode).toBe(1);
  expect(summary.lines[summary.lines.length - 1]).toBe(`verdict: FAIL (nothing acknowledged; ${report.abandoned} orders abandoned)`);
});

test('a target that stops answering ends the run within the drain, with the reason every interval and no RTO for writes that never resumed', async () => {
  const service = await switchableService();
  try {
    const progress: LoadProgress[] = [];
    const started = Date.now();
    // The default two-minute order deadline, as in a drill: only the drain bounds the run.
    const load = runLoad({
      url: service.url,
      ratePerSecond: 50,
      durationMs: 600,
      drainMs: 300,
      runId: 'r5',
      progressIntervalMs: 100,
      onProgress: (p) => progress.push(p),
    });
    setTimeout(() => service.setDown(true), 200);
    const report = await load;
    expect(Date.now() - started).toBeLessThan(2500);
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.abandoned).toBeGreaterThan(0);
    expect(progress.some((p) => (p.interval.errorsByClass['http-5xx'] ?? 0) > 0)).toBe(true);

    expect(report.outage).toMatchObject({ kind: 'not-resumed', lastAckAt: Math.max(...report.acks.map((ack) => ack.at)) });
    const { lines, exitCode } = summarizeLoad(report);
    const text = lines.join('\n');
    expect(text).toMatch(
      /writes did not resume within the run: no acknowledgement after \S+, attempts still failing \d+\.\d s later \(the outage lasted at least that long; not an RTO/,
    );
    expect(text).toContain('attempts failed with: http-5xx');
    expect(text).not.toMatch(/RTO \(|RPO: \d/);
    expect(exitCode).toBe(1);
  } finally {
    await service.close();
  }
}, 5000);

test('writes failing from the start: the wait for the first acknowledgement is not an RTO', async () => {
  const service = await switchableService();
  service.setDown(true);
  try {
    const load = runLoad({ url: service.url, ratePerSecond: 50, durationMs: 900, runId: 'r6' });
    setTimeout(() => service.setDown(false), 500);
    const report = await load;
    expect(report.abandoned).toBe(0);
    expect(report.outage).toMatchObject({ kind: 'began-before-run' });
    const { lines, exitCode } = summarizeLoad(report, []);
    const text = lines.join('\n');
    expect(text).toMatch(/writes were failing when the run began: the first acknowledgement came \d+\.\d s after the start .* no RTO or RPO can be measured/);
    expect(text).not.toMatch(/RTO \(|RPO: \d/);
    expect(exitCode).toBe(1);
  } finally {
    await service.close();
  }
}, 5000);

describe('which outage a run can vouch for', () => {
  const acksEvery = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, index) => from + index * step);

  test('a slow first answer without failures is latency, not an outage: the gap between acknowledgements is measured', () => {
    expect(findOutage(0, acksEvery(300, 1000, 50), undefined, undefined)).toEqual({ kind: 'measured', gapMs: 50, fromAckAt: 300, toAckAt: 350 });
  });

  test('a failure after the last acknowledgement leaves the run in an outage of unknown length', () => {
    const acks = [...acksEvery(0, 1000, 50), ...acksEvery(5000, 6000, 50)];
    // Shorter than the measured outage: the RTO stands, but the run did not end healthy.
    const outage = findOutage(0, acks, 2000, 6300);
    expect(outage).toEqual({ kind: 'measured', gapMs: 4000, fromAckAt: 1000, toAckAt: 5000, unresolvedAtLeastMs: 300 });
    const report = { ...emptyReport(), acknowledged: acks.length, outage };
    const summary = summarizeLoad(report, []);
    expect(summary.lines).toContain('writes were failing again when the run ended: attempts failed for at least 0.3 s after the last acknowledgement');
    expect(summary.exitCode).toBe(1);
    // Longer than any measured gap: no RTO at all.
    expect(findOutage(0, acks, 2000, 10_000)).toEqual({ kind: 'not-resumed', lastAckAt: 6000, atLeastMs: 4000 });
  });

  test('one acknowledgement has nothing on the other side of any outage', () => {
    const outage = findOutage(0, [40], undefined, undefined);
    expect(outage).toEqual({ kind: 'one-acknowledgement', at: 40 });
    expect(summarizeLoad({ ...emptyReport(), acknowledged: 1, outage }, []).lines.join('\n')).not.toMatch(/RTO \(|RPO: \d/);
  });
});

function emptyReport(): LoadReport {
  return {
    acks: [],
    acknowledged: 0,
    failedAttempts: 0,
    inFlight: 0,
    abandoned: 0,
    byRegion: {},
    errorsByClass: {},
    errorExamples: {},
    startedAt: 0,
    sendingStoppedAt: 0,
    longestGapMs: 0,
    outage: { kind: 'no-acknowledgements' },
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
}

describe('error classes', () => {
  /** What fetch rejects with for `url`, the way runLoad calls it. */
  const failureOf = (url: string, timeoutMs = 2000) =>
    fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(timeoutMs) }).then(
      (response) => {
        throw new Error(`expected a failure, got HTTP ${response.status}`);
      },
      (error: unknown) => error,
    );

  /** A raw TCP server: `onData` decides what the client sees after sending its request. */
  async function rawServer(onData: (socket: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => onData(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('each class from what fetch really reports against local servers', async () => {
    expect(classifyError(await failureOf(`http://127.0.0.1:${await closedPort()}/orders`))).toBe('connect-refused');

    const servers = {
      closed: await rawServer((socket) => socket.destroy()),
      reset: await rawServer((socket) => socket.resetAndDestroy()),
      silent: await rawServer(() => undefined),
      garbage: await rawServer((socket) => socket.end('garbage\r\n\r\n')),
    };
    try {
      // undici: "other side closed" (UND_ERR_SOCKET); a TCP reset: ECONNRESET.
      expect(classifyError(await failureOf(servers.closed.url))).toBe('reset');
      expect(classifyError(await failureOf(servers.reset.url))).toBe('reset');
      // AbortSignal.timeout rejects fetch with a TimeoutError DOMException.
      expect(classifyError(await failureOf(servers.silent.url, 100))).toBe('timeout');
      expect(classifyError(await failureOf(servers.garbage.url))).toBe('bad-response');
    } finally {
      await Promise.all(Object.values(servers).map((server) => server.close()));
    }

    const { key, cert } = selfSignedCertificate('localhost');
    const tlsServer = https.createServer({ key, cert }, (_req, res) => res.end());
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const error = await failureOf(`https://localhost:${(tlsServer.address() as AddressInfo).port}/orders`);
      expect(classifyError(error)).toBe('tls');
    } finally {
      await new Promise((resolve) => tlsServer.close(resolve));
    }

    // As undici wraps a failed getaddrinfo (no DNS on this machine to produce a real one).
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND app.trading.invalid'), { code: 'ENOTFOUND' }) });
    expect(classifyError(dns)).toBe('dns');
    // Happy Eyeballs: every address refused, one AggregateError.
    const aggregate = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' })]),
    });
    expect(classifyError(aggregate)).toBe('connect-refused');
    expect(describeError(aggregate)).toBe('fetch failed: connect ECONNREFUSED ::1:443');
    expect(classifyError(new Error('something new'))).toBe('other');
  });

  test.each([
    [429, 'http-429'],
    [408, 'http-4xx'],
    [403, 'http-4xx'],
    [500, 'http-5xx'],
    [503, 'http-5xx'],
    [302, 'bad-response'],
  ])('HTTP %i is %s', (status, errorClass) => {
    expect(classifyStatus(status)).toBe(errorClass);
  });
});

describe('arguments', () => {
  test('--config gives the environment’s application URL', () => {
    expect(parseLoadArguments(['--config', 'prod', '--rate', '50'])).toEqual({ url: 'https://app.trading.acme-bank.net', rate: 50, durationSeconds: 60 });
  });

  test.each([
    [['--rate', '10'], 'give exactly one of --config <name> and --url <base URL>'],
    [['--url', 'https://a.example.net', '--rate', 'fast'], '--rate must be an integer from 1 to 2000, got "fast"'],
    [['--url', 'https://a.example.net/orders'], '--url must be a base URL'],
    [['--url', 'https://a.example.net', '--region', 'x'], 'unknown flag --region; the flags are: --config, --url, --rate, --duration-seconds, --help'],
    [['--url=https://a.example.net', '--rate=5', 'extra'], 'unexpected argument "extra"'],
    [['--config', 'staging'], '--config staging: Invalid configuration config="staging"'],
  ])('%j is refused before any request', (argv, message) => {
    expect(() => parseLoadArguments(argv)).toThrow(message);
  });
});

describe('the command against a target that cannot be reached', () => {
  test('fails within seconds naming the step and the reason, and reports no RTO or RPO (before: 123 s, then "RTO 1.0 s")', async () => {
    const port = await closedPort();
    const started = Date.now();
    const run = await runProcess(process.execPath, [
      '--import',
      'tsx',
      path.join(__dirname, '..', 'src', 'cli.ts'),
      '--url',
      `http://127.0.0.1:${port}`,
      '--duration-seconds',
      '1',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`load: cannot reach http://127.0.0.1:${port}: TCP connect to 127.0.0.1:${port} failed: connection refused (ECONNREFUSED)`);
    expect(run.stdout).not.toMatch(/RTO|RPO/);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);
});
