import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { readEnvironment } from '../src/main';
import { createTradingServer, ReadinessCheck, tcpCheck, TradingServer } from '../src/server';

const silent = (): void => undefined;

async function start(
  checks: ReadinessCheck[] = [],
  readinessTimeoutMs?: number,
  readinessIntervalMs?: number,
): Promise<{ trading: TradingServer; url: string }> {
  const trading = createTradingServer({
    region: 'us-west-2',
    regionRole: 'secondary',
    version: 't',
    readinessChecks: checks,
    readinessTimeoutMs,
    readinessIntervalMs,
    log: silent,
  });
  await new Promise<void>((resolve) => trading.server.listen(0, '127.0.0.1', resolve));
  const { port } = trading.server.address() as AddressInfo;
  return { trading, url: `http://127.0.0.1:${port}` };
}

async function get(url: string, method = 'GET'): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('trading service HTTP endpoints', () => {
  let trading: TradingServer;
  afterEach(async () => {
    if (trading?.server.listening) await trading.shutdown(1000);
  });

  test('liveness answers 200 even when a dependency is down', async () => {
    const failing: ReadinessCheck = { name: 'database', check: () => Promise.reject(new Error('connection refused')) };
    const started = await start([failing]);
    trading = started.trading;
    expect(await get(`${started.url}/healthz`)).toEqual({ status: 200, body: { status: 'alive' } });
  });

  test('readiness is 200 with the region identity when every check passes', async () => {
    const started = await start([{ name: 'database', check: () => Promise.resolve() }]);
    trading = started.trading;
    const { status, body } = await get(`${started.url}/ready`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ready: true, region: 'us-west-2', regionRole: 'secondary', checks: [{ name: 'database', ok: true }] });
  });

  test('readiness is 503 and names the failed dependency', async () => {
    const started = await start([
      { name: 'database', check: () => Promise.resolve() },
      { name: 'sessions', check: () => Promise.reject(new Error('throttled')) },
    ]);
    trading = started.trading;
    const { status, body } = await get(`${started.url}/ready`);
    expect(status).toBe(503);
    expect(body.checks).toContainEqual({ name: 'sessions', ok: false, error: 'throttled' });
  });

  test('a hanging dependency makes readiness fail within its timeout, not hang the probe', async () => {
    const started = await start([{ name: 'database', check: () => new Promise<void>(() => undefined) }], 100);
    trading = started.trading;
    const begun = Date.now();
    const { status, body } = await get(`${started.url}/ready`);
    expect(status).toBe(503);
    expect(body.checks[0].error).toMatch(/timed out after 100 ms/);
    expect(Date.now() - begun).toBeLessThan(1000);
  });

  test('probes answer from the latest background run: checks do not run once per probe', async () => {
    let runs = 0;
    const started = await start([{ name: 'database', check: async () => void runs++ }], 1000, 60_000);
    trading = started.trading;
    for (let i = 0; i < 5; i++) expect((await get(`${started.url}/ready`)).status).toBe(200);
    expect(runs).toBe(1);
  });

  test('readiness follows the dependency on the next background run, both ways', async () => {
    let healthy = false;
    const started = await start(
      [
        {
          name: 'database',
          check: async () => {
            if (!healthy) throw new Error('refused');
          },
        },
      ],
      1000,
      60_000,
    );
    trading = started.trading;
    expect((await get(`${started.url}/ready`)).status).toBe(503);
    healthy = true;
    await trading.refreshReadiness();
    expect((await get(`${started.url}/ready`)).status).toBe(200);
    healthy = false;
    await trading.refreshReadiness();
    expect((await get(`${started.url}/ready`)).body.checks).toEqual([{ name: 'database', ok: false, error: 'refused' }]);
  });

  test('a change of readiness is reported once per change, not once per run', async () => {
    let healthy = true;
    const changes: boolean[] = [];
    const trading = createTradingServer({
      region: 'us-west-2',
      regionRole: 'secondary',
      version: 't',
      readinessIntervalMs: 60_000,
      log: silent,
      readinessChecks: [
        {
          name: 'database',
          check: async () => {
            if (!healthy) throw new Error('down');
          },
        },
      ],
      onReadinessChange: (ready) => changes.push(ready),
    });
    await trading.refreshReadiness();
    await trading.refreshReadiness();
    healthy = false;
    await trading.refreshReadiness();
    await trading.refreshReadiness();
    healthy = true;
    await trading.refreshReadiness();
    expect(changes).toEqual([true, false, true]);
    await trading.shutdown(100);
  });

  test('the default check timeout leaves Route 53 its 2-second answer window', async () => {
    const started = await start([{ name: 'database', check: () => new Promise<void>(() => undefined) }]);
    trading = started.trading;
    const begun = Date.now();
    const { status, body } = await get(`${started.url}/ready`);
    expect(status).toBe(503);
    expect(body.checks[0].error).toMatch(/timed out after 1000 ms/);
    expect(Date.now() - begun).toBeLessThan(2000);
  });

  test('unknown paths are 404 and writes are 405', async () => {
    const started = await start();
    trading = started.trading;
    expect((await get(`${started.url}/nope`)).status).toBe(404);
    expect((await get(`${started.url}/ready`, 'POST')).status).toBe(405);
  });

  test('HEAD on readiness returns the status without a body', async () => {
    const started = await start();
    trading = started.trading;
    const response = await fetch(`${started.url}/ready`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  test('shutdown flips readiness to 503 and lets an in-flight request finish', async () => {
    let release!: () => void;
    const slow: ReadinessCheck = { name: 'slow', check: () => new Promise<void>((resolve) => (release = resolve)) };
    const started = await start([slow], 5000);
    trading = started.trading;
    const inFlight = get(`${started.url}/ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = trading.shutdown(5000);
    expect(trading.isDraining()).toBe(true);
    release();
    // Answered with the state at answer time: draining, so not ready.
    expect((await inFlight).status).toBe(503);
    expect(await closed).toBe(true);
  });

  test('shutdown cuts connections that outlive the timeout and reports it', async () => {
    const started = await start([{ name: 'stuck', check: () => new Promise<void>(() => undefined) }], 60_000);
    trading = started.trading;
    const request = http.get(`${started.url}/ready`);
    request.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await trading.shutdown(100)).toBe(false);
  });
});

describe('TCP readiness check', () => {
  test('passes while the port accepts connections and fails once it does not', async () => {
    const listener = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    await expect(tcpCheck('database', '127.0.0.1', port).check()).resolves.toBeUndefined();
    await new Promise((resolve) => listener.close(resolve));
    await expect(tcpCheck('database', '127.0.0.1', port).check()).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('service environment', () => {
  test('a database host enables the database readiness check', () => {
    expect(readEnvironment({ DB_HOST: 'db.internal', DB_PORT: '5432' }).database).toEqual({ host: 'db.internal', port: 5432 });
    expect(() => readEnvironment({ DB_HOST: 'db.internal', DB_PORT: 'x' })).toThrow('DB_PORT');
  });

  test('a global cluster needs the reader endpoint: a forwarding standby reaches its database only through it', () => {
    expect(() => readEnvironment({ DB_HOST: 'db.internal', DB_GLOBAL_CLUSTER_ID: 'g', DB_CLUSTER_ID: 'c' })).toThrow('DB_READER_HOST is required');
    expect(readEnvironment({ DB_HOST: 'db.internal', DB_READER_HOST: 'ro.internal', DB_GLOBAL_CLUSTER_ID: 'g', DB_CLUSTER_ID: 'c' }).database).toEqual({
      host: 'db.internal',
      readerHost: 'ro.internal',
      port: 5432,
      globalClusterIdentifier: 'g',
      clusterIdentifier: 'c',
    });
  });

  test('defaults', () => {
    expect(readEnvironment({})).toEqual({ port: 8080, region: 'local', regionRole: 'local', version: 'dev', shutdownTimeoutMs: 25000 });
  });

  test.each([
    ['PORT', '0'],
    ['PORT', 'http'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
  ])('rejects %s=%s', (key, value) => {
    expect(() => readEnvironment({ [key]: value })).toThrow(key);
  });
});

describe('the container process', () => {
  test('answers, then exits 0 on SIGTERM after draining', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '../src/main.ts')], {
      env: { ...process.env, PORT: String(port), AWS_REGION: 'us-east-1', REGION_ROLE: 'primary' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: any[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean).map((line) => JSON.parse(line)));
    });
    await waitFor(() => lines.some((line) => line.msg === 'listening'));
    expect((await get(`http://127.0.0.1:${port}/ready`)).body).toMatchObject({ ready: true, region: 'us-east-1', regionRole: 'primary' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['listening', 'signal', 'draining', 'server closed']));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
