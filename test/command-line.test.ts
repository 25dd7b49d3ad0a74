import { integerFlag, parseCommandLine, runTool, ToolDefinition, UsageError } from '../scripts/command-line';

const TOOL = {
  name: 'drill',
  usage: 'usage: npm run drill -- --profile <name> [--json]',
  options: { profile: { type: 'string' }, json: { type: 'boolean' }, assembly: { type: 'string', multiple: true } },
} as const satisfies ToolDefinition;

function parse(argv: string[], env: Record<string, string> = {}) {
  return parseCommandLine(TOOL, argv, env);
}

describe('one convention for every tool', () => {
  test('--flag value and --flag=value mean the same', () => {
    expect(parse(['--profile', 'prod'])).toEqual(parse(['--profile=prod']));
    expect(parse(['--profile=prod', '--json'])).toEqual({ values: { profile: 'prod', json: true }, positionals: [] });
  });

  test('a repeatable flag keeps every value in order', () => {
    expect(parse(['--assembly', 'a', '--assembly=b'])).toMatchObject({ values: { assembly: ['a', 'b'] } });
  });

  test('--help wins over everything else on the line, even a bad flag', () => {
    expect(parse(['--bogus', '--help'])).toBe('help');
    expect(parse(['-h'])).toBe('help');
  });

  test.each([
    [['--profil', 'prod'], 'unknown flag --profil; did you mean "--profile"?'],
    [['--zzzzzzzzzzzz'], 'unknown flag --zzzzzzzzzzzz; the flags are: --profile, --json, --assembly, --help'],
    [['--profile'], '--profile needs a value'],
    [['--profile', '--json'], '--profile needs a value (one that starts with a dash is written --profile=<value>)'],
    [['--json=yes'], '--json takes no value'],
    [['--profile', 'a', '--profile', 'b'], '--profile given twice'],
    // An unset shell variable (--profile=$PROFILE) must not quietly mean "no profile".
    [['--profile='], '--profile needs a value, got an empty one'],
    [['--profile', ' '], '--profile needs a value, got an empty one'],
    [['prod'], 'unexpected argument "prod": this tool takes only flags. If you meant it as a flag\'s value, npm passes a tool its flags only after `--`'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  test('flags npm kept for itself are refused under the tool’s own npm script only', () => {
    const env = { npm_lifecycle_event: 'drill', npm_config_profile: 'prod', npm_config_json: 'true', npm_config_cache: '/root/.npm' };
    expect(() => parse([], env)).toThrow(
      'npm took --profile --json as its own setting (npm_config_profile, npm_config_json) and did not pass it on: npm passes a tool its flags only after `--`: npm run drill -- --profile=prod --json',
    );
    // `npm run drill --profile prod`: npm sets the flag to "true" and passes "prod" alone; the hint puts them back together.
    expect(() => parse(['prod'], { npm_lifecycle_event: 'drill', npm_config_profile: 'true' })).toThrow('npm run drill -- --profile prod');
    // Inherited from an outer npm run (the test command's own), they are not this invocation's.
    expect(parse([], { ...env, npm_lifecycle_event: 'test' })).toEqual({ values: {}, positionals: [] });
    expect(parse([], { npm_lifecycle_event: 'drill', npm_config_profile: '' })).toEqual({ values: {}, positionals: [] });
  });

  test('the npm script’s own positional (the ops command) is expected; a missing one is an error', () => {
    const ops = { ...TOOL, positionals: ['command'] };
    expect(parseCommandLine(ops, ['drill', '--json'], {})).toEqual({ values: { json: true }, positionals: ['drill'] });
    expect(() => parseCommandLine(ops, [], {})).toThrow('missing command');
    expect(() => parseCommandLine(ops, ['drill', 'prod'], {})).toThrow('unexpected argument "prod"');
  });

  test('integer flags name the flag, the range and the value', () => {
    expect(integerFlag('seeds', undefined, { min: 1, max: 9 })).toBeUndefined();
    expect(integerFlag('seeds', '7', { min: 1, max: 9 })).toBe(7);
    for (const raw of ['0', '10', '1.5', '-1', 'x', ''])
      expect(() => integerFlag('seeds', raw, { min: 1, max: 9 })).toThrow(/--seeds must be an integer from 1 to 9, got/);
  });
});

describe('runTool', () => {
  function io(argv: string[]) {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      process: { argv, env: {}, stdout: { write: (text: string) => (out.stdout += text) }, stderr: { write: (text: string) => (out.stderr += text) } },
    };
  }

  test('--help prints the usage (and the details) and exits 0 without running the tool', async () => {
    const { out, process } = io(['--help']);
    const main = jest.fn();
    await expect(runTool({ ...TOOL, details: 'more' }, main, process)).resolves.toBe(0);
    expect(main).not.toHaveBeenCalled();
    expect(out).toEqual({ stdout: `${TOOL.usage}\nmore\n`, stderr: '' });
  });

  test('a usage error, from parsing or from the tool’s own checks, exits 2 with the usage', async () => {
    const parsing = io(['--bogus']);
    await expect(runTool(TOOL, jest.fn(), parsing.process)).resolves.toBe(2);
    expect(parsing.out.stderr).toBe(`drill: unknown flag --bogus; the flags are: --profile, --json, --assembly, --help\n${TOOL.usage}\n`);
    const checking = io([]);
    await expect(
      runTool(
        TOOL,
        () => {
          throw new UsageError('--profile is required');
        },
        checking.process,
      ),
    ).resolves.toBe(2);
    expect(checking.out.stderr).toBe(`drill: --profile is required\n${TOOL.usage}\n`);
  });

  test('an error of the tool exits 2 with its message alone; the tool’s own code passes through', async () => {
    const failing = io([]);
    await expect(runTool(TOOL, async () => Promise.reject(new Error('no cloud assembly in cdk.out')), failing.process)).resolves.toBe(2);
    expect(failing.out.stderr).toBe('drill: no cloud assembly in cdk.out\n');
    await expect(runTool(TOOL, () => 1, io([]).process)).resolves.toBe(1);
    // A programming error is a bug to report: its stack stays.
    const bug = io([]);
    await expect(runTool(TOOL, () => (undefined as any).field, bug.process)).resolves.toBe(2);
    expect(bug.out.stderr).toMatch(/^drill: TypeError: Cannot read properties of undefined.*\n\s+at /);
    await expect(runTool(TOOL, () => undefined, io([]).process)).resolves.toBe(0);
  });
});
