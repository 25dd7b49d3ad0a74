/**
 * The failover decision, free of I/O: what the orchestrator saw in one run, and what it must do.
 *
 * The orchestrator runs in the secondary region and depends on nothing in the primary region: it
 * probes the primary's readiness endpoint itself instead of reading Route 53 metrics (which live in
 * us-east-1) and reads the global cluster through the secondary region's RDS API.
 */

/** One readiness probe: `ok` means HTTP 200 from `/ready`. */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Role of the secondary cluster in the global database, as RDS reports it. */
export type ClusterRole =
  /** Secondary, replicating from the primary: a failover is possible. */
  | 'replica'
  /** Already the writer: a failover happened (or a switchover made it primary). */
  | 'writer'
  /** The global cluster is failing over or switching over right now. */
  | 'transitioning'
  /** The RDS API could not be read (throttling, errors): nothing is known. */
  | 'unknown';

export interface Observations {
  /** An operator switch, e.g. an SSM parameter: when true nothing is changed. */
  readonly paused: boolean;
  /** Consecutive probes of the primary region's readiness endpoint, oldest first. */
  readonly primaryProbes: readonly ProbeResult[];
  /** A probe of this (secondary) region's readiness endpoint. */
  readonly secondaryProbe: ProbeResult;
  readonly secondaryClusterRole: ClusterRole;
  /**
   * Whether Route 53's authoritative answer for the application already points at the secondary:
   * writes follow traffic, so that one vantage point can never move the writer alone.
   * Undefined when the answer could not be read.
   */
  readonly trafficOnSecondary?: boolean;
  /** How long the primary has failed every probe: from the streak's first failed probe to its newest. @default 0 */
  readonly outageSpanMs?: number;
}

export interface DecisionPolicy {
  /** Failed primary probes in a row needed to declare an outage; a blip never reaches it. */
  readonly requiredConsecutiveFailures: number;
  /** How long the failures must span before a promotion (against in-region database failovers). @default 0 */
  readonly minimumOutageMs?: number;
}

export type Action = 'none' | 'promote-secondary';

/** Every reason a decision can give; the failover rehearsal checks that each one occurs. */
export const DECISION_REASONS = [
  'paused',
  'already-promoted',
  'failover-in-progress',
  'cluster-state-unknown',
  'primary-answers',
  'too-few-probes',
  'secondary-unhealthy',
  'traffic-not-moved',
  'primary-outage-confirmed',
] as const;

export interface Decision {
  readonly action: Action;
  /** Machine-readable reason, used in logs, metrics and events. */
  readonly reason: (typeof DECISION_REASONS)[number];
  readonly detail: string;
}

export function decide(observations: Observations, policy: DecisionPolicy): Decision {
  if (!Number.isInteger(policy.requiredConsecutiveFailures) || policy.requiredConsecutiveFailures < 2) {
    throw new Error(`requiredConsecutiveFailures must be an integer of at least 2, got ${policy.requiredConsecutiveFailures}`);
  }
  if (observations.paused) {
    return { action: 'none', reason: 'paused', detail: 'automatic failover is paused by an operator' };
  }
  // Idempotence: once this region is the writer there is nothing to do, and never a way back.
  if (observations.secondaryClusterRole === 'writer') {
    return { action: 'none', reason: 'already-promoted', detail: 'the secondary cluster is already the writer' };
  }
  if (observations.secondaryClusterRole === 'transitioning') {
    return { action: 'none', reason: 'failover-in-progress', detail: 'the global cluster is failing or switching over' };
  }
  if (observations.secondaryClusterRole === 'unknown') {
    return { action: 'none', reason: 'cluster-state-unknown', detail: 'the global cluster state could not be read; retrying next run' };
  }
  // Split-brain guard: a single answer from the primary in the window vetoes promotion.
  const answered = observations.primaryProbes.filter((probe) => probe.ok).length;
  if (answered > 0) {
    return { action: 'none', reason: 'primary-answers', detail: `the primary answered ${answered} of ${observations.primaryProbes.length} probes` };
  }
  const trailingFailures = observations.primaryProbes.length;
  if (trailingFailures < policy.requiredConsecutiveFailures) {
    return {
      action: 'none',
      reason: 'too-few-probes',
      detail: `${trailingFailures} failed probes, ${policy.requiredConsecutiveFailures} in a row required`,
    };
  }
  const span = observations.outageSpanMs ?? 0;
  if (span < (policy.minimumOutageMs ?? 0)) {
    return {
      action: 'none',
      reason: 'too-few-probes',
      detail: `the primary has failed every probe for ${Math.round(span / 1000)} s of the ${Math.round((policy.minimumOutageMs ?? 0) / 1000)} s required`,
    };
  }
  if (!observations.secondaryProbe.ok) {
    return { action: 'none', reason: 'secondary-unhealthy', detail: `this region is not ready either: ${observations.secondaryProbe.reason}` };
  }
  if (observations.trafficOnSecondary !== true) {
    return {
      action: 'none',
      reason: 'traffic-not-moved',
      detail: `Route 53 ${observations.trafficOnSecondary === false ? 'still answers with the primary' : 'answer unreadable'}: the writer moves only after the traffic`,
    };
  }
  const reasons = [...new Set(observations.primaryProbes.map((probe) => (probe.ok ? 'ok' : probe.reason)))].join('; ');
  return {
    action: 'promote-secondary',
    reason: 'primary-outage-confirmed',
    detail: `${trailingFailures} consecutive failed probes of the primary (${reasons})`,
  };
}
