import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../lib/config';
import { CONFIG_DIRECTORY, configDirectory, ConfigFiles, selectEnvironment, SelectedEnvironment } from '../lib/environments';

const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
const CERT_EAST = 'arn:aws:acm:us-east-1:123456789012:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const CERT_WEST = 'arn:aws:acm:us-west-2:123456789012:certificate/1c7b2a5f-3d4e-4f60-9bac-1d2e3f4a5b6c';

/** Files held in memory, for the rules; the checked-in files are read through the real folder. */
function memoryFiles(files: Record<string, unknown>): ConfigFiles {
  return {
    read: (name) => (name in files ? (typeof files[name] === 'string' ? (files[name] as string) : JSON.stringify(files[name])) : undefined),
    names: () => Object.keys(files).sort(),
  };
}

const HTTPS_FILE = {
  environmentSuffix: 'live',
  posture: 'test',
  protocol: 'https',
  domainName: 'trading.acme-bank.com',
  primaryCertificateArn: CERT_EAST,
  secondaryCertificateArn: CERT_WEST,
};
const FILES = memoryFiles({ dev: { environmentSuffix: 'dev', posture: 'test', protocol: 'http' }, live: HTTPS_FILE });

function problemsOf(select: () => SelectedEnvironment): string[] {
  try {
    select();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('environment selection', () => {
  test('without a selector the dev configuration is synthesized, as before', () => {
    const selected = selectEnvironment({ context: { ...CDK_JSON_CONTEXT }, files: configDirectory(CONFIG_DIRECTORY) });
    expect({ name: selected.name, suffix: selected.config.environmentSuffix, posture: selected.config.posture, protocol: selected.config.protocol }).toEqual({
      name: 'dev',
      suffix: 'dev',
      posture: 'test',
      protocol: 'http',
    });
  });

  test('every checked-in configuration is valid', () => {
    const files = configDirectory(CONFIG_DIRECTORY);
    expect(files.names()).toEqual(expect.arrayContaining(['dev', 'prod']));
    for (const name of files.names()) {
      expect(() => selectEnvironment({ context: { config: name }, files })).not.toThrow();
    }
  });

  test('every -c key overrides the selected file', () => {
    const selected = selectEnvironment({ context: { config: 'live', environmentSuffix: 'live2', logRetentionDays: '30' }, files: FILES });
    expect([selected.config.environmentSuffix, selected.config.logRetentionDays, selected.config.primary.certificateArn]).toEqual(['live2', 30, CERT_EAST]);
  });

  test('feature flags, the CLI’s aws:cdk:* keys and lookup results are not app keys', () => {
    const context = {
      ...CDK_JSON_CONTEXT,
      'aws:cdk:enable-path-metadata': true,
      'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a'],
      'acknowledged-issue-numbers': [34892],
    };
    expect(() => selectEnvironment({ context, files: FILES })).not.toThrow();
  });

  test('an unknown key fails with the closest valid key', () => {
    expect(problemsOf(() => selectEnvironment({ context: { enviromentSuffix: 'prod' }, files: FILES }))).toEqual([
      'Invalid configuration enviromentSuffix="prod" (set by -c enviromentSuffix): is not a key of this app; did you mean "environmentSuffix"?',
    ]);
    expect(problemsOf(() => selectEnvironment({ context: { secondaryCertificatArn: 'x' }, files: FILES }))[0]).toMatch(
      /did you mean "secondaryCertificateArn"\?/,
    );
  });

  test('a key far from every valid key lists them all', () => {
    expect(problemsOf(() => selectEnvironment({ context: { stage: 'prod' }, files: FILES }))[0]).toMatch(/is not a key of this app; the keys are: config, /);
  });

  test('an empty override fails instead of falling back to a default', () => {
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live', environmentSuffix: '' }, files: FILES }))).toEqual([
      'Invalid configuration environmentSuffix="" (set by -c environmentSuffix): must not be empty: omit the key to use the configuration file or the default',
    ]);
    expect(problemsOf(() => selectEnvironment({ context: { config: '' }, files: FILES }))[0]).toMatch(
      /config="" \(set by -c config\): must name a file of config\//,
    );
  });

  test('all problems are reported at once: unknown keys, empty values and every rule', () => {
    const problems = problemsOf(() =>
      selectEnvironment({ context: { config: 'live', enviromentSuffix: 'x', domainName: '', logRetentionDays: '10', primaryRegion: 'mars-1' }, files: FILES }),
    );
    expect(problems.map((problem) => /^Invalid configuration (\w+)/.exec(problem)?.[1])).toEqual([
      'enviromentSuffix',
      'domainName',
      'primaryRegion',
      'logRetentionDays',
    ]);
  });

  test('an unknown environment names the ones that exist', () => {
    expect(problemsOf(() => selectEnvironment({ context: { config: 'staging' }, files: FILES }))).toEqual([
      'Invalid configuration config="staging" (set by -c config): no file config/staging.json; the environments are: dev, live',
    ]);
  });

  test('a file with an unknown key, a missing required key or broken JSON fails with the file named', () => {
    const files = memoryFiles({ typo: { environmentSuffix: 'x', protocol: 'http', logRetention: 7 }, broken: '{ "environmentSuffix": ' });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'typo' }, files }))).toEqual([
      'Invalid configuration logRetention=7 (set in config/typo.json): is not a configuration key; did you mean "logRetentionDays"?',
      'Invalid configuration posture=null (missing from config/typo.json): is required: every environment states it explicitly',
    ]);
    expect(problemsOf(() => selectEnvironment({ context: { config: 'broken' }, files }))[0]).toMatch(/config\/broken.json is not valid JSON/);
  });

  test('serving http where the file says https needs an explicit confirmation, which then drops the file’s certificates', () => {
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live', protocol: 'http' }, files: FILES }))).toEqual([
      'Invalid configuration protocol="http" (set by -c protocol): config/live.json serves https: serving http instead replaces both health checks and drops TLS, so it needs -c allowHttpDowngrade=true (or change the file)',
    ]);
    const selected = selectEnvironment({ context: { config: 'live', protocol: 'http', allowHttpDowngrade: 'true' }, files: FILES });
    expect([selected.config.protocol, selected.config.primary.certificateArn, selected.config.secondary.certificateArn]).toEqual([
      'http',
      undefined,
      undefined,
    ]);
  });

  test('a pinned account refuses credentials of another account; an unpinned one takes the credentials’ account', () => {
    const pinned = memoryFiles({ live: { ...HTTPS_FILE, account: '123456789012' } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live' }, files: pinned, credentialsAccount: '210987654321' }))[0]).toMatch(
      /account="123456789012" \(set in config\/live.json\): config\/live.json pins this account but the credentials are for 210987654321/,
    );
    expect(selectEnvironment({ context: { config: 'live' }, files: FILES, credentialsAccount: '123456789012' }).config.account).toBe('123456789012');
  });

  test('an override cannot lift a pinned account', () => {
    const pinned = memoryFiles({ live: { ...HTTPS_FILE, account: '123456789012' } });
    expect(
      problemsOf(() => selectEnvironment({ context: { config: 'live', account: '210987654321' }, files: pinned, credentialsAccount: '210987654321' })),
    ).toEqual(
      expect.arrayContaining([
        'Invalid configuration account="210987654321" (set by -c account): config/live.json pins account 123456789012; an override cannot change a pinned account',
        expect.stringMatching(/pins this account but the credentials are for 210987654321/),
      ]),
    );
  });
});

