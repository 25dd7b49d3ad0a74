/**
 * Worst-case recovery timeline of a synthesized platform, read from its CloudFormation templates
 * (never from the source code), against the 5-minute recovery time objective.
 *
 * Usage: npm run rto-report -- [--assembly <dir>] [--json] [--promotion-seconds N] [--rehearsal-seeds N (default 50, 0 skips)]
 * Exits 1 when the configured system cannot meet the objective.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_DIRECTORY, configDirectory } from '../lib/environments';
import type { Distribution } from '../rehearsal/src/matrix';
import { describeAssemblySource } from './assembly-source';
import { integerFlag, parseCommandLine, runToolProcess, ToolDefinition, ToolValues } from './command-line';
import { RTO_OBJECTIVE_SECONDS as REHEARSAL_OBJECTIVE } from '../rehearsal/src/world-options';
import { OUTAGE_SCENARIOS } from '../rehearsal/src/scenarios';

/** The platform's recovery time objective; the rehearsal checks its outage scenarios against the same figure. */
export const RTO_OBJECTIVE_SECONDS = REHEARSAL_OBJECTIVE;

/** Documented figures used where no template value exists. */
export const DOCUMENTED = {
  /** Route 53 resolvers cache an alias answer to an ELB for the ELB record's TTL. */
  elbAliasTtlSeconds: {
    value: 60,
    source: 'Route 53 uses the TTL of the alias target; ELB User Guide (Request routing): the load balancer DNS entry has a TTL of 60 seconds',
  },
  /** Each checker needs a TCP connection within 4 s and the status within 2 s after it. */
  route53ProbeWindowSeconds: {
    value: 6,
    source:
      'Route 53 Developer Guide (How Route 53 determines whether a health check is healthy): 4 s to connect, 2 s to answer; each checker applies the failure threshold',
  },
  /** Scheduler invokes a rate target somewhere within its minute. */
  schedulerPrecisionSeconds: { value: 60, source: 'EventBridge Scheduler User Guide (Schedule types): targets are invoked with 60-second precision' },
  /** How often a task re-reads its cluster's role (service/src/readiness.ts default). */
  serviceRoleRefreshSeconds: { value: 5, source: 'service readiness interval (service/src/readiness.ts, intervalMs default)' },
  auroraPromotionSeconds: {
    value: 120,
    source: 'Aurora User Guide: a global database failover completes "in the order of minutes"; planning figure, override with --promotion-seconds',
  },
  eventBridgeEndpointSeconds: { value: 420, source: 'EventBridge User Guide: global endpoints RTO/RPO 360 s, at most 420 s' },
  dynamoReplicationSeconds: { value: 1, source: 'DynamoDB Developer Guide: global table replication usually completes within a second' },
  auroraTypicalLagSeconds: { value: 1, source: 'Aurora User Guide: storage-based replication typically under a second' },
} as const;

export interface TimelineStep {
  readonly path: 'traffic' | 'writes';
  readonly step: string;
  readonly seconds: number;
  readonly source: string;
}

export interface RecoveryPoint {
  readonly store: string;
  readonly expected: string;
  readonly bound: string;
  readonly source: string;
}

export interface RecoveryReport {
  readonly steps: TimelineStep[];
  readonly trafficSeconds: number;
  readonly writesSeconds: number;
  /** Both paths run in parallel: recovery ends when the slower one does. */
  readonly totalSeconds: number;
  readonly objectiveSeconds: number;
  readonly meetsObjective: boolean;
  readonly recoveryPoints: RecoveryPoint[];
  /** The environment the templates belong to (their `Environment` tag), so a report is never read for the wrong one. */
  readonly environment: string;
}

interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: any }>;
}

