import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_DIRECTORY, configDirectory } from '../../lib/environments';
import { environmentSelector, OpsArguments, parseOpsArguments } from '../src/ops-arguments';
import { restoreRoutingSteps } from '../src/switchover';

const ROOT = path.join(__dirname, '..', '..');

/** Runs the operator CLI with no AWS credentials reachable: any AWS call would fail differently. */
function cli(...args: string[]): { status: number | null; stderr: string } {
  return cliWith({}, ...args);
}

/** The same, with extra environment variables (for example credentials a wrong profile must not use). */
function cliWith(extra: NodeJS.ProcessEnv, ...args: string[]): { status: number | null; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null' };
  for (const key of Object.keys(env))
    if (key.startsWith('AWS_') && !['AWS_EC2_METADATA_DISABLED', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'].includes(key)) delete env[key];
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'orchestrator', 'src', 'ops-cli.ts'), ...args], {
    encoding: 'utf8',
    env: { ...env, ...extra },
  });
  return { status: run.status, stderr: run.stderr };
}

test.each([
  [
    'drill without confirmation',
    ['drill', '--environment', 'prod', '--domain', 'trading.example.net'],
    'pass --confirm drill-prod to drill the environment "prod"',
  ],
  ['drill confirmed for another environment', ['drill', '--environment', 'prod', '--domain', 'x.net', '--confirm', 'drill-dev'], 'pass --confirm drill-prod'],
  ['switchover without confirmation', ['switchover', '--environment', 'prod', '--to', 'primary'], 'pass --confirm switchover-prod'],
])('%s: refused before any AWS call', (_name, args, message) => {
  const { status, stderr } = cli(...args);
  expect(status).toBe(2);
  expect(stderr).toContain(`refusing to run: ${message}`);
  expect(stderr).not.toMatch(/credentials/i);
});

test('an environment must be named', () => {
  expect(cli('drill', '--confirm', 'drill-')).toMatchObject({
    status: 2,
    stderr: expect.stringContaining('--config <name> or --environment <suffix> is required'),
  });
});

describe('--config selects the environment from the file cdk deploy -c config=<name> reads', () => {
  const files = configDirectory(CONFIG_DIRECTORY);
  const PROD = JSON.parse(fs.readFileSync(path.join(CONFIG_DIRECTORY, 'prod.json'), 'utf8'));

  test('suffix, regions and domain come from config/<name>.json', () => {
    const parsed = parseOpsArguments(['drill', '--config', 'prod', '--confirm', `drill-${PROD.environmentSuffix}`], files) as OpsArguments;
    expect(parsed).toMatchObject({
      environment: PROD.environmentSuffix,
      configName: 'prod',
      primaryRegion: PROD.primaryRegion,
      secondaryRegion: PROD.secondaryRegion,
      domain: PROD.domainName,
      // The drill's write load: 20 orders/s by default, to the application name over the file's protocol.
      loadRate: 20,
      protocol: PROD.protocol,
    });
    expect(environmentSelector(parsed)).toBe('--config prod');
    expect(parseOpsArguments(['drill', '--config', 'dev', '--confirm', 'drill-dev', '--load-rate', '0'], files)).toMatchObject({
      loadRate: 0,
      protocol: 'http',
    });
  });

  test('the printed failback command selects the environment the same way', () => {
    expect(restoreRoutingSteps('prod').join('\n')).toContain('npx cdk deploy GlobalTraffic -c config=prod');
    expect(restoreRoutingSteps(undefined).join('\n')).not.toMatch(/environmentSuffix/);
  });

  test.each([
    ['an unknown configuration', ['drill', '--config', 'staging'], /--config staging: .*no file config\/staging.json; the environments are: .*dev.*prod/],
    ['a contradicting --environment', ['drill', '--config', 'prod', '--environment', 'dev'], /--environment dev contradicts config\/prod.json/],
    // The configuration's zones would be checked against the wrong region.
    [
      'a contradicting region',
      ['drill', '--config', 'prod', '--primary-region', 'eu-west-1'],
      /--primary-region eu-west-1 contradicts config\/prod.json \(us-east-1\)/,
    ],
  ])('%s is refused', (_name, args, message) => {
    expect(() => parseOpsArguments(args, files)).toThrow(message);
  });
});

