/**
 * The operator commands' work against a REAL deployment (uses the caller's AWS credentials), loaded
 * by ops-cli.ts only after every argument passed (ops-arguments.ts).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolve4 } from 'node:dns/promises';
import { PlatformNames } from '../../lib/naming';
import { describeGlobalCluster } from './global-cluster';
import { runDbBootstrap } from './db-bootstrap';
import { runDrill } from './drill';
import { drillWriteLoad } from './drill-load';
import { environmentSelector, OpsArguments } from './ops-arguments';
import { checkAvailabilityZones } from './availability-zones';
import { restoreRoutingSteps, switchover } from './switchover';

/** Runs one operator command whose arguments {@link parseOpsArguments} checked. */
export async function runOpsCommand(options: OpsArguments): Promise<void> {
  const { command, environment: suffix, primaryRegion, secondaryRegion } = options;
  // Refuse before any AWS call: the operator must name the environment twice.
  const expectedConfirmation = `${command}-${suffix}`;
  if (options.confirm !== expectedConfirmation) {
    throw new Error(`refusing to run: pass --confirm ${expectedConfirmation} to ${command} the environment "${suffix}"`);
  }
  // A named profile (--profile, else AWS_PROFILE) is used alone, as `aws --profile` does: a mistyped
  // name must fail, never fall through the default chain to another identity. The SDK's default
  // chain, given AWS_PROFILE, skips the environment's keys and, when the profile is missing, goes on
  // to the container and instance roles (@aws-sdk/credential-provider-node defaultProvider).
  const config = (region: string) => ({ region, ...(options.profile ? { credentials: fromIni({ profile: options.profile }) } : {}) });
  const names = new PlatformNames(suffix);
  const timeoutMs = options.timeoutSeconds * 1000;
  const progress = (message: string): void => void process.stdout.write(`${new Date().toISOString()}  ${message}\n`);
  if (options.availabilityZones) {
    // Zone names map to different zones per account, and a name the account lacks fails the deploy
    // (or an Aurora or Fargate placement) long after synth accepted it from the published list.
    const { problems, warnings } = await checkAvailabilityZones(
      [
        { key: 'primaryAvailabilityZones', region: primaryRegion, zones: options.availabilityZones.primary },
        { key: 'secondaryAvailabilityZones', region: secondaryRegion, zones: options.availabilityZones.secondary },
      ],
      (region) => new EC2Client(config(region)),
    );
    for (const warning of warnings) progress(`warning: ${warning}`);
    if (problems.length > 0) throw new Error(`config/${options.configName}.json names zones this account cannot use:\n  - ${problems.join('\n  - ')}`);
  }
  const rds = new RDSClient(config(secondaryRegion));
  const ssm = new SSMClient(config(secondaryRegion));
  // One read gives the account (from any member ARN) and, for a switchover, the writer's region.
  const cluster = await describeGlobalCluster(rds, names.auroraGlobalCluster());
  const memberArns = (cluster?.GlobalClusterMembers ?? []).map((member) => member.DBClusterArn ?? '');
  if (memberArns.length === 0) throw new Error(`global cluster ${names.auroraGlobalCluster()} not found: is the environment deployed?`);
  const account = memberArns[0].split(':')[4];
  const clusterArn = (role: 'primary' | 'secondary'): string =>
    `arn:aws:rds:${role === 'primary' ? primaryRegion : secondaryRegion}:${account}:cluster:${names.auroraCluster(role)}`;
  const common = { rds, ssm, sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)), now: () => Date.now(), progress };

  if (command === 'switchover') {
    const to = options.to!;
    // SwitchoverGlobalCluster is called in the region of the CURRENT writer.
    const writerArn = cluster?.GlobalClusterMembers?.find((member) => member.IsWriter)?.DBClusterArn;
    if (!writerArn) throw new Error('no writer in the global cluster: wait for the current failover to finish');
    const writerRegion = writerArn.split(':')[3];
    const outcome = await switchover(
      {
        globalClusterIdentifier: names.auroraGlobalCluster(),
        targetClusterArn: clusterArn(to),
        pauseParameterName: names.parameter('failover/paused'),
        timeoutMs,
        pollMs: 15_000,
        // After an unplanned failover Aurora rebuilds the old primary first (minutes to hours).
        resyncTimeoutMs: 6 * 3600 * 1000,
        resumeCommand: `npm run switchover -- ${environmentSelector(options)} --to ${to} --confirm switchover-${suffix}`,
      },
      { ...common, rds: new RDSClient(config(writerRegion)) },
    );
    progress(`switchover: ${outcome}`);
    if (to === 'primary') for (const step of restoreRoutingSteps(options.configName)) progress(`next: ${step}`);
    return;
  }
  if (command === 'db-bootstrap') {
    const result = await runDbBootstrap(
      { names, primaryRegion, secondaryRegion, timeoutMs },
      {
        rds: (region) => new RDSClient(config(region)),
        cloudformation: (region) => new CloudFormationClient(config(region)),
        ecs: (region) => new ECSClient(config(region)),
        sleep: common.sleep,
        now: common.now,
        progress,
      },
    );
    progress(
      `db-bootstrap: task ${result.taskArn} in ${result.region} exited ${result.exitCode ?? 'without a code'}${result.stoppedReason ? ` (${result.stoppedReason})` : ''}; its log: ${result.logGroupName}`,
    );
    process.exitCode = result.exitCode === 0 ? 0 : 1;
    return;
  }
  if (command === 'drill') {
    const domain = options.domain!;
    const secondaryDns = await stackOutput(new CloudFormationClient(config(secondaryRegion)), names.stack('service', 'secondary'), 'LoadBalancerDnsName');
    const cloudwatch = new CloudWatchClient(config(secondaryRegion));
    const writeLoad =
      options.loadRate! > 0
        ? drillWriteLoad({ url: `${options.protocol}://app.${domain}`, ratePerSecond: options.loadRate!, maxDurationMs: timeoutMs * 2, progress })
        : undefined;
    const report = await runDrill(
      {
        environmentSuffix: suffix,
        environmentSelector: environmentSelector(options),
        confirmation: options.confirm,
        applicationHostName: `app.${domain}`,
        secondaryLoadBalancerDnsName: secondaryDns,
        globalClusterIdentifier: names.auroraGlobalCluster(),
        primaryClusterArn: clusterArn('primary'),
        secondaryClusterArn: clusterArn('secondary'),
        primaryEcsCluster: names.cluster('primary'),
        primaryEcsService: names.service('primary'),
        pauseParameterName: names.parameter('failover/paused'),
        objectiveSeconds: 300,
        timeoutMs,
        pollMs: 5_000,
        resyncTimeoutMs: 6 * 3600 * 1000,
      },
      {
        ...common,
        primaryEcs: new ECSClient(config(primaryRegion)),
        writeLoad,
        resolve: (host) => resolve4(host),
        replicationLagSeconds: async (from, to) => {
          const output = await cloudwatch.send(
            new GetMetricDataCommand({
              StartTime: new Date(from - 60_000),
              EndTime: new Date(to),
              MetricDataQueries: [
                {
                  Id: 'lag',
                  MetricStat: {
                    Metric: {
                      Namespace: 'AWS/RDS',
                      MetricName: 'AuroraGlobalDBReplicationLag',
                      Dimensions: [{ Name: 'DBClusterIdentifier', Value: names.auroraCluster('secondary') }],
                    },
                    Period: 60,
                    Stat: 'Maximum',
                  },
                },
              ],
            }),
          );
          const values = output.MetricDataResults?.[0]?.Values ?? [];
          return values.length ? Math.max(...values) / 1000 : undefined;
        },
      },
    );
    process.exitCode = report.meetsObjective ? 0 : 1;
  }
}

async function stackOutput(cloudformation: CloudFormationClient, stackName: string, outputKey: string): Promise<string> {
  const output = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const value = output.Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === outputKey)?.OutputValue;
  if (!value) throw new Error(`output ${outputKey} not found on ${stackName} in ${await cloudformation.config.region()}`);
  return value;
}
