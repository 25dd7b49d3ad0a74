/**
 * `npm run record-release`: records a deployed release's synthesized templates for the upgrade gate
 * (upgrades/releases/<release>/<configuration>/ and an entry in upgrades/releases.json), so that the
 * gate still works when today's lock can no longer synthesize the old code. docs/upgrades.md shows
 * how to synthesize the release first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemblyStacks } from './assembly-stacks';
import { RELEASES_DIRECTORY, RecordedRelease, recordedReleases } from './check-upgrade';
import { ParsedCommandLine, runToolProcess, ToolDefinition, UsageError } from './command-line';
import { UPGRADE_CONFIGURATIONS } from './upgrade-configurations';

export const RECORD_RELEASE_TOOL = {
  name: 'record-release',
  usage: [
    'usage: npm run record-release -- --release <commit> --configuration <name> --assembly <dir> --today <synth> --deployed-as <text> [--help]',
    "  --assembly <dir>   the release's own synth of that configuration (cdk.out of a worktree at <commit>)",
    `  --today <synth>    today's synth its environments upgrade to: ${Object.keys(UPGRADE_CONFIGURATIONS).join(', ')} (scripts/upgrade-configurations.ts)`,
    '  --deployed-as <text> how environments deployed it (the -c arguments), for the reader',
  ].join('\n'),
  options: {
    release: { type: 'string' },
    configuration: { type: 'string' },
    assembly: { type: 'string' },
    today: { type: 'string' },
    'deployed-as': { type: 'string' },
  },
} as const satisfies ToolDefinition;

function main({ values }: ParsedCommandLine<typeof RECORD_RELEASE_TOOL.options>): number {
  const missing = ['release', 'configuration', 'assembly', 'today', 'deployed-as'].filter((flag) => values[flag as keyof typeof values] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((flag) => `--${flag}`).join(', ')}`);
  const entry: RecordedRelease = { release: values.release!, configuration: values.configuration!, today: values.today!, deployedAs: values['deployed-as']! };
  if (!/^[0-9a-f]{7,40}$/.test(entry.release)) throw new UsageError(`--release must be a commit id, got ${JSON.stringify(entry.release)}`);
  if (!/^[a-z0-9-]+$/.test(entry.configuration)) throw new UsageError(`--configuration must be lowercase letters, digits and hyphens`);
  if (!(entry.today in UPGRADE_CONFIGURATIONS)) throw new UsageError(`--today must be one of ${Object.keys(UPGRADE_CONFIGURATIONS).join(', ')}`);
  if (!fs.existsSync(path.join(values.assembly!, 'manifest.json'))) throw new Error(`no cloud assembly in ${values.assembly}`);
  const destination = path.join(RELEASES_DIRECTORY, entry.release, entry.configuration);
  fs.mkdirSync(destination, { recursive: true });
  const stacks = assemblyStacks(values.assembly!).map(({ stackId, stackName, region, templateFile, dependencies }) => ({
    stackId,
    stackName,
    region,
    templateFile,
    dependencies,
  }));
  for (const stack of stacks) fs.copyFileSync(path.join(values.assembly!, stack.templateFile), path.join(destination, stack.templateFile));
  fs.writeFileSync(path.join(destination, 'stacks.json'), `${JSON.stringify(stacks, null, 2)}\n`);
  const registryFile = path.join(RELEASES_DIRECTORY, '..', 'releases.json');
  const registry = JSON.parse(fs.readFileSync(registryFile, 'utf8'));
  registry.releases = [...recordedReleases().filter((other) => other.release !== entry.release || other.configuration !== entry.configuration), entry];
  fs.writeFileSync(registryFile, `${JSON.stringify(registry, null, 2)}\n`);
  process.stdout.write(`recorded ${stacks.length} stacks of ${entry.release} (${entry.configuration}) in ${destination}; run npm run check-upgrade\n`);
  return 0;
}

if (require.main === module) runToolProcess(RECORD_RELEASE_TOOL, main);
