/**
 * `npm run check-upgrade`: the upgrade gate (scripts/upgrade-gate.ts) over every recorded release
 * (upgrades/releases.json), each against today's synth of the configuration its environment
 * deploys; or, with `--from <dir> --config <name>`, over the templates a team downloaded from its
 * own account (`aws cloudformation get-template --stack-name <name> --query TemplateBody`, one
 * `<stack name>.json` per stack) against today's synth of its configuration.
 *
 * Exits 1 when an upgrade would fail or lose data, 2 when it cannot run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assemblyStacks, readTemplate } from './assembly-stacks';
import { synthesize } from './cdk-synth';
import { ParsedCommandLine, runToolProcess, ToolDefinition, UsageError } from './command-line';
import { loadSchemas, ResourceSchema, StackTemplate } from './replacements';
import { UPGRADE_CONFIGURATIONS } from './upgrade-configurations';
import { checkUpgrade, UpgradeFindings } from './upgrade-gate';

const ROOT = path.join(__dirname, '..');
export const RELEASES_DIRECTORY = path.join(ROOT, 'upgrades', 'releases');

/** One recorded release configuration (upgrades/releases.json). */
export interface RecordedRelease {
  readonly release: string;
  readonly configuration: string;
  /** The name of today's synth its environment deploys (scripts/upgrade-configurations.ts). */
  readonly today: string;
  readonly deployedAs: string;
}

export function recordedReleases(): RecordedRelease[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'upgrades', 'releases.json'), 'utf8')).releases;
}

/** The stacks of a recorded release configuration (its stacks.json and templates). */
export function releaseTemplates(release: RecordedRelease): StackTemplate[] {
  const dir = path.join(RELEASES_DIRECTORY, release.release, release.configuration);
  const stacks: Array<{ stackId: string; stackName: string; region: string; templateFile: string }> = JSON.parse(
    fs.readFileSync(path.join(dir, 'stacks.json'), 'utf8'),
  );
  return stacks.map((stack) => ({ ...stack, template: JSON.parse(fs.readFileSync(path.join(dir, stack.templateFile), 'utf8')) }));
}

/** The stacks of a synthesized cloud assembly. */
export function assemblyTemplates(dir: string): StackTemplate[] {
  return assemblyStacks(dir).map(({ stackId, stackName, region, templateFile }) => ({
    stackId,
    stackName,
    region,
    template: readTemplate(dir, { templateFile }),
  }));
}

/**
 * Templates downloaded from an account, `<stack name>.json` each, matched to today's stacks by
 * name (a stack that exists only today is new; a file that matches no stack is refused).
 */
export function downloadedTemplates(dir: string, today: StackTemplate[]): StackTemplate[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const stackName = file.replace(/(\.template)?\.json$/, '');
      const stack = today.find((candidate) => candidate.stackName === stackName);
      if (!stack) throw new Error(`${path.join(dir, file)} names no stack of this configuration (its stacks: ${today.map((s) => s.stackName).join(', ')})`);
      return { ...stack, template: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) };
    });
}

/** Memoised schemas per region (cfn-lint's, from the project's virtual environment). */
export function schemaSource(): (region: string) => (type: string) => ResourceSchema | undefined {
  const cache = new Map<string, (type: string) => ResourceSchema | undefined>();
  return (region) => {
    if (!cache.has(region)) cache.set(region, loadSchemas(region));
    return cache.get(region)!;
  };
}

export const CHECK_UPGRADE_TOOL = {
  name: 'check-upgrade',
  usage: [
    'usage: npm run check-upgrade -- [--release <commit>] [--from <dir> --config <name>] [--help]',
    "  without --from: every recorded release (upgrades/releases.json), or only --release, against today's synth",
    '  --from <dir>    templates downloaded from your account, <stack name>.json each, checked against --config <name>;',
    '                  --release <commit> then names the release your account runs (for the acknowledgements that name one)',
  ].join('\n'),
  options: { release: { type: 'string' }, from: { type: 'string' }, config: { type: 'string' } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof CHECK_UPGRADE_TOOL.options>): Promise<number> {
  if ((values.from === undefined) !== (values.config === undefined)) throw new UsageError('--from and --config go together');
  // With --from, --release names the release the account runs (for the acknowledgements that name one).
  const releases = recordedReleases().filter((entry) => values.release === undefined || entry.release.startsWith(values.release));
  if (values.from === undefined && values.release !== undefined && releases.length === 0) {
    throw new UsageError(`no recorded release ${values.release}; recorded: ${[...new Set(recordedReleases().map((entry) => entry.release))].join(', ')}`);
  }
  const synths =
    values.config !== undefined
      ? { [values.config]: ['-c', `config=${values.config}`] }
      : pick(
          UPGRADE_CONFIGURATIONS,
          releases.map((entry) => entry.today),
        );
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-upgrade-'));
  try {
    process.stderr.write(`synthesizing today's ${Object.keys(synths).join(', ')} ...\n`);
    const today = Object.fromEntries(
      await Promise.all(
        Object.entries(synths).map(async ([name, args]) => [name, assemblyTemplates(await synthesize(path.join(outDir, name), args))] as const),
      ),
    );
    const schemasOf = schemaSource();
    const results: Array<[string, UpgradeFindings]> =
      values.from !== undefined
        ? [fromAccount(values.from, values.config!, values.release, today[values.config!], schemasOf)]
        : releases.map((entry) => {
            const release = `${entry.release} (${entry.configuration})`;
            return [release, checkUpgrade({ release, before: releaseTemplates(entry), after: today[entry.today], schemasOf })];
          });
    let failed = false;
    for (const [release, findings] of results) {
      failed ||= findings.failures.length > 0;
      process.stdout.write(`${findings.failures.length === 0 ? 'ok  ' : 'FAIL'} ${release}\n`);
      for (const failure of findings.failures) process.stdout.write(`  - ${failure}\n`);
      for (const step of findings.manualSteps) process.stdout.write(`  manual step: ${step}\n`);
    }
    return failed ? 1 : 0;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** The downloaded templates against today's; the stacks not downloaded are named, since their imports go unchecked. */
function fromAccount(
  dir: string,
  config: string,
  release: string | undefined,
  today: StackTemplate[],
  schemasOf: (region: string) => (type: string) => ResourceSchema | undefined,
): [string, UpgradeFindings] {
  const name = `${release ?? dir} (config ${config})`;
  const before = downloadedTemplates(dir, today);
  const missing = today.filter((stack) => !before.some((downloaded) => downloaded.stackId === stack.stackId)).map((stack) => stack.stackName);
  if (missing.length > 0) {
    process.stderr.write(
      `not downloaded, so checked as new stacks (their imports in the account go unchecked): ${missing.join(', ')}; download them too if they exist\n`,
    );
  }
  return [name, checkUpgrade({ release: name, before, after: today, schemasOf })];
}

function pick<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries([...new Set(names)].map((name) => [name, record[name]]));
}

if (require.main === module) runToolProcess(CHECK_UPGRADE_TOOL, main);
