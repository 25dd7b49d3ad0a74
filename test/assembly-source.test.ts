/**
 * The synth records which configuration produced an assembly; the tools that read one say so and,
 * given --config, refuse another's (before: they used whatever cdk.out held, silently).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIGURATION_METADATA_TYPE, configurationFingerprint } from '../lib/configuration-record';
import { CONFIG_DIRECTORY, configDirectory, ConfigFiles, selectEnvironment } from '../lib/environments';
import { describeAssemblySource, readConfigurationRecord } from '../scripts/assembly-source';
import { sharedAssembly } from './assemblies';
import { runProcess } from './support/run-process';

const ROOT = path.join(__dirname, '..');
const FILES = configDirectory(CONFIG_DIRECTORY);
let dev: string;
let prod: string;

beforeAll(() => {
  dev = sharedAssembly('dev');
  prod = sharedAssembly('prod');
});

/** The checked-in files, with one file's text replaced. */
function filesWith(name: string, content: Record<string, unknown>): ConfigFiles {
  return { read: (candidate) => (candidate === name ? JSON.stringify(content) : FILES.read(candidate)), names: () => FILES.names() };
}

/** The metadata of each stack of an assembly, by stack id (in its own file beside the manifest). */
function stackMetadata(dir: string): Map<string, Record<string, any[]>> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return new Map(
    Object.entries<any>(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id, artifact]) => [id, JSON.parse(fs.readFileSync(path.join(dir, artifact.additionalMetadataFile), 'utf8'))]),
  );
}

/** A copy of the dev assembly's manifest and metadata files (templates are not read) with the metadata edited. */
function manifestCopy(edit: (entries: any[]) => any[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-source-'));
  fs.copyFileSync(path.join(dev, 'manifest.json'), path.join(dir, 'manifest.json'));
  for (const [id, metadata] of stackMetadata(dev)) {
    for (const key of Object.keys(metadata)) metadata[key] = edit(metadata[key]);
    fs.writeFileSync(path.join(dir, `${id}.metadata.json`), JSON.stringify(metadata));
  }
  return dir;
}

test('every stack records the configuration name and the fingerprint of its resolved values, nothing else', () => {
  const stacks = stackMetadata(dev);
  const expected = { name: 'dev', sha256: configurationFingerprint(selectEnvironment({ context: { config: 'dev' }, files: FILES }).config) };
  expect(stacks.size).toBe(11);
  for (const metadata of stacks.values()) {
    const records = Object.values<any>(metadata)
      .flat()
      .filter((entry) => entry.type === CONFIGURATION_METADATA_TYPE);
    // Only the name and a hash of values: no path, host or time, so any language's synth of dev records the same.
    expect(records).toEqual([{ type: CONFIGURATION_METADATA_TYPE, data: expected }]);
  }
  expect(readConfigurationRecord(prod)?.name).toBe('prod');
});

test('the fingerprint follows the values, not their order or the machine', () => {
  const config = selectEnvironment({ context: { config: 'dev' }, files: FILES }).config;
  const reordered = Object.fromEntries(Object.entries(config).reverse()) as typeof config;
  expect(configurationFingerprint(reordered)).toBe(configurationFingerprint(config));
  expect(configurationFingerprint({ ...config, logRetentionDays: 14 })).not.toBe(configurationFingerprint(config));
});

describe('what a tool says about the assembly it reads', () => {
  test('its configuration, when the file still resolves to the recorded values', () => {
    expect(describeAssemblySource(dev, { files: FILES })).toMatch(/^assembly .*: synthesized from configuration "dev" \(values sha256 [0-9a-f]{12}\)$/);
    expect(describeAssemblySource(prod, { expected: 'prod', files: FILES })).toContain('configuration "prod"');
  });

  test('--config of another configuration is refused', () => {
    expect(() => describeAssemblySource(dev, { expected: 'prod', files: FILES })).toThrow(
      /was synthesized from configuration "dev", not "prod": run `npm run synth -- -c config=prod`/,
    );
  });

  test('a stale assembly (its file changed since, or -c overrides) is warned about, and refused under --config', () => {
    const changed = filesWith('dev', { ...JSON.parse(FILES.read('dev')!), logRetentionDays: 14 });
    expect(describeAssemblySource(dev, { files: changed })).toMatch(/\n {2}warning: config\/dev.json now resolves to other values .*the assembly is stale/);
    expect(() => describeAssemblySource(dev, { expected: 'dev', files: changed })).toThrow(/config\/dev.json now resolves to other values/);
  });

  test('an assembly synthesized with credentials (the account the file does not pin) is recognised as current', () => {
    // The synth resolves an unpinned file with the credentials' account, and the record's values include
    // it; re-resolving the file without it made every such assembly look stale.
    const file = { ...JSON.parse(FILES.read('dev')!), domainName: 'trading.acme-bank.com' };
    const files = filesWith('dev', file);
    const sha256 = configurationFingerprint(selectEnvironment({ context: { config: 'dev' }, files, credentialsAccount: '123456789012' }).config);
    const dir = manifestCopy((entries) =>
      entries.map((entry) => (entry.type === CONFIGURATION_METADATA_TYPE ? { ...entry, data: { name: 'dev', sha256 } } : entry)),
    );
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    for (const artifact of Object.values<any>(manifest.artifacts)) {
      if (artifact.environment) artifact.environment = artifact.environment.replace('unknown-account', '123456789012');
    }
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    expect(describeAssemblySource(dir, { expected: 'dev', files })).toBe(
      `assembly ${dir}: synthesized from configuration "dev" (values sha256 ${sha256.slice(0, 12)})`,
    );
  });

  test('an assembly of an older release, without a record, is named as such and refused under --config', () => {
    const old = manifestCopy((entries) => entries.filter((entry) => entry.type !== CONFIGURATION_METADATA_TYPE));
    expect(describeAssemblySource(old, { files: FILES })).toContain('records no configuration (synthesized by an older release)');
    expect(() => describeAssemblySource(old, { expected: 'dev', files: FILES })).toThrow(/records no configuration/);
  });

  test('stacks that record different configurations are refused', () => {
    let first = true;
    const mixed = manifestCopy((entries) =>
      entries.map((entry) => {
        if (entry.type !== CONFIGURATION_METADATA_TYPE) return entry;
        const edited = first ? entry : { ...entry, data: { ...entry.data, name: 'prod' } };
        first = false;
        return edited;
      }),
    );
    expect(() => readConfigurationRecord(mixed)).toThrow(/record different configurations/);
  });
});

describe('the tools print it and refuse another configuration’s assembly', () => {
  const tool = (script: string, args: string[]) => runProcess(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT });

  test('cost-estimate names the configuration of the assembly it priced', async () => {
    const run = await tool('scripts/cost-estimate.ts', ['--assembly', prod, '--json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`assembly ${prod}: synthesized from configuration "prod"`);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
  });

  test.each([
    ['rehearse', 'rehearsal/src/cli.ts', ['--scenario', 'primary-region-lost', '--seed', '1']],
    ['rto-report', 'scripts/rto-report.ts', ['--rehearsal-seeds', '0']],
    ['cost-estimate', 'scripts/cost-estimate.ts', []],
  ])('%s --config prod refuses the dev assembly before any work', async (name, script, extra) => {
    const run = await tool(script, ['--assembly', dev, '--config', 'prod', ...extra]);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
    expect(run.stderr).toBe(
      `${name}: ${dev} was synthesized from configuration "dev", not "prod": run \`npm run synth -- -c config=prod\`, or pass --assembly <dir> of "prod"\n`,
    );
  });
});