export function recoveryReport(assemblyDir: string, options: { promotionSeconds?: number } = {}): RecoveryReport {
  const templates = loadTemplates(assemblyDir);
  const resources = Object.entries(templates).flatMap(([file, template]) =>
    Object.entries(template.Resources ?? {}).map(([logicalId, resource]) => ({ file, logicalId, ...resource })),
  );
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);

  // Traffic: the weight-100 record that routes (not the failover signal's TXT record) and its health check.
  const weighted = (txt: boolean) =>
    ofType('AWS::Route53::RecordSet').find((record) => record.Properties?.Weight > 0 && (record.Properties?.Type === 'TXT') === txt);
  const healthCheckOf = (record: { file: string; Properties?: any }) =>
    resources.find((resource) => resource.file === record.file && resource.logicalId === record.Properties.HealthCheckId?.Ref);
  const primaryRecord = weighted(false);
  if (!primaryRecord) throw new Error(`no weighted record with a weight above 0 in ${assemblyDir}`);
  const healthCheck = healthCheckOf(primaryRecord);
  if (!healthCheck) throw new Error('the weighted record has no health check: Route 53 would never fail over');
  const { RequestInterval: interval, FailureThreshold: threshold } = healthCheck.Properties.HealthCheckConfig;
  const ttl = primaryRecord.Properties.AliasTarget
    ? DOCUMENTED.elbAliasTtlSeconds
    : { value: Number(primaryRecord.Properties.TTL), source: `record TTL in ${primaryRecord.file}` };

  // Writes: the orchestrator's schedule and probe window.
  const orchestrator = ofType('AWS::Lambda::Function').find((fn) => fn.Properties?.Environment?.Variables?.GLOBAL_CLUSTER_ID);
  if (!orchestrator) throw new Error('no failover orchestrator in the templates: writes would never move');
  const env = orchestrator.Properties.Environment.Variables;
  const schedule = ofType('AWS::Scheduler::Schedule').find((candidate) =>
    JSON.stringify(candidate.Properties?.Target?.Arn ?? '').includes(orchestrator.logicalId),
  );
  const schedulePeriod = schedule ? rateSeconds(schedule.Properties.ScheduleExpression) : NaN;
  if (!Number.isFinite(schedulePeriod)) throw new Error('the orchestrator has no rate schedule');
  const probeCount = Number(env.PROBE_COUNT);
  const probeInterval = Number(env.PROBE_INTERVAL_SECONDS);
  const probeTimeout = Number(env.PROBE_TIMEOUT_SECONDS);
  const promotion = options.promotionSeconds ?? DOCUMENTED.auroraPromotionSeconds.value;
  // Each checker learns of the failure within one interval plus its probe window, and needs the
  // threshold of such failures; the endpoint turns unhealthy when the last needed checker does.
  const detection = threshold * (interval + DOCUMENTED.route53ProbeWindowSeconds.value);
  // Writes: the orchestrator starts on the failover signal's verdict when it reads one (its own,
  // faster health check), else on the routing check's.
  const signalRecord = env.SIGNAL_RECORD_NAME ? weighted(true) : undefined;
  const signalCheck = signalRecord && healthCheckOf(signalRecord);
  if (env.SIGNAL_RECORD_NAME && !signalCheck) throw new Error('the orchestrator reads a failover signal that has no weighted TXT record with a health check');
  const signalConfig = signalCheck?.Properties.HealthCheckConfig;
  const writeDetection = signalConfig
    ? Number(signalConfig.FailureThreshold) * (Number(signalConfig.RequestInterval) + DOCUMENTED.route53ProbeWindowSeconds.value)
    : detection;
  const confirmation = probeCount * probeInterval + probeTimeout;
  const minimumOutage = Number(env.MINIMUM_OUTAGE_SECONDS ?? 0);
  const vetoTimeout = Number(env.VETO_TIMEOUT_SECONDS ?? probeTimeout);
  // Runs follow each other (one at a time; invocations meanwhile are throttled and dropped after a
  // minute, and the retry schedule is not one to count on): after a run ends, the next invocation is
  // due within a schedule period and arrives within the scheduler's precision after that. The stored
  // streak outlives that gap, so its first probe can confirm: the gap and one interval bound it.
  const scheduleGap = schedulePeriod + DOCUMENTED.schedulerPrecisionSeconds.value;
  const watched = scheduleGap + probeInterval;

  const steps: TimelineStep[] = [
    {
      path: 'traffic',
      step: "Route 53 marks the primary unhealthy (each checker's worst case: threshold x (interval + 4 s connect + 2 s answer))",
      seconds: detection,
      source: `health check in ${healthCheck.file}: ${threshold} x (${interval} s + ${DOCUMENTED.route53ProbeWindowSeconds.value} s); ${DOCUMENTED.route53ProbeWindowSeconds.source}`,
    },
    { path: 'traffic', step: 'Resolvers drop the cached primary answer (effective TTL)', seconds: ttl.value, source: ttl.source },
    {
      path: 'writes',
      step: `Outage confirmed (the latest of: ${signalConfig ? "Route 53's failover signal" : 'Route 53'}, the minimum outage, the orchestrator's streak, a run watching after the longest gap between runs)`,
      seconds: Math.max(writeDetection, minimumOutage, confirmation, watched),
      source: `${
        signalConfig
          ? `signal check in ${signalCheck!.file}: ${signalConfig.FailureThreshold} x (${signalConfig.RequestInterval} s + ${DOCUMENTED.route53ProbeWindowSeconds.value} s) = ${writeDetection} s`
          : `Route 53 as above = ${detection} s`
      }; minimum outage ${minimumOutage} s; ${probeCount} failed probes ${probeInterval} s apart with ${probeTimeout} s timeout = ${confirmation} s; schedule ${schedule!.Properties.ScheduleExpression} + ${DOCUMENTED.schedulerPrecisionSeconds.value} s precision after a run ends + one ${probeInterval} s interval = ${watched} s (${orchestrator.file}); ${DOCUMENTED.schedulerPrecisionSeconds.source}`,
    },
    {
      path: 'writes',
      step: "One probe round: this region, then Route 53's answer beside the primary's veto probe",
      seconds: probeTimeout + vetoTimeout,
      source: `probe and veto timeouts in ${orchestrator.file}`,
    },
    {
      path: 'writes',
      step: 'Aurora promotes the secondary cluster',
      seconds: promotion,
      source: options.promotionSeconds ? '--promotion-seconds' : DOCUMENTED.auroraPromotionSeconds.source,
    },
    {
      path: 'writes',
      step: 'The standby service reads its new role and writes through its cluster endpoint',
      seconds: DOCUMENTED.serviceRoleRefreshSeconds.value,
      source: DOCUMENTED.serviceRoleRefreshSeconds.source,
    },
  ];
  const sum = (which: TimelineStep['path']): number => steps.filter((step) => step.path === which).reduce((total, step) => total + step.seconds, 0);
  const trafficSeconds = sum('traffic');
  const writesSeconds = sum('writes');
  const totalSeconds = Math.max(trafficSeconds, writesSeconds);

  return {
    steps,
    trafficSeconds,
    writesSeconds,
    totalSeconds,
    objectiveSeconds: RTO_OBJECTIVE_SECONDS,
    meetsObjective: totalSeconds <= RTO_OBJECTIVE_SECONDS,
    recoveryPoints: recoveryPoints(ofType),
    environment: environmentOf(resources),
  };
}

