/**
 * What a tool that reads a cloud assembly says about it: the configuration it was synthesized from
 * (recorded by the synth, lib/configuration-record.ts), whether that configuration's file still
 * resolves to the same values, and, given `--config <name>`, a refusal of any other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../lib/config';
import { CONFIGURATION_METADATA_TYPE, ConfigurationRecord, configurationFingerprint } from '../lib/configuration-record';
import { ConfigFiles, selectEnvironment } from '../lib/environments';

/** The record of the assembly in `dir`, or undefined for an assembly synthesized before records existed. */
export function readConfigurationRecord(dir: string): ConfigurationRecord | undefined {
  return readAssembly(dir).record;
}

/**
 * The record, and the account the stacks were synthesized for (`aws://<account>/<region>`; the
 * credentials' account when the file pins none, which the record's values include).
 */
function readAssembly(dir: string): { record?: ConfigurationRecord; account?: string } {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(
      `no cloud assembly in ${dir}: run \`npm run synth\` first (\`npm run synth -- -c config=<name>\` for another environment), or pass --assembly <dir>`,
    );
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const records = new Map<string, ConfigurationRecord>();
  let account: string | undefined;
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    account ??= /^aws:\/\/(\d{12})\//.exec(artifact.environment ?? '')?.[1];
    // aws-cdk-lib writes a stack's metadata to <stack>.metadata.json, named by additionalMetadataFile
    // (core/lib/stack-synthesizers/_shared.js); older assemblies kept it in the manifest.
    const metadata = artifact.additionalMetadataFile
      ? JSON.parse(fs.readFileSync(path.join(dir, artifact.additionalMetadataFile), 'utf8'))
      : (artifact.metadata ?? {});
    for (const entries of Object.values<any>(metadata)) {
      for (const entry of entries) {
        if (entry.type === CONFIGURATION_METADATA_TYPE) records.set(JSON.stringify(entry.data), entry.data);
      }
    }
  }
  if (records.size > 1) throw new Error(`the stacks in ${dir} record different configurations (${[...records.keys()].join(', ')}): synthesize again`);
  return { record: records.values().next().value, account };
}

/** Options of {@link describeAssemblySource}. */
export interface AssemblySourceOptions {
  /** The configuration the operator named with `--config`: any other is refused. @default - any, described only */
  readonly expected?: string;
  readonly files: ConfigFiles;
}

/**
 * One line naming the assembly's configuration, with a warning when its file now resolves to other
 * values (stale, or synthesized with `-c` overrides or another account's credentials). Throws when
 * `expected` is given and the assembly is not that configuration's as its file stands.
 */
export function describeAssemblySource(dir: string, options: AssemblySourceOptions): string {
  const { record, account } = readAssembly(dir);
  const resynth = (name: string) => `npm run synth -- -c config=${name}`;
  if (record === undefined) {
    if (options.expected !== undefined) {
      throw new Error(`${dir} records no configuration (synthesized by an older release): synthesize it again with \`${resynth(options.expected)}\``);
    }
    return `assembly ${dir}: records no configuration (synthesized by an older release); synthesize again to have it checked`;
  }
  const short = record.sha256.slice(0, 12);
  if (options.expected !== undefined && record.name !== options.expected) {
    throw new Error(
      `${dir} was synthesized from configuration "${record.name}", not "${options.expected}": run \`${resynth(options.expected)}\`, or pass --assembly <dir> of "${options.expected}"`,
    );
  }
  const current = currentFingerprint(record.name, options.files, account);
  const line = `assembly ${dir}: synthesized from configuration "${record.name}" (values sha256 ${short})`;
  if (current === undefined || current === record.sha256) return line;
  const difference = `config/${record.name}.json now resolves to other values (sha256 ${current.slice(0, 12)}): the assembly is stale, or was synthesized with -c overrides or another account's credentials`;
  if (options.expected !== undefined) throw new Error(`${dir}: ${difference}; run \`${resynth(record.name)}\``);
  return `${line}\n  warning: ${difference}; \`${resynth(record.name)}\` brings it up to date`;
}

/** The fingerprint the named file resolves to today, or undefined when it no longer resolves (or is gone). */
function currentFingerprint(name: string, files: ConfigFiles, credentialsAccount: string | undefined): string | undefined {
  try {
    return configurationFingerprint(selectEnvironment({ context: { config: name }, files, credentialsAccount }).config);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}
