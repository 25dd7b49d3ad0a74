/**
 * The operator commands' arguments, checked completely before the first AWS call: during an
 * incident a typo must fail at once with the rule it broke, never half-way through a failover.
 */
import { ConfigError, PlatformConfig, SUPPORTED_REGIONS, validateEnvironmentSuffix } from '../../lib/config';
import { ConfigFiles, selectEnvironment } from '../../lib/environments';

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
  /** A named profile of the shared AWS config, as `aws --profile` takes it. @default - the SDK's default chain */
  readonly profile?: string;
}

export const OPS_USAGE = [
  'usage: npm run switchover -- --config <name> --to primary|secondary --confirm switchover-<suffix> [options]',
  '       npm run drill -- --config <name> --confirm drill-<suffix> [options]',
  '       npm run db-bootstrap -- --config <name> --confirm db-bootstrap-<suffix> [options]',
  '  --config <name> reads config/<name>.json (suffix, regions, domain), the file cdk deploy -c config=<name> reads;',
  '  without it, name the environment with --environment <suffix> (and --domain <domainName> for a drill).',
  'options: --primary-region <region> (config, else us-east-1)  --secondary-region <region> (config, else us-west-2)',
  '         --domain <domainName> (drill; config)  --load-rate <0-2000 orders/s> (drill; 20, 0 sends none)  --timeout-seconds <60-86400> (900)  --profile <name> (AWS shared config profile)  --help',
].join('\n');

export class OpsUsageError extends Error {}

const COMMON = ['--config', '--environment', '--confirm', '--primary-region', '--secondary-region', '--timeout-seconds', '--profile'];
const PER_COMMAND: Record<OpsCommand, string[]> = { switchover: ['--to'], drill: ['--domain', '--load-rate'], 'db-bootstrap': [] };
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** `help` is true when `--help` was asked for: print {@link OPS_USAGE} and stop. */
export function parseOpsArguments(argv: readonly string[], files?: ConfigFiles): OpsArguments | 'help' {
  const [command, ...args] = argv;
  if (argv.includes('--help')) return 'help';
  if (command !== 'switchover' && command !== 'drill' && command !== 'db-bootstrap') {
    throw new OpsUsageError(`unknown command ${JSON.stringify(command ?? '')}: switchover, drill or db-bootstrap`);
  }
  const allowed = [...COMMON, ...PER_COMMAND[command]];
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const flag = args[index];
    if (!allowed.includes(flag)) throw new OpsUsageError(`unknown argument ${JSON.stringify(flag)} for ${command}`);
    const value = args[++index];
    if (value === undefined || value.startsWith('--')) throw new OpsUsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new OpsUsageError(`${flag} given twice`);
    values.set(flag, value);
  }
  const configName = values.get('--config');
  const config = configName === undefined ? undefined : selectedConfig(configName, files);
  const environment = values.get('--environment') ?? config?.environmentSuffix;
  if (environment === undefined) throw new OpsUsageError('--config <name> or --environment <suffix> is required');
  try {
    validateEnvironmentSuffix(environment);
  } catch (error) {
    if (error instanceof ConfigError) throw new OpsUsageError(error.message.replace('environmentSuffix', '--environment'));
    throw error;
  }
  if (config && environment !== config.environmentSuffix) {
    throw new OpsUsageError(
      `--environment ${environment} contradicts config/${configName}.json (environmentSuffix ${config.environmentSuffix}): give one of them`,
    );
  }
  const region = (flag: string, fallback: string): string => {
    const value = values.get(flag) ?? fallback;
    if (!SUPPORTED_REGIONS.includes(value))
      throw new OpsUsageError(`${flag} ${JSON.stringify(value)} is not a region the platform supports (${SUPPORTED_REGIONS.join(', ')})`);
    return value;
  };
  const primaryRegion = region('--primary-region', config?.primary.region ?? 'us-east-1');
  const secondaryRegion = region('--secondary-region', config?.secondary.region ?? 'us-west-2');
  if (primaryRegion === secondaryRegion) throw new OpsUsageError(`--primary-region and --secondary-region must differ (both ${primaryRegion})`);
  const rawTimeout = values.get('--timeout-seconds') ?? '900';
  if (!/^\d+$/.test(rawTimeout) || Number(rawTimeout) < 60 || Number(rawTimeout) > 86_400) {
    throw new OpsUsageError(`--timeout-seconds must be an integer from 60 to 86400, got ${JSON.stringify(rawTimeout)}`);
  }
  let to: OpsArguments['to'];
  let domain: string | undefined;
  let loadRate: number | undefined;
  let protocol: OpsArguments['protocol'];
  if (command === 'switchover') {
    const value = values.get('--to');
    if (value !== 'primary' && value !== 'secondary') throw new OpsUsageError(`--to must be primary or secondary, got ${JSON.stringify(value ?? '')}`);
    to = value;
  } else if (command === 'drill') {
    domain = values.get('--domain') ?? config?.domainName;
    if (domain === undefined) throw new OpsUsageError('--domain is required without --config');
    if (!DOMAIN.test(domain)) throw new OpsUsageError(`--domain ${JSON.stringify(domain)} is not a lowercase DNS name`);
    const rawRate = values.get('--load-rate') ?? '20';
    if (!/^\d+$/.test(rawRate) || Number(rawRate) > 2000)
      throw new OpsUsageError(`--load-rate must be an integer from 0 to 2000, got ${JSON.stringify(rawRate)}`);
    loadRate = Number(rawRate);
    protocol = config?.protocol === 'http' ? 'http' : 'https';
  }
  const profile = values.get('--profile');
  return {
    command,
    environment,
    configName,
    confirm: values.get('--confirm') ?? '',
    to,
    domain,
    loadRate,
    protocol,
    primaryRegion,
    secondaryRegion,
    timeoutSeconds: Number(rawTimeout),
    profile,
  };
}

function selectedConfig(name: string, files: ConfigFiles | undefined): PlatformConfig {
  if (!files) throw new OpsUsageError('--config is not available here: give --environment');
  try {
    return selectEnvironment({ context: { config: name }, files }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new OpsUsageError(`--config ${name}: ${error.message}`);
    throw error;
  }
}

/** How the printed commands select the environment: the way the operator selected it. */
export function environmentSelector(options: Pick<OpsArguments, 'configName' | 'environment'>): string {
  return options.configName === undefined ? `--environment ${options.environment}` : `--config ${options.configName}`;
}

/** The SDK's credential errors, reworded to name the profile and region an operator must fix. */
export function describeCredentialError(error: unknown, profile: string | undefined, regions: string): string | undefined {
  const name = (error as { name?: string })?.name ?? '';
  if (!['CredentialsProviderError', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken'].includes(name))
    return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return `no usable AWS credentials for profile ${profile ? `"${profile}"` : '(default chain: AWS_PROFILE, environment, SSO, instance role)'} (regions ${regions}): ${message}`;
}
