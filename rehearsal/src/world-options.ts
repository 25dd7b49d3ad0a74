/**
 * The rehearsal's knobs and its objective, apart from the world that uses them: the command lines
 * validate and print them without loading the simulation (and the service code it runs).
 */

/** The platform's recovery time objective, which the outage scenarios are held to. */
export const RTO_OBJECTIVE_SECONDS = 300;

/** Knobs of one run; defaults are the documented or planning figures. */
export interface WorldOptions {
  readonly clients: number;
  readonly checkersPerHealthCheck: number;
  /** Aurora `FailoverGlobalCluster` duration range, s (AWS: "in the order of minutes"; no figure). */
  readonly failoverSeconds: readonly [number, number];
  /** Replication lag range, ms (AWS: typically under a second). */
  readonly replicationLagMs: readonly [number, number];
  readonly resyncSeconds: readonly [number, number];
  /** TTL of an alias record to a load balancer: the ELB's 60 s (ELB User Guide, *Request routing*). */
  readonly elbAliasTtlSeconds: number;
}

export const DEFAULT_WORLD_OPTIONS: WorldOptions = {
  clients: 50,
  checkersPerHealthCheck: 8,
  failoverSeconds: [30, 120],
  replicationLagMs: [50, 1000],
  resyncSeconds: [300, 900],
  elbAliasTtlSeconds: 60,
};
