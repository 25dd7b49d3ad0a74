/**
 * `npm run rehearse`: the failover rehearsal over the synthesized templates.
 *
 *   npm run rehearse                                   every scenario, seeds 1..200
 *   npm run rehearse -- --scenario <name> --seed <n> --timeline
 *   npm run rehearse -- --sweep                        recovery against the Aurora promotion maximum
 *
 * Exits 1 when an invariant breaks or a scenario misses its expected outcome, 2 on bad arguments.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { describeAssemblySource } from '../../scripts/assembly-source';
import { integerFlag, parseCommandLine, runToolProcess, ToolDefinition, ToolValues, UsageError } from '../../scripts/command-line';
import { CONFIG_DIRECTORY, configDirectory } from '../../lib/environments';
import type { ScenarioProgress } from './matrix';
import { OUTAGE_SCENARIOS, scenarioNamed, SCENARIOS } from './scenarios';
import { DEFAULT_WORLD_OPTIONS, WorldOptions } from './world-options';

const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((scenario) => scenario.name);

/** Where `npm run synth` writes the assembly. */
const DEFAULT_ASSEMBLY_DIR = path.join(__dirname, '..', '..', 'cdk.out');

type Writable = { write(text: string): unknown };

export const USAGE = [
  'usage: npm run rehearse -- [--assembly <dir>] [--config <name>] [--scenario <name>] [--seed <n> | --seeds <count>] [--timeline] [--sweep]',
  '                           [--checkers <n>] [--clients <n>] [--max-promotion-seconds <n>] [--workers <n>] [--json] [--help]',
  '  --assembly <dir>  the synthesized cloud assembly (cdk.out); --config <name> refuses one synthesized from another configuration',
].join('\n');

export const REHEARSE_TOOL = {
  name: 'rehearse',
  usage: USAGE,
  options: {
    assembly: { type: 'string' },
    config: { type: 'string' },
    scenario: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    checkers: { type: 'string' },
    clients: { type: 'string' },
    'max-promotion-seconds': { type: 'string' },
    workers: { type: 'string' },
    timeline: { type: 'boolean' },
    sweep: { type: 'boolean' },
    json: { type: 'boolean' },
  },
} as const satisfies ToolDefinition;

export interface CliOptions {
  readonly assemblyDir: string;
  /** The configuration the assembly must come from. @default - any (it is printed) */
  readonly configName?: string;
  readonly scenarios: readonly string[];
  readonly seeds: readonly number[];
  readonly timeline: boolean;
  readonly sweep: boolean;
  readonly json: boolean;
  readonly workers: number;
  readonly world: Partial<WorldOptions>;
}

/** The rehearsal's options from its command line, or `'help'`; a {@link UsageError} for a bad one. */
export function parseArguments(
  args: readonly string[],
  defaults: { assemblyDir: string; workers: number },
  env: Readonly<Record<string, string | undefined>> = {},
): CliOptions | 'help' {
  const command = parseCommandLine(REHEARSE_TOOL, args, env);
  if (command === 'help') return 'help';
  return interpretArguments(command.values, defaults);
}

