import { Readiness } from '../src/readiness';
import { steppedClock } from './support/stepped-clock';

test('after stop, the periodic checks end: a closed service opens no new connections', async () => {
  const clock = steppedClock();
  let runs = 0;
  const readiness = new Readiness({ checks: [{ name: 'database', check: async () => void runs++ }], clock, intervalMs: 5000 });
  await readiness.answer();
  clock.advance(5000);
  expect(runs).toBe(2);
  await readiness.stop();
  expect(clock.pending()).toBe(0);
  clock.advance(60_000);
  expect(runs).toBe(2);
});

test('stop waits for a check in progress to end', async () => {
  const clock = steppedClock();
  let finish: () => void = () => undefined;
  const readiness = new Readiness({
    checks: [{ name: 'database', check: () => new Promise<void>((resolve) => (finish = resolve)) }],
    clock,
    timeoutMs: 10_000,
  });
  let stopped = false;
  const stopping = readiness.stop().then(() => (stopped = true));
  await Promise.resolve();
  expect(stopped).toBe(false);
  finish();
  await stopping;
  expect(stopped).toBe(true);
});
