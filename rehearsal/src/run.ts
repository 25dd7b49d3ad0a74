/**
 * One rehearsal run: warm up, inject a scenario's fault, run at least 15 simulated minutes, then
 * check the invariants and the scenario's expected outcome.
 */
import { describeBreakdown, WriteGapBreakdown, writeGapBreakdown } from './breakdown';
import { orchestratorPace } from './pace';
import { PlatformWiring } from './platform-wiring';
import { Scenario } from './scenarios';
import { TimelineEntry } from './simulator';
import { DEFAULT_WORLD_OPTIONS, World, WorldOptions } from './world';

export { RTO_OBJECTIVE_SECONDS } from './world-options';
import { RTO_OBJECTIVE_SECONDS } from './world-options';

export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly faultAtMs: number;
  /** Per client: the longest window without an acknowledged write from the fault on, ms. */
  readonly writeRecoveryMs: number[];
  /** Per client: the longest window without reaching a ready region from the fault on, ms. */
  readonly trafficRecoveryMs: number[];
  readonly failovers: number;
  readonly switchovers: number;
  /** FailoverGlobalCluster calls, s after the fault. */
  readonly promotionRequestsAfterFaultS: number[];
  readonly pages: number;
  readonly decisions: Record<string, number>;
  readonly acknowledged: number;
  readonly lostWrites: number;
  readonly lossBound: number;
  readonly violations: string[];
  /** Misses of the scenario's expected outcome. */
  readonly misses: string[];
  /** The parts of each client's write gap, for a run with exactly one failover. */
  readonly breakdown?: WriteGapBreakdown;
  readonly timeline?: readonly TimelineEntry[];
}

export interface RunOptions {
  readonly world?: Partial<WorldOptions>;
  readonly timeline?: boolean;
}

