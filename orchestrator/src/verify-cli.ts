/**
 * `npm run verify-deployment -- --config <name>`: the named checks of orchestrator/src/verify.ts
 * against a deployed environment, with the caller's credentials. Exits 1 when a check fails.
 */
import { CONFIG_DIRECTORY, configDirectory, selectEnvironment } from '../../lib/environments';
import { ConfigError } from '../../lib/config';
import { ParsedCommandLine, runToolProcess, ToolDefinition, UsageError } from '../../scripts/command-line';
import { describeCredentialError } from './ops-arguments';

export const VERIFY_TOOL = {
  name: 'verify-deployment',
  usage: [
    'usage: npm run verify-deployment -- --config <name> [--profile <name>] [--break-glass] [--help]',
    '  run after every deploy (and by the drill): prints each named check with pass / fail / skipped, the reason and the AWS calls; exits 1 on a failure',
    '  --profile <name>  AWS shared config profile (else AWS_PROFILE), used alone',
    '  --break-glass     also run master-password-login: it reads the master secret, which pages on-call by design (the command first tells the alarm topic it is this check)',
    '  the database checks run a one-off task in each region (about two minutes); the EventBridge canary waits up to a minute per region',
  ].join('\n'),
  options: { config: { type: 'string' }, profile: { type: 'string' }, 'break-glass': { type: 'boolean' } },
} as const satisfies ToolDefinition;

/** The checks, for --help: loaded without the SDK's weight only when asked. */
async function checkList(): Promise<string> {
  const { CHECKS } = await import('./verify.js');
  return ['', 'Checks:', ...CHECKS.map((check) => `  ${check.name.padEnd(30)} ${check.description}\n  ${''.padEnd(30)} (${check.calls})`)].join('\n');
}

async function main({ values }: ParsedCommandLine<typeof VERIFY_TOOL.options>): Promise<number> {
  if (values.config === undefined) throw new UsageError('--config <name> is required');
  let config;
  try {
    config = selectEnvironment({ context: { config: values.config }, files: configDirectory(CONFIG_DIRECTORY) }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--config ${values.config}: ${error.message}`);
    throw error;
  }
  const profile = values.profile ?? (process.env.AWS_PROFILE?.trim() || undefined);
  const [{ verifyDeployment, formatResults }, sdk] = await Promise.all([import('./verify.js'), import('./verify-sdk.js')]);
  const regions = `${config.primary.region} / ${config.secondary.region}`;
  try {
    const results = await verifyDeployment(
      {
        suffix: config.environmentSuffix,
        domainName: config.domainName,
        protocol: config.protocol === 'https' ? 'https' : 'http',
        readinessPath: config.workload.readinessPath,
        primaryRegion: config.primary.region,
        secondaryRegion: config.secondary.region,
        availabilityZones: { primary: config.primary.availabilityZones, secondary: config.secondary.availabilityZones },
        nameServers: config.hostedZone?.nameServers,
        breakGlass: values['break-glass'] === true,
      },
      sdk.sdkPorts(profile),
    );
    process.stdout.write(`${formatResults(results)}\n`);
    return results.some((result) => result.status === 'fail') ? 1 : 0;
  } catch (error) {
    const credentials = describeCredentialError(error, profile, regions, values.profile !== undefined ? '--profile' : profile ? 'AWS_PROFILE' : undefined);
    throw credentials ? new Error(credentials) : error;
  }
}

if (require.main === module) {
  void checkList().then((details) => runToolProcess({ ...VERIFY_TOOL, details }, main));
}
