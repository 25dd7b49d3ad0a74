/**
 * Named environments: one checked-in `config/<name>.json` per environment, selected with
 * `-c config=<name>`, with every platform key also accepted as a `-c key=value` override.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ConfigError,
  PLATFORM_CONFIG_KEYS,
  PlatformConfig,
  ProblemCollector,
  Protocol,
  RawPlatformConfig,
  RepositoryFiles,
  resolvePlatformConfig,
} from './config';

/** The one context key that selects the environment's configuration file. */
export const CONFIG_SELECTOR_KEY = 'config';

/** The environment synthesized when no `config` is given: the offline trial configuration. */
export const DEFAULT_CONFIG_NAME = 'dev';

/** Confirms an override that serves HTTP in an environment whose file says HTTPS. */
export const ALLOW_HTTP_DOWNGRADE_KEY = 'allowHttpDowngrade';

/** Keys the app reads from context: the selector, the downgrade confirmation and every platform key. */
export const APP_CONTEXT_KEYS: readonly string[] = [CONFIG_SELECTOR_KEY, ALLOW_HTTP_DOWNGRADE_KEY, ...PLATFORM_CONFIG_KEYS];

/** Keys a configuration file must state, so no environment depends on a default it never saw. */
export const REQUIRED_FILE_KEYS: ReadonlyArray<keyof RawPlatformConfig> = ['environmentSuffix', 'posture', 'protocol'];

/** Context the CDK CLI itself writes (`cdk acknowledge`) that has neither a colon nor an `@`. */
const CLI_CONTEXT_KEYS = ['acknowledged-issue-numbers'];

const CONFIG_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Reads configuration files by name; `bin/` backs it with the `config/` folder. */
export interface ConfigFiles {
  /** The file's text, or undefined when there is no such file. */
  read(name: string): string | undefined;
  /** Names of every file, for the error that lists the choices. */
  names(): string[];
}

/** What the selection produced: the environment's name and its validated configuration. */
export interface SelectedEnvironment {
  /** The name given with `-c config=<name>`; every command the tools print repeats it. */
  readonly name: string;
  readonly config: PlatformConfig;
}

/** Inputs of {@link selectEnvironment}. */
export interface EnvironmentSelectionInput {
  /** All CDK context, feature flags and CLI keys included: they are told apart here. */
  readonly context: Record<string, unknown>;
  readonly files: ConfigFiles;
  /** The account of the credentials (`CDK_DEFAULT_ACCOUNT`). @default - none, as in an offline synth */
  readonly credentialsAccount?: string;
  /** The repository's files, to check a workload directory with the other rules. @default - not checked */
  readonly repository?: RepositoryFiles;
}

/**
 * Feature flags (`@aws-cdk/...`), the CLI's own `aws:cdk:*` keys and lookup results
 * (`availability-zones:account=...`) are not the app's: only the rest must be known keys.
 */
export function isAppContextKey(key: string): boolean {
  return !key.startsWith('@') && !key.includes(':') && !CLI_CONTEXT_KEYS.includes(key);
}

/**
 * Selects, merges and validates the environment's configuration. Throws one {@link ConfigError}
 * that lists every problem: unknown keys (with the closest valid key), empty values, a missing
 * file, and every rule of {@link resolvePlatformConfig}.
 */
