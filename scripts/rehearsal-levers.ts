/**
 * Measures the recovery-time levers with the failover rehearsal before any is adopted: each lever is
 * applied to a copy of the synthesized templates (as the changed CDK code would synthesize it), and
 * the outage scenarios run over the same seeds. Prints write and traffic recovery (p50/p95/max).
 *
 * Usage: npm run rehearse:levers -- [--seeds <n>] [--assembly <dir>] (synthesize first: npm run synth)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_DIRECTORY, configDirectory } from '../lib/environments';
import { describeAssemblySource } from './assembly-source';
import { integerFlag, ParsedCommandLine, runToolProcess, ToolDefinition } from './command-line';
import { OUTAGE_SCENARIOS, SAFETY_SCENARIOS } from '../rehearsal/src/scenarios';

type Edit = (templates: Record<string, any>) => void;

function orchestratorEnvironment(templates: Record<string, any>): Record<string, string> {
  const fn = Object.values<any>(templates.FailoverAutomation.Resources).find((resource) => resource.Properties?.Environment?.Variables?.PROBE_COUNT);
  return fn.Properties.Environment.Variables;
}

/** Weighted CNAME records with a short TTL instead of alias A records (same health checks and weights). */
const cnameRecords =
  (ttlSeconds: number): Edit =>
  (templates) => {
    const routing = (resource: any): boolean => resource.Type === 'AWS::Route53::RecordSet' && resource.Properties.AliasTarget !== undefined;
    for (const record of Object.values<any>(templates.GlobalTraffic.Resources).filter(routing)) {
      const target = record.Properties.AliasTarget.DNSName;
      delete record.Properties.AliasTarget;
      record.Properties.Type = 'CNAME';
      record.Properties.TTL = String(ttlSeconds);
      record.Properties.ResourceRecords = [target];
    }
  };

/** The orchestrator reads the application's own answer, as before the failover signal (its records stay, unread). */
const withoutSignal: Edit = (templates) => {
  const environment = orchestratorEnvironment(templates);
  delete environment.SIGNAL_RECORD_NAME;
  delete environment.SIGNAL_STANDBY_VALUE;
};

const LEVERS: Array<[string, Edit]> = [
  ['as synthesized', () => undefined],
  ['without the failover signal', withoutSignal],
  ['no minimum outage (promote on the signal)', (templates) => void (orchestratorEnvironment(templates).MINIMUM_OUTAGE_SECONDS = '0')],
  [
    'probes every 10 s, 5 s timeout (previous)',
    (templates) => Object.assign(orchestratorEnvironment(templates), { PROBE_INTERVAL_SECONDS: '10', PROBE_TIMEOUT_SECONDS: '5' }),
  ],
  [
    'no signal, probes every 10 s (previous)',
    (templates) => {
      withoutSignal(templates);
      Object.assign(orchestratorEnvironment(templates), { PROBE_INTERVAL_SECONDS: '10', PROBE_TIMEOUT_SECONDS: '5' });
    },
  ],
  [
    'probes every 3 s, 2 s timeout',
    (templates) => Object.assign(orchestratorEnvironment(templates), { PROBE_INTERVAL_SECONDS: '3', PROBE_TIMEOUT_SECONDS: '2' }),
  ],
  ['probe window 50 s (one run a minute)', (templates) => void (orchestratorEnvironment(templates).PROBE_WINDOW_SECONDS = '50')],
  ['probe window 400 s (fewer run boundaries)', (templates) => void (orchestratorEnvironment(templates).PROBE_WINDOW_SECONDS = '400')],
  ['weighted CNAME records, TTL 10 s', cnameRecords(10)],
  ['weighted CNAME records, TTL 30 s', cnameRecords(30)],
];

