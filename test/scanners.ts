/**
 * The two independent template scanners of the check command, run the way a reviewer would run
 * them: CloudFormation Guard with the AWS Control Tower proactive rules (through
 * `@cdklabs/cdk-validator-cfnguard`, which ships the engine and the rules, as a CDK policy-validation
 * plugin, so its acknowledgements are per construct) and checkov (pinned in the project's virtual
 * environment, its skips read from each resource's `Metadata.checkov.skip`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { blockingPlugin } from '../lib/nag';
import { CDK_JSON_CONTEXT } from './helpers';

const CHECKOV = path.join(__dirname, '..', '.venv', 'bin', 'checkov');

/** The Guard plugin with the Control Tower rules, every finding blocking (see `blockingPlugin`). */
export function guardPlugin(): IPolicyValidationPlugin {
  return blockingPlugin(new CfnGuardValidator({ controlTowerRulesEnabled: true }));
}

export interface GuardedSynthesis<T = void> {
  /** The synthesized app, and what `build` returned. */
  readonly app: App;
  readonly built: T;
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** The synth error with Guard's report in it, when any finding is not acknowledged. */
  readonly error?: string;
  /** Unacknowledged findings, as `rule at construct path`. */
  readonly findings: string[];
  /** Acknowledged findings by Guard rule name. */
  readonly acknowledged: Record<string, number>;
}

/** Synthesizes what `build` adds to a fresh app, with Guard validating the assembly. */
export function guardedSynth<T>(build: (app: App) => T): GuardedSynthesis<T> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guarded-assembly-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const built = build(app);
  Validations.of(app).addPlugins(guardPlugin());
  let error: string | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = (caught as Error).message;
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const guard = report.pluginReports.find((plugin: any) => plugin.pluginName === 'cdk-validator-cfnguard');
  if (!guard) throw new Error(`Guard did not report on ${outdir}: ${error ?? 'no error'}`);
  const findings = guard.violations.flatMap((violation: any) =>
    violation.violatingConstructs.map((construct: any) => `${violation.ruleName} at ${construct.constructPath}`),
  );
  return {
    app,
    built,
    outdir,
    error,
    findings,
    acknowledged: countBy((guard.suppressedViolations ?? []).flatMap((v: any) => v.violatingConstructs.map(() => v.ruleName))),
  };
}

export interface CheckovResult {
  /** Failed checks, as `check id (check name) at template: resource`. */
  readonly failed: string[];
  /** Skipped checks by id, with the comment of each skip. */
  readonly skipped: Record<string, number>;
  readonly skipComments: string[];
  /** Templates checkov could not parse (and so did not scan), in the whole run. */
  readonly parsingErrors: number;
  /** Resources checkov parsed in the whole run (it counts them per run, not per template). */
  readonly runResourceCount: number;
}

/**
 * Runs checkov once over the stack templates of several assemblies, offline, in the background (a
 * start costs about as much as a scan): each assembly's templates are copied into a folder of their
 * own, named by its label, and the findings are split by folder again.
 */
export async function checkov(assemblies: Record<string, string>): Promise<Record<string, CheckovResult>> {
  if (!fs.existsSync(CHECKOV)) throw new Error(`${CHECKOV} not found: run scripts/setup-python.sh first`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-'));
  // checkov 3.3.30's secret check (CKV_AWS_45) also scans each template's path, and 40 characters
  // of [A-Za-z0-9/+=] in a row read as an AWS secret key (a random temporary folder name, "/", a label
  // and a stack name can add up to exactly that): the dots in these folder names break such runs.
  const scan = path.join(work, 'scan.d');
  try {
    for (const [label, directory] of Object.entries(assemblies)) {
      fs.mkdirSync(path.join(scan, `${label}.d`), { recursive: true });
      for (const file of fs.readdirSync(directory).filter((name) => name.endsWith('.template.json')))
        fs.copyFileSync(path.join(directory, file), path.join(scan, `${label}.d`, file));
    }
    const report = await runCheckov(scan, path.join(work, 'report.json'));
    // A finding no label claims would otherwise pass unseen.
    const labels = new Set(Object.keys(assemblies).map((label) => `${label}.d`));
    const unclaimed = checkResults(report).filter((check: any) => !labels.has(labelFolder(check)));
    if (unclaimed.length > 0) throw new Error(`checkov reported ${unclaimed[0].check_id} for ${unclaimed[0].file_path}, outside every scanned assembly`);
    return Object.fromEntries(Object.keys(assemblies).map((label) => [label, checkovResult(report, label)]));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** checkov over `directory`; its JSON report goes to `reportFile` (beside, not inside, what it scans). */
function runCheckov(directory: string, reportFile: string): Promise<any> {
  // A file rather than a pipe: a pipe could fill while the test process is busy synthesizing.
  const report = fs.openSync(reportFile, 'w');
  const child = spawn(CHECKOV, ['--directory', directory, '--framework', 'cloudformation', '--skip-download', '--compact', '--output', 'json'], {
    // Never reach for PyPI's version check or Prisma Cloud's guidelines: the check runs offline.
    env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', BC_SKIP_MAPPING: 'TRUE' },
    stdio: ['ignore', report, 'pipe'],
  });
  fs.closeSync(report);
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      // checkov exits 1 when a check fails; the result lists which.
      if (status !== 0 && status !== 1) return reject(new Error(`checkov exited with ${status}: ${Buffer.concat(stderr).toString()}`));
      resolve(JSON.parse(fs.readFileSync(reportFile, 'utf8')));
    });
  });
}

/** The part of a checkov report about the templates in the folder of `label` (paths relative to the scanned folder). */
function checkovResult(output: unknown, label: string): CheckovResult {
  const checks = (kind: string) => checkResults(output, [kind]).filter((check: any) => labelFolder(check) === `${label}.d`);
  const failed = checks('failed_checks').map((check: any) => `${check.check_id} (${check.check_name}) at ${path.basename(check.file_path)}: ${check.resource}`);
  const skippedChecks = checks('skipped_checks');
  const summaries = [output].flat().map((report: any) => report.summary ?? {});
  return {
    parsingErrors: summaries.reduce((sum, summary) => sum + (summary.parsing_errors ?? 0), 0),
    runResourceCount: summaries.reduce((sum, summary) => sum + (summary.resource_count ?? 0), 0),
    failed,
    skipped: countBy(skippedChecks.map((check: any) => check.check_id)),
    skipComments: skippedChecks.map((check: any) => check.check_result.suppress_comment ?? ''),
  };
}

/** The checks of a checkov report of the given kinds. */
function checkResults(output: unknown, kinds = ['passed_checks', 'failed_checks', 'skipped_checks']): any[] {
  const results = [output].flat().flatMap((report: any) => (report.results ? [report.results] : []));
  return results.flatMap((result) => kinds.flatMap((kind) => result[kind] ?? []));
}

/** The folder of the scanned template a check is about (paths are relative to the scanned folder). */
function labelFolder(check: any): string {
  return path.dirname(String(check.file_path).replace(/^[/\\]+/, ''));
}

/** Resources in the stack templates of `assemblies`: what a checkov run over them must have parsed. */
export function templateResourceCount(assemblies: string[]): number {
  return assemblies
    .flatMap((directory) =>
      fs
        .readdirSync(directory)
        .filter((name) => name.endsWith('.template.json'))
        .map((name) => path.join(directory, name)),
    )
    .reduce((sum, file) => sum + Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).Resources ?? {}).length, 0);
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of [...keys].sort()) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
