/**
 * The failure classes the platform must survive, one scenario each, with the outcome it must have.
 * Faults are shaped like our failure domains (FoundationDB's simulator: kill a region, clog a link,
 * throttle an API), never both regions at once except where a scenario says so.
 */
import { World, WorldOptions } from './world';

/** What a scenario must come to. */
export type ExpectedOutcome =
  /** Writes move to the secondary within the objective, through exactly one promotion. */
  | 'recover'
  /** No promotion at all; the primary keeps (or regains) the writes. */
  | 'no-promotion'
  /** No promotion, and the orchestrator pages a human. */
  | 'no-promotion-and-page';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly expected: ExpectedOutcome;
  /** Simulated time after the fault, s (at least 15 minutes). */
  readonly runAfterFaultSeconds: number;
  /**
   * Seconds after the fault over which client recovery is measured.
   * @default runAfterFaultSeconds
   */
  readonly recoveryWindowSeconds?: number;
  /** Model settings this scenario needs. @default - the defaults */
  readonly world?: Partial<WorldOptions>;
  /** Injects the fault at the world's current time (the fault time), and schedules what follows. */
  inject(world: World): void;
  /** Further expectations on the end state; each returned string is a miss. @default - none */
  check?(world: World): string[];
}

const FIFTEEN_MINUTES = 900;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'primary-region-lost',
    description: 'The whole primary region goes dark: load balancer, tasks, database, APIs.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.loseRegion(world.primaryRegion),
  },
  {
    name: 'primary-database-lost',
    description: 'Only the primary Aurora cluster stops answering; the primary service and load balancer stay up.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.loseDatabase(world.primaryRegion),
  },
  {
    name: 'primary-load-balancer-lost',
    description: 'Only the primary load balancer (the service entry point) is lost; its database stays reachable and is write-fenced by the failover.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.setLoadBalancerUp(world.primaryRegion, false),
  },
  {
    name: 'regions-partitioned',
    description: 'The secondary region is cut off from the primary, while Route 53 checkers and clients still reach the primary.',
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.partitionRegions(true),
  },
  {
    name: 'primary-flapping',
    description: 'The primary load balancer drops out for 5-25 s every 60-120 s: blips shorter than the detection window.',
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      const random = world.sim.random.fork();
      const end = world.sim.now() + FIFTEEN_MINUTES * 1000;
      const blip = (): void => {
        if (world.sim.now() >= end) return;
        world.setLoadBalancerUp(world.primaryRegion, false);
        world.sim.schedule(random.uniform(5_000, 25_000), () => {
          world.setLoadBalancerUp(world.primaryRegion, true);
          world.sim.schedule(random.uniform(60_000, 120_000), blip);
        });
      };
      blip();
    },
  },
  {
    name: 'primary-database-blip',
    description:
      'The primary Aurora cluster stops answering for 20-45 s and comes back, as an in-region writer failover does ("typically less than 60 seconds", often less than 30): no cross-region failover.',
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.loseDatabase(world.primaryRegion);
      world.sim.schedule(world.sim.random.fork().uniform(20_000, 45_000), () => world.restoreDatabase(world.primaryRegion));
    },
  },
  {
    name: 'primary-answers-slowly',
    description:
      "The primary answers its readiness probes 2.5-4 s late for 10 minutes (a gray failure): Route 53's checkers (2 s to answer) and the orchestrator's 1 s probes count it down, but it is alive; the veto probe (5 s) sees it answer, so nothing is promoted while traffic moves to the standby, which forwards the writes.",
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.slowAnswers(world.primaryRegion, world.sim.random.fork().uniform(2_500, 4_000));
      world.sim.schedule(600_000, () => world.slowAnswers(world.primaryRegion, 0));
    },
  },
  {
    name: 'route53-checkers-blocked-at-primary',
    description:
      "A firewall change at the primary's load balancers refuses Route 53's checkers while the primary is healthy: traffic moves to the standby, which forwards the writes; nothing is promoted.",
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.blockRoute53Checkers(world.primaryRegion, true),
    check: (world) => {
      // The orchestrator's own probes still reach the primary, so it must not promote; and the clients,
      // whether they still reach the primary or already the standby, keep writing.
      const writes = Math.max(...world.clientRecovery(world.sim.now()).map((client) => client.writesMs));
      const problems = writes > 2_000 ? [`a client went ${(writes / 1000).toFixed(0)} s without an acknowledged write`] : [];
      if (world.regionCanWrite(world.secondaryRegion) === false) problems.push('the standby cannot take (forwarded) writes');
      return problems;
    },
  },
  {
    name: 'primary-lost-secondary-unhealthy',
    description: 'The secondary database is already down when the primary region is lost: nothing to fail over to.',
    expected: 'no-promotion-and-page',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.loseDatabase(world.secondaryRegion);
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'primary-lost-standby-crash-looping',
    description:
      "The standby's tasks are crash-looping (a bad image) when the primary region is lost: no region can serve, so nothing is promoted and a human is paged.",
    expected: 'no-promotion-and-page',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.crashLoopTasks(world.secondaryRegion);
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'primary-rds-api-down-tasks-replaced',
    description:
      "The primary region's RDS API fails every call for 10 minutes while ECS replaces its tasks one by one: the new tasks cannot read their role, and the region is otherwise healthy.",
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.failRdsApi(world.primaryRegion, 1, 10 * 60_000);
      // Two minutes apart: a replacement starts within 30-90 s, so one task always serves.
      world.replaceTasksOneByOne(world.primaryRegion, 120_000);
    },
  },
  {
    name: 'orchestrator-resolver-down',
    description:
      "The primary region is lost while the resolver the orchestrator uses in the standby region answers nothing: it cannot read Route 53's verdict, so it must not promote on its own view, and it pages.",
    expected: 'no-promotion-and-page',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.failOrchestratorResolver(FIFTEEN_MINUTES * 1000);
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'rds-api-throttled',
    description:
      'The primary region is lost while the RDS API of the secondary region fails every call for a minute, then throttles half of them for two more.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.failRdsApi(world.secondaryRegion, 1, 60_000);
      world.sim.schedule(60_000, () => world.failRdsApi(world.secondaryRegion, 0.5, 120_000));
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'secondary-rds-api-down',
    description: 'The primary region is lost while the RDS API of the secondary region fails every call: nothing can be promoted.',
    expected: 'no-promotion-and-page',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.failRdsApi(world.secondaryRegion, 1, FIFTEEN_MINUTES * 1000);
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'primary-rds-api-throttled',
    description: 'The RDS API of the primary region throttles 90 % of calls for 10 minutes; nothing else fails.',
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => world.failRdsApi(world.primaryRegion, 0.9, 600_000),
    check: (world) => {
      // Throttling must never look like an outage: the primary stays ready throughout.
      const writes = Math.max(...world.clientRecovery(world.sim.now()).map((client) => client.writesMs));
      return writes > 2_000 ? [`a client went ${(writes / 1000).toFixed(0)} s without an acknowledged write`] : [];
    },
  },
  {
    name: 'orchestrator-dies-mid-promotion',
    description: 'The primary region is lost; the orchestrator run that requested the promotion dies with its environment right after.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.loseRegion(world.primaryRegion);
      const watch = (): void => {
        if (world.observations.promotionsRequested.length > 0) world.orchestrator.killRunning();
        else world.sim.schedule(100, watch);
      };
      watch();
    },
  },
  {
    name: 'orchestrator-paused',
    description: 'An operator paused automatic failover; then the primary region is lost.',
    expected: 'no-promotion',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.setParameter(world.pauseParameterName, 'true');
      world.loseRegion(world.primaryRegion);
    },
  },
  {
    name: 'failover-then-planned-failback',
    description: 'The primary region is lost and fails over; it returns after 8 minutes, rejoins read-only, and an operator runs the planned failback.',
    expected: 'recover',
    // The resynchronisation (5-10 min), the switchover and its two minutes of settling fit.
    runAfterFaultSeconds: 25 * 60,
    // Aurora's resynchronisation takes "minutes to hours"; here 5-10 minutes, so the failback fits the run.
    world: { resyncSeconds: [300, 600] },
    inject: (world) => {
      world.loseRegion(world.primaryRegion);
      world.sim.schedule(480_000, () => world.restoreRegion(world.primaryRegion));
      world.sim.schedule(540_000, () => void world.operatorFailback());
    },
    check: (world) => {
      const problems: string[] = [];
      const primary = world.aurora.clusterInRegion(world.primaryRegion);
      if (world.aurora.writerIdentifier() !== primary) problems.push(`after the failback the writer is ${world.aurora.writerIdentifier()}, not ${primary}`);
      if (world.operatorResult !== 'switched') problems.push(`the operator's switchover ended with ${world.operatorResult ?? 'nothing'}`);
      if (!world.regionCanWrite(world.secondaryRegion)) problems.push('after the failback the secondary region cannot take (forwarded) writes');
      return problems;
    },
  },
  {
    name: 'second-regional-failure',
    description: 'After a failover, the old primary region returns read-only and then the new writer region is lost too.',
    expected: 'recover',
    runAfterFaultSeconds: FIFTEEN_MINUTES,
    inject: (world) => {
      world.loseRegion(world.primaryRegion);
      world.sim.schedule(420_000, () => world.restoreRegion(world.primaryRegion));
      world.sim.schedule(540_000, () => world.loseRegion(world.secondaryRegion));
    },
    recoveryWindowSeconds: 540,
    check: (world) => {
      const secondary = world.aurora.clusterInRegion(world.secondaryRegion);
      // The old primary must not take the writes back on its own: failback needs an operator.
      return world.aurora.writerIdentifier() === secondary ? [] : [`the writer moved to ${world.aurora.writerIdentifier()} without an operator`];
    },
  },
];

