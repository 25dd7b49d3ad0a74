/**
 * Time as a dependency (the TigerBeetle `time.zig` seam): production uses the system clock, the
 * failover rehearsal a virtual one that moves only when the simulator advances it. Only the entry
 * points (`main.ts`) pick the system clock; everything else takes a `Clock`.
 */
export interface Clock {
  /** Milliseconds since the epoch (virtual in the rehearsal). */
  now(): number;
  /** Calls `callback` once after `ms`; the returned function cancels it. Never keeps the process alive. */
  schedule(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Calls `callback` every `ms` until the returned function is called. */
export function every(clock: Clock, ms: number, callback: () => void): () => void {
  let cancel = clock.schedule(ms, tick);
  function tick(): void {
    cancel = clock.schedule(ms, tick);
    callback();
  }
  return () => cancel();
}

/**
 * Rejects with `timed out after <ms> ms` unless `work` settles first. One promise, no race: it sits
 * on every order request and readiness check. When the work settles in the same instant as the
 * timer fires, the work wins, as it would in a race: the rejection waits one microtask, behind the
 * work's own settlement.
 */
export function withTimeout<T>(clock: Clock, ms: number, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cancel = (): void => undefined;
    Promise.resolve(work).then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
    cancel = clock.schedule(ms, () => queueMicrotask(() => reject(new Error(`timed out after ${ms} ms`))));
  });
}
