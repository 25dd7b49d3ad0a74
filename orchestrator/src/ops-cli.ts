/**
 * Operator commands against a REAL deployment (uses the caller's AWS credentials):
 *
 *   npm run switchover -- --environment <suffix> --to primary|secondary --confirm switchover-<suffix>
 *   npm run drill -- --environment <suffix> --domain <domainName> --confirm drill-<suffix>
 *
 * Optional: --primary-region (us-east-1), --secondary-region (us-west-2), --timeout-seconds (900).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { resolve4 } from 'node:dns/promises';
import { PlatformNames } from '../../lib/naming';
import { describeGlobalCluster } from './global-cluster';
import { runDrill } from './drill';
import { RESTORE_ROUTING_STEPS, switchover } from './switchover';

function argument(args: string[], name: string, fallback?: string): string {
  const index = args.indexOf(`--${name}`);
  const value = index >= 0 ? args[index + 1] : fallback;
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const suffix = argument(args, 'environment');
  // Refuse before any AWS call: the operator must name the environment twice.
  const expectedConfirmation = `${command}-${suffix}`;
  if (argument(args, 'confirm', '') !== expectedConfirmation) {
    throw new Error(`refusing to run: pass --confirm ${expectedConfirmation} to ${command} the environment "${suffix}"`);
  }
  const names = new PlatformNames(suffix);
  const primaryRegion = argument(args, 'primary-region', 'us-east-1');
  const secondaryRegion = argument(args, 'secondary-region', 'us-west-2');
  const timeoutMs = Number(argument(args, 'timeout-seconds', '900')) * 1000;
  const progress = (message: string): void => void process.stdout.write(`${new Date().toISOString()}  ${message}\n`);
  const rds = new RDSClient({ region: secondaryRegion });
  const ssm = new SSMClient({ region: secondaryRegion });
  // One read gives the account (from any member ARN) and, for a switchover, the writer's region.
  const cluster = await describeGlobalCluster(rds, names.auroraGlobalCluster());
  const memberArns = (cluster?.GlobalClusterMembers ?? []).map((member) => member.DBClusterArn ?? '');
  if (memberArns.length === 0) throw new Error(`global cluster ${names.auroraGlobalCluster()} not found: is the environment deployed?`);
  const account = memberArns[0].split(':')[4];
  const clusterArn = (role: 'primary' | 'secondary'): string =>
    `arn:aws:rds:${role === 'primary' ? primaryRegion : secondaryRegion}:${account}:cluster:${names.auroraCluster(role)}`;
  const common = { rds, ssm, sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)), now: () => Date.now(), progress };

  if (command === 'switchover') {
    const to = argument(args, 'to');
    if (to !== 'primary' && to !== 'secondary') throw new Error('--to must be primary or secondary');
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
        resumeCommand: `npm run switchover -- --environment ${suffix} --to ${to} --confirm switchover-${suffix}`,
      },
      { ...common, rds: new RDSClient({ region: writerRegion }) },
    );
    progress(`switchover: ${outcome}`);
    if (to === 'primary') for (const step of RESTORE_ROUTING_STEPS) progress(`next: ${step}`);
    return;
  }
  if (command === 'drill') {
    const domain = argument(args, 'domain');
    const secondaryDns = await stackOutput(secondaryRegion, names.stack('service', 'secondary'), 'LoadBalancerDnsName');
    const cloudwatch = new CloudWatchClient({ region: secondaryRegion });
    const report = await runDrill(
      {
        environmentSuffix: suffix,
        confirmation: argument(args, 'confirm'),
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
        primaryEcs: new ECSClient({ region: primaryRegion }),
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
    return;
  }
  throw new Error('usage: ops-cli switchover|drill --environment <suffix> ... (see the README, "Failover")');
}

async function stackOutput(region: string, stackName: string, outputKey: string): Promise<string> {
  const output = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: stackName }));
  const value = output.Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === outputKey)?.OutputValue;
  if (!value) throw new Error(`output ${outputKey} not found on ${stackName} in ${region}`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