/**
 * One scenario for each fault class the issue names ("Faults to inject, one scenario each"), in its
 * order: whole primary region lost; primary database lost; primary service or load balancer lost;
 * the regions cut off from each other; a flapping primary; primary lost while the secondary is
 * unhealthy; RDS API throttling or errors in the secondary; the orchestrator paused; failover then
 * planned failback; a second regional failure. The speed goal (at least 10 scenarios x 200 seeds)
 * is timed on these. The RDS class has a second scenario, `secondary-rds-api-down` (errors for the
 * whole run), costlier per run (README, Failover rehearsal: Speed); `primary-rds-api-throttled` and
 * `orchestrator-dies-mid-promotion` are variations the rehearsal adds.
 */
export const FAULT_CLASS_SCENARIOS: readonly string[] = [
  'primary-region-lost',
  'primary-database-lost',
  'primary-load-balancer-lost',
  'regions-partitioned',
  'primary-flapping',
  'primary-lost-secondary-unhealthy',
  'rds-api-throttled',
  'orchestrator-paused',
  'failover-then-planned-failback',
  'second-regional-failure',
];

/** The pure outage scenarios: what the analytic worst case, the levers and the goal sweep are about. */
export const OUTAGE_SCENARIOS: readonly string[] = ['primary-region-lost', 'primary-database-lost', 'primary-load-balancer-lost'];

/** The scenarios a faster lever could break by promoting when it must not (blips, partitions, blocked checkers). */
export const SAFETY_SCENARIOS: readonly string[] = [
  'regions-partitioned',
  'primary-flapping',
  'primary-database-blip',
  'primary-answers-slowly',
  'route53-checkers-blocked-at-primary',
];

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
