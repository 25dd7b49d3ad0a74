/**
 * Every tool of the project (every npm script that runs a TypeScript entry point, so a tool added
 * later is covered without editing this list) follows the one command-line convention
 * (scripts/command-line.ts): `--help` answers usage with exit 0, a bogus flag exit 2 with the usage
 * and no stack trace, and both before any of the tool's work (a tripwire preloaded into the tool
 * ends it with exit 97 at the first child process, worker, connection, DNS lookup or read of a
 * cloud assembly). npm's habit of keeping a tool's flags given without `--` is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessRun, runProcess } from './support/run-process';

const ROOT = path.join(__dirname, '..');
const TRIPWIRE = path.join(__dirname, 'support', 'no-work-tripwire.cjs');
const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

/** The tools the issue lists; every one must be among the scripts found below. */
const LISTED = [
  'rehearse',
  'rehearse:levers',
  'rto-report',
  'cost-estimate',
  'validate:templates',
  'bench:rehearsal',
  'bench:orders',
  'drill',
  'switchover',
  'db-bootstrap',
  'load',
];

/** The tools that read a synthesized cloud assembly, each with `--assembly <dir>`. */
const ASSEMBLY_READERS = ['rehearse', 'rehearse:levers', 'rto-report', 'cost-estimate', 'validate:templates', 'bench:rehearsal'];

/** Every script that starts a TypeScript entry point with tsx: the project's tools. */
const TOOLS = Object.entries(SCRIPTS)
  .filter(([, command]) => /^tsx \S+\.ts\b/.test(command))
  .map(([name, command]) => ({ name, command: command.split(' ').slice(1) }))
  // A tool of ASSEMBLY_READERS reads a synthesized cloud assembly.
  .map((tool) => ({ ...tool, reads: ASSEMBLY_READERS.includes(tool.name) }));

/** The environment of a tool run: no AWS credentials or configuration, nothing npm set for the outer run. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && !key.startsWith('npm_') && !key.startsWith('CDK_')) env[key] = value;
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra };
}

/**
 * A tool as its script starts it, with the tripwire preloaded: under tsx's loader in one process
 * (the tsx command adds a parent process, half a second each on this machine).
 */
function runTool(tool: (typeof TOOLS)[number], args: readonly string[], { tripwire = true } = {}): Promise<ProcessRun> {
  const preload = tripwire ? ['--require', TRIPWIRE] : [];
  return runProcess(process.execPath, [...preload, '--import', 'tsx', ...tool.command, ...args], { cwd: ROOT, env: cleanEnvironment() });
}

/** Runs the calls at most `limit` at a time: each is a Node process on a 2-core machine. */
async function pooled<T>(calls: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(calls.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) {
      const index = next++;
      results[index] = await calls[index]();
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

const runs = new Map<string, { help: ProcessRun; bogus: ProcessRun; missingAssembly?: ProcessRun }>();
const NO_ASSEMBLY = path.join(ROOT, '.cache', 'no-such-assembly');

beforeAll(async () => {
  const results = await pooled(
    TOOLS.flatMap((tool) => [
      () => runTool(tool, ['--help']),
      () => runTool(tool, ['--no-such-flag=x']),
      // A tool that reads an assembly, pointed at none: what validate:templates answered with a stack trace.
      () => (tool.reads ? runTool(tool, ['--assembly', NO_ASSEMBLY], { tripwire: false }) : Promise.resolve(undefined)),
    ]),
    3,
  );
  TOOLS.forEach((tool, index) => runs.set(tool.name, { help: results[3 * index]!, bogus: results[3 * index + 1]!, missingAssembly: results[3 * index + 2] }));
}, 120_000);

test('every tool the convention names is a script found here', () => {
  expect(TOOLS.map((tool) => tool.name)).toEqual(expect.arrayContaining(LISTED));
});

describe.each(TOOLS.map((tool) => tool.name))('%s', (name) => {
  test('--help prints the usage and exits 0 before any work', () => {
    const { help } = runs.get(name)!;
    expect({ status: help.status, stderr: help.stderr.replace(/^\(node:\d+\) .*\n(.*\n)*?\(Use `node --trace-warnings.*\n/m, '') }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(help.stdout).toMatch(new RegExp(`^usage: npm run ${name.replace(/[:]/g, '\\$&')} -- `));
  });

  test('a bogus flag exits 2 with the reason and the usage, without a stack trace, before any work', () => {
    const { bogus } = runs.get(name)!;
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain(`${name}: unknown flag --no-such-flag`);
    expect(bogus.stderr).toContain(`usage: npm run ${name} -- `);
    expect(bogus.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(bogus.stdout).toBe('');
  });
});

describe.each(ASSEMBLY_READERS)('%s --assembly <dir>', (name) => {
  test('without an assembly there it says to synthesize first, exit 2, no stack trace', () => {
    const run = runs.get(name)!.missingAssembly!;
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${name}: no cloud assembly in ${NO_ASSEMBLY}: run \`npm run synth\` first`);
    expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(run.stdout).toBe('');
  });
  test('its usage offers --assembly', () => expect(runs.get(name)!.help.stdout).toContain('--assembly <dir>'));
});

describe('the tripwire catches work', () => {
  test('a tool that reads its assembly trips it (so a passing --help run did no work)', async () => {
    const costEstimate = TOOLS.find((tool) => tool.name === 'cost-estimate')!;
    const result = await runTool(costEstimate, ['--assembly', path.join(ROOT, 'cdk.out')]);
    expect(result.status).toBe(97);
    expect(result.stderr).toContain('NO-WORK TRIPWIRE: fs.');
  });
});

describe('flags npm kept for itself are refused with the hint to use --', () => {
  const npm = (args: string[]): Promise<ProcessRun> =>
    runProcess('npm', ['run', '--silent', ...args], { cwd: ROOT, env: cleanEnvironment({ NODE_OPTIONS: `--require ${TRIPWIRE}` }) });

  test('npm run drill --profile prod: npm passes "prod" as a bare argument', async () => {
    const result = await npm(['drill', '--profile', 'prod']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('drill: npm took --profile as its own setting (npm_config_profile)');
    expect(result.stderr).toContain('npm passes a tool its flags only after `--`: npm run drill -- --profile prod\n');
  });

  test('npm run rehearse --json=true --seeds=5: npm passes nothing and sets npm_config_* instead', async () => {
    const result = await npm(['rehearse', '--json=true', '--seeds=5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('rehearse: npm took --seeds --json as its own setting (npm_config_seeds, npm_config_json)');
    expect(result.stderr).toContain('npm run rehearse -- --seeds=5 --json');
  });
});
