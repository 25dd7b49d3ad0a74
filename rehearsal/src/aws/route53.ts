/**
 * Route 53 health checks and weighted routing, modelled from the Route 53 Developer Guide. Only what
 * decides a failover is modelled. Sources (quotes in rehearsal/aws-sources.md):
 * - *How Amazon Route 53 determines whether a health check is healthy*: checkers in several
 *   regions don't coordinate; HTTP(S) checks need a TCP connection within 4 s and a 2xx/3xx status
 *   within 2 s after connecting; each checker evaluates the failure threshold; "If 18% of health
 *   checkers or fewer report that an endpoint is healthy, Route 53 considers it unhealthy"; "Route 53
 *   considers a new health check to be healthy until there's enough data".
 * - *Values that you specify when you create or update health checks*: the request interval is the
 *   time between a checker getting a response and sending the next request; the failure threshold is
 *   the number of consecutive checks an endpoint must pass or fail to change its status.
 * - *How Amazon Route 53 chooses records when health checking is configured*: only non-zero weights
 *   first; zero-weight records when all non-zero ones are unhealthy; when none is healthy, all are
 *   considered healthy (fail-open).
 * Limits: the number of checkers is not documented (configurable, default 8); latency between a
 * checker and an endpoint is drawn, not measured; DNS answers are immediate.
 */
import { Random } from '../random';
import { Simulator } from '../simulator';

export const ROUTE53 = {
  connectTimeoutMs: 4000,
  answerTimeoutMs: 2000,
  /** An endpoint is healthy only when MORE than this fraction of checkers report it healthy. */
  healthyFractionAbove: 0.18,
} as const;

/** What one probe of an endpoint saw. */
export interface ProbeOutcome {
  /** Time to open the TCP connection; undefined when no connection could be opened. */
  readonly connectMs?: number;
  /** HTTP status, when the endpoint answered. */
  readonly status?: number;
  /** Time from connection to the status line. */
  readonly answerMs?: number;
  /** True when the connection was refused or reset at once (no 4 s wait). */
  readonly refused?: boolean;
}

/** Whether one HTTP(S) probe passes: connection within 4 s, 2xx/3xx within 2 s after it. */
export function probePasses(outcome: ProbeOutcome): boolean {
  if (outcome.connectMs === undefined || outcome.connectMs > ROUTE53.connectTimeoutMs) return false;
  if (outcome.status === undefined || outcome.answerMs === undefined || outcome.answerMs > ROUTE53.answerTimeoutMs) return false;
  return outcome.status >= 200 && outcome.status < 400;
}

/** Aggregate status from the checkers' own verdicts: healthy when more than 18 % say healthy. */
export function aggregateHealthy(checkerVerdicts: readonly boolean[]): boolean {
  return aggregateHealthyCount(checkerVerdicts.filter(Boolean).length, checkerVerdicts.length);
}

function aggregateHealthyCount(healthy: number, checkers: number): boolean {
  return checkers === 0 || healthy / checkers > ROUTE53.healthyFractionAbove;
}

/** One checker's verdict, changed only by `failureThreshold` consecutive passes or failures. */
export class CheckerState {
  /** A new health check starts healthy. */
  public healthy = true;
  private streak = 0;
  private streakPasses = true;

  constructor(private readonly failureThreshold: number) {}

  public record(passed: boolean): void {
    if (passed === this.streakPasses) this.streak++;
    else {
      this.streakPasses = passed;
      this.streak = 1;
    }
    if (this.streak >= this.failureThreshold) this.healthy = passed;
  }
}

export interface WeightedRecord {
  readonly weight: number;
  readonly healthy: boolean;
}

/**
 * The record Route 53 answers with from a weighted group: healthy non-zero weights by weight; else
 * healthy zero-weight records; else (none healthy) all records as if healthy, by weight.
 */
export function chooseWeighted<T extends WeightedRecord>(records: readonly T[], random: Random): T {
  const healthy = records.filter((record) => record.healthy);
  const candidates = healthy.some((record) => record.weight > 0) ? healthy.filter((record) => record.weight > 0) : healthy.length > 0 ? healthy : records;
  const total = candidates.reduce((sum, record) => sum + record.weight, 0);
  if (total === 0) return candidates[random.int(candidates.length)];
  let pick = random.float() * total;
  for (const candidate of candidates) {
    pick -= candidate.weight;
    if (pick < 0) return candidate;
  }
  return candidates[candidates.length - 1];
}

export interface HealthCheckOptions {
  readonly name: string;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  readonly checkerCount: number;
  readonly inverted: boolean;
  /** Probes the endpoint once, from checker `index`. */
  readonly probe: (index: number) => Promise<ProbeOutcome>;
}

/** A health check: independent checkers, each on its own phase, each applying the threshold. */
export class HealthCheck {
  private readonly checkers: CheckerState[];
  private lastHealthy = true;
  /** When the aggregate status changed (a new health check starts healthy). */
  public readonly changes: Array<{ readonly at: number; readonly healthy: boolean }> = [];
  private stopped = false;

  constructor(
    private readonly sim: Simulator,
    random: Random,
    private readonly options: HealthCheckOptions,
  ) {
    this.checkers = Array.from({ length: options.checkerCount }, () => new CheckerState(options.failureThreshold));
    // Checkers start at independent phases within one interval.
    this.checkers.forEach((_, index) => sim.schedule(random.uniform(0, options.requestIntervalSeconds * 1000), () => void this.probeLoop(index)));
  }

  public healthy(): boolean {
    let healthyCheckers = 0;
    for (const checker of this.checkers) if (checker.healthy) healthyCheckers++;
    const healthy = aggregateHealthyCount(healthyCheckers, this.checkers.length);
    return this.options.inverted ? !healthy : healthy;
  }

  public stop(): void {
    this.stopped = true;
  }

  private async probeLoop(index: number): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.options.probe(index);
      // The checker learns the result when the answer arrives, or when its timers run out.
      const waited =
        outcome.connectMs === undefined
          ? outcome.refused
            ? 50
            : ROUTE53.connectTimeoutMs
          : outcome.connectMs + Math.min(outcome.answerMs ?? ROUTE53.answerTimeoutMs, ROUTE53.answerTimeoutMs);
      await this.sim.sleep(waited);
      const passed = probePasses(outcome);
      const checker = this.checkers[index];
      const before = checker.healthy;
      checker.record(passed);
      if (checker.healthy !== before && this.sim.tracing)
        this.sim.trace('route53', `${this.options.name}: checker ${index + 1} now says ${checker.healthy ? 'healthy' : 'unhealthy'}`);
      const healthy = this.healthy();
      if (healthy !== this.lastHealthy) {
        this.changes.push({ at: this.sim.now(), healthy });
        if (this.sim.tracing) this.sim.trace('route53', `${this.options.name} is now ${healthy ? 'HEALTHY' : 'UNHEALTHY'}`);
      }
      this.lastHealthy = healthy;
      await this.sim.sleep(this.options.requestIntervalSeconds * 1000);
    }
  }
}
