import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LintResult, lintStackTemplates, stackTemplates, StackTemplate } from '../scripts/lint-templates';
import { REPOSITORY_ROOT, runCdk, SharedSynth, sharedSynth, synthInputs, synthKey } from './assemblies';
import { synthesizePlatform } from './helpers';

/**
 * The real CDK CLI, offline and with no credentials, the way a fresh machine runs it: jest's global
 * setup ran `cdk synth` of each checked-in environment once (test/assemblies.ts); these tests read
 * what it produced, and cfn-lint checks every template of both against its own region in one pass.
 */
const ENVIRONMENTS: Array<[string, string]> = [
  ['config/dev.json, the default', 'dev'],
  ['config/prod.json', 'prod'],
];

/**
 * The stacks that only a layout no checked-in environment uses has: a new production environment
 * whose zone and certificates the platform creates (test/platform-certificates.test.ts).
 */
const PLATFORM_CERTIFICATE_STACKS = ['HostedZone', 'PrimaryService', 'SecondaryService'];
let platformCertificates: StackTemplate[];

/** A template cfn-lint must reject, linted in the same pass as the real ones: the gate is live. */
const PLANTED_STACK = 'PlantedMistake';
let planted: { directory: string; template: StackTemplate };
let lint: Promise<LintResult[]>;

beforeAll(() => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-planted-'));
  const templateFile = path.join(directory, `${PLANTED_STACK}.template.json`);
  fs.writeFileSync(templateFile, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'thirty' } } } }));
  planted = { directory, template: { stackId: PLANTED_STACK, region: 'us-west-2', templateFile } };
  const real = ENVIRONMENTS.flatMap(([, environment]) => {
    const synth = sharedSynth(environment);
    return synth.status === 0 ? stackTemplates(synth.directory) : [];
  });
  const variant = synthesizePlatform({
    posture: 'production',
    account: '123456789012',
    protocol: 'https',
    certificates: 'platform',
    domainName: 'trading.acme-bank.com',
  });
  platformCertificates = stackTemplates(variant.app.synth().directory).filter((template) => PLATFORM_CERTIFICATE_STACKS.includes(template.stackId));
  lint = lintStackTemplates([...real, ...platformCertificates, planted.template]);
  // Reported by the tests below; kept from becoming an unhandled rejection meanwhile.
  lint.catch(() => undefined);
});
afterAll(() => fs.rmSync(planted.directory, { recursive: true, force: true }));

