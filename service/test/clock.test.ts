import { withTimeout } from '../src/clock';
import { steppedClock } from './support/stepped-clock';

describe('withTimeout', () => {
  test('answers with the work when it settles first, and cancels its timer', async () => {
    const clock = steppedClock();
    await expect(withTimeout(clock, 100, Promise.resolve('done'))).resolves.toBe('done');
    expect(clock.pending()).toBe(0);
  });

  test("passes the work's own failure through, and cancels its timer", async () => {
    const clock = steppedClock();
    await expect(withTimeout(clock, 100, Promise.reject(new Error('connection reset')))).rejects.toThrow('connection reset');
    expect(clock.pending()).toBe(0);
  });

  test('fails with the time it waited when the timer fires first; a late answer changes nothing', async () => {
    const clock = steppedClock();
    let finish: (value: string) => void = () => undefined;
    const guarded = withTimeout(clock, 100, new Promise<string>((resolve) => (finish = resolve)));
    clock.advance(100);
    await expect(guarded).rejects.toThrow('timed out after 100 ms');
    finish('late');
    await expect(guarded).rejects.toThrow('timed out after 100 ms');
  });

  test('when the work settles at the same instant as the timer, just before it, the work wins (as in a race)', async () => {
    const clock = steppedClock();
    let finish: (value: string) => void = () => undefined;
    const work = new Promise<string>((resolve) => (finish = resolve));
    clock.schedule(100, () => finish('done'));
    const guarded = withTimeout(clock, 100, work);
    clock.advance(100);
    await expect(guarded).resolves.toBe('done');
  });
});
