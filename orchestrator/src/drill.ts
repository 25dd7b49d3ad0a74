import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { describeGlobalCluster, memberOf } from './global-cluster';
import { switchover, SwitchoverDependencies } from './switchover';

export interface DrillOptions {
  /** The environment the operator named on the command line. */
  readonly environmentSuffix: string;
  /** How printed commands select the environment, as the operator did (`--config <name>`). @default `--environment <suffix>` */
  readonly environmentSelector?: string;
  /** Must read `drill-<environmentSuffix>`: typed by a human who knows what it does. */
  readonly confirmation: string;
  /** The application name whose DNS answers are watched, e.g. app.trading.example.net. */
  readonly applicationHostName: string;
  readonly secondaryLoadBalancerDnsName: string;
  readonly globalClusterIdentifier: string;
  readonly primaryClusterArn: string;
  readonly secondaryClusterArn: string;
  readonly primaryEcsCluster: string;
  readonly primaryEcsService: string;
  readonly pauseParameterName: string;
  readonly objectiveSeconds: number;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** How long to wait for Aurora to rebuild the old primary before switching back. */
  readonly resyncTimeoutMs: number;
  /**
   * With a write load: how long orders keep flowing after the control plane moved, so the stream
   * shows writes resuming in the secondary region before it stops. @default 60000
   */
  readonly writeSettleMs?: number;
}

/** What the client saw of a drill's write load (the load generator in production). */
export interface WritePathReport {
  readonly ratePerSecond: number;
  readonly acknowledged: number;
  /** Orders that were never acknowledged within their deadline. */
  readonly abandoned: number;
  /**
   * Client-observed RTO: the longest time between two acknowledged writes. Undefined when the run
   * cannot vouch for one (no acknowledged writes on both sides of the outage): see `unmeasured`.
   */
  readonly longestGapSeconds?: number;
  /** Client-observed RPO: acknowledged orders the new writer does not have (undefined when not measured). */
  readonly lostAcknowledged?: number;
  /** Why no RTO or RPO could be measured. @default - they were measured */
  readonly unmeasured?: string;
  readonly byRegion: Record<string, number>;
}

/** A steady stream of idempotent orders to the application name. */
export interface WriteLoad {
  /** Starts sending. */
  start(): void;
  /** Stops sending, waits for orders in flight, reads every acknowledged order back through the application name. */
  finish(): Promise<WritePathReport>;
}

export interface DrillDependencies extends SwitchoverDependencies {
  /** ECS of the primary region (the failure is injected there). */
  readonly primaryEcs: Pick<ECSClient, 'send'>;
  /** RDS of the secondary region (it stays reachable through the drill). */
  readonly rds: Pick<RDSClient, 'send'>;
  /** IPv4 answers for a name, as the operator's resolver returns them. */
  readonly resolve: (hostName: string) => Promise<string[]>;
  /** Maximum Aurora replication lag (s) over a time range, when available. */
  readonly replicationLagSeconds: (fromMs: number, toMs: number) => Promise<number | undefined>;
  /** Orders sent through the drill, measuring what traders see. @default - no write load: control-plane timings only */
  readonly writeLoad?: WriteLoad;
}

export interface DrillReport {
  readonly dnsSwitchedAfterSeconds?: number;
  readonly writesMovedAfterSeconds?: number;
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
  readonly objectiveSeconds: number;
  /** The write path measured by the load, when there was one. */
  readonly writePath?: WritePathReport;
  /** Both control-plane moves within the objective, and with a load, its longest write gap too. */
  readonly meetsObjective: boolean;
}

/**
 * Game-day drill: makes the primary region fail its readiness check by scaling its service to zero
 * (reversible), measures how long until DNS answers point at the secondary and until the secondary
 * database is the writer, then restores the service and switches the database back (no data loss).
 */
