import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCUMENTED, formatReport, parseReportArguments, recoveryReport, rehearsalComparison, RTO_OBJECTIVE_SECONDS } from '../scripts/rto-report';
import { UsageError } from '../scripts/command-line';
import { sharedAssembly } from './assemblies';

const ROOT = path.join(__dirname, '..');
let assemblyDir: string;

beforeAll(() => {
  assemblyDir = sharedAssembly('dev');
});

/** A copy of the assembly with one template edited, as if the app had been configured so. */
function editedAssembly(stackFile: string, edit: (template: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rto-'));
  for (const file of fs.readdirSync(assemblyDir).filter((name) => name.endsWith('.json'))) fs.copyFileSync(path.join(assemblyDir, file), path.join(dir, file));
  const template = JSON.parse(fs.readFileSync(path.join(dir, stackFile), 'utf8'));
  edit(template);
  fs.writeFileSync(path.join(dir, stackFile), JSON.stringify(template));
  return dir;
}

function primaryHealthCheck(template: any): any {
  const record = Object.values<any>(template.Resources).find(
    (r) => r.Type === 'AWS::Route53::RecordSet' && r.Properties.Weight > 0 && r.Properties.Type !== 'TXT',
  );
  return template.Resources[record.Properties.HealthCheckId.Ref].Properties.HealthCheckConfig;
}

function runCli(dir: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'scripts', 'rto-report.ts'), '--assembly', dir, '--rehearsal-seeds', '0'],
    {
      encoding: 'utf8',
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('the synthesized platform meets the 5-minute objective, with every figure taken from the templates', () => {
  const report = recoveryReport(assemblyDir);
  const seconds = Object.fromEntries(report.steps.map((step) => [step.step.split(' (')[0], step.seconds]));
  // Each checker's worst case: 2 x (30 s interval + 4 s connect + 2 s answer).
  expect(seconds['Route 53 marks the primary unhealthy']).toBe(72);
  expect(seconds['Resolvers drop the cached primary answer']).toBe(DOCUMENTED.elbAliasTtlSeconds.value);
  // The latest of: the failover signal's check, 3 x (10 s + 4 s connect + 2 s answer) = 48 s; the 60 s
  // minimum outage; the orchestrator's own 5 probes 2 s apart with a 1 s timeout (11 s); and a run
  // watching again after the longest gap between runs (a minute's schedule, its 60 s precision, one
  // 2 s interval): 122 s.
  expect(seconds['Outage confirmed']).toBe(122);
  expect(report.steps.find((step) => step.step.startsWith('Outage confirmed'))!.source).toMatch(/= 48 s; minimum outage 60 s; .* = 11 s; .* = 122 s/);
  // A round: the standby's probe (1 s) beside the veto probe (5 s).
  expect(seconds["One probe round: this region, then Route 53's answer beside the primary's veto probe"]).toBe(6);
  expect(report.writesSeconds).toBe(122 + 6 + DOCUMENTED.auroraPromotionSeconds.value + DOCUMENTED.serviceRoleRefreshSeconds.value);
  expect(report.trafficSeconds).toBe(72 + 60);
  expect(report.totalSeconds).toBe(Math.max(report.trafficSeconds, report.writesSeconds));
  expect(report).toMatchObject({ objectiveSeconds: RTO_OBJECTIVE_SECONDS, meetsObjective: true });
  for (const step of report.steps) expect(step.source.length).toBeGreaterThan(10);
  expect(report.recoveryPoints.map((point) => point.store)).toEqual(['Aurora global database', 'DynamoDB global table', 'S3 files', 'EventBridge events']);
  expect(report.recoveryPoints[0].bound).toContain('60 s');
  expect(report.recoveryPoints[2].bound).toBe('900 s');
});

test('the CLI prints the timeline and exits 0 when the objective is met', () => {
  const { status, stdout, stderr } = runCli(assemblyDir);
  expect(status).toBe(0);
  expect(stderr).toContain(`assembly ${assemblyDir}: synthesized from configuration "dev"`);
  expect(stdout).toMatch(/Recovery time: \d+ s .* MET/);
  expect(stdout).toContain('source: health check in GlobalTraffic.template.json: 2 x (30 s + 6 s)');
});

test('a 10-minute health-check configuration cannot meet the objective: the CLI exits non-zero', () => {
  // 30 s x 10 failures plus spread and TTL: detection alone takes more than the objective allows.
  const dir = editedAssembly('GlobalTraffic.template.json', (template) =>
    Object.assign(primaryHealthCheck(template), { RequestInterval: 30, FailureThreshold: 10 }),
  );
  const report = recoveryReport(dir);
  expect(report.trafficSeconds).toBe(10 * 36 + 60);
  expect(report.meetsObjective).toBe(false);
  const { status, stdout } = runCli(dir);
  expect(status).toBe(1);
  expect(stdout).toContain('NOT MET');
});

test('no rehearsed client waits longer than the analytic worst case, on either path', async () => {
  const report = recoveryReport(assemblyDir);
  const comparison = await rehearsalComparison(assemblyDir, report, 8, 1);
  expect(comparison.writes.max).toBeLessThanOrEqual(report.writesSeconds);
  expect(comparison.traffic.max).toBeLessThanOrEqual(report.trafficSeconds);
  expect(comparison).toMatchObject({ withinAnalyticBound: true, meetsObjective: true });
});

test('a slower database promotion than planned breaks the objective on the write path', () => {
  const report = recoveryReport(assemblyDir, { promotionSeconds: 240 });
  expect(report.writesSeconds).toBeGreaterThan(RTO_OBJECTIVE_SECONDS);
  expect(report.meetsObjective).toBe(false);
});

test('without the failover signal the write path waits for the routing check, as before', () => {
  const dir = editedAssembly('FailoverAutomation.template.json', (template) => {
    const fn = Object.values<any>(template.Resources).find((r) => r.Properties?.Environment?.Variables?.SIGNAL_RECORD_NAME);
    delete fn.Properties.Environment.Variables.SIGNAL_RECORD_NAME;
    delete fn.Properties.Environment.Variables.SIGNAL_STANDBY_VALUE;
  });
  const step = recoveryReport(dir).steps.find((candidate) => candidate.step.startsWith('Outage confirmed'))!;
  expect(step.step).toContain('the latest of: Route 53,');
  expect(step.source).toMatch(/^Route 53 as above = 72 s;/);
});

test('a plain record uses its own TTL instead of the alias figure', () => {
  const dir = editedAssembly('GlobalTraffic.template.json', (template) => {
    const record = Object.values<any>(template.Resources).find(
      (r) => r.Type === 'AWS::Route53::RecordSet' && r.Properties.Weight > 0 && r.Properties.Type !== 'TXT',
    );
    delete record.Properties.AliasTarget;
    record.Properties.TTL = '300';
  });
  expect(recoveryReport(dir).steps.find((step) => step.step.startsWith('Resolvers'))!.seconds).toBe(300);
});

test('a platform without the orchestrator is reported as unable to move writes', () => {
  const dir = editedAssembly('FailoverAutomation.template.json', (template) => {
    for (const [id, resource] of Object.entries<any>(template.Resources)) if (resource.Type === 'AWS::Lambda::Function') delete template.Resources[id];
  });
  expect(() => recoveryReport(dir)).toThrow(/no failover orchestrator/);
});

describe('rto-report arguments', () => {
  test('defaults: cdk.out, 50 rehearsal seeds', () => {
    expect(parseReportArguments([], 'cdk.out')).toEqual({ assemblyDir: 'cdk.out', promotionSeconds: undefined, rehearsalSeeds: 50, json: false });
    expect(parseReportArguments(['--assembly', '/tmp/a', '--promotion-seconds=90', '--rehearsal-seeds', '0', '--json'], 'cdk.out')).toMatchObject({
      assemblyDir: '/tmp/a',
      promotionSeconds: 90,
      rehearsalSeeds: 0,
      json: true,
    });
  });

  test.each([
    [['--promotion-secs', '90'], 'unknown flag --promotion-secs; did you mean "--promotion-seconds"?'],
    [['--promotion-seconds', 'ninety'], '--promotion-seconds must be an integer from 1 to 3600, got "ninety"'],
    [['--promotion-seconds'], '--promotion-seconds needs a value'],
    [['--rehearsal-seeds=-1'], '--rehearsal-seeds must be an integer from 0 to 10000, got "-1"'],
    [['--rehearsal-seeds', '-1'], '--rehearsal-seeds needs a value (one that starts with a dash is written --rehearsal-seeds=<value>)'],
    [['cdk.out'], 'unexpected argument "cdk.out": this tool takes only flags'],
  ])('%j is refused before anything is read: %s', (args, message) => {
    expect(() => parseReportArguments(args, 'cdk.out')).toThrow(UsageError);
    expect(() => parseReportArguments(args, 'cdk.out')).toThrow(message);
  });

  test('without a synthesized assembly it says to synthesize first, without a stack trace', () => {
    const run = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'scripts', 'rto-report.ts'), '--assembly', path.join(os.tmpdir(), 'no-assembly')],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('run `npm run synth` first');
    expect(run.stderr).not.toContain('    at ');
  });

  test('the report names the environment its templates belong to', () => {
    expect(recoveryReport(assemblyDir).environment).toBe('dev');
    expect(formatReport(recoveryReport(assemblyDir))).toContain('environment "dev"');
  });
});