function interpretArguments(values: ToolValues<typeof REHEARSE_TOOL.options>, defaults: { assemblyDir: string; workers: number }): CliOptions {
  const scenario = values.scenario;
  if (scenario !== undefined && !scenarioNamed(scenario))
    throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; one of: ${SCENARIO_NAMES.join(', ')}`);
  const seed = integerFlag('seed', values.seed, { min: 0, max: 2 ** 32 - 1 });
  const seedCount = integerFlag('seeds', values.seeds, { min: 1, max: 100_000 });
  if (seed !== undefined && seedCount !== undefined) throw new UsageError('--seed and --seeds exclude each other');
  const timeline = values.timeline ?? false;
  if (timeline && (scenario === undefined || seed === undefined)) throw new UsageError('--timeline replays one run: give --scenario and --seed');
  const maxPromotion = integerFlag('max-promotion-seconds', values['max-promotion-seconds'], { min: DEFAULT_WORLD_OPTIONS.failoverSeconds[0], max: 3600 });
  const sweep = values.sweep ?? false;
  if (sweep && maxPromotion !== undefined) throw new UsageError('--sweep varies the promotion maximum itself; drop --max-promotion-seconds');
  const checkers = integerFlag('checkers', values.checkers, { min: 1, max: 64 });
  const clients = integerFlag('clients', values.clients, { min: 1, max: 10_000 });
  return {
    assemblyDir: values.assembly ?? defaults.assemblyDir,
    configName: values.config,
    scenarios: scenario ? [scenario] : SCENARIO_NAMES,
    seeds: seed !== undefined ? [seed] : Array.from({ length: seedCount ?? 200 }, (_, index) => index + 1),
    timeline,
    sweep,
    json: values.json ?? false,
    workers: integerFlag('workers', values.workers, { min: 1, max: 64 }) ?? defaults.workers,
    world: {
      ...(checkers !== undefined ? { checkersPerHealthCheck: checkers } : {}),
      ...(clients !== undefined ? { clients } : {}),
      ...(maxPromotion !== undefined ? { failoverSeconds: [DEFAULT_WORLD_OPTIONS.failoverSeconds[0], maxPromotion] as const } : {}),
    },
  };
}

/** Promotion maxima the sweep covers (AWS documents no duration: "in the order of minutes"). */
export const SWEEP_PROMOTION_SECONDS = [60, 90, 120, 180, 240];

/** The rehearsal's command: `npm run rehearse`. */
export async function rehearse(options: CliOptions, output: { stdout: Writable; stderr: Writable }): Promise<number> {
  const { stdout, stderr } = output;
  // Loaded once the arguments passed: the simulation brings the service code and the AWS SDK with it.
  const [{ formatMatrix, runMatrix }, { readPlatformWiring }, { runScenario }, { formatTimeline }, { Assembly }] = await Promise.all([
    import('./matrix.js'),
    import('./platform-wiring.js'),
    import('./run.js'),
    import('./timeline.js'),
    import('./wiring.js'),
  ]);
  stderr.write(`${describeAssemblySource(options.assemblyDir, { expected: options.configName, files: configDirectory(CONFIG_DIRECTORY) })}\n`);
  const started = Date.now();
  const progress = (message: string): void => void stderr.write(`[+${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
  const onScenarioDone = (done: ScenarioProgress): void => progress(`${done.scenario}: ${done.runs} run(s) done`);

  if (options.timeline) {
    const wiring = readPlatformWiring(Assembly.fromDirectory(options.assemblyDir));
    const result = await runScenario(wiring, scenarioNamed(options.scenarios[0])!, options.seeds[0], { world: options.world, timeline: true });
    stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatTimeline(result));
    return result.violations.length + result.misses.length === 0 ? 0 : 1;
  }

  if (options.sweep) {
    const recovering = options.scenarios.filter((name) => OUTAGE_SCENARIOS.includes(name));
    const rows = [];
    let ok = true;
    for (const maximum of SWEEP_PROMOTION_SECONDS) {
      progress(`promotion maximum ${maximum} s: ${recovering.length} scenario(s) x ${options.seeds.length} seed(s)`);
      const report = await runMatrix({
        ...options,
        onScenarioDone,
        scenarios: recovering,
        world: { ...options.world, failoverSeconds: [DEFAULT_WORLD_OPTIONS.failoverSeconds[0], maximum] },
      });
      const writes = report.summaries.flatMap((summary) => [summary.writes]);
      rows.push({ maximum, p95: Math.max(...writes.map((w) => w.p95)), max: Math.max(...writes.map((w) => w.max)), ok: report.ok });
      ok &&= report.ok || maximum > DEFAULT_WORLD_OPTIONS.failoverSeconds[1];
    }
    if (options.json) stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      stdout.write(
        `Write recovery of the outage scenarios (${recovering.join(', ')}) against the Aurora promotion maximum (uniform from ${DEFAULT_WORLD_OPTIONS.failoverSeconds[0]} s):\n`,
      );
      stdout.write(`  max promotion s   writes p95 s   writes max s   within objective\n`);
      for (const row of rows)
        stdout.write(
          `  ${String(row.maximum).padStart(15)}   ${row.p95.toFixed(0).padStart(12)}   ${row.max.toFixed(0).padStart(12)}   ${row.ok ? 'yes' : 'NO'}\n`,
        );
    }
    return ok ? 0 : 1;
  }

  progress(`${options.scenarios.length} scenario(s) x ${options.seeds.length} seed(s) on ${options.workers} worker(s)`);
  const report = await runMatrix({ ...options, onScenarioDone });
  stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatMatrix(report)}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  runToolProcess({ ...REHEARSE_TOOL, details: scenarioList() }, (command) =>
    rehearse(interpretArguments(command.values, { assemblyDir: DEFAULT_ASSEMBLY_DIR, workers: os.availableParallelism() }), process),
  );
}

function scenarioList(): string {
  return `\nScenarios:\n${SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(34)} ${scenario.description}`).join('\n')}`;
}
