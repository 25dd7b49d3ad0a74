import { Clock } from '../../src/clock';

/** A clock whose timers fire, in the order they were scheduled, only when the test moves it. */
export function steppedClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    schedule: (ms, callback) => {
      const timer = { at: now + ms, callback, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    advance: (ms) => {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now);
      timers = timers.filter((timer) => timer.at > now);
      for (const timer of due) if (!timer.cancelled) timer.callback();
    },
    pending: () => timers.filter((timer) => !timer.cancelled).length,
  };
}
