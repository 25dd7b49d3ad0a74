import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { FailoverGlobalClusterCommand, GlobalCluster, RDSClient } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ClusterRole, Decision, decide, Observations, ProbeResult } from './decision';
import { describeGlobalCluster, memberOf } from './global-cluster';

export interface OrchestratorConfig {
  readonly globalClusterIdentifier: string;
  /** ARN of the secondary cluster: the failover target. */
  readonly secondaryClusterArn: string;
  /** Readiness URL of the primary region (its load balancer), probed from this region. */
  readonly primaryReadinessUrl: string;
  /** Readiness URL of this region's load balancer. */
  readonly secondaryReadinessUrl: string;
  /** SSM parameter whose value `true` pauses the automation. */
  readonly pauseParameterName: string;
  readonly probeCount: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  /**
   * Timeout of the veto probe, taken beside Route 53's answer right before a promotion: longer than
   * the streak's probes, so that a primary answering slowly (alive) still vetoes.
   * @default probeTimeoutMs
   */
  readonly vetoTimeoutMs?: number;
  /**
   * The primary must have failed every probe for at least this long before a promotion: an in-region
   * Aurora writer failover restores service "in less than 60 seconds" typically, and must never turn
   * into a cross-region failover with data loss. @default 0
   */
  readonly minimumOutageMs?: number;
  readonly promotionTimeoutMs: number;
  readonly promotionPollMs: number;
  readonly eventBusName: string;
  readonly notificationTopicArn: string;
  /**
   * How long one run keeps watching the primary: a probe every `probeIntervalMs` for the whole window,
   * so that an outage is confirmed between two scheduled runs instead of at the next one.
   */
  readonly probeWindowMs: number;
  /**
   * SSM parameter (in this region) that carries the primary's failed-probe streak from one run to the
   * next: Lambda memory does not survive between runs. Unset: every run starts a new streak.
   */
  readonly probeStateParameterName?: string;
  /** A stored streak whose newest probe is older than this is discarded (the primary was not watched). */
  readonly probeStreakMaxAgeMs: number;
  /**
   * Once the outage is confirmed and only Route 53 has not moved the traffic yet, the run keeps going
   * past its window for up to this long, instead of leaving the wait to a run that may start late.
   */
  readonly trafficWaitMs: number;
}

export interface OrchestratorDependencies {
  readonly rds: Pick<RDSClient, 'send'>;
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly events: Pick<EventBridgeClient, 'send'>;
  readonly fetch: (url: string, init: { signal: AbortSignal }) => Promise<{ status: number }>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Calls `callback` once after `ms` (probe timeouts); returns a cancel function. */
  readonly schedule: (ms: number, callback: () => void) => () => void;
  readonly log: (entry: Record<string, unknown>) => void;
  /** Route 53's authoritative answer for the application points at the secondary (undefined: unreadable). */
  readonly trafficOnSecondary: () => Promise<boolean | undefined>;
}

export interface RunReport {
  readonly decision: Decision;
  readonly promoted: boolean;
  /** After a promotion: whether the secondary was verified as the new writer in time. */
  readonly verifiedWriter?: boolean;
  readonly durationMs: number;
}

const NOT_PROBED: ProbeResult = { ok: false, reason: 'not probed' };

/** Decisions that leave a confirmed outage without a failover: a human must act. */
const BLOCKED_DECISIONS: readonly string[] = ['secondary-unhealthy', 'cluster-state-unknown'];

/**
 * Whether a decision blocks a failover a human must look at: the blocked decisions, and Route 53's
 * answer unreadable (the zone's name servers unreachable from here: the orchestrator must not promote
 * on its own view, and nobody else would notice).
 */
function blocksFailover(decision: Decision, observations: Observations): boolean {
  return BLOCKED_DECISIONS.includes(decision.reason) || (decision.reason === 'traffic-not-moved' && observations.trafficOnSecondary === undefined);
}
/** How long a blocked failover lasts within a run before it pages (a throttled read that clears within a minute does not). */
const BLOCKED_PAGE_AFTER_MS = 60_000;

