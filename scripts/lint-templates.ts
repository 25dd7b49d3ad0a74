/**
 * Runs cfn-lint over every stack template of a cloud assembly, each against its own region.
 * Usage: tsx scripts/lint-templates.ts [cdk.out]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StackTemplate {
  readonly stackId: string;
  readonly region: string;
  readonly templateFile: string;
}

export interface LintResult extends StackTemplate {
  readonly exitCode: number;
  readonly output: string;
}

const PROJECT_ROOT = path.join(__dirname, '..');
const CFN_LINT = path.join(PROJECT_ROOT, '.venv', 'bin', 'cfn-lint');

/** Stack templates listed in the assembly manifest, with the region each deploys to. */
export function stackTemplates(assemblyDir: string): StackTemplate[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'));
  return Object.entries<any>(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([stackId, artifact]) => {
      const region = String(artifact.environment).split('/').pop() ?? '';
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
        throw new Error(`stack ${stackId} has no concrete region (${artifact.environment}); cfn-lint needs one`);
      }
      return { stackId, region, templateFile: path.join(assemblyDir, artifact.properties.templateFile) };
    });
}

/** cfn-lint exit codes are a bit mask: 2 errors, 4 warnings, 8 informational. */
export function lintTemplates(assemblyDir: string): LintResult[] {
  if (!fs.existsSync(CFN_LINT)) {
    throw new Error(`${CFN_LINT} not found: run scripts/setup-python.sh first`);
  }
  return stackTemplates(assemblyDir).map((stack) => {
    const run = spawnSync(CFN_LINT, ['--config-file', path.join(PROJECT_ROOT, '.cfnlintrc.yaml'), '--regions', stack.region, '--', stack.templateFile], {
      encoding: 'utf8',
    });
    return { ...stack, exitCode: run.status ?? 1, output: `${run.stdout}${run.stderr}`.trim() };
  });
}

function main(): void {
  const assemblyDir = process.argv[2] ?? path.join(PROJECT_ROOT, 'cdk.out');
  let failed = false;
  for (const result of lintTemplates(assemblyDir)) {
    const blocking = (result.exitCode & 0b0110) !== 0 || (result.exitCode & 1) !== 0;
    failed ||= blocking;
    process.stdout.write(`${blocking ? 'FAIL' : 'ok  '} ${result.stackId} (${result.region})\n${result.output ? `${result.output}\n` : ''}`);
  }
  process.exit(failed ? 1 : 0);
}

if (require.main === module) main();
