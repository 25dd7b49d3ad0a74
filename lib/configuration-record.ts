/**
 * Which configuration a cloud assembly was synthesized from, recorded in the assembly itself so the
 * tools that read `cdk.out` (rehearse, cost-estimate, rto-report) can say what they read and refuse
 * an assembly of another environment.
 *
 * The record is stack metadata (`manifest.json`, never a template: it changes nothing a deploy or
 * `cdk diff` sees). It holds the configuration's name and a SHA-256 of its resolved values in a
 * canonical JSON form: nothing from the machine or the directory the app ran in, so that any
 * language's synth of the same configuration records the same.
 */
import { createHash } from 'node:crypto';
import type { Stack } from 'aws-cdk-lib';
import { PlatformConfig } from './config';

/** Metadata type of the record in each stack's `manifest.json` entry. */
export const CONFIGURATION_METADATA_TYPE = 'trading-dr:configuration';

/** What the record holds. */
export interface ConfigurationRecord {
  /** The configuration's name (`config/<name>.json`), or `unnamed` for a configuration built in code. */
  readonly name: string;
  /** SHA-256 (hex) of the resolved configuration in canonical JSON. */
  readonly sha256: string;
}

/** The fingerprint of a resolved configuration: equal values give equal fingerprints. */
export function configurationFingerprint(config: PlatformConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** Records `name` and the fingerprint of `config` on every stack. */
export function recordConfiguration(stacks: readonly Stack[], name: string, config: PlatformConfig): ConfigurationRecord {
  const record: ConfigurationRecord = { name, sha256: configurationFingerprint(config) };
  for (const stack of stacks) stack.node.addMetadata(CONFIGURATION_METADATA_TYPE, record, { stackTrace: false });
  return record;
}

/** JSON with object keys sorted at every level and undefined members left out. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
