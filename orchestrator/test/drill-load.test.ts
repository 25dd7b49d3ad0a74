import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { drillWriteLoad } from '../src/drill-load';

test('the drill load sends orders until finished, then reads every acknowledged order back through the same URL', async () => {
  const stored = new Map<string, string>();
  let forgetNext = true;
  let sequence = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const orderId = `o-${sequence++}`;
      // The first order is acknowledged and then lost, as in a failover with replication lag.
      if (!forgetNext) stored.set(orderId, String(req.headers['idempotency-key']));
      forgetNext = false;
      return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId, region: 'us-west-2' }));
    }
    res.writeHead(stored.has(req.url!.split('/').pop()!) ? 200 : 404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const progress: string[] = [];
    const load = drillWriteLoad({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ratePerSecond: 20,
      maxDurationMs: 60_000,
      progress: (message) => progress.push(message),
      progressEverySeconds: 1,
    });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await load.finish();
    // About 24 in 1.2 s at 20/s; fewer where a busy machine's timers fire late.
    expect(report.acknowledged).toBeGreaterThanOrEqual(10);
    expect(report).toMatchObject({ ratePerSecond: 20, abandoned: 0, lostAcknowledged: 1, byRegion: { 'us-west-2': report.acknowledged } });
    expect(report.longestGapSeconds).toBeLessThan(1);
    expect(progress[0]).toMatch(/^write load: \d+ acknowledged \{"us-west-2":\d+\}/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
