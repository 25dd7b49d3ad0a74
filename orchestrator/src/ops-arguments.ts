/**
 * The operator commands' arguments, checked completely before the first AWS call: during an
 * incident a typo must fail at once with the rule it broke, never half-way through a failover.
 */
import { ConfigError, PlatformConfig, SUPPORTED_REGIONS, validateEnvironmentSuffix } from '../../lib/config';
import { ConfigFiles, selectEnvironment } from '../../lib/environments';
import { parseCommandLine, ToolDefinition, UsageError } from '../../scripts/command-line';

export type OpsCommand = 'switchover' | 'drill' | 'db-bootstrap';

export interface OpsArguments {
  readonly command: OpsCommand;
  /** The environment suffix. */
  readonly environment: string;
  /** The configuration given with `--config`, which the commands the tools print repeat. @default - none: `--environment` named the suffix */
  readonly configName?: string;
  readonly confirm: string;
  /** switchover only: the cluster that must become the writer. */
  readonly to?: 'primary' | 'secondary';
  /** drill only: the domain whose `app.` name is resolved. */
  readonly domain?: string;
  /** drill only: orders per second the load generator sends through the drill; 0 sends none. */
  readonly loadRate?: number;
  /** drill only: how the application name is served (the configuration's protocol, else https). */
  readonly protocol?: 'http' | 'https';
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly timeoutSeconds: number;
  /**
   * A named profile of the shared AWS config, from `--profile` or else `AWS_PROFILE`, used alone as
   * `aws --profile` uses it. @default - the SDK's default chain
   */
  readonly profile?: string;
  /** Where the profile was named, for the messages that name it. @default - no profile */
  readonly profileSource?: '--profile' | 'AWS_PROFILE';
  /** With `--config`: the zones the configuration names, checked against the account before anything else. @default - not checked */
  readonly availabilityZones?: { readonly primary: readonly string[]; readonly secondary: readonly string[] };
}

const COMMAND_USAGE: Record<OpsCommand, string> = {
  switchover: 'usage: npm run switchover -- --config <name> --to primary|secondary --confirm switchover-<suffix> [options]',
  drill:
    'usage: npm run drill -- --config <name> --confirm drill-<suffix> [--load-rate <0-2000 orders/s> (20; 0 sends none)] [--domain <domainName>] [options]',
  'db-bootstrap': 'usage: npm run db-bootstrap -- --config <name> --confirm db-bootstrap-<suffix> [options]',
};

const COMMON_USAGE = [
  '  --config <name> reads config/<name>.json (suffix, regions, domain, zones), the file cdk deploy -c config=<name> reads;',
  '  without it, name the environment with --environment <suffix> (and --domain <domainName> for a drill).',
  'options: --primary-region <region> (config, else us-east-1)  --secondary-region <region> (config, else us-west-2)  --timeout-seconds <60-86400> (900)',
  '         --profile <name> (AWS shared config profile; else AWS_PROFILE, used alone)  --help',
  '  flags take --flag value or --flag=value; npm passes them only after `--`.',
];

/** The usage of one command, or of all three when the command is unknown. */
export function opsUsage(command: string): string {
  const lines = command in COMMAND_USAGE ? [COMMAND_USAGE[command as OpsCommand]] : Object.values(COMMAND_USAGE);
  return [...lines, ...COMMON_USAGE].join('\n');
}

const COMMON_FLAGS = ['config', 'environment', 'confirm', 'primary-region', 'secondary-region', 'timeout-seconds', 'profile'] as const;
const PER_COMMAND: Record<OpsCommand, readonly string[]> = { switchover: ['to'], drill: ['domain', 'load-rate'], 'db-bootstrap': [] };
const OPS_OPTIONS = Object.fromEntries([...COMMON_FLAGS, 'to', 'domain', 'load-rate'].map((flag) => [flag, { type: 'string' as const }])) as Record<
  (typeof COMMON_FLAGS)[number] | 'to' | 'domain' | 'load-rate',
  { type: 'string' }
>;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The command line of one operator command: its npm script is the command's name, which it passes first. */
export function opsTool(command: string): ToolDefinition<typeof OPS_OPTIONS> {
  // Without a command (`ops-cli.ts --bogus`), messages are the operator commands', not the flag's.
  const name = command in COMMAND_USAGE ? command : 'ops';
  return { name, usage: opsUsage(command), options: OPS_OPTIONS, positionals: ['command'] };
}

/**
 * `help` when `--help` was asked for: print {@link opsUsage} and stop. `env` gives
 * `AWS_PROFILE` (the profile when `--profile` is absent) and npm's variables.
 */