describe('arguments are checked before any AWS call', () => {
  test.each([
    ['an unknown flag', ['drill', '--environment', 'prod', '--domian', 'x.net'], 'unknown flag --domian; did you mean "--domain"?'],
    ['a flag of the other command', ['switchover', '--environment', 'prod', '--domain', 'x.net'], '--domain is not a flag of switchover'],
    ['a flag given twice', ['switchover', '--environment', 'prod', '--to', 'primary', '--to', 'secondary'], '--to given twice'],
    ['a bare argument (npm swallowed its flag)', ['drill', '--environment', 'prod', 'prod'], 'unexpected argument "prod": this tool takes only flags'],
    ['an unknown command', ['failback', '--environment', 'prod'], 'unknown command "failback": switchover, drill or db-bootstrap'],
    [
      'a non-numeric timeout',
      ['drill', '--environment', 'prod', '--domain', 'x.net', '--timeout-seconds', 'soon'],
      '--timeout-seconds must be an integer from 60 to 86400, got "soon"',
    ],
    [
      'an unsupported region',
      ['switchover', '--environment', 'prod', '--to', 'primary', '--primary-region', 'us-east-9'],
      '--primary-region "us-east-9" is not a region the platform supports',
    ],
    ['the same region twice', ['switchover', '--environment', 'prod', '--to', 'primary', '--secondary-region', 'us-east-1'], 'must differ (both us-east-1)'],
    ['a bad target', ['switchover', '--environment', 'prod', '--to', 'west'], '--to must be primary or secondary, got "west"'],
    ['an invalid suffix', ['drill', '--environment', 'Prod_1', '--domain', 'x.net'], 'Invalid configuration --environment="Prod_1"'],
    ['a missing value', ['drill', '--environment'], '--environment needs a value'],
    [
      'a load rate that is not a number',
      ['drill', '--environment', 'prod', '--domain', 'x.net', '--load-rate', 'lots'],
      '--load-rate must be an integer from 0 to 2000, got "lots"',
    ],
  ])('%s is refused, naming the argument and the rule', (_name, args, message) => {
    expect(() => parseOpsArguments(args, configDirectory(CONFIG_DIRECTORY))).toThrow(message);
  });

  test('the CLI prints a refused argument with the usage line and exits 2', () => {
    const { status, stderr } = cli('drill', '--environment', 'prod', '--domian', 'x.net');
    expect(status).toBe(2);
    expect(stderr).toContain('drill: unknown flag --domian');
    expect(stderr).toContain('usage: npm run drill -- ');
  });

  test('--help prints the usage and exits 0', () => {
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'orchestrator', 'src', 'ops-cli.ts'), 'drill', '--help'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--profile <name>');
  });

  test('--flag=value is accepted as the AWS CLI accepts it, and AWS_PROFILE names the profile when --profile is absent', () => {
    // Before: "--profile=incident" was an unknown argument.
    expect(parseOpsArguments(['switchover', '--environment=prod', '--to=primary', '--profile=incident'], undefined)).toMatchObject({
      environment: 'prod',
      to: 'primary',
      profile: 'incident',
      profileSource: '--profile',
    });
    expect(parseOpsArguments(['switchover', '--environment', 'prod', '--to', 'primary'], undefined, { AWS_PROFILE: 'ops' })).toMatchObject({
      profile: 'ops',
      profileSource: 'AWS_PROFILE',
    });
    expect(parseOpsArguments(['switchover', '--environment', 'prod', '--to', 'primary', '--profile', 'flag'], undefined, { AWS_PROFILE: 'ops' })).toMatchObject(
      {
        profile: 'flag',
        profileSource: '--profile',
      },
    );
  });

  test('an AWS_PROFILE that does not exist is named, and never falls through to keys or an instance role', () => {
    // Before: the SDK's default chain answered "Could not load credentials from any providers"
    // without the profile, after trying the container and instance roles.
    const args = ['switchover', '--environment', 'prod', '--to', 'primary', '--confirm', 'switchover-prod'];
    const { status, stderr } = cliWith({ AWS_PROFILE: 'nosuch' }, ...args);
    expect(status).toBe(2);
    expect(stderr).toContain('no usable AWS credentials for profile "nosuch" (from AWS_PROFILE) (regions us-east-1 / us-west-2)');
  });

  test('a profile that does not exist is named in the error, and never falls back to other credentials', () => {
    const args = ['switchover', '--environment', 'prod', '--to', 'primary', '--confirm', 'switchover-prod', '--profile', 'incident-ghost'];
    const { status, stderr } = cli(...args);
    expect(status).toBe(2);
    expect(stderr).toContain('no usable AWS credentials for profile "incident-ghost" (regions us-east-1 / us-west-2)');
    // Other credentials are on offer; a mistyped profile must not reach them.
    const withKeys = cliWith({ AWS_ACCESS_KEY_ID: 'AKIAFALLBACK', AWS_SECRET_ACCESS_KEY: 'secret' }, ...args);
    expect(withKeys.status).toBe(2);
    expect(withKeys.stderr).toContain('no usable AWS credentials for profile "incident-ghost"');
  });
});
