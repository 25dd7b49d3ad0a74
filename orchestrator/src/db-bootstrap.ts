/**
 * `npm run db-bootstrap`: runs the one-off database bootstrap task (service/src/bootstrap.ts) in the
 * region whose cluster is the writer right now, inside that region's VPC (the only place that
 * reaches the database), and waits for its exit code. Explicit and idempotent: run it once after
 * the first deploy of an environment; running it again changes nothing.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { PlatformNames } from '../../lib/naming';
import { writerRegion } from './global-cluster';
import { runOneOffTask } from './one-off-task';

export interface DbBootstrapOptions {
  readonly names: PlatformNames;
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly timeoutMs: number;
  /** @default 5000 */
  readonly pollMs?: number;
}

export interface DbBootstrapDeps {
  rds(region: string): Pick<RDSClient, 'send'>;
  cloudformation(region: string): Pick<CloudFormationClient, 'send'>;
  ecs(region: string): Pick<ECSClient, 'send'>;
  sleep(ms: number): Promise<void>;
  now(): number;
  progress(message: string): void;
}

export interface DbBootstrapResult {
  readonly region: string;
  readonly taskArn: string;
  readonly exitCode: number | undefined;
  readonly stoppedReason?: string;
  /** Where the task's log lines are. */
  readonly logGroupName: string;
}

export async function runDbBootstrap(options: DbBootstrapOptions, deps: DbBootstrapDeps): Promise<DbBootstrapResult> {
  const { names } = options;
  // The writer decides the region: the bootstrap needs the active cluster (writer) endpoint.
  const region = await writerRegion(deps.rds(options.secondaryRegion), names.auroraGlobalCluster(), ': is the environment deployed, or a failover under way?');
  const role = region === options.primaryRegion ? 'primary' : 'secondary';
  deps.progress(`writer is in ${region} (${role}): running the bootstrap task there`);

  const result = await runOneOffTask(
    {
      names,
      region,
      role,
      taskDefinitionOutput: 'DatabaseBootstrapTaskDefinition',
      containerName: 'bootstrap',
      startedBy: 'db-bootstrap',
      description: 'bootstrap',
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
    },
    deps,
  );
  return { ...result, logGroupName: names.logGroup('db-bootstrap', role) };
}
