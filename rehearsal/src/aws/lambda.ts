/**
 * EventBridge Scheduler invoking a Lambda function asynchronously, with reserved concurrency,
 * throttling retries, cold starts and the function timeout. Sources (quotes in
 * rehearsal/aws-sources.md):
 * - Scheduler invokes Lambda asynchronously, with 60-second precision: a target due at 1:00 is
 *   invoked "between 1:00:00 and 1:00:59" (Scheduler User Guide, *Schedule types*).
 * - Reserved concurrency is the maximum number of concurrent instances (Lambda Developer Guide).
 * - A throttled asynchronous event returns to the queue and is retried with an interval growing
 *   from 1 s up to 5 minutes, until the event's maximum age (Lambda Developer Guide, *How Lambda
 *   handles errors and retries with asynchronous invocation*). `MaximumRetryAttempts` applies to
 *   function errors only.
 * - Cold start: the first invocation of a new execution environment initialises it.
 * Limits: cold-start and scheduling delays are drawn from ranges; the scheduler's own retries (its
 * RetryPolicy) and Lambda's occasional silent drops of queued events are not modelled.
 */
import { Random } from '../random';
import { Simulator } from '../simulator';

export interface ScheduledFunctionOptions {
  readonly name: string;
  readonly periodSeconds: number;
  readonly reservedConcurrency?: number;
  readonly timeoutSeconds: number;
  readonly maxEventAgeSeconds: number;
  /** Cold start of a new execution environment, ms. @default 300–1200 */
  readonly coldStartMs?: readonly [number, number];
  /** Called when a run throws (the Lambda Errors metric). @default - the timeline only */
  readonly onError?: (error: unknown) => void;
}

/** One execution: `alive` turns false when the function times out and its environment is discarded. */
export interface Invocation {
  readonly id: number;
  alive: boolean;
}

export class ScheduledFunction {
  private running = 0;
  private readonly active = new Set<() => void>();
  private warmEnvironments = 0;
  private nextId = 1;
  private stopped = false;
  public readonly stats = { invocations: 0, throttled: 0, dropped: 0, timeouts: 0 };

  constructor(
    private readonly sim: Simulator,
    private readonly random: Random,
    private readonly options: ScheduledFunctionOptions,
    private readonly handler: (invocation: Invocation) => Promise<void>,
  ) {
    const period = options.periodSeconds * 1000;
    const tick = (due: number): void => {
      if (this.stopped) return;
      // 60-second precision: somewhere in the minute the invocation is due.
      this.sim.schedule(due - this.sim.now() + this.random.uniform(0, 60_000), () => this.deliver(this.sim.now(), 1000));
      this.sim.schedule(due + period - this.sim.now(), () => tick(due + period));
    };
    tick(Math.ceil(sim.now() / period) * period);
  }

  /** Every running execution dies at once (a crash of its environment); later invocations start cold. */
  public killRunning(): void {
    for (const kill of [...this.active]) kill();
  }

  /** The schedule is deleted or its region lost: nothing more is invoked. */
  public stop(): void {
    this.stopped = true;
  }

  private deliver(enqueuedAt: number, retryMs: number): void {
    if (this.stopped) return;
    if (this.options.reservedConcurrency !== undefined && this.running >= this.options.reservedConcurrency) {
      this.stats.throttled++;
      if (this.sim.now() + retryMs - enqueuedAt > this.options.maxEventAgeSeconds * 1000) {
        this.stats.dropped++;
        this.sim.trace(this.options.name, 'throttled event dropped (maximum event age)');
        return;
      }
      this.sim.schedule(retryMs, () => this.deliver(enqueuedAt, Math.min(retryMs * 2, 300_000)));
      return;
    }
    this.running++;
    this.stats.invocations++;
    const invocation: Invocation = { id: this.nextId++, alive: true };
    const cold = this.warmEnvironments === 0;
    if (!cold) this.warmEnvironments--;
    const [coldMin, coldMax] = this.options.coldStartMs ?? [300, 1200];
    const start = cold ? this.random.uniform(coldMin, coldMax) : 0;
    let finished = false;
    const finish = (outcome: 'done' | 'timeout' | 'killed'): void => {
      if (finished) return;
      finished = true;
      this.active.delete(kill);
      this.running--;
      if (outcome === 'done') {
        this.warmEnvironments++;
        return;
      }
      invocation.alive = false;
      if (outcome === 'timeout') this.stats.timeouts++;
      this.sim.trace(
        this.options.name,
        `run ${invocation.id} ${outcome === 'timeout' ? `timed out after ${this.options.timeoutSeconds} s` : 'killed with its environment'}`,
        { kind: 'run-end', run: invocation.id },
      );
    };
    const kill = (): void => finish('killed');
    this.active.add(kill);
    this.sim.schedule(start, () => {
      if (this.sim.tracing)
        this.sim.trace(this.options.name, `run ${invocation.id} starts${cold ? ' (cold start)' : ''}`, { kind: 'run-start', run: invocation.id });
      if (finished) return;
      const cancelTimeout = this.sim.schedule(this.options.timeoutSeconds * 1000, () => finish('timeout'));
      this.handler(invocation).then(
        () => {
          cancelTimeout();
          finish('done');
        },
        (error) => {
          cancelTimeout();
          if (!invocation.alive) return;
          this.sim.trace(this.options.name, `run ${invocation.id} failed: ${String(error)}`, { kind: 'run-end', run: invocation.id });
          this.options.onError?.(error);
          finish('done');
        },
      );
    });
  }
}
