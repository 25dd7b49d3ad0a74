/**
 * `npm run rehearse`: the failover rehearsal over the synthesized templates.
 *
 *   npm run rehearse                                   every scenario, seeds 1..200
 *   npm run rehearse -- --scenario <name> --seed <n> --timeline
 *   npm run rehearse -- --sweep                        recovery against the Aurora promotion maximum
 *
 * Exits 1 when an invariant breaks or a scenario misses its expected outcome, 2 on bad arguments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultWorkers, formatMatrix, runMatrix, SCENARIO_NAMES } from './matrix';
import { readPlatformWiring } from './platform-wiring';
import { runScenario } from './run';
import { OUTAGE_SCENARIOS, scenarioNamed, SCENARIOS } from './scenarios';
import { Assembly } from './wiring';
import { DEFAULT_WORLD_OPTIONS, WorldOptions } from './world';

export const USAGE =
  'usage: npm run rehearse -- [--assembly <dir>] [--scenario <name>] [--seed <n> | --seeds <count>] [--timeline] [--sweep] ' +
  '[--checkers <n>] [--clients <n>] [--max-promotion-seconds <n>] [--workers <n>] [--json] [--help]';

export interface CliOptions {
  readonly assemblyDir: string;
  readonly scenarios: readonly string[];
  readonly seeds: readonly number[];
  readonly timeline: boolean;
  readonly sweep: boolean;
  readonly json: boolean;
  readonly help: boolean;
  readonly workers: number;
  readonly world: Partial<WorldOptions>;
}

export class UsageError extends Error {}

const VALUE_FLAGS = ['--assembly', '--scenario', '--seed', '--seeds', '--checkers', '--clients', '--max-promotion-seconds', '--workers'];
const BOOLEAN_FLAGS = ['--timeline', '--sweep', '--json', '--help'];

export function parseArguments(args: readonly string[], defaults: { assemblyDir: string; workers: number }): CliOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (BOOLEAN_FLAGS.includes(arg)) flags.add(arg);
    else if (VALUE_FLAGS.includes(arg)) {
      const value = args[++index];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      if (values.has(arg)) throw new UsageError(`${arg} given twice`);
      values.set(arg, value);
    } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
  }
  const integer = (flag: string, min: number, max: number): number | undefined => {
    const raw = values.get(flag);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const scenario = values.get('--scenario');
  if (scenario !== undefined && !scenarioNamed(scenario))
    throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}; one of: ${SCENARIO_NAMES.join(', ')}`);
  const seed = integer('--seed', 0, 2 ** 32 - 1);
  const seedCount = integer('--seeds', 1, 100_000);
  if (seed !== undefined && seedCount !== undefined) throw new UsageError('--seed and --seeds exclude each other');
  const timeline = flags.has('--timeline');
  if (timeline && (scenario === undefined || seed === undefined)) throw new UsageError('--timeline replays one run: give --scenario and --seed');
  const maxPromotion = integer('--max-promotion-seconds', DEFAULT_WORLD_OPTIONS.failoverSeconds[0], 3600);
  const sweep = flags.has('--sweep');
  if (sweep && maxPromotion !== undefined) throw new UsageError('--sweep varies the promotion maximum itself; drop --max-promotion-seconds');
  const checkers = integer('--checkers', 1, 64);
  const clients = integer('--clients', 1, 10_000);
  return {
    assemblyDir: values.get('--assembly') ?? defaults.assemblyDir,
    scenarios: scenario ? [scenario] : SCENARIO_NAMES,
    seeds: seed !== undefined ? [seed] : Array.from({ length: seedCount ?? 200 }, (_, index) => index + 1),
    timeline,
    sweep,
    json: flags.has('--json'),
    help: flags.has('--help'),
    workers: integer('--workers', 1, 64) ?? defaults.workers,
    world: {
      ...(checkers !== undefined ? { checkersPerHealthCheck: checkers } : {}),
      ...(clients !== undefined ? { clients } : {}),
      ...(maxPromotion !== undefined ? { failoverSeconds: [DEFAULT_WORLD_OPTIONS.failoverSeconds[0], maxPromotion] as const } : {}),
    },
  };
}

/** Promotion maxima the sweep covers (AWS documents no duration: "in the order of minutes"). */
export const SWEEP_PROMOTION_SECONDS = [60, 90, 120, 180, 240];

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArguments(process.argv.slice(2), { assemblyDir: path.join(__dirname, '..', '..', 'cdk.out'), workers: defaultWorkers() });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rehearse: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n\nScenarios:\n${SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(34)} ${scenario.description}`).join('\n')}\n`);
    return 0;
  }
  if (!fs.existsSync(path.join(options.assemblyDir, 'manifest.json'))) {
    process.stderr.write(
      `rehearse: no cloud assembly in ${options.assemblyDir}: run \`npm run synth\` first (\`npm run synth -- -c config=<name>\` for another environment), or pass --assembly <dir>\n`,
    );
    return 2;
  }

  if (options.timeline) {
    const wiring = readPlatformWiring(Assembly.fromDirectory(options.assemblyDir));
    const result = await runScenario(wiring, scenarioNamed(options.scenarios[0])!, options.seeds[0], { world: options.world, timeline: true });
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      for (const entry of result.timeline ?? []) {
        const relative = (entry.at - result.faultAtMs) / 1000;
        process.stdout.write(`${(relative >= 0 ? '+' : '') + relative.toFixed(1).padStart(7)} s  ${entry.actor.padEnd(14)} ${entry.message}\n`);
      }
      const worst = (values: number[]): string => (Math.max(...values) / 1000).toFixed(1);
      process.stdout.write(
        `\n${result.scenario} seed ${result.seed}: writes back after ${worst(result.writeRecoveryMs)} s (worst client), traffic after ${worst(result.trafficRecoveryMs)} s; ` +
          `${result.failovers} failover(s), ${result.lostWrites} acknowledged writes lost (bound ${result.lossBound}), ${result.pages} page(s)\n`,
      );
      for (const message of [...result.violations, ...result.misses]) process.stdout.write(`FAILED: ${message}\n`);
    }
    return result.violations.length + result.misses.length === 0 ? 0 : 1;
  }

  if (options.sweep) {
    const recovering = options.scenarios.filter((name) => OUTAGE_SCENARIOS.includes(name));
    const rows = [];
    let ok = true;
    for (const maximum of SWEEP_PROMOTION_SECONDS) {
      const report = await runMatrix({
        ...options,
        scenarios: recovering,
        world: { ...options.world, failoverSeconds: [DEFAULT_WORLD_OPTIONS.failoverSeconds[0], maximum] },
      });
      const writes = report.summaries.flatMap((summary) => [summary.writes]);
      rows.push({ maximum, p95: Math.max(...writes.map((w) => w.p95)), max: Math.max(...writes.map((w) => w.max)), ok: report.ok });
      ok &&= report.ok || maximum > DEFAULT_WORLD_OPTIONS.failoverSeconds[1];
    }
    if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      process.stdout.write(
        `Write recovery of the outage scenarios (${recovering.join(', ')}) against the Aurora promotion maximum (uniform from ${DEFAULT_WORLD_OPTIONS.failoverSeconds[0]} s):\n`,
      );
      process.stdout.write(`  max promotion s   writes p95 s   writes max s   within objective\n`);
      for (const row of rows)
        process.stdout.write(
          `  ${String(row.maximum).padStart(15)}   ${row.p95.toFixed(0).padStart(12)}   ${row.max.toFixed(0).padStart(12)}   ${row.ok ? 'yes' : 'NO'}\n`,
        );
    }
    return ok ? 0 : 1;
  }

  const report = await runMatrix(options);
  process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatMatrix(report)}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`rehearse: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
