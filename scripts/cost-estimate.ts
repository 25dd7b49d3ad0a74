/**
 * Monthly cost estimate of the platform, computed from the synthesized templates (`cdk.out`, or
 * `--assembly <dir>`) and the checked-in price sheet (scripts/cost/price-sheet.json, each price with
 * its public source and date). It counts what the templates create and prices the always-on part;
 * traffic-driven charges (requests, storage growth, data transfer) are listed as not included.
 *
 *   npm run cost-estimate [-- --assembly <dir>] [--json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_DIRECTORY, configDirectory } from '../lib/environments';
import { describeAssemblySource } from './assembly-source';
import { ParsedCommandLine, runToolProcess, ToolDefinition } from './command-line';
import { stackTemplates } from './lint-templates';

export const HOURS_PER_MONTH = 730;
const PRICE_SHEET = path.join(__dirname, 'cost', 'price-sheet.json');

export interface PriceEntry {
  readonly unit: string;
  readonly [region: string]: number | string | null | undefined;
  readonly source: string;
  readonly sourceDate: string;
}

export interface PriceSheet {
  readonly currency: string;
  readonly retrieved: string;
  readonly prices: Record<string, PriceEntry>;
}

export interface CostTemplate {
  readonly stackId: string;
  readonly region: string;
  readonly template: { Resources?: Record<string, any> };
}

/** One priced line: what was counted, the quantity, the unit price and where the price comes from. */
export interface CostLine {
  readonly region: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  readonly monthly: number;
  readonly priceKey: string;
  readonly source: string;
  /** Set when the region has no sourced price and the us-east-1 price stands in. */
  readonly note?: string;
}

