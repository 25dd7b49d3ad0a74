import { Random } from './random';

class Timer {
  public cancelled = false;
  constructor(
    public readonly at: number,
    public readonly seq: number,
    public readonly callback: () => void,
  ) {}
}

/**
 * What a timeline entry is, for the formatter to fold repetitive entries by structure: a message
 * reworded never changes how entries fold.
 */
export type TimelineEvent =
  /** The fault was injected: no folded line reaches across it. */
  | { readonly kind: 'fault' }
  /**
   * One of `of` members (clients) did what `crowd` names, e.g. "clients resolving to us-west-2";
   * the members of one crowd event fold into one line.
   */
  | { readonly kind: 'crowd'; readonly crowd: string; readonly member: number; readonly of: number }
  /** A scheduled run of a function started. */
  | { readonly kind: 'run-start'; readonly run: number }
  /** What the run decided (`decision`: its reason); `idle` when it changed nothing and saw nothing new. */
  | { readonly kind: 'run-decision'; readonly run: number; readonly decision: string; readonly idle: boolean }
  /** The run failed, timed out or was killed. */
  | { readonly kind: 'run-end'; readonly run: number };

/** One line of a run's timeline: what an actor saw or did, at a virtual time. */
export interface TimelineEntry {
  readonly at: number;
  readonly actor: string;
  readonly message: string;
  readonly event?: TimelineEvent;
}

/**
 * A discrete-event simulator with a virtual clock (the FoundationDB `sim2` / TigerBeetle
 * `testing/time.zig` idea). The project's real async code runs on it: its timers are events in a
 * heap, and after each instant the simulator lets pending promise continuations run before it
 * moves the clock, so nothing waits for real time and every run with the same seed is identical.
 *
 * It satisfies the service's `Clock` (`now`, `schedule`) and the orchestrator's `now`/`sleep`/
 * `schedule` dependencies.
 */
export class Simulator {
  public readonly random: Random;
  private time = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  private readonly timeline: TimelineEntry[] | undefined;

  constructor(seed: number, options: { readonly timeline?: boolean } = {}) {
    this.random = new Random(seed);
    this.timeline = options.timeline ? [] : undefined;
  }

  public now(): number {
    return this.time;
  }

  /** Calls `callback` after `ms` of virtual time; returns a cancel function. */
  public schedule(ms: number, callback: () => void): () => void {
    const timer = this.add(ms, callback);
    return () => {
      timer.cancelled = true;
    };
  }

  public sleep(ms: number): Promise<void> {
    // Without a cancel function: a sleep is never cancelled, and a closure per sleep adds up.
    return new Promise((resolve) => {
      this.add(ms, resolve);
    });
  }

  /** A promise that never settles: what a call sees when its execution environment was killed. */
  public never<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }

  /** Whether the timeline is recorded (callers skip building messages otherwise). */
  public get tracing(): boolean {
    return this.timeline !== undefined;
  }

  public trace(actor: string, message: string, event?: TimelineEvent): void {
    this.timeline?.push(event ? { at: this.time, actor, message, event } : { at: this.time, actor, message });
  }

  public entries(): readonly TimelineEntry[] {
    return this.timeline ?? [];
  }

  /** Runs every event up to and including `untilMs`, then leaves the clock there. */
  public run(untilMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Steps after every queued promise continuation has run, however deeply promises chain (work queued
      // with `process.nextTick` itself is not waited for; the simulated code uses none), without a turn of
      // the event loop and without a promise of its own. Node drains the next-tick queue only once the
      // microtask queue it is draining is empty ("since ESM modules are processed already as part of the
      // microtask queue, there queueMicrotask() callbacks are always executed before process.nextTick() ones
      // since Node.js is already in the process of draining the microtask queue", Node.js docs, process,
      // *When to use queueMicrotask() vs. process.nextTick()*). The microtask puts the tick request inside
      // that drain, behind the continuations already queued. A `setImmediate` per instant did the same
      // through a full event-loop turn (with its I/O poll) and cost about a quarter of a run; awaiting a
      // promise per instant cost six promises an instant.
      const afterContinuations = (): void => queueMicrotask(nextTick);
      const nextTick = (): void => process.nextTick(step);
      const step = (): void => {
        try {
          while (this.heap.length > 0 && this.heap[0].at <= untilMs) {
            const instant = this.heap[0].at;
            let fired = false;
            while (this.heap.length > 0 && this.heap[0].at === instant) {
              const timer = this.pop();
              if (timer.cancelled) continue;
              this.time = instant;
              fired = true;
              timer.callback();
            }
            // Continuations of the promises these events resolved run before time moves on. Instants
            // whose timers were all cancelled (timeouts that did not fire) have none.
            if (fired) return afterContinuations();
          }
          this.time = Math.max(this.time, untilMs);
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      afterContinuations();
    });
  }

  private add(ms: number, callback: () => void): Timer {
    const timer = new Timer(this.time + Math.max(0, ms), this.seq++, callback);
    // Sift up with a hole: each level moves one parent down instead of swapping.
    const heap = this.heap;
    let index = heap.length;
    heap.push(timer);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent];
      if (!before(timer, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = timer;
    return timer;
  }

  private pop(): Timer {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[index] = heap[child];
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
