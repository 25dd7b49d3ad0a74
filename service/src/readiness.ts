import { Clock, every, withTimeout } from './clock';

/** A dependency the region needs in order to serve traffic (database, session store, ...). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency is usable; rejects (or times out) when it is not. */
  check(): Promise<void>;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessAnswer {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly checks: CheckResult[];
}

export interface ReadinessOptions {
  readonly checks: ReadinessCheck[];
  readonly clock: Clock;
  /**
   * Upper bound for each check. Route 53 needs the HTTP status within 2 s of connecting, so checks
   * never run inside a probe: they run in the background and probes read the latest result.
   * @default 1000
   */
  readonly timeoutMs?: number;
  /** How often the checks run. @default 5000 */
  readonly intervalMs?: number;
  /** Called after a background run changes the readiness. @default - nothing */
  readonly onChange?: (ready: boolean, checks: CheckResult[]) => void;
}

/**
 * The region's readiness as a state machine, apart from any HTTP listener: background checks on a
 * clock, the last completed result, and draining. The HTTP server and the failover rehearsal both
 * answer `/ready` from `answer()`.
 */
export class Readiness {
  private draining = false;
  private latest: CheckResult[] | undefined;
  private pending: Promise<void> | undefined;
  private readonly first: Promise<void>;
  private readonly stopTimer: () => void;
  private readonly timeoutMs: number;

  constructor(private readonly options: ReadinessOptions) {
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.first = this.refresh();
    this.stopTimer = every(options.clock, options.intervalMs ?? 5000, () => void this.refresh());
  }

  /** Runs the checks now (joining a run in progress); answers use the latest completed run. */
  public refresh(): Promise<void> {
    this.pending ??= Promise.all(this.options.checks.map((check) => this.run(check)))
      .then((results) => {
        const wasReady = this.latest?.every((result) => result.ok);
        this.latest = results;
        const isReady = results.every((result) => result.ok);
        if (wasReady !== isReady) this.options.onChange?.(isReady, results);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** What `/ready` answers. Only the very first answer after start waits, at most one check timeout. */
  public async answer(): Promise<ReadinessAnswer> {
    if (this.draining) return { ready: false, draining: true, checks: [] };
    if (this.latest === undefined) await this.first;
    const checks = this.latest ?? [];
    // Draining may have begun while waiting: answer with the state at answer time.
    return { ready: !this.draining && checks.every((result) => result.ok), draining: this.draining, checks };
  }

  /** The latest completed answer without waiting (undefined before the first run completes). */
  public current(): ReadinessAnswer | undefined {
    if (this.draining) return { ready: false, draining: true, checks: [] };
    return this.latest && { ready: this.latest.every((result) => result.ok), draining: false, checks: this.latest };
  }

  public isDraining(): boolean {
    return this.draining;
  }

  /** Stops the periodic checks, once a run in progress ends: the process is closing its connections. */
  public async stop(): Promise<void> {
    this.stopTimer();
    await this.pending?.catch(() => undefined);
  }

  /** From now on `/ready` is 503, so traffic drains away before the process exits. */
  public drain(): void {
    this.draining = true;
    this.stopTimer();
  }

  private async run(check: ReadinessCheck): Promise<CheckResult> {
    try {
      await withTimeout(this.options.clock, this.timeoutMs, check.check());
      return { name: check.name, ok: true };
    } catch (error) {
      return { name: check.name, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
