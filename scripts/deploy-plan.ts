/**
 * `npm run deploy-plan -- --config <name>`: the exact, ordered commands that deploy an environment,
 * derived from its synthesized stacks (regions, account, dependencies, the cross-stack reads that
 * cause them, and the outputs the later steps use), never hand-written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeAssemblySource } from './assembly-source';
import { assemblyStacks, readTemplate } from './assembly-stacks';
import { synthesize } from './cdk-synth';
import { ParsedCommandLine, runToolProcess, ToolDefinition, UsageError } from './command-line';
import { CONFIG_DIRECTORY, configDirectory } from '../lib/environments';

/** One stack of the plan. */
export interface PlannedStack {
  readonly stackId: string;
  readonly stackName: string;
  readonly account?: string;
  readonly region: string;
  /** Stacks it deploys after, each with why. */
  readonly after: ReadonlyArray<{ readonly stackId: string; readonly reason: string }>;
  readonly outputs: readonly string[];
  /** ACM certificates its HTTPS listeners serve, which must be issued before it deploys. */
  readonly certificates: readonly string[];
  /** It creates the hosted zone (not an existing one): the domain is delegated to it. */
  readonly createsHostedZone: boolean;
  /** The zone's name, when it creates one. */
  readonly hostedZoneName?: string;
  /** It requests ACM certificates, which ACM validates through public DNS. */
  readonly requestsCertificates: boolean;
}

/** The stacks of an assembly, with the reasons for their order read from the templates. */
export function plannedStacks(assemblyDir: string): PlannedStack[] {
  const stacks = assemblyStacks(assemblyDir).map((stack) => ({ ...stack, template: readTemplate(assemblyDir, stack) }));
  const exporter = new Map<string, { stackId: string; outputId: string }>();
  for (const stack of stacks) {
    for (const [outputId, output] of Object.entries<any>(stack.template.Outputs ?? {})) {
      if (output.Export?.Name !== undefined) exporter.set(JSON.stringify(output.Export.Name), { stackId: stack.stackId, outputId });
    }
  }
  return stacks.map((stack) => {
    const reads = new Map<string, Set<string>>();
    const note = (producer: string | undefined, what: string) => {
      if (producer === undefined || producer === stack.stackId) return;
      if (!reads.has(producer)) reads.set(producer, new Set());
      reads.get(producer)!.add(what);
    };
    walk(stack.template, (key, value) => {
      if (key === 'Fn::ImportValue') {
        const exported = exporter.get(JSON.stringify(value));
        note(exported?.stackId, `imports its export ${exported?.outputId}`);
      }
      if (key === 'Fn::GetStackOutput') {
        const read = value as { StackName?: string; OutputName?: string };
        note(stacks.find((candidate) => candidate.stackName === read.StackName)?.stackId, `reads its output ${read.OutputName}`);
      }
    });
    const resources = Object.values<any>(stack.template.Resources ?? {});
    return {
      stackId: stack.stackId,
      stackName: stack.stackName,
      account: stack.account,
      region: stack.region,
      after: stack.dependencies.map((dependency: string) => ({
        stackId: dependency,
        reason: reads.has(dependency) ? [...reads.get(dependency)!].join(', ') : 'declared in lib/platform.ts (addStackDependency, with its reason there)',
      })),
      outputs: Object.keys(stack.template.Outputs ?? {}),
      createsHostedZone: resources.some((resource) => resource.Type === 'AWS::Route53::HostedZone'),
      hostedZoneName: resources.find((resource) => resource.Type === 'AWS::Route53::HostedZone')?.Properties?.Name?.replace(/\.$/, ''),
      requestsCertificates: resources.some((resource) => resource.Type === 'AWS::CertificateManager::Certificate'),
      certificates: resources
        .filter((resource) => resource.Type === 'AWS::ElasticLoadBalancingV2::Listener')
        .flatMap((resource) => (resource.Properties?.Certificates ?? []).map((certificate: any) => certificate.CertificateArn))
        .filter((arn: unknown): arn is string => typeof arn === 'string'),
    };
  });
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) value.forEach((item) => walk(item, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      visit(key, item);
      walk(item, visit);
    }
  }
}

/** Stacks in waves: each wave deploys after every stack of the earlier ones it depends on. */
export function deployWaves(stacks: readonly PlannedStack[]): PlannedStack[][] {
  const waves: PlannedStack[][] = [];
  const placed = new Set<string>();
  while (placed.size < stacks.length) {
    const wave = stacks.filter((stack) => !placed.has(stack.stackId) && stack.after.every((dependency) => placed.has(dependency.stackId)));
    if (wave.length === 0)
      throw new Error(
        `the stacks' dependencies form a cycle among ${stacks
          .filter((s) => !placed.has(s.stackId))
          .map((s) => s.stackId)
          .join(', ')}`,
      );
    for (const stack of wave) placed.add(stack.stackId);
    waves.push(wave);
  }
  return waves;
}

/** The stack and every stack it deploys after, transitively. */
function withUpstream(stacks: readonly PlannedStack[], stackId: string): Set<string> {
  const found = new Set<string>();
  const visit = (id: string) => {
    if (found.has(id)) return;
    found.add(id);
    for (const dependency of stacks.find((stack) => stack.stackId === id)?.after ?? []) visit(dependency.stackId);
  };
  visit(stackId);
  return found;
}

