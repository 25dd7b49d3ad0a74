/**
 * The parts of a recovering run's write gap (issue 23, item 5), from the fault on:
 * - detection: the Route 53 check the orchestrator relies on (the primary's signal check, or its
 *   routing health check when the platform has no signal)
 *   marks the primary unhealthy;
 * - orchestrator: from detection to the `FailoverGlobalCluster` call;
 * - promotion: from that call until Aurora reports the new writer;
 * - role pickup: from the new writer to the first write it commits for any client (the service
 *   learning its role, plus at most one client tick);
 * - client lag: the rest of each client's gap (its resolver and connection still on the old answer).
 * A client's floor is the larger of its traffic gap and detection + promotion; its overhead is its
 * write gap minus that floor: what the orchestrator and the service add.
 */
import { detectionRecord, PlatformWiring } from './platform-wiring';
import { orchestratorPace } from './pace';
import { World } from './world';

export interface WriteGapBreakdown {
  readonly detectionMs: number;
  readonly orchestratorMs: number;
  readonly promotionMs: number;
  readonly rolePickupMs: number;
  /** Per client: write gap minus detection, orchestrator, promotion and role pickup (at least 0). */
  readonly clientLagMs: number[];
  /** Per client: max(traffic gap, detection + promotion). */
  readonly floorMs: number[];
  /** Per client: write gap minus floor (at least 0). */
  readonly overheadMs: number[];
}

/** The breakdown of a run with exactly one failover; undefined otherwise (nothing to break down). */
export function writeGapBreakdown(world: World, recovery: ReadonlyArray<{ writesMs: number; trafficMs: number }>): WriteGapBreakdown | undefined {
  const failovers = world.aurora.writerChanges.filter((change) => change.kind === 'failover');
  if (failovers.length !== 1) return undefined;
  const [failover] = failovers;
  const faultAt = world.faultAt;
  const detectedAt = world.detectionCheck()?.changes.find((change) => change.at >= faultAt && !change.healthy)?.at;
  // A promotion without detection (the orchestrator saw the primary fail first) counts detection as its request.
  const detectionMs = Math.min(detectedAt ?? failover.requestedAt, failover.requestedAt) - faultAt;
  const orchestratorMs = failover.requestedAt - faultAt - detectionMs;
  const promotionMs = failover.at - failover.requestedAt;
  const firstCommit = world.firstAcknowledgementAfter(failover.to, failover.at);
  const rolePickupMs = firstCommit === undefined ? 0 : firstCommit - failover.at;
  const before = detectionMs + orchestratorMs + promotionMs + rolePickupMs;
  return {
    detectionMs,
    orchestratorMs,
    promotionMs,
    rolePickupMs,
    clientLagMs: recovery.map((client) => Math.max(0, client.writesMs - before)),
    floorMs: recovery.map((client) => Math.max(client.trafficMs, detectionMs + promotionMs)),
    overheadMs: recovery.map((client) => Math.max(0, client.writesMs - Math.max(client.trafficMs, detectionMs + promotionMs))),
  };
}

/**
 * One line naming each part and the wired properties that set it, for a miss: a template whose
 * timing is wrong fails with the property in the message.
 */
export function describeBreakdown(breakdown: WriteGapBreakdown, clientIndex: number, wiring: PlatformWiring): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;
  const check = detectionRecord(wiring)?.record.healthCheck;
  return [
    `detection ${s(breakdown.detectionMs)}${check ? ` (HealthCheckConfig.RequestInterval ${check.requestIntervalSeconds} s, HealthCheckConfig.FailureThreshold ${check.failureThreshold})` : ''}`,
    `orchestrator ${s(breakdown.orchestratorMs)} (${orchestratorPace(wiring)})`,
    `promotion ${s(breakdown.promotionMs)}`,
    `role pickup ${s(breakdown.rolePickupMs)}`,
    `client lag ${s(breakdown.clientLagMs[clientIndex])}`,
  ].join(', ');
}