/**
 * One run: observe, decide, act, record. Safe to run concurrently with itself only once (see
 * reserved concurrency).
 *
 * While a promotion is possible, the run watches the primary for `probeWindowMs`: a probe every
 * `probeIntervalMs`, with the streak of failed probes carried across runs in a durable parameter.
 * Once `probeCount` probes in a row have failed, each further round also probes this region and
 * reads Route 53's authoritative answer (writes follow traffic), and the primary gets one more probe
 * at the same time (the split-brain veto). A single answer from the primary resets the streak.
 */
export async function runOnce(config: OrchestratorConfig, deps: OrchestratorDependencies): Promise<RunReport> {
  const started = deps.now();
  const paused = await readPaused(config, deps);
  let role = await readClusterRole(config, deps);
  const policy = { requiredConsecutiveFailures: config.probeCount, minimumOutageMs: config.minimumOutageMs ?? 0 };
  const vetoConfig = { probeTimeoutMs: config.vetoTimeoutMs ?? config.probeTimeoutMs };
  let observations: Observations = { paused, primaryProbes: [], secondaryProbe: NOT_PROBED, secondaryClusterRole: role };
  let decision = decide(observations, policy);
  // Probing only when a promotion is possible at all. An unreadable cluster state (API throttling)
  // keeps the watch going and is read again each round: the streak stays current, and the
  // promotion can follow as soon as the API answers.
  let streak: ProbeResult[] = [];
  let lastFailureAt: number | undefined;
  // When the primary's current run of failed probes began (this run's, or a stored streak's).
  let streakStartedAt: number | undefined;
  const observe = (result: ProbeResult): void => {
    streak = extend(streak, result);
    if (result.ok) {
      streakStartedAt = undefined;
      return;
    }
    lastFailureAt = deps.now();
    streakStartedAt ??= lastFailureAt;
  };
  const outageSpanMs = (): number => (streakStartedAt === undefined || lastFailureAt === undefined ? 0 : lastFailureAt - streakStartedAt);
  let promoted = false;
  let pagedFailure = false;
  // A failover blocked for a minute pages from inside the run: a run lasts minutes, and the human
  // must hear of it within the recovery objective, not at the run's end.
  let blockedSince: number | undefined;
  let pagedBlocked = false;
  if (!paused && (role === 'replica' || role === 'unknown')) {
    const stored = await loadStreak(config, deps);
    streak = stored.results;
    streakStartedAt = stored.startedAt;
    lastFailureAt = stored.lastProbeAt;
    const deadline = started + config.probeWindowMs;
    for (let round = 0; ; round++) {
      const roundStarted = deps.now();
      if (role === 'unknown' && round > 0) role = await readClusterRole(config, deps);
      if (role !== 'replica' && role !== 'unknown') {
        observations = { ...observations, secondaryClusterRole: role };
        decision = decide(observations, policy);
        break;
      }
      if (confirmedOutage(streak, config)) {
        // Already confirmed: this round's primary probe is the veto, taken at the same time as the
        // standby's probe and Route 53's answer (a round costs one probe timeout, not two).
        const [veto, secondaryProbe, traffic] = await Promise.all([
          probe(config.primaryReadinessUrl, vetoConfig, deps),
          probe(config.secondaryReadinessUrl, config, deps),
          deps.trafficOnSecondary(),
        ]);
        observe(veto);
        observations = {
          outageSpanMs: outageSpanMs(),
          paused,
          primaryProbes: streak,
          secondaryProbe,
          secondaryClusterRole: role,
          trafficOnSecondary: secondaryProbe.ok ? traffic : undefined,
        };
      } else {
        observe(await probe(config.primaryReadinessUrl, config, deps));
        observations = { paused, primaryProbes: streak, secondaryProbe: NOT_PROBED, secondaryClusterRole: role, outageSpanMs: outageSpanMs() };
        if (confirmedOutage(streak, config)) {
          // Confirmed by this probe: the standby, then Route 53's answer with the veto beside it.
          const secondaryProbe = await probe(config.secondaryReadinessUrl, config, deps);
          let trafficOnSecondary: boolean | undefined;
          if (secondaryProbe.ok) {
            const [traffic, veto] = await Promise.all([deps.trafficOnSecondary(), probe(config.primaryReadinessUrl, vetoConfig, deps)]);
            trafficOnSecondary = traffic;
            observe(veto);
          }
          observations = { paused, primaryProbes: streak, secondaryProbe, secondaryClusterRole: role, trafficOnSecondary, outageSpanMs: outageSpanMs() };
        }
      }
      decision = decide(observations, policy);
      blockedSince = blocksFailover(decision, observations) ? (blockedSince ?? deps.now()) : undefined;
      if (blockedSince !== undefined && !pagedBlocked && deps.now() - blockedSince >= BLOCKED_PAGE_AFTER_MS) {
        pagedBlocked = true;
        await page(config, deps, `Trading DR: failover blocked (${decision.reason})`, { ...decision, promoted: false });
      }
      if (decision.action === 'promote-secondary') {
        // The run has been going for minutes: an operator may have paused it, or switched the
        // writer over, meanwhile. Both are read again right before acting.
        const [pausedNow, roleNow] = await Promise.all([readPaused(config, deps), readClusterRole(config, deps)]);
        role = roleNow;
        observations = { ...observations, paused: pausedNow, secondaryClusterRole: roleNow };
        decision = decide(observations, policy);
        if (decision.action === 'promote-secondary') {
          promoted = await promote(config, deps);
          if (promoted) break;
          // Page once; the next round checks everything again and asks again.
          if (!pagedFailure) {
            pagedFailure = true;
            await page(config, deps, 'Trading DR: standby database promotion FAILED to start', { ...decision, promoted });
          }
        }
        if (pausedNow || (roleNow !== 'replica' && roleNow !== 'unknown')) break;
      }
      // Once the probes have confirmed the outage, the run goes on past its window for a while
      // (Route 53 still moving, the cluster state unreadable, the promotion refused) rather than
      // leave the rest to a run that may start late.
      const nextRound = roundStarted + config.probeIntervalMs;
      if (nextRound >= deadline + (confirmedOutage(streak, config) ? config.trafficWaitMs : 0)) break;
      await deps.sleep(Math.max(0, nextRound - deps.now()));
    }
  }
  deps.log({
    level: 'info',
    msg: 'failover decision',
    ...decision,
    role,
    paused,
    primaryProbes: observations.primaryProbes,
    secondaryProbe: observations.secondaryProbe,
  });

  // A promotion that did not start keeps its streak: the next run can request it again at once.
  if (!paused && streak.length > 0) await saveStreak(promoted ? [] : streak, lastFailureAt, streakStartedAt, config, deps);
  let verifiedWriter: boolean | undefined;
  if (promoted) {
    // Page at once: the wait below can outlast the run if the promotion is slow.
    await page(config, deps, 'Trading DR: standby database promotion started', { ...decision, promoted });
    verifiedWriter = await waitForWriter(config, deps);
  }
  const report: RunReport = { decision, promoted, verifiedWriter, durationMs: deps.now() - started };
  await record(report, config, deps, pagedBlocked);
  return report;
}

