/**
 * Runs cfn-lint over every stack template of one or more cloud assemblies, each template against its
 * own region: one cfn-lint process per region for all the templates of that region (a start costs
 * about as much as linting two templates), the regions side by side.
 * Usage: npm run validate:templates -- [--assembly <dir> ...]   (default: cdk.out)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemblyStacks } from './assembly-stacks';
import { ParsedCommandLine, runToolProcess, ToolDefinition } from './command-line';

export interface StackTemplate {
  readonly stackId: string;
  readonly region: string;
  readonly templateFile: string;
}

export interface LintResult extends StackTemplate {
  /** cfn-lint's exit-code bits for this template alone: 2 error, 4 warning, 8 informational. */
  readonly exitCode: number;
  /** One line per finding: rule, level, message and location. */
  readonly output: string;
}

const PROJECT_ROOT = path.join(__dirname, '..');
const CFN_LINT = path.join(PROJECT_ROOT, '.venv', 'bin', 'cfn-lint');
const LEVEL_BITS: Record<string, number> = { Error: 2, Warning: 4, Informational: 8 };

/** Stack templates listed in the assembly manifest, with the region each deploys to. */
export function stackTemplates(assemblyDir: string): StackTemplate[] {
  return assemblyStacks(assemblyDir).map(({ stackId, region, templateFile }) => {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`stack ${stackId} has no concrete region (${region}); cfn-lint needs one`);
    return { stackId, region, templateFile: path.join(assemblyDir, templateFile) };
  });
}

/** Lints `templates`, each against its own region; results in the order given. */
export async function lintStackTemplates(templates: readonly StackTemplate[]): Promise<LintResult[]> {
  if (!fs.existsSync(CFN_LINT)) throw new Error(`${CFN_LINT} not found: run scripts/setup-python.sh first`);
  const regions = [...new Set(templates.map((template) => template.region))];
  const findings = new Map<string, any[]>(templates.map((template) => [path.resolve(template.templateFile), []]));
  await Promise.all(
    regions.map(async (region) => {
      const files = templates.filter((template) => template.region === region).map((template) => path.resolve(template.templateFile));
      for (const finding of await runCfnLint(region, files)) {
        // A finding no template claims would otherwise pass unseen.
        const own = findings.get(path.resolve(finding.Filename));
        if (!own) throw new Error(`cfn-lint reported ${finding.Rule?.Id} for ${finding.Filename}, which is none of the templates it was given`);
        own.push(finding);
      }
    }),
  );
  return templates.map((template) => {
    const own = findings.get(path.resolve(template.templateFile))!;
    return {
      ...template,
      exitCode: own.reduce((bits, finding) => bits | (LEVEL_BITS[finding.Level] ?? 2), 0),
      output: own
        .map(
          (finding) =>
            `${finding.Rule.Id} (${finding.Level}) ${finding.Message} at ${(finding.Location?.Path ?? []).join('/')} line ${finding.Location?.Start?.LineNumber}`,
        )
        .join('\n'),
    };
  });
}

/** Every template of every assembly, linted. */
export async function lintTemplates(...assemblyDirs: string[]): Promise<LintResult[]> {
  return lintStackTemplates(assemblyDirs.flatMap(stackTemplates));
}

/** One cfn-lint process over `files` against `region`; its findings as JSON. */
function runCfnLint(region: string, files: string[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(CFN_LINT, ['--config-file', path.join(PROJECT_ROOT, '.cfnlintrc.yaml'), '--regions', region, '--format', 'json', '--', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const text = Buffer.concat(stdout).toString();
      // Exit bits 2/4/8 report findings (listed in the JSON); 1 is cfn-lint failing to run.
      if (status === null || status & 1 || !text.trim().startsWith('[')) {
        return reject(new Error(`cfn-lint (${region}) exited with ${status}: ${Buffer.concat(stderr).toString()}${text}`));
      }
      resolve(JSON.parse(text));
    });
  });
}

export const VALIDATE_TEMPLATES_TOOL = {
  name: 'validate:templates',
  usage: [
    'usage: npm run validate:templates -- [--assembly <dir> ...] [--help]',
    '  --assembly <dir>  a synthesized cloud assembly (cdk.out when none is given); repeat it for several',
  ].join('\n'),
  options: { assembly: { type: 'string', multiple: true } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof VALIDATE_TEMPLATES_TOOL.options>): Promise<number> {
  const assemblyDirs = values.assembly ?? [path.join(PROJECT_ROOT, 'cdk.out')];
  for (const dir of assemblyDirs) {
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
      throw new Error(
        `no cloud assembly in ${dir}: run \`npm run synth\` first (\`npm run synth -- -c config=<name>\` for another environment), or pass --assembly <dir>`,
      );
    }
  }
  let failed = false;
  for (const result of await lintTemplates(...assemblyDirs)) {
    const blocking = (result.exitCode & 0b0110) !== 0;
    failed ||= blocking;
    process.stdout.write(`${blocking ? 'FAIL' : 'ok  '} ${result.stackId} (${result.region})\n${result.output ? `${result.output}\n` : ''}`);
  }
  return failed ? 1 : 0;
}

if (require.main === module) runToolProcess(VALIDATE_TEMPLATES_TOOL, main);