function recoveryPoints(ofType: (type: string) => Array<{ file: string; Properties?: any }>): RecoveryPoint[] {
  const alarm = (metric: string) => ofType('AWS::CloudWatch::Alarm').find((candidate) => candidate.Properties?.MetricName === metric);
  const auroraAlarm = alarm('AuroraGlobalDBReplicationLag');
  const dynamoAlarm = alarm('ReplicationLatency');
  const rule = ofType('AWS::S3::Bucket').flatMap((bucket) => bucket.Properties?.ReplicationConfiguration?.Rules ?? [])[0];
  const rtcMinutes = rule?.Destination?.ReplicationTime?.Time?.Minutes;
  return [
    {
      store: 'Aurora global database',
      expected: `~${DOCUMENTED.auroraTypicalLagSeconds.value} s (replication lag at the failure)`,
      bound: auroraAlarm ? `alarm above ${auroraAlarm.Properties.Threshold / 1000} s (${auroraAlarm.file})` : 'no lag alarm',
      source: DOCUMENTED.auroraTypicalLagSeconds.source,
    },
    {
      store: 'DynamoDB global table',
      expected: `~${DOCUMENTED.dynamoReplicationSeconds.value} s`,
      bound: dynamoAlarm ? `alarm above ${dynamoAlarm.Properties.Threshold / 1000} s (${dynamoAlarm.file})` : 'no latency alarm',
      source: DOCUMENTED.dynamoReplicationSeconds.source,
    },
    {
      store: 'S3 files',
      expected: rtcMinutes ? `99.99 % of objects within ${rtcMinutes} min (Replication Time Control)` : 'no replication time control',
      bound: rtcMinutes ? `${rtcMinutes * 60} s` : 'unbounded',
      source: 'replication rule in the primary foundation template',
    },
    {
      store: 'EventBridge events',
      expected: 'replicated asynchronously by the global endpoint',
      bound: `${DOCUMENTED.eventBridgeEndpointSeconds.value} s`,
      source: DOCUMENTED.eventBridgeEndpointSeconds.source,
    },
  ];
}

