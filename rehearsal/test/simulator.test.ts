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

  test('timers fire in time order, equal times in the order they were scheduled, cancelled ones never', async () => {
    const sim = new Simulator(3);
    const expected: Array<{ at: number; id: number }> = [];
    const fired: Array<{ at: number; id: number }> = [];
    for (let id = 0; id < 2000; id++) {
      // Few distinct times, so that many timers share an instant; sleeps and cancellable timers mixed.
      const at = sim.random.int(50);
      const record = (): void => void fired.push({ at: sim.now(), id });
      if (id % 3 === 0) void sim.sleep(at).then(record);
      else {
        const cancel = sim.schedule(at, record);
        if (id % 7 === 0) cancel();
        else expected.push({ at, id });
      }
      if (id % 3 === 0) expected.push({ at, id });
    }
    await sim.run(100);
    // Sleeps resolve through a continuation, after the instant's plain timers; within each kind the order is exact.
    const plain = (list: typeof fired) => list.filter(({ id }) => id % 3 !== 0);
    const slept = (list: typeof fired) => list.filter(({ id }) => id % 3 === 0);
    const byTimeThenId = (a: { at: number; id: number }, b: { at: number; id: number }) => a.at - b.at || a.id - b.id;
    expect(plain(fired)).toEqual(plain(expected).sort(byTimeThenId));
    expect(slept(fired)).toEqual(slept(expected).sort(byTimeThenId));
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