export function parseOpsArguments(argv: readonly string[], files?: ConfigFiles, env: Readonly<Record<string, string | undefined>> = {}): OpsArguments | 'help' {
  const [command] = argv;
  const parsed = parseCommandLine(opsTool(command ?? ''), argv, env);
  if (parsed === 'help') return 'help';
  if (command !== 'switchover' && command !== 'drill' && command !== 'db-bootstrap') {
    throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}: switchover, drill or db-bootstrap`);
  }
  const allowed: readonly string[] = [...COMMON_FLAGS, ...PER_COMMAND[command]];
  const given = parsed.values as Record<string, string | undefined>;
  for (const flag of Object.keys(given)) if (!allowed.includes(flag)) throw new UsageError(`--${flag} is not a flag of ${command}`);
  const configName = given['config'];
  const config = configName === undefined ? undefined : selectedConfig(configName, files);
  const environment = given['environment'] ?? config?.environmentSuffix;
  if (environment === undefined) throw new UsageError('--config <name> or --environment <suffix> is required');
  try {
    validateEnvironmentSuffix(environment);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message.replace('environmentSuffix', '--environment'));
    throw error;
  }
  if (config && environment !== config.environmentSuffix) {
    throw new UsageError(
      `--environment ${environment} contradicts config/${configName}.json (environmentSuffix ${config.environmentSuffix}): give one of them`,
    );
  }
  const region = (flag: string, fallback: string): string => {
    const value = given[flag.slice(2)] ?? fallback;
    if (!SUPPORTED_REGIONS.includes(value))
      throw new UsageError(`${flag} ${JSON.stringify(value)} is not a region the platform supports (${SUPPORTED_REGIONS.join(', ')})`);
    return value;
  };
  const primaryRegion = region('--primary-region', config?.primary.region ?? 'us-east-1');
  const secondaryRegion = region('--secondary-region', config?.secondary.region ?? 'us-west-2');
  for (const [flag, value, configured] of [
    ['--primary-region', primaryRegion, config?.primary.region],
    ['--secondary-region', secondaryRegion, config?.secondary.region],
  ] as const) {
    if (configured !== undefined && value !== configured) {
      throw new UsageError(`${flag} ${value} contradicts config/${configName}.json (${configured}): give one of them`);
    }
  }
  if (primaryRegion === secondaryRegion) throw new UsageError(`--primary-region and --secondary-region must differ (both ${primaryRegion})`);
  const rawTimeout = given['timeout-seconds'] ?? '900';
  if (!/^\d+$/.test(rawTimeout) || Number(rawTimeout) < 60 || Number(rawTimeout) > 86_400) {
    throw new UsageError(`--timeout-seconds must be an integer from 60 to 86400, got ${JSON.stringify(rawTimeout)}`);
  }
  let to: OpsArguments['to'];
  let domain: string | undefined;
  let loadRate: number | undefined;
  let protocol: OpsArguments['protocol'];
  if (command === 'switchover') {
    const value = given['to'];
    if (value !== 'primary' && value !== 'secondary') throw new UsageError(`--to must be primary or secondary, got ${JSON.stringify(value ?? '')}`);
    to = value;
  } else if (command === 'drill') {
    domain = given['domain'] ?? config?.domainName;
    if (domain === undefined) throw new UsageError('--domain is required without --config');
    if (!DOMAIN.test(domain)) throw new UsageError(`--domain ${JSON.stringify(domain)} is not a lowercase DNS name`);
    const rawRate = given['load-rate'] ?? '20';
    if (!/^\d+$/.test(rawRate) || Number(rawRate) > 2000) throw new UsageError(`--load-rate must be an integer from 0 to 2000, got ${JSON.stringify(rawRate)}`);
    loadRate = Number(rawRate);
    protocol = config?.protocol === 'http' ? 'http' : 'https';
  }
  const profileFlag = given['profile'];
  const environmentProfile = env.AWS_PROFILE?.trim() || undefined;
  return {
    command,
    environment,
    configName,
    confirm: given['confirm'] ?? '',
    to,
    domain,
    loadRate,
    protocol,
    primaryRegion,
    secondaryRegion,
    timeoutSeconds: Number(rawTimeout),
    profile: profileFlag ?? environmentProfile,
    profileSource: profileFlag !== undefined ? '--profile' : environmentProfile !== undefined ? 'AWS_PROFILE' : undefined,
    availabilityZones: config && { primary: config.primary.availabilityZones, secondary: config.secondary.availabilityZones },
  };
}

function selectedConfig(name: string, files: ConfigFiles | undefined): PlatformConfig {
  if (!files) throw new UsageError('--config is not available here: give --environment');
  try {
    return selectEnvironment({ context: { config: name }, files }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--config ${name}: ${error.message}`);
    throw error;
  }
}

/** How the printed commands select the environment: the way the operator selected it. */
export function environmentSelector(options: Pick<OpsArguments, 'configName' | 'environment'>): string {
  return options.configName === undefined ? `--environment ${options.environment}` : `--config ${options.configName}`;
}

/** The SDK's credential errors, reworded to name the profile (and where it was named) and the regions an operator must fix. */
export function describeCredentialError(
  error: unknown,
  profile: string | undefined,
  regions: string,
  profileSource?: OpsArguments['profileSource'],
): string | undefined {
  const name = (error as { name?: string })?.name ?? '';
  if (!['CredentialsProviderError', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken'].includes(name))
    return undefined;
  const message = error instanceof Error ? error.message : String(error);
  const named = profile ? `"${profile}"${profileSource === 'AWS_PROFILE' ? ' (from AWS_PROFILE)' : ''}` : '(default chain: environment, SSO, instance role)';
  return `no usable AWS credentials for profile ${named} (regions ${regions}): ${message}`;
}
