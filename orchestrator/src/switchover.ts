import { RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describeGlobalCluster, memberOf } from './global-cluster';

export interface SwitchoverOptions {
  readonly globalClusterIdentifier: string;
  /** ARN of the cluster that must become the writer. */
  readonly targetClusterArn: string;
  /** The orchestrator's pause switch: paused during the switchover, restored after. */
  readonly pauseParameterName: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /**
   * After an unplanned failover Aurora rebuilds the old primary ("pending-resync"), which can take
   * hours, and refuses a switchover until it is done: wait this long for every member to connect.
   * @default 0 (no wait)
   */
  readonly resyncTimeoutMs?: number;
  /** Printed when the switchover cannot finish, so the operator can resume it. */
  readonly resumeCommand?: string;
  /**
   * How long automatic failover stays paused after the new writer is verified. Until its tasks read
   * their new role and Route 53's checks see its region ready again (the failover signal's needs
   * three passes 10 s apart), the region the database just moved to still looks down: unpaused at
   * once, the orchestrator can confirm that in a few probes and fail straight back (rehearsed:
   * failover-then-planned-failback, seed 179).
   * @default SWITCHOVER_SETTLE_MS
   */
  readonly settleMs?: number;
}

/** Two minutes: the new writer's role read (5 s readiness) and the signal checks' three passes (up to 48 s), twice over. */
export const SWITCHOVER_SETTLE_MS = 120_000;

export interface SwitchoverDependencies {
  readonly rds: Pick<RDSClient, 'send'>;
  /** SSM of the region holding the pause switch (the secondary region). */
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly progress: (message: string) => void;
}

export type SwitchoverOutcome = 'already-writer' | 'switched';

/**
 * Planned switchover (or failback) of the global database to `targetClusterArn`, with no data
 * loss: Aurora waits until the target has caught up before it changes roles. Needs both regions
 * healthy. The automatic failover is paused meanwhile, and its switch restored afterwards.
 */
export async function switchover(options: SwitchoverOptions, deps: SwitchoverDependencies): Promise<SwitchoverOutcome> {
  if (await isWriter(options, deps)) {
    deps.progress(`${options.targetClusterArn} is already the writer: nothing to do`);
    return 'already-writer';
  }
  await waitForMembersConnected(options, deps);
  const previousPause = await readPause(options, deps);
  await deps.ssm.send(new PutParameterCommand({ Name: options.pauseParameterName, Value: 'true', Type: 'String', Overwrite: true }));
  deps.progress('automatic failover paused');
  try {
    await deps.rds.send(
      new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: options.globalClusterIdentifier, TargetDbClusterIdentifier: options.targetClusterArn }),
    );
    deps.progress(`switchover to ${options.targetClusterArn} requested`);
    const deadline = deps.now() + options.timeoutMs;
    while (deps.now() < deadline) {
      await deps.sleep(options.pollMs);
      if (await isWriter(options, deps)) {
        const settleMs = options.settleMs ?? SWITCHOVER_SETTLE_MS;
        deps.progress(`new writer verified; automatic failover stays paused ${settleMs / 1000} s more, while Route 53 sees its region ready again`);
        await deps.sleep(settleMs);
        return 'switched';
      }
      deps.progress('waiting for the switchover to finish');
    }
    throw new Error(`the switchover did not finish within ${options.timeoutMs / 1000} s; check the global cluster in the RDS console${resumeHint(options)}`);
  } finally {
    await deps.ssm.send(new PutParameterCommand({ Name: options.pauseParameterName, Value: previousPause, Type: 'String', Overwrite: true }));
    deps.progress(`automatic failover switch restored to "${previousPause}"`);
  }
}

async function waitForMembersConnected(options: SwitchoverOptions, deps: SwitchoverDependencies): Promise<void> {
  const deadline = deps.now() + (options.resyncTimeoutMs ?? 0);
  for (;;) {
    const cluster = await describeGlobalCluster(deps.rds, options.globalClusterIdentifier);
    const waiting = (cluster?.GlobalClusterMembers ?? []).filter(
      (member) => member.SynchronizationStatus !== undefined && member.SynchronizationStatus !== 'connected',
    );
    if (waiting.length === 0 && (cluster?.Status ?? 'available') === 'available') return;
    if (deps.now() >= deadline) {
      throw new Error(
        `the global cluster is not ready for a switchover (${waiting.map((member) => `${member.DBClusterArn}: ${member.SynchronizationStatus}`).join(', ') || cluster?.Status})${resumeHint(options)}`,
      );
    }
    deps.progress(`waiting for the old primary to resynchronise (${waiting.map((member) => member.SynchronizationStatus).join(', ') || cluster?.Status})`);
    await deps.sleep(options.pollMs);
  }
}

function resumeHint(options: SwitchoverOptions): string {
  return options.resumeCommand ? `; resume with: ${options.resumeCommand}` : '';
}

async function isWriter(options: SwitchoverOptions, deps: SwitchoverDependencies): Promise<boolean> {
  const cluster = await describeGlobalCluster(deps.rds, options.globalClusterIdentifier);
  const member = memberOf(cluster, options.targetClusterArn);
  if (!member) throw new Error(`${options.targetClusterArn} is not a member of ${options.globalClusterIdentifier}`);
  return member.IsWriter === true && (cluster?.Status ?? 'available') === 'available';
}

async function readPause(options: SwitchoverOptions, deps: SwitchoverDependencies): Promise<string> {
  try {
    const output = await deps.ssm.send(new GetParameterCommand({ Name: options.pauseParameterName }));
    return output.Parameter?.Value ?? 'false';
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') return 'false';
    throw error;
  }
}

/**
 * What to do after a failback so that traffic and configuration are back to 100/0. The deploy
 * command selects the environment as every other cdk command does: `-c config=<name>`.
 */
export function restoreRoutingSteps(configName: string | undefined): string[] {
  return [
    'The weighted records stay 100 (primary) / 0 (secondary) in the templates: once the primary health check is healthy, Route 53 answers with the primary again on its own.',
    `If weights were changed by hand during the incident, run \`npx cdk diff GlobalTraffic -c config=${configName ?? '<name>'}\` to see the drift, then \`npx cdk deploy GlobalTraffic -c config=${configName ?? '<name>'}\` to put 100/0 back.`,
    'Confirm with `dig +short app.<domainName>` that answers resolve to the primary load balancer, and that both Route 53 health checks report healthy.',
  ];
}