export async function runScenario(wiring: PlatformWiring, scenario: Scenario, seed: number, options: RunOptions = {}): Promise<RunResult> {
  const world = new World(wiring, seed, { ...DEFAULT_WORLD_OPTIONS, ...scenario.world, ...options.world }, { timeline: options.timeline });
  const { sim } = world;
  // Warm-up: services report ready, the orchestrator has run, health checks settle; the fault lands
  // anywhere in a minute.
  const faultAtMs = Math.round(120_000 + sim.random.uniform(0, 60_000));
  await sim.run(faultAtMs);
  world.checkAtRest();
  world.faultAt = faultAtMs;
  sim.trace('rehearsal', `fault: ${scenario.name}`, { kind: 'fault' });
  scenario.inject(world);
  const endAt = faultAtMs + scenario.runAfterFaultSeconds * 1000;
  const measureUntil = faultAtMs + (scenario.recoveryWindowSeconds ?? scenario.runAfterFaultSeconds) * 1000;
  await sim.run(measureUntil);
  const recovery = world.clientRecovery(measureUntil);
  await sim.run(endAt);

  const changes = world.aurora.writerChanges;
  const failovers = changes.filter((change) => change.kind === 'failover');
  const acknowledged = [...world.observations.acksByCluster.values()].reduce((sum, acks) => sum + acks.total, 0);
  // Lost: not replicated before a failover, or accepted by an old primary after it lost the role.
  const lostWrites = changes.reduce((sum, change) => sum + change.lostWrites, 0) + world.aurora.discardedWrites + world.aurora.pendingDiscards();
  for (const { at, clusters } of world.aurora.splitBrains) {
    world.violate(`split brain at t=${(at / 1000).toFixed(1)} s: ${clusters.join(' and ')} both accepted writes`);
  }
  // Bound: acknowledged writes within one replication lag before the cut, plus what the old writer accepted after the failover began.
  const lag = world.aurora.replicationLagMs();
  const lossBound = failovers.reduce((sum, change) => {
    const acks = world.observations.acksByCluster.get(change.from);
    // Until the old writer is the writer again (a planned failback), whatever it accepted is lost.
    const regained = changes.find((later) => later.to === change.from && later.at > change.at)?.at ?? Number.POSITIVE_INFINITY;
    return sum + (acks?.count((at) => (at > change.replicatedUpTo && at <= change.replicatedUpTo + lag) || (at >= change.requestedAt && at < regained)) ?? 0);
  }, 0);
  const held = world.aurora.heldByWriter();
  if (held + lostWrites !== acknowledged) {
    world.violate(`acknowledged writes unaccounted for: ${acknowledged} acknowledged, ${held} held by the writer, ${lostWrites} counted lost`);
  }
  if (lostWrites > lossBound)
    world.violate(`${lostWrites} writes lost, more than the bound of ${lossBound} (replication lag plus writes after the failover began)`);
  if (failovers.length > 1) world.violate(`${failovers.length} failovers: never a second one`);

  const misses: string[] = [];
  const worstWrites = Math.max(...recovery.map((client) => client.writesMs));
  const breakdown = writeGapBreakdown(world, recovery);
  switch (scenario.expected) {
    case 'recover':
      if (failovers.length !== 1) misses.push(`expected exactly one promotion, saw ${failovers.length}`);
      if (worstWrites > RTO_OBJECTIVE_SECONDS * 1000) {
        const worst = recovery.findIndex((client) => client.writesMs === worstWrites);
        const parts = breakdown ? `: ${describeBreakdown(breakdown, worst, wiring)}` : '';
        misses.push(`a client waited ${(worstWrites / 1000).toFixed(0)} s for an acknowledged write (objective ${RTO_OBJECTIVE_SECONDS} s)${parts}`);
      }
      break;
    case 'no-promotion':
    case 'no-promotion-and-page':
      if (world.observations.promotionsRequested.length > 0)
        misses.push(
          `expected no promotion, saw ${world.observations.promotionsRequested.length} request(s) (the orchestrator's pace: ${orchestratorPace(wiring)})`,
        );
      if (scenario.expected === 'no-promotion-and-page') {
        // The human must hear of it within the objective: the page is the recovery here.
        const firstPage = world.observations.pages.find((page) => page.at >= faultAtMs);
        if (!firstPage) misses.push('expected a page, none was sent');
        else if (firstPage.at - faultAtMs > RTO_OBJECTIVE_SECONDS * 1000)
          misses.push(
            `the first page came ${((firstPage.at - faultAtMs) / 1000).toFixed(0)} s after the fault (objective ${RTO_OBJECTIVE_SECONDS} s); a run pages at its end: ${orchestratorPace(wiring)}`,
          );
      }
      break;
  }
  misses.push(...(scenario.check?.(world) ?? []));
  if (misses.length > 0) misses[misses.length - 1] += ` [${missContext(world)}]`;

  return {
    scenario: scenario.name,
    seed,
    faultAtMs,
    writeRecoveryMs: recovery.map((client) => client.writesMs),
    trafficRecoveryMs: recovery.map((client) => client.trafficMs),
    failovers: failovers.length,
    switchovers: changes.filter((change) => change.kind === 'switchover').length,
    promotionRequestsAfterFaultS: world.observations.promotionsRequested.map((at) => (at - faultAtMs) / 1000),
    pages: world.observations.pages.length,
    decisions: Object.fromEntries(world.observations.decisions),
    acknowledged,
    lostWrites,
    lossBound,
    violations: world.observations.violations,
    misses,
    breakdown,
    timeline: options.timeline ? sim.entries() : undefined,
  };
}

/**
 * What the orchestrator did, for a missed outcome: its runs, what held them back (naming the
 * function's properties when they did) and its last decision, with the template property behind
 * each value the decision quotes.
 */
function missContext(world: World): string {
  const { stats } = world.orchestrator;
  const { reservedConcurrency, maxEventAgeSeconds, timeoutSeconds } = world.wiring.orchestrator;
  const held = [
    stats.throttled > 0 ? `${stats.throttled} throttled (ReservedConcurrentExecutions ${reservedConcurrency ?? 'unreserved'})` : '',
    stats.dropped > 0 ? `${stats.dropped} dropped (MaximumEventAgeInSeconds ${maxEventAgeSeconds})` : '',
    stats.timeouts > 0 ? `${stats.timeouts} timed out (Timeout ${timeoutSeconds} s)` : '',
  ].filter(Boolean);
  const parts = [`the orchestrator ran ${stats.invocations} time(s)${held.length > 0 ? `, ${held.join(', ')}` : ''}`];
  if (world.lastDecision) parts.push(`its last decision: ${world.explain(world.lastDecision)}`);
  if (world.lastOrchestratorError) parts.push(`its last error: ${world.explain(world.lastOrchestratorError)}`);
  for (const [region, since] of world.unreadySince) if (since.at >= world.faultAt) parts.push(`${region} ${world.whyUnready(region)}`);
  return parts.join('; ');
}
