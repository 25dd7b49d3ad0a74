import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { PlatformNames } from '../../lib/naming';
import { runDbBootstrap } from '../src/db-bootstrap';

const names = new PlatformNames('live');
const rds = mockClient(RDSClient);
const cloudformation = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);

function writerIn(region: string, role: string) {
  rds.on(DescribeGlobalClustersCommand).resolves({
    GlobalClusters: [
      {
        GlobalClusterMembers: [
          { DBClusterArn: `arn:aws:rds:${region}:123456789012:cluster:aurora-trading-${role}-live`, IsWriter: true },
          { DBClusterArn: 'arn:aws:rds:elsewhere:123456789012:cluster:other', IsWriter: false },
        ],
      },
    ],
  });
}

/** A DescribeStacks answer with these outputs. */
function stackWith(outputs: Record<string, string>) {
  return {
    Stacks: [
      {
        StackName: 's',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE' as const,
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

function outputs() {
  cloudformation.on(DescribeStacksCommand, { StackName: names.stack('service', 'secondary') }).resolves({
    Stacks: [
      {
        StackName: 's',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'DatabaseBootstrapTaskDefinition', OutputValue: 'arn:aws:ecs:us-west-2:1:task-definition/bootstrap:3' },
          { OutputKey: 'ServiceSecurityGroupId', OutputValue: 'sg-1' },
        ],
      },
    ],
  });
  cloudformation.on(DescribeStacksCommand, { StackName: names.stack('foundation', 'secondary') }).resolves({
    Stacks: [
      {
        StackName: 'f',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [{ OutputKey: 'PrivateSubnetIds', OutputValue: 'subnet-a,subnet-b,subnet-c' }],
      },
    ],
  });
}

const regions: string[] = [];
const deps = () => ({
  rds: (region: string) => (regions.push(`rds@${region}`), new RDSClient({ region })),
  cloudformation: (region: string) => (regions.push(`cloudformation@${region}`), new CloudFormationClient({ region })),
  ecs: (region: string) => (regions.push(`ecs@${region}`), new ECSClient({ region })),
  sleep: async () => undefined,
  now: () => 0,
  progress: () => undefined,
});

beforeEach(() => {
  rds.reset();
  cloudformation.reset();
  ecs.reset();
  regions.length = 0;
});

test('runs the task in the writer’s region (after a failover: the secondary), in its private subnets with the service security group', async () => {
  writerIn('us-west-2', 'secondary');
  outputs();
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
  ecs
    .on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [{ lastStatus: 'RUNNING' }] })
    .resolves({ tasks: [{ lastStatus: 'STOPPED', containers: [{ name: 'bootstrap', exitCode: 0 }] }] });
  const result = await runDbBootstrap({ names, primaryRegion: 'us-east-1', secondaryRegion: 'us-west-2', timeoutMs: 60_000 }, deps());
  expect(result).toEqual({
    region: 'us-west-2',
    taskArn: 'arn:task/1',
    exitCode: 0,
    stoppedReason: undefined,
    logGroupName: names.logGroup('db-bootstrap', 'secondary'),
  });
  expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
    cluster: names.cluster('secondary'),
    taskDefinition: 'arn:aws:ecs:us-west-2:1:task-definition/bootstrap:3',
    launchType: 'FARGATE',
    count: 1,
    startedBy: 'db-bootstrap',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b', 'subnet-c'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
  });
  expect(regions.filter((entry) => !entry.startsWith('rds@'))).toEqual(['cloudformation@us-west-2', 'ecs@us-west-2']);
});

test('a failed bootstrap reports its exit code and reason', async () => {
  writerIn('us-west-2', 'secondary');
  outputs();
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/2' }] });
  ecs
    .on(DescribeTasksCommand)
    .resolves({ tasks: [{ lastStatus: 'STOPPED', stoppedReason: 'Essential container in task exited', containers: [{ name: 'bootstrap', exitCode: 1 }] }] });
  const result = await runDbBootstrap({ names, primaryRegion: 'us-east-1', secondaryRegion: 'us-west-2', timeoutMs: 60_000 }, deps());
  expect({ exitCode: result.exitCode, reason: result.stoppedReason }).toEqual({ exitCode: 1, reason: 'Essential container in task exited' });
});

test('no writer (a failover under way) and missing outputs (an older deployment) stop before any task starts', async () => {
  rds
    .on(DescribeGlobalClustersCommand)
    .resolves({ GlobalClusters: [{ GlobalClusterMembers: [{ DBClusterArn: 'arn:aws:rds:us-east-1:1:cluster:x', IsWriter: false }] }] });
  await expect(runDbBootstrap({ names, primaryRegion: 'us-east-1', secondaryRegion: 'us-west-2', timeoutMs: 1 }, deps())).rejects.toThrow(
    /no writer in global cluster/,
  );
  writerIn('us-west-2', 'secondary');
  cloudformation.on(DescribeStacksCommand).resolves(stackWith({}));
  await expect(runDbBootstrap({ names, primaryRegion: 'us-east-1', secondaryRegion: 'us-west-2', timeoutMs: 1 }, deps())).rejects.toThrow(
    /output DatabaseBootstrapTaskDefinition not found on .* in us-west-2: deploy this version of the platform first/,
  );
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
});

test('a task that never stops fails at the timeout instead of waiting forever', async () => {
  writerIn('us-east-1', 'primary');
  cloudformation
    .on(DescribeStacksCommand)
    .resolves(stackWith({ DatabaseBootstrapTaskDefinition: 'td', ServiceSecurityGroupId: 'sg', PrivateSubnetIds: 'subnet-a' }));
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/3' }] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [{ lastStatus: 'PENDING' }] });
  let time = 0;
  await expect(
    runDbBootstrap(
      { names, primaryRegion: 'us-east-1', secondaryRegion: 'us-west-2', timeoutMs: 30_000, pollMs: 10_000 },
      { ...deps(), now: () => time, sleep: async (ms) => void (time += ms) },
    ),
  ).rejects.toThrow('the bootstrap task arn:task/3 did not stop within 30 s (last status PENDING)');
});
