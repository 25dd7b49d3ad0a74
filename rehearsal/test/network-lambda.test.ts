import { ScheduledFunction } from '../src/aws/lambda';
import { Network } from '../src/aws/network';
import { Random } from '../src/random';
import { Simulator } from '../src/simulator';

describe('network model', () => {
  test('private addresses are reachable only from inside their own region (the VPCs are not connected)', () => {
    const network = new Network(new Random(1));
    expect(network.reachesPrivate('us-west-2', 'us-west-2')).toBe(true);
    expect(network.reachesPrivate('us-west-2', 'us-east-1')).toBe(false);
    expect(network.reachesPrivate('internet', 'us-east-1')).toBe(false);
  });

  test('a partition cuts the regions from each other while the internet still reaches both', () => {
    const network = new Network(new Random(1));
    network.setPartitioned('us-east-1', 'us-west-2', true);
    expect(network.reachesPublic('us-west-2', 'us-east-1')).toBe(false);
    expect(network.regionsConnected('us-east-1', 'us-west-2')).toBe(false);
    expect(network.reachesPublic('internet', 'us-east-1')).toBe(true);
  });

  test('a lost region answers nobody', () => {
    const network = new Network(new Random(1));
    network.setRegionDown('us-east-1', true);
    expect(network.reachesPublic('internet', 'us-east-1')).toBe(false);
    expect(network.reachesPrivate('us-east-1', 'us-east-1')).toBe(false);
  });
});

describe('scheduled Lambda model', () => {
  function scheduled(handler: (alive: () => boolean) => Promise<void>, timeoutSeconds = 600) {
    const sim = new Simulator(3);
    const starts: number[] = [];
    const fn = new ScheduledFunction(
      sim,
      new Random(4),
      { name: 'fn', periodSeconds: 60, reservedConcurrency: 1, timeoutSeconds, maxEventAgeSeconds: 60 },
      (invocation) => {
        starts.push(sim.now());
        return handler(() => invocation.alive);
      },
    );
    return { sim, fn, starts };
  }

  test('rate(1 minute) invokes once per minute, somewhere within the minute (60-second precision)', async () => {
    const { sim, starts } = scheduled(async () => undefined);
    await sim.run(600_000);
    expect(starts.length).toBeGreaterThanOrEqual(9);
    expect(starts.length).toBeLessThanOrEqual(10);
    starts.forEach((at, index) => {
      expect(at).toBeGreaterThanOrEqual(index * 60_000);
      // Within its minute, plus at most a cold start.
      expect(at).toBeLessThan((index + 1) * 60_000 + 1_200);
    });
  });

  test('with reserved concurrency 1 a run never overlaps another; throttled events are dropped after the maximum event age', async () => {
    let running = 0;
    let overlapped = false;
    const { sim, fn, starts } = scheduled(async () => {
      running++;
      overlapped ||= running > 1;
      await sim.sleep(150_000);
      running--;
    });
    await sim.run(900_000);
    expect(overlapped).toBe(false);
    expect(fn.stats.throttled).toBeGreaterThan(0);
    expect(fn.stats.dropped).toBeGreaterThan(0);
    // Every 150 s at most one run can start.
    expect(starts.length).toBeLessThanOrEqual(Math.ceil(900 / 150) + 1);
  });

  test('a run killed with its environment sees nothing more, and the next invocation can start', async () => {
    const alive: boolean[] = [];
    const { sim, fn, starts } = scheduled(async (isAlive) => {
      await sim.sleep(300_000);
      alive.push(isAlive());
    });
    await sim.run(70_000);
    fn.killRunning();
    await sim.run(400_000);
    expect(alive[0]).toBe(false);
    // Without the kill, the 300 s run would have blocked every invocation until 300 s.
    expect(starts.filter((at) => at > 70_000 && at < 300_000).length).toBeGreaterThan(0);
  });

  test('a run that exceeds the timeout is cut off: its environment is discarded and the next run starts cold', async () => {
    const aliveAfter: boolean[] = [];
    const { sim, fn } = scheduled(async (alive) => {
      await sim.sleep(20_000);
      aliveAfter.push(alive());
    }, 10);
    await sim.run(200_000);
    expect(fn.stats.timeouts).toBeGreaterThan(0);
    expect(aliveAfter.every((alive) => !alive)).toBe(true);
  });
});