export const LEVERS_TOOL = {
  name: 'rehearse:levers',
  usage: [
    'usage: npm run rehearse:levers -- [--seeds <1-10000> (100)] [--assembly <dir>] [--config <name>] [--help]',
    '  applies each recovery-time lever to a copy of the assembly and runs the outage scenarios over the same seeds',
  ].join('\n'),
  options: { seeds: { type: 'string' }, assembly: { type: 'string' }, config: { type: 'string' } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof LEVERS_TOOL.options>): Promise<number> {
  const seedCount = integerFlag('seeds', values.seeds, { min: 1, max: 10_000 }) ?? 100;
  const source = values.assembly ?? path.join(__dirname, '..', 'cdk.out');
  process.stderr.write(`${describeAssemblySource(source, { expected: values.config, files: configDirectory(CONFIG_DIRECTORY) })}\n`);
  const started = Date.now();
  // Loaded here, not at the top: --help and bad arguments are answered without loading the simulation.
  const { defaultWorkers, runMatrix } = await import('../rehearsal/src/matrix.js');
  // A lever must keep the scenarios that must not promote safe: it is measured on both.
  const scenarios = [...OUTAGE_SCENARIOS, ...SAFETY_SCENARIOS];
  const seeds = Array.from({ length: seedCount }, (_, index) => index + 1);
  let ok = true;
  process.stdout.write(
    `Outage scenarios (${OUTAGE_SCENARIOS.join(', ')}) and the scenarios that must not promote (${SAFETY_SCENARIOS.join(', ')}) x ${seedCount} seeds; seconds over every client of every outage run\n\n`,
  );
  process.stdout.write(`${'lever'.padEnd(40)}  writes p50/p95/max   traffic p50/p95/max   overhead p95/max   outages  safety\n`);
  for (const [index, [name, edit]] of LEVERS.entries()) {
    process.stderr.write(`[+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] lever ${index + 1} of ${LEVERS.length}: ${name}\n`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lever-'));
    try {
      const templates: Record<string, any> = {};
      for (const file of fs.readdirSync(source).filter((candidate) => candidate.endsWith('.json'))) {
        const content = JSON.parse(fs.readFileSync(path.join(source, file), 'utf8'));
        if (file.endsWith('.template.json')) templates[file.replace('.template.json', '')] = content;
        else fs.writeFileSync(path.join(dir, file), JSON.stringify(content));
      }
      edit(templates);
      for (const [id, template] of Object.entries(templates)) fs.writeFileSync(path.join(dir, `${id}.template.json`), JSON.stringify(template));
      const report = await runMatrix({ assemblyDir: dir, scenarios, seeds, workers: defaultWorkers() });
      ok &&= report.ok || index > 0;
      const outages = report.summaries.filter((summary) => OUTAGE_SCENARIOS.includes(summary.scenario));
      const safety = report.summaries.filter((summary) => SAFETY_SCENARIOS.includes(summary.scenario));
      const passed = (summaries: typeof report.summaries): string =>
        summaries.every((summary) => summary.violations.length === 0 && summary.misses.length === 0) ? 'ok' : 'FAILED';
      const merged = (pick: 'writes' | 'traffic', stat: 'p50' | 'p95' | 'max'): string => Math.max(...outages.map((summary) => summary[pick][stat])).toFixed(0);
      const overhead = (stat: 'p95' | 'max'): string => Math.max(...outages.map((summary) => summary.breakdown?.overhead[stat] ?? 0)).toFixed(0);
      process.stdout.write(
        `${name.padEnd(40)}  ${`${merged('writes', 'p50')}/${merged('writes', 'p95')}/${merged('writes', 'max')}`.padStart(18)}   ${`${merged('traffic', 'p50')}/${merged('traffic', 'p95')}/${merged('traffic', 'max')}`.padStart(19)}   ${`${overhead('p95')}/${overhead('max')}`.padStart(16)}   ${passed(outages).padEnd(7)}  ${passed(safety)}\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write('\n(p50/p95/max are the worst of the scenarios for each statistic)\n');
  // A lever may fail its outcomes (that is what it measures); the templates as synthesized may not.
  return ok ? 0 : 1;
}

if (require.main === module) runToolProcess(LEVERS_TOOL, main);