export function selectEnvironment(input: EnvironmentSelectionInput): SelectedEnvironment {
  const overrides: Record<string, unknown> = {};
  const unknownContext: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(input.context)) {
    if (!isAppContextKey(key)) continue;
    if (!APP_CONTEXT_KEYS.includes(key)) unknownContext.push([key, value]);
    else if (key !== CONFIG_SELECTOR_KEY && key !== ALLOW_HTTP_DOWNGRADE_KEY) overrides[key] = value;
  }
  const selector = input.context[CONFIG_SELECTOR_KEY];
  const name = selector === undefined ? DEFAULT_CONFIG_NAME : String(selector).trim();
  const fileLabel = `config/${name}.json`;
  let file: Record<string, unknown> = {};
  // Every problem names where its value was set: an operator fixes the file or the flag, not a guess.
  const problems = new ProblemCollector((key, value) => {
    if (key in overrides || ((key === CONFIG_SELECTOR_KEY || key === ALLOW_HTTP_DOWNGRADE_KEY) && key in input.context)) return `set by -c ${key}`;
    if (key in file) return `set in ${fileLabel}`;
    if (key === CONFIG_SELECTOR_KEY) return 'default';
    if (key === 'account' && input.credentialsAccount !== undefined) return "the credentials' account";
    if (!(PLATFORM_CONFIG_KEYS as readonly string[]).includes(key)) return undefined;
    return value === undefined || value === null ? 'not set' : 'default';
  });
  for (const [key, value] of unknownContext) {
    problems.add(key, value, `is not a key of this app${suggestion(key, APP_CONTEXT_KEYS)}`, `set by -c ${key}`);
  }
  file = problems.attempt(() => readConfigFile(name, input.files, problems), {});

  const raw: Record<string, unknown> = { ...file, ...overrides };
  if (file.protocol === Protocol.HTTPS && raw.protocol === Protocol.HTTP) {
    if (!confirmed(input.context[ALLOW_HTTP_DOWNGRADE_KEY])) {
      problems.add(
        'protocol',
        raw.protocol,
        `${fileLabel} serves https: serving http instead replaces both health checks and drops TLS, so it needs -c ${ALLOW_HTTP_DOWNGRADE_KEY}=true (or change the file)`,
      );
      // A refused override applies nowhere: the later checks judge the file's protocol.
      raw.protocol = file.protocol;
    } else {
      // A downgrade drops the file's certificates (an empty -c value cannot clear them).
      for (const key of ['primaryCertificateArn', 'secondaryCertificateArn']) if (!(key in overrides)) delete raw[key];
    }
  }
  const downgrade = input.context[ALLOW_HTTP_DOWNGRADE_KEY];
  if (downgrade !== undefined && !['true', 'false'].includes(String(downgrade))) {
    problems.add(ALLOW_HTTP_DOWNGRADE_KEY, downgrade, 'must be true or false');
  }

  // The pin is the file's: an override cannot lift it, and the credentials must match it.
  const pinned = typeof file.account === 'string' ? file.account.trim() : undefined;
  if (pinned && overrides.account !== undefined && String(overrides.account).trim() !== pinned) {
    problems.add('account', overrides.account, `${fileLabel} pins account ${pinned}; an override cannot change a pinned account`);
    // Refused, it applies nowhere: certificates and the rest are checked against the pinned account.
    raw.account = file.account;
  }
  if (pinned && input.credentialsAccount && pinned !== input.credentialsAccount) {
    problems.add(
      'account',
      pinned,
      `${fileLabel} pins this account but the credentials are for ${input.credentialsAccount}: use the environment's own credentials (--profile)`,
      `set in ${fileLabel}`,
    );
  }
  if (raw.account === undefined && input.credentialsAccount !== undefined) raw.account = input.credentialsAccount;

  const config = problems.attempt(() => resolvePlatformConfig(raw as RawPlatformConfig, input.repository), undefined);
  problems.throwIfAny();
  return { name, config: config! };
}

/**
 * The file's content. What makes the file unreadable throws; unknown and missing keys are added
 * to `problems` and the rest of the file is still checked, so that one run reports everything.
 */
function readConfigFile(name: string, files: ConfigFiles, problems: ProblemCollector): Record<string, unknown> {
  if (!CONFIG_NAME.test(name)) {
    throw ConfigError.of(CONFIG_SELECTOR_KEY, name, 'must name a file of config/ (lowercase letters, digits and inner hyphens)');
  }
  const text = files.read(name);
  if (text === undefined) {
    throw ConfigError.of(CONFIG_SELECTOR_KEY, name, `no file config/${name}.json; the environments are: ${files.names().join(', ')}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw ConfigError.of(CONFIG_SELECTOR_KEY, name, `config/${name}.json is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ConfigError.of(CONFIG_SELECTOR_KEY, name, `config/${name}.json must hold one JSON object of configuration keys`);
  }
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if ((PLATFORM_CONFIG_KEYS as readonly string[]).includes(key)) content[key] = value;
    else problems.add(key, value, `is not a configuration key${suggestion(key, PLATFORM_CONFIG_KEYS)}`, `set in config/${name}.json`);
  }
  for (const key of REQUIRED_FILE_KEYS) {
    if (content[key] === undefined) problems.add(key, null, 'is required: every environment states it explicitly', `missing from config/${name}.json`);
  }
  return content;
}

function confirmed(value: unknown): boolean {
  return value === true || value === 'true';
}

/** `; did you mean "x"?` for the closest known key, when one is close enough to be a typo; else the list of `noun`. */
export function suggestion(key: string, known: readonly string[], noun: string = 'keys'): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const closeEnough = bestDistance <= Math.max(2, Math.floor(key.length / 3));
  return best !== undefined && closeEnough ? `; did you mean "${best}"?` : `; the ${noun} are: ${known.join(', ')}`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The configuration files of a folder (the repository's `config/`). */
export function configDirectory(directory: string): ConfigFiles {
  return {
    read: (name) => {
      const file = path.join(directory, `${name}.json`);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    },
    names: () =>
      fs
        .readdirSync(directory)
        .filter((file) => file.endsWith('.json'))
        .map((file) => file.slice(0, -'.json'.length))
        .sort(),
  };
}

/** The repository's `config/` folder. */
export const CONFIG_DIRECTORY = path.join(__dirname, '..', 'config');