export async function runDrill(options: DrillOptions, deps: DrillDependencies): Promise<DrillReport> {
  if (options.confirmation !== `drill-${options.environmentSuffix}`) {
    throw new Error(`refusing to run: pass --confirm drill-${options.environmentSuffix} to drill the environment "${options.environmentSuffix}"`);
  }
  if (await secondaryIsWriter(options, deps)) {
    throw new Error('refusing to run: the secondary cluster is already the writer (fail back first with npm run switchover)');
  }

  const service = (await deps.primaryEcs.send(new DescribeServicesCommand({ cluster: options.primaryEcsCluster, services: [options.primaryEcsService] })))
    .services?.[0];
  if (!service) throw new Error(`service ${options.primaryEcsService} not found in ${options.primaryEcsCluster}`);
  const desiredCount = service.desiredCount ?? 0;

  // The load runs from before the failure until writes resumed in the secondary region, and is read
  // back before the switch back, from the region that holds the writes then.
  let writePath: WritePathReport | undefined;
  let loadRunning = false;
  if (deps.writeLoad) {
    deps.writeLoad.start();
    loadRunning = true;
    deps.progress('write load started: a baseline before the failure');
    await deps.sleep(options.pollMs);
  }
  const injectedAt = deps.now();
  let dnsSwitchedAt: number | undefined;
  let writesMovedAt: number | undefined;
  // Restoration errors propagate: the operator must see them, and the report is never printed.
  try {
    await deps.primaryEcs.send(new UpdateServiceCommand({ cluster: options.primaryEcsCluster, service: options.primaryEcsService, desiredCount: 0 }));
    deps.progress(`failure injected: ${options.primaryEcsService} scaled from ${desiredCount} to 0 tasks`);
    while (deps.now() - injectedAt < options.timeoutMs && (dnsSwitchedAt === undefined || writesMovedAt === undefined)) {
      await deps.sleep(options.pollMs);
      const elapsed = Math.round((deps.now() - injectedAt) / 1000);
      if (dnsSwitchedAt === undefined) {
        // Load balancer addresses change: compare with the secondary's current answer every time.
        const secondaryAddresses = new Set(await deps.resolve(options.secondaryLoadBalancerDnsName).catch(() => []));
        const answers = await deps.resolve(options.applicationHostName).catch(() => []);
        if (answers.length > 0 && answers.every((address) => secondaryAddresses.has(address))) {
          dnsSwitchedAt = deps.now();
          deps.progress(`+${elapsed} s: ${options.applicationHostName} answers with the secondary load balancer`);
        }
      }
      if (writesMovedAt === undefined && (await secondaryIsWriter(options, deps).catch(() => false))) {
        writesMovedAt = deps.now();
        deps.progress(`+${elapsed} s: the secondary cluster is the writer: writes succeed in the secondary region`);
      }
      if (dnsSwitchedAt === undefined || writesMovedAt === undefined)
        deps.progress(`+${elapsed} s: waiting (DNS ${dnsSwitchedAt ? 'moved' : 'not yet'}, writes ${writesMovedAt ? 'moved' : 'not yet'})`);
    }
    if (deps.writeLoad) {
      if (dnsSwitchedAt !== undefined && writesMovedAt !== undefined) await deps.sleep(options.writeSettleMs ?? 60_000);
      loadRunning = false;
      writePath = await deps.writeLoad.finish();
    }
  } finally {
    // A drill that failed half-way still stops its load before restoring anything.
    if (loadRunning) await deps.writeLoad!.finish().catch(() => undefined);
    await deps.primaryEcs.send(new UpdateServiceCommand({ cluster: options.primaryEcsCluster, service: options.primaryEcsService, desiredCount }));
    deps.progress(`restored: ${options.primaryEcsService} back to ${desiredCount} tasks`);
    if (writesMovedAt !== undefined) {
      deps.progress('switching the database back to the primary region (planned, no data loss)');
      await switchover(
        {
          globalClusterIdentifier: options.globalClusterIdentifier,
          targetClusterArn: options.primaryClusterArn,
          pauseParameterName: options.pauseParameterName,
          timeoutMs: options.timeoutMs,
          pollMs: options.pollMs,
          // The drill's failover discarded the old primary's volume; Aurora rebuilds it first.
          resyncTimeoutMs: options.resyncTimeoutMs,
          resumeCommand: `npm run switchover -- ${options.environmentSelector ?? `--environment ${options.environmentSuffix}`} --to primary --confirm switchover-${options.environmentSuffix}`,
        },
        deps,
      );
    }
  }

  const seconds = (at: number | undefined): number | undefined => (at === undefined ? undefined : Math.round((at - injectedAt) / 1000));
  const dns = seconds(dnsSwitchedAt);
  const writes = seconds(writesMovedAt);
  const rto = dns !== undefined && writes !== undefined ? Math.max(dns, writes) : undefined;
  const rpo = writesMovedAt === undefined ? undefined : await deps.replicationLagSeconds(injectedAt, writesMovedAt);
  const report: DrillReport = {
    dnsSwitchedAfterSeconds: dns,
    writesMovedAfterSeconds: writes,
    rtoSeconds: rto,
    rpoSeconds: rpo,
    objectiveSeconds: options.objectiveSeconds,
    writePath,
    // A write load that measured nothing cannot confirm the objective, whatever the control plane did.
    meetsObjective:
      rto !== undefined &&
      rto <= options.objectiveSeconds &&
      (!writePath || (writePath.longestGapSeconds !== undefined && writePath.longestGapSeconds <= options.objectiveSeconds)),
  };
  deps.progress(
    rto === undefined
      ? `RTO not reached within ${options.timeoutMs / 1000} s: the objective of ${options.objectiveSeconds} s is NOT MET`
      : `RTO ${rto} s (DNS ${dns} s, writes ${writes} s) against ${options.objectiveSeconds} s: ${report.meetsObjective ? 'MET' : 'NOT MET'}; RPO ${rpo === undefined ? 'unknown (no lag data)' : `${rpo} s (replication lag at failover)`}`,
  );
  if (writePath) {
    const counts = `${writePath.acknowledged} acknowledged ${JSON.stringify(writePath.byRegion)}, ${writePath.abandoned} abandoned`;
    deps.progress(
      writePath.longestGapSeconds === undefined
        ? `write path (${writePath.ratePerSecond} orders/s, as traders see it): no RTO or RPO measured: ${writePath.unmeasured}; ${counts}`
        : `write path (${writePath.ratePerSecond} orders/s, as traders see it): RTO ${writePath.longestGapSeconds} s (longest time without an acknowledged order) against ${options.objectiveSeconds} s; RPO ${writePath.lostAcknowledged} acknowledged orders lost; ${counts}`,
    );
  }
  return report;
}

async function secondaryIsWriter(options: DrillOptions, deps: Pick<DrillDependencies, 'rds'>): Promise<boolean> {
  return memberOf(await describeGlobalCluster(deps.rds, options.globalClusterIdentifier), options.secondaryClusterArn)?.IsWriter === true;
}