describe('every problem in one run, each naming where its value was set', () => {
  test('an unknown key in the file no longer hides the value problems of the file and of the flags', () => {
    // Before: the unknown key threw at once and the three value problems went unreported.
    const files = memoryFiles({ typo: { environmentSuffix: 'Typo', posture: 'test', protocol: 'http', logRetention: 7, primaryRegion: 'mars-1' } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'typo', logRetentionDays: '10' }, files }))).toEqual([
      'Invalid configuration logRetention=7 (set in config/typo.json): is not a configuration key; did you mean "logRetentionDays"?',
      expect.stringMatching(/^Invalid configuration environmentSuffix="Typo" \(set in config\/typo.json\): must be lowercase/),
      expect.stringMatching(/^Invalid configuration primaryRegion="mars-1" \(set in config\/typo.json\): must be one of the supported regions/),
      expect.stringMatching(/^Invalid configuration logRetentionDays="10" \(set by -c logRetentionDays\): must be a retention/),
    ]);
  });

  test('a value the file left out is named as not set, and the credentials’ account as theirs', () => {
    const files = memoryFiles({ bare: { environmentSuffix: 'bare', posture: 'production', protocol: 'https', domainName: 'trading.acme-bank.com' } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'bare' }, files }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Invalid configuration primaryCertificateArn=null \(not set\): is required with protocol=https/)]),
    );
    const cert = 'arn:aws:acm:us-east-1:111111111111:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
    const unpinned = memoryFiles({ live: { ...HTTPS_FILE, primaryCertificateArn: cert } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live' }, files: unpinned, credentialsAccount: '123456789012' }))).toEqual([
      expect.stringMatching(/^Invalid configuration primaryCertificateArn=.* \(set in config\/live.json\): must belong to the deployment account 123456789012/),
    ]);
  });

  test('a workload directory without a Dockerfile is reported with the other problems, not in a second run', () => {
    // Before: bin/ checked the directory only after every other rule had passed.
    const files = memoryFiles({
      app: { environmentSuffix: 'app', posture: 'test', protocol: 'http', primaryRegion: 'mars-1', workload: { directory: 'docs' } },
    });
    const repository = { exists: (relativePath: string) => relativePath === 'service/Dockerfile' };
    expect(problemsOf(() => selectEnvironment({ context: { config: 'app' }, files, repository }))).toEqual([
      expect.stringMatching(/^Invalid configuration primaryRegion="mars-1" \(set in config\/app.json\)/),
      expect.stringMatching(
        /^Invalid configuration workload.directory="docs" \(set in config\/app.json\): must hold a Dockerfile \(docs\/Dockerfile does not exist/,
      ),
    ]);
  });

  test('a value the platform derived is named as the default, not as unset', () => {
    expect(problemsOf(() => selectEnvironment({ context: { config: 'dev' }, files: FILES, credentialsAccount: '123456789012' }))).toEqual([
      'Invalid configuration domainName="trading-dev.example.com" (default): is a reserved name (RFC 2606) that Route 53 refuses; deploying needs a domainName you control',
    ]);
  });

  test('a refused account override applies nowhere: the certificates are judged against the pinned account', () => {
    // Before: the refused override still reached the certificate check, which then blamed the
    // file's correct certificates for not belonging to the override's account.
    const pinned = memoryFiles({ live: { ...HTTPS_FILE, account: '123456789012' } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live', account: '210987654321' }, files: pinned }))).toEqual([
      'Invalid configuration account="210987654321" (set by -c account): config/live.json pins account 123456789012; an override cannot change a pinned account',
    ]);
  });

  test('a refused http downgrade applies nowhere: only the downgrade is reported', () => {
    const production = memoryFiles({ live: { ...HTTPS_FILE, posture: 'production', account: '123456789012', logRetentionDays: 365 } });
    expect(problemsOf(() => selectEnvironment({ context: { config: 'live', protocol: 'http' }, files: production }))).toEqual([
      expect.stringMatching(/^Invalid configuration protocol="http" \(set by -c protocol\): config\/live.json serves https/),
    ]);
  });

  test('availability zones are checked against the names the region publishes, listing the valid ones', () => {
    // Before: only the pattern <region><letter> was checked, and us-east-1z synthesized.
    expect(problemsOf(() => selectEnvironment({ context: { primaryAvailabilityZones: 'us-east-1a,us-east-1b,us-east-1z' }, files: FILES }))).toEqual([
      'Invalid configuration primaryAvailabilityZones="us-east-1a,us-east-1b,us-east-1z" (set by -c primaryAvailabilityZones): us-east-1z is not a zone us-east-1 publishes; its zones are us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f (lib/availability-zones.ts)',
    ]);
    const tokyo = memoryFiles({
      tokyo: { environmentSuffix: 'tokyo', posture: 'test', protocol: 'http', primaryRegion: 'us-east-1', secondaryRegion: 'ap-northeast-1' },
    });
    expect(selectEnvironment({ context: { config: 'tokyo' }, files: tokyo }).config.secondary.availabilityZones).toEqual([
      'ap-northeast-1a',
      'ap-northeast-1c',
      'ap-northeast-1d',
    ]);
    expect(
      selectEnvironment({ context: { config: 'tokyo', secondaryAvailabilityZones: 'ap-northeast-1a,ap-northeast-1b,ap-northeast-1c' }, files: tokyo }).config
        .secondary.availabilityZones,
    ).toEqual(['ap-northeast-1a', 'ap-northeast-1b', 'ap-northeast-1c']);
  });
});

describe('the app entry point', () => {
  test('a mistyped key fails the synth with the suggestion and every other problem, exit code 1', () => {
    const run = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, '..', 'bin', 'trading-dr.ts')], {
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, enviromentSuffix: 'prod', environmentSuffix: '' }),
        CDK_DEFAULT_ACCOUNT: '',
      },
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr:
        '2 configuration problems:\n' +
        '  - Invalid configuration enviromentSuffix="prod" (set by -c enviromentSuffix): is not a key of this app; did you mean "environmentSuffix"?\n' +
        '  - Invalid configuration environmentSuffix="" (set by -c environmentSuffix): must not be empty: omit the key to use the configuration file or the default\n',
    });
  });
});
