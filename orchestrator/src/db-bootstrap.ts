/**
 * `npm run db-bootstrap`: runs the one-off database bootstrap task (service/src/bootstrap.ts) in the
 * region whose cluster is the writer right now, inside that region's VPC (the only place that
 * reaches the database), and waits for its exit code. Explicit and idempotent: run it once after
 * the first deploy of an environment; running it again changes nothing.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { PlatformNames } from '../../lib/naming';
import { describeGlobalCluster } from './global-cluster';

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
  const cluster = await describeGlobalCluster(deps.rds(options.secondaryRegion), names.auroraGlobalCluster());
  const writerArn = cluster?.GlobalClusterMembers?.find((member) => member.IsWriter)?.DBClusterArn;
  if (!writerArn) throw new Error(`no writer in global cluster ${names.auroraGlobalCluster()}: is the environment deployed, or a failover under way?`);
  const region = writerArn.split(':')[3];
  const role = region === options.primaryRegion ? 'primary' : 'secondary';
  deps.progress(`writer is in ${region} (${role}): running the bootstrap task there`);

  const cloudformation = deps.cloudformation(region);
  const output = async (layer: string, key: string): Promise<string> => {
    const stackName = names.stack(layer, role);
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    const value = stack?.Outputs?.find((candidate) => candidate.OutputKey === key)?.OutputValue;
    if (!value) throw new Error(`output ${key} not found on ${stackName} in ${region}: deploy this version of the platform first`);
    return value;
  };
  const [taskDefinition, subnets, securityGroup] = await Promise.all([
    output('service', 'DatabaseBootstrapTaskDefinition'),
    output('foundation', 'PrivateSubnetIds'),
    output('service', 'ServiceSecurityGroupId'),
  ]);
  const ecs = deps.ecs(region);
  const started = await ecs.send(
    new RunTaskCommand({
      cluster: names.cluster(role),
      taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'db-bootstrap',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: subnets.split(','), securityGroups: [securityGroup], assignPublicIp: 'DISABLED' },
      },
    }),
  );
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) throw new Error(`the bootstrap task did not start: ${JSON.stringify(started.failures ?? [])}`);
  deps.progress(`started ${taskArn}`);

  const deadline = deps.now() + options.timeoutMs;
  for (;;) {
    const described = await ecs.send(new DescribeTasksCommand({ cluster: names.cluster(role), tasks: [taskArn] }));
    const task = described.tasks?.[0];
    if (task?.lastStatus === 'STOPPED') {
      const exitCode = task.containers?.find((container) => container.name === 'bootstrap')?.exitCode;
      return { region, taskArn, exitCode, stoppedReason: task.stoppedReason, logGroupName: names.logGroup('db-bootstrap', role) };
    }
    if (deps.now() > deadline)
      throw new Error(`the bootstrap task ${taskArn} did not stop within ${options.timeoutMs / 1000} s (last status ${task?.lastStatus})`);
    deps.progress(`task ${task?.lastStatus ?? 'unknown'}`);
    await deps.sleep(options.pollMs ?? 5000);
  }
}
