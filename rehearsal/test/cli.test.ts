import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../scripts/command-line';
import { CliOptions, parseArguments, USAGE } from '../src/cli';
import { sharedAssembly } from '../../test/assemblies';
import { SCENARIO_NAMES } from '../src/matrix';

const DEFAULTS = { assemblyDir: 'cdk.out', workers: 2 };

function parsed(args: string[]): CliOptions {
  const options = parseArguments(args, DEFAULTS);
  if (options === 'help') throw new Error('unexpected help');
  return options;
}
const ROOT = path.join(__dirname, '..', '..');

describe('rehearse arguments', () => {
  test('defaults: every scenario over seeds 1..200 from cdk.out', () => {
    const options = parsed([]);
    expect(options.scenarios).toEqual(SCENARIO_NAMES);
    expect(options.seeds).toHaveLength(200);
    expect(options.seeds[0]).toBe(1);
    expect(options.assemblyDir).toBe('cdk.out');
  });

  test('one run with its timeline', () => {
    const options = parsed(['--scenario', 'primary-region-lost', '--seed', '7', '--timeline', '--assembly=/tmp/x']);
    expect(options).toMatchObject({ scenarios: ['primary-region-lost'], seeds: [7], timeline: true, assemblyDir: '/tmp/x' });
  });

  test('model knobs reach the world options', () => {
    expect(parsed(['--checkers', '16', '--clients', '80', '--max-promotion-seconds', '180']).world).toEqual({
      checkersPerHealthCheck: 16,
      clients: 80,
      failoverSeconds: [30, 180],
    });
  });

  test.each([
    [['--scenraio', 'x'], 'unknown flag --scenraio; did you mean "--scenario"?'],
    [['--seed', '1', '--seed', '2'], '--seed given twice'],
    [['--scenario', 'nope'], 'unknown scenario "nope"; one of: primary-region-lost'],
    [['--seed', 'abc'], '--seed must be an integer from 0 to 4294967295, got "abc"'],
    [['--seeds', '0'], '--seeds must be an integer from 1 to 100000, got "0"'],
    [['--seed', '1', '--seeds', '5'], '--seed and --seeds exclude each other'],
    [['--timeline'], '--timeline replays one run: give --scenario and --seed'],
    [['--seed'], '--seed needs a value'],
    [['--max-promotion-seconds', '10'], '--max-promotion-seconds must be an integer from 30 to 3600, got "10"'],
    [['--sweep', '--max-promotion-seconds', '60'], '--sweep varies the promotion maximum itself'],
  ])('%j is refused: %s', (args, message) => {
    expect(() => parseArguments(args, DEFAULTS)).toThrow(UsageError);
    expect(() => parseArguments(args, DEFAULTS)).toThrow(message);
  });

  test('the command prints the reason and the usage line, and exits 2', () => {
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'rehearsal', 'src', 'cli.ts'), '--seed', 'x'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('rehearse: --seed must be an integer');
    expect(run.stderr).toContain(USAGE);
  });

  test('without a synthesized assembly it says to synthesize first, without a stack trace', () => {
    const run = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'rehearsal', 'src', 'cli.ts'), '--assembly', path.join(os.tmpdir(), 'none')],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('run `npm run synth` first');
    expect(run.stderr).not.toContain('    at ');
  });
});

/** `npm run rehearse` over the shared dev assembly. */
function rehearseDev(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'rehearsal', 'src', 'cli.ts'), '--assembly', sharedAssembly('dev'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
  });
}

describe('progress of long work', () => {
  test('a line per scenario with the elapsed time, on stderr so that --json stays clean', () => {
    // Before: nothing at all until the report, 45 s for the whole matrix.
    const run = rehearseDev('--scenario', 'primary-region-lost', '--seeds', '2', '--workers', '1', '--json');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^\[\+ +\d+\.\d s\] 1 scenario\(s\) x 2 seed\(s\) on 1 worker\(s\)$/m);
    expect(run.stderr).toMatch(/^\[\+ +\d+\.\d s\] primary-region-lost: 2 run\(s\) done$/m);
    expect(JSON.parse(run.stdout).runs).toBe(2);
  });
});

describe('the timeline command', () => {
  test('prints the folded timeline with its header, and names the assembly it read', () => {
    const run = rehearseDev('--scenario', 'primary-region-lost', '--seed', '7', '--timeline');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Timeline of primary-region-lost, seed 7\. Columns:\n/);
    expect(run.stdout).toMatch(/clients resolving to us-west-2: first at \+[\d.]+ s, all \d+ by/);
    expect(run.stderr).toContain('synthesized from configuration "dev"');
  });
});