export interface CostAssumptions {
  /** Average Aurora capacity above the configured minimum. @default 0: idle at the minimum */
  readonly auroraExtraAcu: number;
  /** Average load balancer capacity units. @default 1 */
  readonly albLcu: number;
  /** Seconds the failover orchestrator runs each minute (its probe window). @default 100 */
  readonly orchestratorSecondsPerRun: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = { auroraExtraAcu: 0, albLcu: 1, orchestratorSecondsPerRun: 100 };

/** Charges that depend on traffic, which the templates cannot tell. */
export const NOT_INCLUDED = [
  'DynamoDB read/write and replicated write requests, and table storage',
  'Aurora storage, I/O and global replicated writes',
  'S3 storage, requests, Replication Time Control and inter-region transfer',
  'NAT gateway data processing and inter-region data transfer',
  'CloudWatch Logs ingestion and storage, custom metrics',
  'EventBridge events and SNS notifications',
  'WAF requests inspected and VPC endpoint data processed',
  'AWS Backup storage (production posture)',
  'free tiers (every price is the first paid tier)',
];

export function loadPriceSheet(file = PRICE_SHEET): PriceSheet {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function estimateCosts(templates: CostTemplate[], sheet: PriceSheet, assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS): CostLine[] {
  const lines: CostLine[] = [];
  const add = (region: string, item: string, quantity: number, priceKey: string) => {
    if (quantity === 0) return;
    const entry = sheet.prices[priceKey];
    if (!entry) throw new Error(`price sheet has no ${priceKey}`);
    const regional = entry[region];
    const fallback = entry['us-east-1'];
    const unitPrice = typeof regional === 'number' ? regional : typeof fallback === 'number' ? fallback : NaN;
    if (Number.isNaN(unitPrice)) throw new Error(`price sheet has no price for ${priceKey} in ${region} or us-east-1`);
    lines.push({
      region,
      item,
      quantity,
      unit: entry.unit,
      unitPrice,
      monthly: quantity * unitPrice,
      priceKey,
      source: `${entry.source} (${entry.sourceDate})`,
      note: typeof regional === 'number' ? undefined : `no sourced ${region} price: the us-east-1 price stands in`,
    });
  };

  for (const { region, template } of templates) {
    const resources = Object.values<any>(template.Resources ?? {});
    const count = (type: string) => resources.filter((resource) => resource.Type === type).length;
    const ofType = (type: string) => resources.filter((resource) => resource.Type === type);

    add(region, 'NAT gateways, always on', count('AWS::EC2::NatGateway') * HOURS_PER_MONTH, 'natGatewayHour');
    const balancers = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer');
    add(region, 'Application Load Balancers', balancers.length * HOURS_PER_MONTH, 'albHour');
    add(region, `load balancer capacity (${assumptions.albLcu} LCU each)`, balancers.length * assumptions.albLcu * HOURS_PER_MONTH, 'albLcuHour');
    // One public IPv4 per NAT gateway (its Elastic IP) and per zone of each internet-facing load balancer.
    const balancerAddresses = balancers
      .filter((balancer) => balancer.Properties?.Scheme !== 'internal')
      .reduce((sum, balancer) => sum + (balancer.Properties?.Subnets?.length ?? 0), 0);
    add(region, 'public IPv4 addresses (NAT and load balancer)', (count('AWS::EC2::EIP') + balancerAddresses) * HOURS_PER_MONTH, 'publicIpv4Hour');

    for (const service of ofType('AWS::ECS::Service')) {
      const taskDefinition = template.Resources?.[service.Properties?.TaskDefinition?.Ref];
      if (!taskDefinition) continue;
      const tasks = Number(service.Properties?.DesiredCount ?? 1);
      const arm = taskDefinition.Properties?.RuntimePlatform?.CpuArchitecture === 'ARM64';
      const vcpu = Number(taskDefinition.Properties?.Cpu ?? 256) / 1024;
      const memoryGb = Number(taskDefinition.Properties?.Memory ?? 512) / 1024;
      add(region, `Fargate tasks: ${tasks} x ${vcpu} vCPU`, tasks * vcpu * HOURS_PER_MONTH, arm ? 'fargateArmVcpuHour' : 'fargateVcpuHour');
      add(region, `Fargate tasks: ${tasks} x ${memoryGb} GB`, tasks * memoryGb * HOURS_PER_MONTH, arm ? 'fargateArmGbHour' : 'fargateGbHour');
    }

    const clusters = ofType('AWS::RDS::DBCluster');
    const minimumAcu = Number(clusters[0]?.Properties?.ServerlessV2ScalingConfiguration?.MinCapacity ?? 0.5);
    const serverlessInstances = ofType('AWS::RDS::DBInstance').filter((instance) => instance.Properties?.DBInstanceClass === 'db.serverless').length;
    add(
      region,
      `Aurora Serverless v2: ${serverlessInstances} instances at ${minimumAcu + assumptions.auroraExtraAcu} ACU`,
      serverlessInstances * (minimumAcu + assumptions.auroraExtraAcu) * HOURS_PER_MONTH,
      'auroraServerlessV2AcuHour',
    );

    // An interface endpoint is billed per zone it has a network interface in (AWS PrivateLink pricing).
    const endpointZones = ofType('AWS::EC2::VPCEndpoint').reduce((sum, endpoint) => sum + (endpoint.Properties?.SubnetIds?.length ?? 0), 0);
    add(region, 'VPC interface endpoints (per zone)', endpointZones * HOURS_PER_MONTH, 'vpcInterfaceEndpointHour');
    const webAcls = ofType('AWS::WAFv2::WebACL');
    add(region, 'WAF web ACLs', webAcls.length, 'wafWebAclMonth');
    add(
      region,
      'WAF rules and managed rule groups',
      webAcls.reduce((sum, acl) => sum + (acl.Properties?.Rules?.length ?? 0), 0),
      'wafRuleMonth',
    );
    add(region, 'KMS customer-managed keys', count('AWS::KMS::Key'), 'kmsKeyMonth');
    const secretReplicas = ofType('AWS::SecretsManager::Secret').reduce((sum, secret) => sum + 1 + (secret.Properties?.ReplicaRegions?.length ?? 0), 0);
    add(region, 'Secrets Manager secrets and replicas', secretReplicas, 'secretsManagerSecretMonth');
    add(region, 'Route 53 hosted zones', count('AWS::Route53::HostedZone'), 'route53HostedZoneMonth');
    const healthChecks = ofType('AWS::Route53::HealthCheck');
    add(region, 'Route 53 health checks', healthChecks.length, 'route53HealthCheckAwsEndpointMonth');
    const features = healthChecks.reduce((sum, check) => {
      const config = check.Properties?.HealthCheckConfig ?? {};
      return (
        sum +
        (config.Type === 'HTTPS' ? 1 : 0) +
        (Number(config.RequestInterval ?? 30) === 10 ? 1 : 0) +
        (config.MeasureLatency ? 1 : 0) +
        (config.SearchString ? 1 : 0)
      );
    }, 0);
    add(region, 'Route 53 health-check options (HTTPS, fast interval, latency, string match)', features, 'route53HealthCheckOptionalFeatureMonth');
    add(region, 'CloudWatch alarms', count('AWS::CloudWatch::Alarm'), 'cloudwatchStandardAlarmMonth');
    add(region, 'CloudWatch dashboards', count('AWS::CloudWatch::Dashboard'), 'cloudwatchDashboardMonth');

    // Scheduled functions run every minute; the orchestrator probes for most of each run.
    const schedules = ofType('AWS::Scheduler::Schedule').filter((schedule) => schedule.Properties?.ScheduleExpression === 'rate(1 minute)');
    add(
      region,
      'EventBridge Scheduler invocations (every minute)',
      (schedules.length * HOURS_PER_MONTH * 60) / 1e6,
      'eventbridgeSchedulerInvocationsPerMillion',
    );
    for (const fn of ofType('AWS::Lambda::Function').filter((candidate) => candidate.Properties?.ReservedConcurrentExecutions === 1)) {
      const gb = Number(fn.Properties?.MemorySize ?? 128) / 1024;
      const runs = HOURS_PER_MONTH * 60;
      add(
        region,
        `failover orchestrator: ${runs} runs x ${assumptions.orchestratorSecondsPerRun} s x ${gb} GB`,
        runs * assumptions.orchestratorSecondsPerRun * gb,
        'lambdaGbSecond',
      );
      add(region, 'failover orchestrator requests', runs / 1e6, 'lambdaRequestsPerMillion');
    }
  }
  return lines;
}

export interface CostSummary {
  readonly byRegion: Record<string, number>;
  readonly total: number;
}

export function summarize(lines: CostLine[]): CostSummary {
  const byRegion: Record<string, number> = {};
  for (const line of lines) byRegion[line.region] = (byRegion[line.region] ?? 0) + line.monthly;
  return { byRegion, total: Object.values(byRegion).reduce((sum, value) => sum + value, 0) };
}

export const COST_ESTIMATE_TOOL = {
  name: 'cost-estimate',
  usage: [
    'usage: npm run cost-estimate -- [--assembly <dir>] [--config <name>] [--json] [--help]',
    '  --assembly <dir>  the synthesized cloud assembly (cdk.out); --config <name> refuses one synthesized from another configuration',
  ].join('\n'),
  options: { assembly: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
} as const satisfies ToolDefinition;

function main({ values }: ParsedCommandLine<typeof COST_ESTIMATE_TOOL.options>): void {
  const assembly = values.assembly ?? path.join(__dirname, '..', 'cdk.out');
  const source = describeAssemblySource(assembly, { expected: values.config, files: configDirectory(CONFIG_DIRECTORY) });
  process.stderr.write(`${source}\n`);
  const templates: CostTemplate[] = stackTemplates(assembly).map(({ stackId, region, templateFile }) => ({
    stackId,
    region,
    template: JSON.parse(fs.readFileSync(templateFile, 'utf8')),
  }));
  const sheet = loadPriceSheet();
  const lines = estimateCosts(templates, sheet);
  const summary = summarize(lines);
  const standbyRegion = templates.find((template) => template.stackId === 'SecondaryFoundation')?.region ?? '';
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ currency: sheet.currency, lines, summary, standbyRegion, notIncluded: NOT_INCLUDED }, null, 2)}\n`);
    return;
  }
  const money = (value: number) => `${value.toFixed(2).padStart(9)} ${sheet.currency}`;
  process.stdout.write(`Monthly estimate from ${assembly} with prices of ${sheet.retrieved} (scripts/cost/price-sheet.json)\n\n`);
  for (const line of [...lines].sort((a, b) => a.region.localeCompare(b.region) || b.monthly - a.monthly)) {
    process.stdout.write(`${line.region.padEnd(10)} ${money(line.monthly)}  ${line.item}${line.note ? `  [${line.note}]` : ''}\n`);
  }
  process.stdout.write(`\nstandby region (${standbyRegion}): ${money(summary.byRegion[standbyRegion] ?? 0)}\n`);
  for (const [region, value] of Object.entries(summary.byRegion)) process.stdout.write(`${region}: ${money(value)}\n`);
  process.stdout.write(`whole platform: ${money(summary.total)}\n\nnot included (traffic-driven): ${NOT_INCLUDED.join('; ')}\n`);
}

if (require.main === module) runToolProcess(COST_ESTIMATE_TOOL, main);
