/**
 * The one command-line convention of the project's own tools (`npm run rehearse`, `drill`, ...),
 * on Node's `util.parseArgs`:
 *
 * - `--flag value` and `--flag=value`; a flag given twice is refused, never silently the last one;
 * - `--help` (or `-h`) prints the usage and exits 0 before anything else is read or done;
 * - a bad argument exits 2 with the reason and the usage, never a stack trace;
 * - what npm swallowed is refused: without `--`, `npm run drill --profile prod` passes `prod` as a
 *   bare argument and `npm run drill --profile=prod` passes nothing but sets `npm_config_profile`;
 *   run against the default profile, such a drill would fail over another environment;
 * - an error of the tool itself exits 2 with its message alone (exit 1 is kept for a result that
 *   fails: an objective missed, a finding).
 */
import { parseArgs } from 'node:util';
import { suggestion } from '../lib/environments';

/** One flag of a tool. */
export interface ToolOption {
  readonly type: 'string' | 'boolean';
  /** The flag may be repeated; its values arrive in order. @default false */
  readonly multiple?: boolean;
}

/** What a tool accepts; `help` is always accepted. */
export interface ToolDefinition<O extends Record<string, ToolOption> = Record<string, ToolOption>> {
  /** The npm script that runs the tool (`rehearse`, `drill`): messages start with it. */
  readonly name: string;
  /** The whole usage text, printed by `--help` and after every usage error. */
  readonly usage: string;
  /** Printed after the usage by `--help` only (a list of scenarios, examples). @default - nothing more */
  readonly details?: string;
  readonly options: O;
  /**
   * Names of the positional arguments, in order, that the npm script itself passes (the ops
   * commands' `drill`); an operator passes none. @default - none
   */
  readonly positionals?: readonly string[];
}

type OptionValue<T extends ToolOption> = T['type'] extends 'boolean' ? boolean : T['multiple'] extends true ? string[] : string;

/** The parsed flags: each present one with its value; absent ones are undefined. */
export type ToolValues<O extends Record<string, ToolOption>> = { readonly [K in keyof O]?: OptionValue<O[K]> };

export interface ParsedCommandLine<O extends Record<string, ToolOption>> {
  readonly values: ToolValues<O>;
  readonly positionals: readonly string[];
}

/** A bad argument: exit 2 with the message and the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const NPM_NEEDS_DASHES = 'npm passes a tool its flags only after `--`';

/**
 * Parses `argv` (without node and the script) or returns `'help'`. `env` is the process
 * environment, read only for the variables npm sets from flags it took for itself.
 */
export function parseCommandLine<O extends Record<string, ToolOption>>(
  tool: ToolDefinition<O>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommandLine<O> | 'help' {
  const beforeTerminator = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (beforeTerminator.some((arg) => arg === '--help' || arg === '-h')) return 'help';
  const expectedPositionals = tool.positionals ?? [];
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: tool.options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, tool));
  }
  const positionals = parsed.positionals;
  const unexpected = positionals.slice(expectedPositionals.length);
  const npmTookFlags = swallowedByNpm(tool, env);
  if (npmTookFlags.length > 0) {
    // Given as `--flag value`, npm set the flag to "true" and passed the value on as a bare argument.
    const bare = [...unexpected];
    const shown = npmTookFlags
      .map(([flag, value]) => {
        if (value !== 'true') return `--${flag}=${value}`;
        if (tool.options[flag].type === 'boolean') return `--${flag}`;
        return `--${flag} ${bare.shift() ?? '<value>'}`;
      })
      .join(' ');
    throw new UsageError(
      `npm took ${npmTookFlags.map(([flag]) => `--${flag}`).join(' ')} as its own setting (${npmTookFlags.map(([flag]) => npmVariable(flag)).join(', ')}) and did not pass it on: ` +
        `${NPM_NEEDS_DASHES}: npm run ${tool.name} -- ${shown}`,
    );
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    // `--profile=` (an unset shell variable) must not quietly mean "no profile".
    if (tool.options[token.name]?.type === 'string' && token.value?.trim() === '') throw new UsageError(`--${token.name} needs a value, got an empty one`);
    if (tool.options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given twice`);
    seen.add(token.name);
  }
  if (unexpected.length > 0) {
    throw new UsageError(
      `unexpected argument ${unexpected.map((arg) => JSON.stringify(arg)).join(' ')}: this tool takes only flags. ` +
        `If you meant it as a flag's value, ${NPM_NEEDS_DASHES} (npm run ${tool.name} -- --flag value); npm keeps \`--flag\` for itself and passes the value alone`,
    );
  }
  if (positionals.length < expectedPositionals.length) {
    throw new UsageError(`missing ${expectedPositionals.slice(positionals.length).join(', ')}`);
  }
  return { values: parsed.values as ToolValues<O>, positionals };
}

function npmVariable(flag: string): string {
  return `npm_config_${flag.replace(/-/g, '_')}`;
}

/**
 * The tool's own flags that npm kept (it sets `npm_config_<flag>` for a flag it does not know,
 * given before `--`). Only under the npm script that runs this tool: a variable inherited from an
 * outer npm run (the test command's) is not this invocation's.
 */
function swallowedByNpm(tool: ToolDefinition, env: Readonly<Record<string, string | undefined>>): Array<[string, string]> {
  if (env.npm_lifecycle_event !== tool.name) return [];
  return Object.keys(tool.options)
    .map((flag): [string, string | undefined] => [flag, env[npmVariable(flag)]])
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
}

function describeParseError(error: unknown, tool: ToolDefinition): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  const known = Object.keys(tool.options).map((name) => `--${name}`);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag}${suggestion(flag, [...known, '--help'], 'flags')}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `${flag} takes no value`;
      if (message.includes('ambiguous')) return `${flag} needs a value (one that starts with a dash is written ${flag}=<value>)`;
      return `${flag} needs a value`;
    default:
      return message;
  }
}

/** An integer flag's value, or undefined when the flag is absent; outside `min`..`max` is a usage error. */
export function integerFlag(flag: string, raw: string | undefined, range: { min: number; max: number }): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw new UsageError(`--${flag} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** What a tool's run returns: its exit code (0 when nothing is returned). */
export type ToolMain<O extends Record<string, ToolOption>> = (command: ParsedCommandLine<O>) => Promise<number | void> | number | void;

/** The process a tool runs in: its arguments, environment and output (tests pass their own). */
export interface ToolProcess {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Runs a tool under the convention and resolves to its exit code: 0 after `--help`, 2 for a usage
 * error or an error of the tool, else what `main` returns.
 */
export async function runTool<O extends Record<string, ToolOption>>(tool: ToolDefinition<O>, main: ToolMain<O>, io: ToolProcess): Promise<number> {
  try {
    const command = parseCommandLine(tool, io.argv, io.env);
    if (command === 'help') {
      io.stdout.write(`${tool.usage}\n${tool.details ? `${tool.details}\n` : ''}`);
      return 0;
    }
    return (await main(command)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${tool.name}: ${error.message}\n${tool.usage}\n`);
      return 2;
    }
    // A programming error (TypeError, ReferenceError, ...) keeps its stack: it is a bug to report,
    // not a message for the operator.
    const bug = error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;
    io.stderr.write(`${tool.name}: ${bug ? (error.stack ?? error.message) : error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

/** {@link runTool} on this process; sets the exit code and lets pending output drain. */
export function runToolProcess<O extends Record<string, ToolOption>>(tool: ToolDefinition<O>, main: ToolMain<O>): void {
  void runTool(tool, main, { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