describe.each(ENVIRONMENTS)('cdk synth of %s (real CLI, offline, built-in validation as error)', (_name, environment) => {
  let synth: SharedSynth;
  beforeAll(() => {
    synth = sharedSynth(environment);
  });

  test('succeeds with no errors or warnings', () => {
    const output = `${synth.stdout}\n${synth.stderr}`;
    expect({ status: synth.status, output }).toEqual({ status: 0, output: expect.any(String) });
    expect(output).not.toMatch(/\bERROR\b|\[Error|\[Warning|Need to perform AWS calls/);
  });

  test('the built-in template validation is enabled as an error and reports nothing', () => {
    const context = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')).context;
    expect(context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(synth.directory, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((plugin: any) => plugin.violations ?? plugin.conclusion?.violations ?? []);
    expect(violations).toEqual([]);
  });

  test('every stack is synthesized into its own region', () => {
    expect(
      stackTemplates(synth.directory)
        .map(({ stackId, region }) => `${stackId}@${region}`)
        .sort(),
    ).toEqual([
      'EventRouting@us-east-1',
      'FailoverAutomation@us-west-2',
      'GlobalTraffic@us-east-1',
      'PrimaryData@us-east-1',
      'PrimaryFoundation@us-east-1',
      'PrimaryMonitoring@us-east-1',
      'PrimaryService@us-east-1',
      'SecondaryData@us-west-2',
      'SecondaryFoundation@us-west-2',
      'SecondaryMonitoring@us-west-2',
      'SecondaryService@us-west-2',
    ]);
  });

  test('cfn-lint: no error and no unexplained warning in any template, each checked against its region', async () => {
    const results = (await lint).filter((result) => result.templateFile.startsWith(synth.directory));
    expect(results).toHaveLength(11);
    for (const result of results) {
      // Exit-code bits: 2 error, 4 warning; 8 (informational) is allowed.
      expect({ stack: result.stackId, region: result.region, exitCode: result.exitCode & 0b0110, output: result.output }).toEqual({
        stack: result.stackId,
        region: result.region,
        exitCode: 0,
        output: '',
      });
    }
  });
});

test('cfn-lint: no error and no warning in the zone and service stacks of certificates=platform, each against its region', async () => {
  const files = new Set(platformCertificates.map((template) => template.templateFile));
  const results = (await lint).filter((result) => files.has(result.templateFile));
  expect(results.map((result) => `${result.stackId}@${result.region}`).sort()).toEqual([
    'HostedZone@us-east-1',
    'PrimaryService@us-east-1',
    'SecondaryService@us-west-2',
  ]);
  for (const result of results)
    expect({ stack: result.stackId, exitCode: result.exitCode & 0b0110, output: result.output }).toEqual({ stack: result.stackId, exitCode: 0, output: '' });
});

test('cfn-lint, in the same pass, rejects a planted template error and names its rule, stack and property', async () => {
  const result = (await lint).find((candidate) => candidate.stackId === PLANTED_STACK)!;
  expect(result.exitCode & 0b0010).toBe(0b0010);
  expect(result.output).toMatch(/^E3012 \(Error\) 'thirty' is not of type 'integer' at Resources\/Queue\/Properties\/VisibilityTimeout/);
});

test("with this project's cdk.json, a template the built-in validation rejects fails the real synth", async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-invalid-'));
  try {
    const run = await runCdk([
      'synth',
      '--no-lookups',
      '--no-notices',
      '--quiet',
      '--output',
      outDir,
      '--app',
      `npx tsx ${path.join('test', 'fixtures', 'invalid-app.ts')}`,
    ]);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/VisibilityTimeout.*not of type 'integer'/);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});

test('cdk synth rejects bad configuration before synthesizing, naming the value and the rule', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-bad-'));
  try {
    const run = await runCdk(['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outDir, '-c', 'environmentSuffix=Prod_1']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Invalid configuration environmentSuffix="Prod_1" (set by -c environmentSuffix): must be lowercase letters and digits');
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});

describe('the shared synth is reused only while nothing it reads has changed', () => {
  let copy: string;
  beforeAll(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-key-'));
    for (const file of [
      'cdk.json',
      'package-lock.json',
      'lib/config.ts',
      'config/dev.json',
      'test/config.test.ts',
      'README.md',
      'service/test/orders.test.ts',
    ]) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.copyFileSync(path.join(REPOSITORY_ROOT, file), path.join(copy, file));
    }
    for (const folder of ['node_modules/aws-cdk-lib', '.venv', 'cdk.out', '.cache/assemblies']) fs.mkdirSync(path.join(copy, folder), { recursive: true });
    fs.writeFileSync(path.join(copy, 'cdk.out', 'manifest.json'), '{}');
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  test('its inputs are the sources, configuration and locks, not tests, Markdown, installs or outputs', () => {
    expect(synthInputs(copy)).toEqual(['cdk.json', 'config/dev.json', 'lib/config.ts', 'package-lock.json']);
  });

  test.each([
    ['a source file', 'lib/config.ts', true],
    ['an environment file', 'config/dev.json', true],
    ['the lock', 'package-lock.json', true],
    ['a test', 'test/config.test.ts', false],
    ['the README', 'README.md', false],
  ])('editing %s (%s) changes the key: %s', (_what, file, changes) => {
    const before = synthKey('dev', copy);
    fs.appendFileSync(path.join(copy, file), '\n');
    expect(synthKey('dev', copy) !== before).toBe(changes);
  });

  test('a new file anywhere among the sources changes the key', () => {
    const before = synthKey('dev', copy);
    fs.writeFileSync(path.join(copy, 'lib', 'new-construct.ts'), 'export {};\n');
    expect(synthKey('dev', copy)).not.toBe(before);
  });

  test('the environments have different keys', () => {
    expect(synthKey('dev', copy)).not.toBe(synthKey('prod', copy));
  });
});