function environmentOf(resources: ReadonlyArray<{ Properties?: any }>): string {
  const values = new Set<string>();
  for (const resource of resources) {
    const tags = resource.Properties?.Tags;
    if (Array.isArray(tags)) for (const tag of tags) if (tag.Key === 'Environment' && typeof tag.Value === 'string') values.add(tag.Value);
  }
  if (values.size !== 1)
    throw new Error(`the templates name ${values.size === 0 ? 'no' : 'several'} environments (Environment tag): ${[...values].join(', ')}`);
  return [...values][0];
}

function loadTemplates(assemblyDir: string): Record<string, Template> {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'));
  const templates: Record<string, Template> = {};
  for (const artifact of Object.values<any>(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const file = artifact.properties.templateFile;
    templates[file] = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8'));
  }
  return templates;
}

function rateSeconds(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression ?? '');
  if (!match) return NaN;
  return Number(match[1]) * (match[2].startsWith('hour') ? 3600 : 60);
}

export function formatReport(report: RecoveryReport): string {
  const lines = [`Worst-case recovery timeline of environment "${report.environment}" (from the synthesized templates)`, ''];
  for (const which of ['traffic', 'writes'] as const) {
    lines.push(which === 'traffic' ? 'Traffic moves to the secondary region:' : 'Database writes move to the secondary region:');
    for (const step of report.steps.filter((candidate) => candidate.path === which)) {
      lines.push(`  ${String(step.seconds).padStart(4)} s  ${step.step}`, `          source: ${step.source}`);
    }
    lines.push(`  ${String(which === 'traffic' ? report.trafficSeconds : report.writesSeconds).padStart(4)} s  total`, '');
  }
  lines.push(
    `Recovery time: ${report.totalSeconds} s (both paths run in parallel) against an objective of ${report.objectiveSeconds} s: ${report.meetsObjective ? 'MET' : 'NOT MET'}`,
    '',
    'Recovery point per data store:',
  );
  for (const point of report.recoveryPoints)
    lines.push(`  ${point.store}: expected ${point.expected}; bound ${point.bound}`, `          source: ${point.source}`);
  return lines.join('\n');
}

export interface RehearsalComparison {
  readonly seeds: number;
  readonly writes: Distribution;
  readonly traffic: Distribution;
  /** Every rehearsed client recovered within the analytic worst case of its path. */
  readonly withinAnalyticBound: boolean;
  readonly meetsObjective: boolean;
}

/** Runs the outage scenarios of the rehearsal on the same templates and compares with the analytic bound. */
export async function rehearsalComparison(assemblyDir: string, report: RecoveryReport, seeds: number, workers?: number): Promise<RehearsalComparison> {
  // Loaded here, not at the top: --help and bad arguments are answered without loading the simulation.
  const { defaultWorkers, runMatrix } = await import('../rehearsal/src/matrix.js');
  const matrix = await runMatrix({
    assemblyDir,
    scenarios: [...OUTAGE_SCENARIOS],
    seeds: Array.from({ length: seeds }, (_, index) => index + 1),
    workers: workers ?? defaultWorkers(),
  });
  const merge = (pick: 'writes' | 'traffic'): Distribution => ({
    p50: Math.max(...matrix.summaries.map((summary) => summary[pick].p50)),
    p95: Math.max(...matrix.summaries.map((summary) => summary[pick].p95)),
    max: Math.max(...matrix.summaries.map((summary) => summary[pick].max)),
  });
  const writes = merge('writes');
  const traffic = merge('traffic');
  return {
    seeds,
    writes,
    traffic,
    withinAnalyticBound: writes.max <= report.writesSeconds && traffic.max <= report.trafficSeconds,
    meetsObjective: matrix.ok && writes.max <= RTO_OBJECTIVE_SECONDS,
  };
}