/** The consecutive probes since the primary last answered: a success starts over. */
function extend(streak: readonly ProbeResult[], result: ProbeResult): ProbeResult[] {
  return result.ok ? [result] : [...streak.filter((earlier) => !earlier.ok), result];
}

interface StoredStreak {
  /** Time of the newest failed probe, ms since the epoch. */
  readonly lastProbeAt: number;
  /** Time of the first failed probe of the streak; absent in streaks stored before the minimum outage. */
  readonly firstProbeAt?: number;
  readonly reasons: string[];
}

/** The failed-probe streak of earlier runs, with its first and newest times; empty when none is stored, it is stale, or unreadable. */
async function loadStreak(
  config: OrchestratorConfig,
  deps: OrchestratorDependencies,
): Promise<{ results: ProbeResult[]; startedAt?: number; lastProbeAt?: number }> {
  const none = { results: [] };
  if (!config.probeStateParameterName) return none;
  try {
    const output = await deps.ssm.send(new GetParameterCommand({ Name: config.probeStateParameterName }));
    const stored = JSON.parse(output.Parameter?.Value ?? '{}') as Partial<StoredStreak>;
    if (!Array.isArray(stored.reasons) || typeof stored.lastProbeAt !== 'number') return none;
    const age = deps.now() - stored.lastProbeAt;
    // A future time (clock skew, a hand edit) is as untrustworthy as an old one.
    if (age < 0 || age > config.probeStreakMaxAgeMs) return none;
    // Without its first time (stored by an older release), the streak counts as begun at its newest probe.
    const startedAt = typeof stored.firstProbeAt === 'number' && stored.firstProbeAt <= stored.lastProbeAt ? stored.firstProbeAt : stored.lastProbeAt;
    return {
      results: stored.reasons.slice(-config.probeCount).map((reason) => ({ ok: false, reason: `earlier run: ${reason}` })),
      startedAt,
      lastProbeAt: stored.lastProbeAt,
    };
  } catch (error) {
    // Starting over only delays a promotion; it never causes one.
    if (errorName(error) !== 'ParameterNotFound') deps.log({ level: 'warn', msg: 'probe streak unreadable: starting over', error: describe(error) });
    return none;
  }
}

