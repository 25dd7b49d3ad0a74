/**
 * A one-off ECS task of the platform (the database bootstrap, the database verify task), run inside
 * a region's VPC, the only place that reaches its database, and waited for until it stops.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeploymentRole, PlatformNames } from '../../lib/naming';

/** Any SDK client: commands in, answers out. */
export interface CommandPort {
  send(command: any): Promise<any>;
}

export interface OneOffTaskDeps {
  cloudformation(region: string): CommandPort;
  ecs(region: string): CommandPort;
  sleep(ms: number): Promise<void>;
  now(): number;
  progress(message: string): void;
}

export interface OneOffTaskRequest {
  readonly names: PlatformNames;
  readonly region: string;
  readonly role: DeploymentRole;
  /** The service stack's output that names the task definition. */
  readonly taskDefinitionOutput: string;
  readonly containerName: string;
  readonly startedBy: string;
  /** What the task is, in messages ("bootstrap"). */
  readonly description: string;
  /** Replaces the container's command. @default - the task definition's */
  readonly command?: readonly string[];
  readonly timeoutMs: number;
  /** @default 5000 */
  readonly pollMs?: number;
}

export interface OneOffTaskResult {
  readonly region: string;
  readonly taskArn: string;
  readonly exitCode: number | undefined;
  readonly stoppedReason?: string;
}

/** A stack output of the environment, or an error that says which deploy is missing. */
export async function stackOutput(cloudformation: CommandPort, stackName: string, region: string, key: string): Promise<string> {
  const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const value = stack?.Outputs?.find((candidate: { OutputKey?: string }) => candidate.OutputKey === key)?.OutputValue;
  if (!value) throw new Error(`output ${key} not found on ${stackName} in ${region}: deploy this version of the platform first`);
  return value;
}

export async function runOneOffTask(request: OneOffTaskRequest, deps: OneOffTaskDeps): Promise<OneOffTaskResult> {
  const { names, region, role } = request;
  const cloudformation = deps.cloudformation(region);
  const [taskDefinition, subnets, securityGroup] = await Promise.all([
    stackOutput(cloudformation, names.stack('service', role), region, request.taskDefinitionOutput),
    stackOutput(cloudformation, names.stack('foundation', role), region, 'PrivateSubnetIds'),
    stackOutput(cloudformation, names.stack('service', role), region, 'ServiceSecurityGroupId'),
  ]);
  const ecs = deps.ecs(region);
  const started = await ecs.send(
    new RunTaskCommand({
      cluster: names.cluster(role),
      taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: request.startedBy,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: subnets.split(','), securityGroups: [securityGroup], assignPublicIp: 'DISABLED' },
      },
      ...(request.command ? { overrides: { containerOverrides: [{ name: request.containerName, command: [...request.command] }] } } : {}),
    }),
  );
  const taskArn: string | undefined = started.tasks?.[0]?.taskArn;
  if (!taskArn) throw new Error(`the ${request.description} task did not start in ${region}: ${JSON.stringify(started.failures ?? [])}`);
  deps.progress(`started ${taskArn}`);

  const deadline = deps.now() + request.timeoutMs;
  for (;;) {
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: names.cluster(role), tasks: [taskArn] }))).tasks?.[0];
    if (task?.lastStatus === 'STOPPED') {
      const exitCode = task.containers?.find((container: { name?: string }) => container.name === request.containerName)?.exitCode;
      return { region, taskArn, exitCode, stoppedReason: task.stoppedReason };
    }
    if (deps.now() > deadline)
      throw new Error(`the ${request.description} task ${taskArn} did not stop within ${request.timeoutMs / 1000} s (last status ${task?.lastStatus})`);
    deps.progress(`task ${task?.lastStatus ?? 'unknown'}`);
    await deps.sleep(request.pollMs ?? 5000);
  }
}

/**
 * The lines a task's container wrote, from its awslogs stream `<prefix>/<container>/<task id>`
 * (ECS Developer Guide, *Using the awslogs log driver*, `awslogs-stream-prefix`).
 */
export async function taskLogLines(logs: CommandPort, logGroupName: string, streamPrefix: string, containerName: string, taskArn: string): Promise<string[]> {
  const taskId = taskArn.split('/').pop();
  const lines: string[] = [];
  let token: string | undefined;
  for (;;) {
    let page;
    try {
      page = await logs.send(
        new GetLogEventsCommand({ logGroupName, logStreamName: `${streamPrefix}/${containerName}/${taskId}`, startFromHead: true, nextToken: token }),
      );
    } catch (error) {
      // A task that never started its container (image pull, network) has no stream: no lines.
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return lines;
      throw error;
    }
    lines.push(...(page.events ?? []).map((event: { message?: string }) => event.message ?? ''));
    // The forward token repeats once the end of the stream is reached (API Reference, *GetLogEvents*).
    if (!page.nextForwardToken || page.nextForwardToken === token) return lines;
    token = page.nextForwardToken;
  }
}