/** The plan's text for configuration `name` (whose environment suffix is `suffix`). */
export function formatDeployPlan(name: string, suffix: string, stacks: readonly PlannedStack[]): string {
  const context = `-c config=${name}`;
  const regions = [...new Set(stacks.map((stack) => stack.region))];
  const account = stacks.find((stack) => stack.account)?.account;
  const certified = stacks.filter((stack) => stack.certificates.length > 0);
  const zone = stacks.find((stack) => stack.createsHostedZone && stack.outputs.includes('HostedZoneNameServers'));
  // ACM validates a requested certificate through public DNS: a zone the platform creates must be
  // delegated to before any stack that requests one deploys, or that stack waits until it fails.
  const zoneFirst = zone !== undefined && stacks.some((stack) => stack.requestsCertificates && withUpstream(stacks, stack.stackId).has(zone.stackId));
  const lines = [
    `Deploy plan of config/${name}.json (environment ${suffix}, account ${account ?? "<the credentials' account>"}, regions ${regions.join(', ')}), from its synthesized stacks:`,
    '',
    '1. Bootstrap every region the stacks deploy to (once per account and region):',
    `   npx cdk bootstrap ${regions.map((region) => `aws://${account ?? '<account>'}/${region}`).join(' ')} ${context}`,
    ...(certified.length > 0
      ? [
          '',
          '   Before deploying: the HTTPS listeners serve these ACM certificates, each of which must read ISSUED:',
          ...certified.flatMap((stack) =>
            stack.certificates.map(
              (arn) => `   aws acm describe-certificate --region ${stack.region} --certificate-arn ${arn} --query Certificate.Status   # ${stack.stackId}`,
            ),
          ),
        ]
      : []),
  ];
  let step = 2;
  const delegation = (zoneStack: PlannedStack) => [
    '',
    `${step++}. Delegate ${zoneStack.hostedZoneName ?? 'the domain'} to the hosted zone ${zoneStack.stackId} created: its name servers are its output HostedZoneNameServers, for the NS record in the parent zone:`,
    `   aws cloudformation describe-stacks --region ${zoneStack.region} --stack-name ${zoneStack.stackName} --query "Stacks[0].Outputs[?OutputKey=='HostedZoneNameServers'].OutputValue" --output text`,
  ];
  if (zoneFirst) {
    const upstream = [...withUpstream(stacks, zone.stackId)];
    lines.push(
      '',
      `${step++}. Deploy the hosted zone first (with what it deploys after: ${upstream.join(', ')}); the certificates are validated through it:`,
      `   npx cdk deploy ${zone.stackId} --concurrency 2 ${context}`,
    );
    lines.push(
      ...delegation(zone),
      // A recursive resolver may answer from its cache; +trace follows the delegation from the root.
      `   Then wait until the parent zone delegates to them (ACM validates only through it): the last NS answer of dig +trace NS ${zone.hostedZoneName ?? '<domainName>'} lists them`,
    );
  }
  lines.push(
    '',
    `${step++}. Review, then deploy. The CLI deploys in this order by itself; --concurrency 2 runs a wave's stacks side by side:`,
    `   npx cdk diff --all ${context}`,
    `   npx cdk deploy --all --concurrency 2 ${context}`,
  );
  deployWaves(stacks).forEach((wave, index) => {
    lines.push(`   wave ${index + 1}:`);
    for (const stack of wave) {
      lines.push(`     ${stack.stackId} (${stack.stackName}, ${stack.region})`);
      for (const dependency of stack.after) lines.push(`       after ${dependency.stackId}: ${dependency.reason}`);
    }
  });
  const bootstrapTask = stacks.filter((stack) => stack.outputs.includes('DatabaseBootstrapTaskDefinition')).map((stack) => stack.stackId);
  if (bootstrapTask.length > 0) {
    lines.push(
      '',
      `${step++}. Create the database roles, once (runs the task of ${bootstrapTask.join(' / ')} in the writer's region; /ready answers 503 until then):`,
      `   npm run db-bootstrap -- --config ${name} --confirm db-bootstrap-${suffix}`,
    );
  }
  if (zone && !zoneFirst) lines.push(...delegation(zone));
  lines.push('', `${step}. Verify what only AWS can answer (after every deploy too):`, `   npm run verify-deployment -- --config ${name}`);
  return `${lines.join('\n')}\n`;
}

export const DEPLOY_PLAN_TOOL = {
  name: 'deploy-plan',
  usage: [
    'usage: npm run deploy-plan -- --config <name> [--assembly <dir>] [--help]',
    '  --config <name>   the environment (config/<name>.json); its stacks are synthesized unless --assembly gives them',
  ].join('\n'),
  options: { config: { type: 'string' }, assembly: { type: 'string' } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof DEPLOY_PLAN_TOOL.options>): Promise<number> {
  if (values.config === undefined) throw new UsageError('--config <name> is required');
  const files = configDirectory(CONFIG_DIRECTORY);
  if (files.read(values.config) === undefined) throw new UsageError(`no file config/${values.config}.json; the environments are: ${files.names().join(', ')}`);
  const outDir = values.assembly === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-plan-')) : undefined;
  try {
    const assembly =
      values.assembly ??
      (process.stderr.write(`synthesizing config/${values.config}.json ...\n`), await synthesize(outDir!, ['-c', `config=${values.config}`]));
    process.stderr.write(`${describeAssemblySource(assembly, { expected: values.config, files })}\n`);
    const suffix = JSON.parse(files.read(values.config)!).environmentSuffix;
    process.stdout.write(formatDeployPlan(values.config, suffix, plannedStacks(assembly)));
    return 0;
  } finally {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module) runToolProcess(DEPLOY_PLAN_TOOL, main);
