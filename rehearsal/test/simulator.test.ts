import { Simulator } from '../src/simulator';

/** Awaits `depth` times: a continuation chain as deep as the real code's (SDK retries, readiness, order path). */
async function chain(depth: number): Promise<void> {
  for (let hop = 0; hop < depth; hop++) await undefined;
}

describe('simulator', () => {
  test('the continuations an event starts all run before the clock moves to the next instant', async () => {
    const sim = new Simulator(1);
    let chainEndedAt: number | undefined;
    let seenAtNextInstant: number | undefined;
    sim.schedule(10, () => void chain(1000).then(() => (chainEndedAt = sim.now())));
    sim.schedule(11, () => (seenAtNextInstant = chainEndedAt));
    await sim.run(20);
    expect(seenAtNextInstant).toBe(10);
  });

  test('work started before the run settles before the first instant, even when run() is called synchronously', async () => {
    const sim = new Simulator(1);
    const fired: number[] = [];
    void chain(1000).then(() => sim.schedule(5, () => fired.push(sim.now())));
    await sim.run(100);
    expect(fired).toEqual([5]);
  });

  test('a timer a continuation schedules in the same instant fires in that instant', async () => {
    const sim = new Simulator(1);
    const order: string[] = [];
    sim.schedule(10, () => void chain(50).then(() => sim.schedule(0, () => order.push(`zero-delay at ${sim.now()}`))));
    sim.schedule(10.5, () => order.push(`later at ${sim.now()}`));
    await sim.run(20);
    expect(order).toEqual(['zero-delay at 10', 'later at 10.5']);
  });

  test('timers fire in time order, equal times in the order they were scheduled, cancelled ones never, also when scheduled while the heap drains', async () => {
    const sim = new Simulator(3);
    const scheduled: Array<{ at: number; seq: number; sleep: boolean }> = [];
    const fired: Array<{ at: number; seq: number; sleep: boolean }> = [];
    let seq = 0;
    // Few distinct times, so that many timers share an instant; sleeps and cancellable timers mixed;
    // a third of the callbacks schedule more timers, so that pushes and pops interleave.
    const add = (): void => {
      const timer = { at: sim.now() + sim.random.int(50), seq: seq++, sleep: seq % 3 === 0 };
      const record = (): void => {
        fired.push({ ...timer, at: sim.now() });
        if (seq < 4000 && timer.seq % 3 === 1) for (let more = 0; more < 2; more++) add();
      };
      if (timer.sleep) void sim.sleep(timer.at - sim.now()).then(record);
      else {
        const cancel = sim.schedule(timer.at - sim.now(), record);
        if (timer.seq % 7 === 0) return cancel();
      }
      scheduled.push(timer);
    };
    for (let index = 0; index < 1000; index++) add();
    const beforeRun = scheduled.length;
    await sim.run(10_000);
    // Sleeps resolve through a continuation, after the instant's plain timers; within each kind the order is exact.
    const byTimeThenSeq = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at - b.at || a.seq - b.seq;
    for (const sleep of [false, true]) {
      const kind = (list: typeof fired) => list.filter((timer) => timer.sleep === sleep);
      expect(kind(fired)).toEqual(kind(scheduled).sort(byTimeThenSeq));
    }
    expect(scheduled.length - beforeRun).toBeGreaterThan(500);
    expect(fired.every(({ at }, index) => index === 0 || at >= fired[index - 1].at)).toBe(true);
  });

  test('the same seed gives the same run', async () => {
    const draws = async (seed: number): Promise<number[]> => {
      const sim = new Simulator(seed);
      const seen: number[] = [];
      for (let index = 0; index < 20; index++) sim.schedule(sim.random.uniform(0, 1000), () => void chain(3).then(() => seen.push(sim.now())));
      await sim.run(2000);
      return seen;
    };
    expect(await draws(7)).toEqual(await draws(7));
    expect(await draws(7)).not.toEqual(await draws(8));
  });
});