export function formatComparison(report: RecoveryReport, comparison: RehearsalComparison): string {
  const row = (name: string, analytic: number, rehearsed: Distribution): string =>
    `  ${name.padEnd(8)} ${String(analytic).padStart(8)} s   ${`${rehearsed.p50.toFixed(0)} / ${rehearsed.p95.toFixed(0)} / ${rehearsed.max.toFixed(0)} s`.padStart(20)}`;
  return [
    `Analytic worst case next to the failover rehearsal (${OUTAGE_SCENARIOS.join(', ')}; ${comparison.seeds} seeds each; npm run rehearse):`,
    `  path     analytic   rehearsed p50 / p95 / max`,
    row('traffic', report.trafficSeconds, comparison.traffic),
    row('writes', report.writesSeconds, comparison.writes),
    `Rehearsal within the analytic bound: ${comparison.withinAnalyticBound ? 'yes' : 'NO'}; within the objective: ${comparison.meetsObjective ? 'yes' : 'NO'}`,
  ].join('\n');
}

export const RTO_REPORT_USAGE = [
  'usage: npm run rto-report -- [--assembly <dir>] [--config <name>] [--promotion-seconds <n>] [--rehearsal-seeds <n>] [--json] [--help]',
  '  --assembly <dir>  the synthesized cloud assembly (cdk.out); --config <name> refuses one synthesized from another configuration',
  '  --rehearsal-seeds <0-10000>  seeds of the rehearsal comparison (50; 0 skips it)',
].join('\n');

export const RTO_REPORT_TOOL = {
  name: 'rto-report',
  usage: RTO_REPORT_USAGE,
  options: {
    assembly: { type: 'string' },
    config: { type: 'string' },
    'promotion-seconds': { type: 'string' },
    'rehearsal-seeds': { type: 'string' },
    json: { type: 'boolean' },
  },
} as const satisfies ToolDefinition;

export interface ReportArguments {
  readonly assemblyDir: string;
  /** The configuration the assembly must come from. @default - any (it is printed) */
  readonly configName?: string;
  readonly promotionSeconds?: number;
  /** 0 skips the rehearsal. */
  readonly rehearsalSeeds: number;
  readonly json: boolean;
}

/** Every argument checked before anything is read: unknown flags and non-numbers are refused. */
export function parseReportArguments(
  args: readonly string[],
  defaultAssemblyDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): ReportArguments | 'help' {
  const command = parseCommandLine(RTO_REPORT_TOOL, args, env);
  return command === 'help' ? 'help' : interpretReportArguments(command.values, defaultAssemblyDir);
}

function interpretReportArguments(values: ToolValues<typeof RTO_REPORT_TOOL.options>, defaultAssemblyDir: string): ReportArguments {
  return {
    assemblyDir: values.assembly ?? defaultAssemblyDir,
    configName: values.config,
    promotionSeconds: integerFlag('promotion-seconds', values['promotion-seconds'], { min: 1, max: 3600 }),
    rehearsalSeeds: integerFlag('rehearsal-seeds', values['rehearsal-seeds'], { min: 0, max: 10_000 }) ?? 50,
    json: values.json ?? false,
  };
}

async function report(options: ReportArguments): Promise<number> {
  process.stderr.write(`${describeAssemblySource(options.assemblyDir, { expected: options.configName, files: configDirectory(CONFIG_DIRECTORY) })}\n`);
  const report = recoveryReport(options.assemblyDir, { promotionSeconds: options.promotionSeconds });
  if (options.rehearsalSeeds > 0) process.stderr.write(`rehearsing the outage scenarios over ${options.rehearsalSeeds} seed(s) ...\n`);
  const comparison = options.rehearsalSeeds > 0 ? await rehearsalComparison(options.assemblyDir, report, options.rehearsalSeeds) : undefined;
  if (options.json) process.stdout.write(`${JSON.stringify({ ...report, rehearsal: comparison }, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report)}\n${comparison ? `\n${formatComparison(report, comparison)}\n` : ''}`);
  return report.meetsObjective && (comparison?.meetsObjective ?? true) ? 0 : 1;
}

if (require.main === module) {
  runToolProcess(RTO_REPORT_TOOL, (command) => report(interpretReportArguments(command.values, path.join(__dirname, '..', 'cdk.out'))));
}