async function saveStreak(
  streak: readonly ProbeResult[],
  lastFailureAt: number | undefined,
  startedAt: number | undefined,
  config: OrchestratorConfig,
  deps: OrchestratorDependencies,
): Promise<void> {
  if (!config.probeStateParameterName) return;
  const failures = streak.filter((result): result is { ok: false; reason: string } => !result.ok);
  // The streak ages from its newest failed probe, not from the save.
  const value: StoredStreak = {
    lastProbeAt: lastFailureAt ?? deps.now(),
    ...(startedAt !== undefined && failures.length > 0 ? { firstProbeAt: startedAt } : {}),
    reasons: failures.slice(-config.probeCount).map((result) => result.reason.replace(/^earlier run: /, '')),
  };
  await bestEffort(deps, 'probe streak', () =>
    deps.ssm.send(new PutParameterCommand({ Name: config.probeStateParameterName, Value: JSON.stringify(value), Type: 'String', Overwrite: true })),
  );
}

/** Whether a value of the pause switch pauses automatic failover (the one rule verify-deployment reads it by too). */
export function isPauseValue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

async function readPaused(config: OrchestratorConfig, deps: OrchestratorDependencies): Promise<boolean> {
  try {
    const output = await deps.ssm.send(new GetParameterCommand({ Name: config.pauseParameterName }));
    return isPauseValue(output.Parameter?.Value);
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') return false;
    // An unreadable switch must not turn into an unwanted promotion.
    deps.log({ level: 'warn', msg: 'pause switch unreadable: acting as paused', error: describe(error) });
    return true;
  }
}

/** The secondary cluster's role in the global cluster, read in this region. */
async function readClusterRole(config: OrchestratorConfig, deps: Pick<OrchestratorDependencies, 'rds' | 'log'>): Promise<ClusterRole> {
  let cluster: GlobalCluster | undefined;
  try {
    cluster = await describeGlobalCluster(deps.rds, config.globalClusterIdentifier);
  } catch (error) {
    deps.log({ level: 'warn', msg: 'global cluster unreadable', error: describe(error) });
    return 'unknown';
  }
  if (!cluster) return 'unknown';
  const transitioning =
    ['failing-over', 'switching-over'].includes(cluster.Status ?? '') ||
    ['pending', 'failing-over', 'switching-over', 'cancelling'].includes(cluster.FailoverState?.Status ?? '');
  if (transitioning) return 'transitioning';
  const member = memberOf(cluster, config.secondaryClusterArn);
  if (!member) {
    // A wiring fault, not a transient one: say which cluster is missing from which members.
    deps.log({
      level: 'error',
      msg: 'the secondary cluster is not a member of the global cluster',
      secondaryClusterArn: config.secondaryClusterArn,
      members: (cluster.GlobalClusterMembers ?? []).map((candidate) => candidate.DBClusterArn).join(', '),
    });
    return 'unknown';
  }
  return member.IsWriter ? 'writer' : 'replica';
}

/** The streak holds `probeCount` or more probes and the latest failed: an outage the primary has not answered since. */
function confirmedOutage(streak: readonly ProbeResult[], config: Pick<OrchestratorConfig, 'probeCount'>): boolean {
  return streak.length >= config.probeCount && !streak[streak.length - 1].ok;
}

