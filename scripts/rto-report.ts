/**
 * Worst-case recovery timeline of a synthesized platform, read from its CloudFormation templates
 * (never from the source code), against the 5-minute recovery time objective.
 *
 * Usage: tsx scripts/rto-report.ts [cdk.out] [--json] [--promotion-seconds N]
 * Exits 1 when the configured system cannot meet the objective.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RTO_OBJECTIVE_SECONDS = 300;

/** Documented figures used where no template value exists. */
export const DOCUMENTED = {
  /** Route 53 resolvers cache an alias answer to an ELB for the ELB record's TTL. */
  elbAliasTtlSeconds: { value: 60, source: 'AWS: alias records to Elastic Load Balancing use the load balancer record TTL of 60 s' },
  /** Checkers probe independently; their rounds can be offset by up to one interval. */
  checkerSpreadIntervals: {
    value: 1,
    source: 'Route 53 Developer Guide: health checkers in several regions probe independently (up to one interval of offset)',
  },
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

  // Traffic: the weight-100 record and its health check.
  const primaryRecord = ofType('AWS::Route53::RecordSet').find((record) => record.Properties?.Weight > 0);
  if (!primaryRecord) throw new Error(`no weighted record with a weight above 0 in ${assemblyDir}`);
  const healthCheckId = primaryRecord.Properties.HealthCheckId?.Ref;
  const healthCheck = resources.find((resource) => resource.file === primaryRecord.file && resource.logicalId === healthCheckId);
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

  const steps: TimelineStep[] = [
    {
      path: 'traffic',
      step: 'Route 53 marks the primary unhealthy (interval x failure threshold)',
      seconds: interval * threshold,
      source: `health check in ${healthCheck.file}: ${interval} s x ${threshold}`,
    },
    {
      path: 'traffic',
      step: 'Health checkers out of phase',
      seconds: interval * DOCUMENTED.checkerSpreadIntervals.value,
      source: DOCUMENTED.checkerSpreadIntervals.source,
    },
    { path: 'traffic', step: 'Resolvers drop the cached primary answer (effective TTL)', seconds: ttl.value, source: ttl.source },
    {
      path: 'writes',
      step: 'Orchestrator confirms the outage and Route 53 has moved the traffic (the later of the two)',
      seconds: Math.max(
        schedulePeriod + probeCount * probeTimeout + (probeCount - 1) * probeInterval,
        interval * threshold + interval * DOCUMENTED.checkerSpreadIntervals.value,
      ),
      source: `schedule ${schedule!.Properties.ScheduleExpression}, ${probeCount} probes ${probeInterval} s apart with ${probeTimeout} s timeout (${orchestrator.file}); Route 53 detection as above, read from the authoritative servers (no TTL)`,
    },
    { path: 'writes', step: 'Last probe of the primary (split-brain veto)', seconds: probeTimeout, source: `probe timeout in ${orchestrator.file}` },
    {
      path: 'writes',
      step: 'Aurora promotes the secondary cluster',
      seconds: promotion,
      source: options.promotionSeconds ? '--promotion-seconds' : DOCUMENTED.auroraPromotionSeconds.source,
    },
    {
      path: 'writes',
      step: 'Orchestrator verifies the new writer (one poll)',
      seconds: 10,
      source: 'orchestrator poll interval (orchestrator/src/handler.ts)',
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
  const lines = ['Worst-case recovery timeline (from the synthesized templates)', ''];
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

function main(): void {
  const args = process.argv.slice(2);
  const promotionIndex = args.indexOf('--promotion-seconds');
  const promotionSeconds = promotionIndex >= 0 ? Number(args[promotionIndex + 1]) : undefined;
  const isOptionValue = (index: number): boolean => promotionIndex >= 0 && index === promotionIndex + 1;
  const assemblyDir = args.find((arg, index) => !arg.startsWith('--') && !isOptionValue(index)) ?? path.join(__dirname, '..', 'cdk.out');
  const report = recoveryReport(assemblyDir, { promotionSeconds });
  process.stdout.write(`${args.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  process.exit(report.meetsObjective ? 0 : 1);
}

if (require.main === module) main();
