import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lintTemplates, stackTemplates } from '../scripts/lint-templates';

const ROOT = path.join(__dirname, '..');

/** Runs the real CDK CLI with no credentials and no lookups, the way a fresh machine would. */
function cdkSynth(outDir: string, extraArgs: string[] = []): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
  };
  for (const key of ['CDK_VALIDATION', 'CDK_DEFAULT_ACCOUNT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[key];
  return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outDir, ...extraArgs], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

// Both checked-in environments, each in its posture: test (the default) and production.
describe.each([
  ['config/dev.json, the default', []],
  ['config/prod.json', ['-c', 'config=prod']],
])('cdk synth of %s (real CLI, offline, built-in validation as error)', (_name, extraArgs: string[]) => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-'));
  let run: SpawnSyncReturns<string>;

  beforeAll(() => {
    run = cdkSynth(outDir, extraArgs);
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test('succeeds with no errors or warnings', () => {
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, output }).toEqual({ status: 0, output: expect.any(String) });
    expect(output).not.toMatch(/\bERROR\b|\[Error|\[Warning|Need to perform AWS calls/);
  });

  test('the built-in template validation is enabled as an error and reports nothing', () => {
    const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
    expect(context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(outDir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((plugin: any) => plugin.violations ?? plugin.conclusion?.violations ?? []);
    expect(violations).toEqual([]);
  });

  test('every stack is synthesized into its own region', () => {
    expect(
      stackTemplates(outDir)
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

  test('cfn-lint: no error and no unexplained warning in any template, each checked against its region', () => {
    const results = lintTemplates(outDir);
    expect(results).toHaveLength(11);
    for (const result of results) {
      // Exit-code bits: 2 error, 4 warning; 8 (informational) is allowed.
      expect({ stack: result.stackId, region: result.region, exitCode: result.exitCode & 0b0111, output: result.output }).toEqual({
        stack: result.stackId,
        region: result.region,
        exitCode: 0,
        output: '',
      });
    }
  });
});

test("with this project's cdk.json, a template the built-in validation rejects fails the real synth", () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-invalid-'));
  try {
    const run = cdkSynth(outDir, ['--app', `npx tsx ${path.join('test', 'fixtures', 'invalid-app.ts')}`]);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/VisibilityTimeout.*not of type 'integer'/);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});

test('cdk synth rejects bad configuration before synthesizing, naming the value and the rule', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-bad-'));
  try {
    const run = cdkSynth(outDir, ['-c', 'environmentSuffix=Prod_1']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Invalid configuration environmentSuffix="Prod_1": must be lowercase letters and digits');
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