export async function probe(
  url: string,
  config: Pick<OrchestratorConfig, 'probeTimeoutMs'>,
  deps: Pick<OrchestratorDependencies, 'fetch' | 'schedule'>,
): Promise<ProbeResult> {
  const controller = new AbortController();
  const cancelTimeout = deps.schedule(config.probeTimeoutMs, () => controller.abort());
  try {
    const response = await deps.fetch(url, { signal: controller.signal });
    return response.status === 200 ? { ok: true } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, reason: controller.signal.aborted ? `timeout after ${config.probeTimeoutMs} ms` : describe(error) };
  } finally {
    cancelTimeout();
  }
}

async function promote(config: OrchestratorConfig, deps: OrchestratorDependencies): Promise<boolean> {
  try {
    // AllowDataLoss: the only failover possible while the primary region is unreachable; the
    // recovery point is the replication lag at the moment of the outage.
    await deps.rds.send(
      new FailoverGlobalClusterCommand({
        GlobalClusterIdentifier: config.globalClusterIdentifier,
        TargetDbClusterIdentifier: config.secondaryClusterArn,
        AllowDataLoss: true,
      }),
    );
    deps.log({ level: 'info', msg: 'failover started', target: config.secondaryClusterArn });
    return true;
  } catch (error) {
    deps.log({ level: 'error', msg: 'failover request failed', error: describe(error) });
    return false;
  }
}

async function waitForWriter(config: OrchestratorConfig, deps: OrchestratorDependencies): Promise<boolean> {
  const deadline = deps.now() + config.promotionTimeoutMs;
  while (deps.now() < deadline) {
    await deps.sleep(config.promotionPollMs);
    if ((await readClusterRole(config, deps)) === 'writer') {
      deps.log({ level: 'info', msg: 'new writer verified', writer: config.secondaryClusterArn });
      return true;
    }
  }
  deps.log({ level: 'error', msg: 'new writer not verified in time', timeoutMs: config.promotionTimeoutMs });
  return false;
}

/** Structured log with embedded metrics, an event for every decision that is not routine, and a page for those that need a human. */
async function record(report: RunReport, config: OrchestratorConfig, deps: OrchestratorDependencies, pagedBlocked: boolean): Promise<void> {
  deps.log({
    _aws: {
      Timestamp: deps.now(),
      CloudWatchMetrics: [
        {
          Namespace: 'TradingDR/Failover',
          Dimensions: [['Decision']],
          Metrics: [
            { Name: 'Runs', Unit: 'Count' },
            { Name: 'Promotions', Unit: 'Count' },
          ],
        },
      ],
    },
    Decision: report.decision.reason,
    Runs: 1,
    Promotions: report.promoted ? 1 : 0,
  });
  // Steady states are in the logs and metrics; events and pages are for what changes something.
  if (['primary-answers', 'too-few-probes', 'already-promoted', 'paused'].includes(report.decision.reason)) return;
  const detail = { ...report.decision, promoted: report.promoted, verifiedWriter: report.verifiedWriter, durationMs: report.durationMs };
  await bestEffort(deps, 'event', () =>
    deps.events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: config.eventBusName, Source: 'trading.failover', DetailType: 'FailoverDecision', Detail: JSON.stringify(detail) }],
      }),
    ),
  );
  if (report.decision.action === 'promote-secondary') {
    if (report.promoted) {
      await page(
        config,
        deps,
        report.verifiedWriter ? 'Trading DR: standby database promoted and verified as writer' : 'Trading DR: promotion NOT verified in time',
        detail,
      );
    }
  } else if (BLOCKED_DECISIONS.includes(report.decision.reason) && !pagedBlocked) {
    await page(config, deps, `Trading DR: failover blocked (${report.decision.reason})`, detail);
  }
}

async function page(config: OrchestratorConfig, deps: OrchestratorDependencies, subject: string, detail: Record<string, unknown>): Promise<void> {
  await bestEffort(deps, 'notification', () =>
    deps.sns.send(new PublishCommand({ TopicArn: config.notificationTopicArn, Subject: subject, Message: JSON.stringify(detail, null, 2) })),
  );
}

async function bestEffort(deps: OrchestratorDependencies, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    deps.log({ level: 'error', msg: `${what} not sent`, error: describe(error) });
  }
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string })?.name;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
