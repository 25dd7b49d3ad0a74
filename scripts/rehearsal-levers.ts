/**
 * Measures the recovery-time levers with the failover rehearsal before any is adopted: each lever is
 * applied to a copy of the synthesized templates (as the changed CDK code would synthesize it), and
 * the outage scenarios run over the same seeds. Prints write and traffic recovery (p50/p95/max).
 *
 * Usage: npm run rehearse:levers [-- --seeds <n>] (synthesize first: npm run synth)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultWorkers, runMatrix } from '../rehearsal/src/matrix';
import { OUTAGE_SCENARIOS } from '../rehearsal/src/scenarios';

type Edit = (templates: Record<string, any>) => void;

function orchestratorEnvironment(templates: Record<string, any>): Record<string, string> {
  const fn = Object.values<any>(templates.FailoverAutomation.Resources).find((resource) => resource.Properties?.Environment?.Variables?.PROBE_COUNT);
  return fn.Properties.Environment.Variables;
}

/** Weighted CNAME records with a short TTL instead of alias A records (same health checks and weights). */
const cnameRecords =
  (ttlSeconds: number): Edit =>
  (templates) => {
    for (const record of Object.values<any>(templates.GlobalTraffic.Resources).filter((resource) => resource.Type === 'AWS::Route53::RecordSet')) {
      const target = record.Properties.AliasTarget.DNSName;
      delete record.Properties.AliasTarget;
      record.Properties.Type = 'CNAME';
      record.Properties.TTL = String(ttlSeconds);
      record.Properties.ResourceRecords = [target];
    }
  };

const LEVERS: Array<[string, Edit]> = [
  ['as synthesized', () => undefined],
  ['probe window 50 s (one run a minute)', (templates) => void (orchestratorEnvironment(templates).PROBE_WINDOW_SECONDS = '50')],
  ['probe window 110 s', (templates) => void (orchestratorEnvironment(templates).PROBE_WINDOW_SECONDS = '110')],
  [
    '3 probes 20 s apart (previous policy)',
    (templates) => Object.assign(orchestratorEnvironment(templates), { PROBE_COUNT: '3', PROBE_INTERVAL_SECONDS: '20' }),
  ],
  ['weighted CNAME records, TTL 10 s', cnameRecords(10)],
  ['weighted CNAME records, TTL 30 s', cnameRecords(30)],
];

async function main(): Promise<void> {
  const seedsFlag = process.argv.indexOf('--seeds');
  const seedCount = seedsFlag >= 0 ? Number(process.argv[seedsFlag + 1]) : 100;
  const source = path.join(__dirname, '..', 'cdk.out');
  const scenarios = [...OUTAGE_SCENARIOS];
  const seeds = Array.from({ length: seedCount }, (_, index) => index + 1);
  process.stdout.write(`Outage scenarios (${scenarios.join(', ')}) x ${seedCount} seeds; seconds over every client of every run\n\n`);
  process.stdout.write(`${'lever'.padEnd(40)}  writes p50/p95/max   traffic p50/p95/max   result\n`);
  for (const [name, edit] of LEVERS) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lever-'));
    const templates: Record<string, any> = {};
    for (const file of fs.readdirSync(source).filter((candidate) => candidate.endsWith('.json'))) {
      const content = JSON.parse(fs.readFileSync(path.join(source, file), 'utf8'));
      if (file.endsWith('.template.json')) templates[file.replace('.template.json', '')] = content;
      else fs.writeFileSync(path.join(dir, file), JSON.stringify(content));
    }
    edit(templates);
    for (const [id, template] of Object.entries(templates)) fs.writeFileSync(path.join(dir, `${id}.template.json`), JSON.stringify(template));
    const report = await runMatrix({ assemblyDir: dir, scenarios, seeds, workers: defaultWorkers() });
    const merged = (pick: 'writes' | 'traffic', stat: 'p50' | 'p95' | 'max'): string =>
      Math.max(...report.summaries.map((summary) => summary[pick][stat])).toFixed(0);
    process.stdout.write(
      `${name.padEnd(40)}  ${`${merged('writes', 'p50')}/${merged('writes', 'p95')}/${merged('writes', 'max')}`.padStart(18)}   ${`${merged('traffic', 'p50')}/${merged('traffic', 'p95')}/${merged('traffic', 'max')}`.padStart(19)}   ${report.ok ? 'ok' : 'FAILED'}\n`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\n(p50/p95/max are the worst of the scenarios for each statistic)\n');
}

void main();
