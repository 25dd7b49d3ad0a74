/**
 * Runs scenarios over many seeds, in this process or spread over worker processes (one per core),
 * and summarises what traders saw: recovery time of writes and traffic (p50, p95, max over every
 * client of every run), the recovery point, promotions, invariant violations and missed outcomes.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPlatformWiring } from './platform-wiring';
import { RunResult, runScenario, RTO_OBJECTIVE_SECONDS } from './run';
import { SCENARIOS, Scenario, scenarioNamed } from './scenarios';
import { Assembly } from './wiring';
import { WorldOptions } from './world';

export interface MatrixOptions {
  readonly assemblyDir: string;
  readonly scenarios: readonly string[];
  readonly seeds: readonly number[];
  readonly world?: Partial<WorldOptions>;
  /** Worker processes; 1 runs in this process. @default 1 */
  readonly workers?: number;
  /** Called when every run of a scenario has finished, so long matrices show progress. @default - nothing */
  readonly onScenarioDone?: (progress: ScenarioProgress) => void;
}

/** A scenario whose runs have all finished. */
export interface ScenarioProgress {
  readonly scenario: string;
  readonly runs: number;
  /** Since the matrix started. */
  readonly elapsedMs: number;
}

export interface Distribution {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly expected: Scenario['expected'];
  readonly runs: number;
  /** Seconds, over every client of every run. */
  readonly writes: Distribution;
  readonly traffic: Distribution;
  /** Acknowledged writes lost per run. */
  readonly lostWrites: Distribution;
  readonly runsWithPromotion: number;
  /** The seed of the run with the longest write recovery, to replay with --timeline. */
  readonly worstSeed: number;
  readonly violations: Array<{ seed: number; message: string }>;
  readonly misses: Array<{ seed: number; message: string }>;
  readonly decisions: Record<string, number>;
  /** Seconds; over the runs with exactly one failover (per run, per client for lag and overhead). */
  readonly breakdown?: BreakdownSummary;
}

/** The write gap's parts over a scenario's recovering runs (rehearsal/src/breakdown.ts). */
export interface BreakdownSummary {
  readonly runs: number;
  readonly detection: Distribution;
  readonly orchestrator: Distribution;
  readonly promotion: Distribution;
  readonly rolePickup: Distribution;
  readonly clientLag: Distribution;
  readonly overhead: Distribution;
}

export interface MatrixReport {
  readonly summaries: ScenarioSummary[];
  readonly runs: number;
  readonly elapsedMs: number;
  readonly ok: boolean;
}

export async function runMatrix(options: MatrixOptions): Promise<MatrixReport> {
  const started = Date.now();
  for (const name of options.scenarios) if (!scenarioNamed(name)) throw new Error(`unknown scenario ${name}`);
  const tasks = options.scenarios.flatMap((scenario) => options.seeds.map((seed) => ({ scenario, seed })));
  const workers = Math.max(1, Math.min(options.workers ?? 1, tasks.length));
  const remaining = new Map(options.scenarios.map((scenario) => [scenario, options.seeds.length]));
  const taskDone = (scenario: string): void => {
    const left = remaining.get(scenario)! - 1;
    remaining.set(scenario, left);
    if (left === 0) options.onScenarioDone?.({ scenario, runs: options.seeds.length, elapsedMs: Date.now() - started });
  };
  const results = workers === 1 ? await runInProcess(options, tasks, taskDone) : await runInWorkers(options, tasks, workers, taskDone);
  const summaries = options.scenarios.map((name) =>
    summarize(
      scenarioNamed(name)!,
      results.filter((result) => result.scenario === name),
    ),
  );
  return {
    summaries,
    runs: results.length,
    elapsedMs: Date.now() - started,
    ok: summaries.every((summary) => summary.violations.length === 0 && summary.misses.length === 0),
  };
}

export async function runInProcess(
  options: Pick<MatrixOptions, 'assemblyDir' | 'world'>,
  tasks: ReadonlyArray<{ scenario: string; seed: number }>,
  taskDone: (scenario: string) => void = () => undefined,
): Promise<RunResult[]> {
  const wiring = readPlatformWiring(Assembly.fromDirectory(options.assemblyDir));
  const results: RunResult[] = [];
  for (const task of tasks) {
    results.push(await runScenario(wiring, scenarioNamed(task.scenario)!, task.seed, { world: options.world }));
    taskDone(task.scenario);
  }
  return results;
}

async function runInWorkers(
  options: MatrixOptions,
  tasks: ReadonlyArray<{ scenario: string; seed: number }>,
  workers: number,
  taskDone: (scenario: string) => void,
): Promise<RunResult[]> {
  const shares = Array.from({ length: workers }, (_, index) => tasks.filter((_, taskIndex) => taskIndex % workers === index));
  const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-worker-'));
  const children: ChildProcess[] = [];
  try {
    const worker = await bundleWorker(buildDir);
    const parts = await Promise.all(
      shares.map(
        (share) =>
          new Promise<RunResult[]>((resolve, reject) => {
            // A larger young generation: runs allocate many short-lived promises (measured: ~4 % faster).
            const child = fork(worker, [], { execArgv: ['--max-semi-space-size=64'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
            children.push(child);
            child.on('message', (message: { done?: string; results?: RunResult[]; error?: string }) => {
              if (message.done !== undefined) return taskDone(message.done);
              child.kill();
              if (message.error) reject(new Error(`a rehearsal worker failed: ${message.error}`));
              else resolve(message.results!);
            });
            // Whatever ends a worker before it reported (a crash, a signal, running out of memory)
            // fails the matrix rather than leaving it waiting; after a report this is a no-op.
            child.once('error', reject);
            child.once('exit', (code, signal) => reject(new Error(`a rehearsal worker exited (${signal ?? `code ${code}`}) before reporting`)));
            child.send({ assemblyDir: options.assemblyDir, world: options.world, tasks: share });
          }),
      ),
    );
    return parts.flat();
  } finally {
    // After a failure the other workers have nothing left to report to.
    for (const child of children) child.kill();
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

/**
 * The worker as one plain JavaScript file, bundled by esbuild from the same sources: a run under
 * tsx costs about 15 % more, because tsx compiles with esbuild's `keepNames`, which wraps every
 * named closure in a `__name` call each time the closure is created. `require.main` is undefined in
 * the bundle, so that no bundled entry point (the service's `main`) mistakes itself for the program.
 */
async function bundleWorker(outdir: string): Promise<string> {
  const outfile = path.join(outdir, 'worker.js');
  // Loaded here only: the worker bundle itself leaves it out.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(__dirname, 'worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    // node-postgres loads its optional native binding only when asked to; the rehearsal never does.
    external: ['pg-native', 'esbuild'],
    define: { 'require.main': 'undefined' },
    logLevel: 'error',
  });
  return outfile;
}

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

function summarize(scenario: Scenario, results: readonly RunResult[]): ScenarioSummary {
  const decisions: Record<string, number> = {};
  for (const result of results) for (const [reason, count] of Object.entries(result.decisions)) decisions[reason] = (decisions[reason] ?? 0) + count;
  return {
    scenario: scenario.name,
    expected: scenario.expected,
    runs: results.length,
    writes: distribution(results.flatMap((result) => result.writeRecoveryMs.map((ms) => ms / 1000))),
    traffic: distribution(results.flatMap((result) => result.trafficRecoveryMs.map((ms) => ms / 1000))),
    lostWrites: distribution(results.map((result) => result.lostWrites)),
    runsWithPromotion: results.filter((result) => result.failovers > 0).length,
    worstSeed: results.reduce(
      (worst, result) => (Math.max(...result.writeRecoveryMs) > worst.ms ? { ms: Math.max(...result.writeRecoveryMs), seed: result.seed } : worst),
      { ms: -1, seed: results[0]?.seed ?? 0 },
    ).seed,
    violations: results.flatMap((result) => result.violations.map((message) => ({ seed: result.seed, message }))),
    misses: results.flatMap((result) => result.misses.map((message) => ({ seed: result.seed, message }))),
    decisions,
    breakdown: summarizeBreakdowns(results),
  };
}

function summarizeBreakdowns(results: readonly RunResult[]): BreakdownSummary | undefined {
  const broken = results.flatMap((result) => (result.breakdown ? [result.breakdown] : []));
  if (broken.length === 0) return undefined;
  const seconds = (values: number[]): Distribution => distribution(values.map((ms) => ms / 1000));
  return {
    runs: broken.length,
    detection: seconds(broken.map((b) => b.detectionMs)),
    orchestrator: seconds(broken.map((b) => b.orchestratorMs)),
    promotion: seconds(broken.map((b) => b.promotionMs)),
    rolePickup: seconds(broken.map((b) => b.rolePickupMs)),
    clientLag: seconds(broken.flatMap((b) => b.clientLagMs)),
    overhead: seconds(broken.flatMap((b) => b.overheadMs)),
  };
}

export function formatMatrix(report: MatrixReport): string {
  const pad = (text: string | number, width: number): string => String(text).padStart(width);
  const seconds = (value: number): string => value.toFixed(0);
  const lines = [
    `Failover rehearsal: ${report.runs} runs in ${(report.elapsedMs / 1000).toFixed(1)} s (objective ${RTO_OBJECTIVE_SECONDS} s)`,
    '',
    `${'scenario'.padEnd(34)} ${'expected'.padEnd(22)} ${pad('runs', 5)}  writes p50/p95/max s   traffic p50/p95/max s   lost max  promoted  worst seed  result`,
  ];
  for (const summary of report.summaries) {
    const ok = summary.violations.length === 0 && summary.misses.length === 0;
    lines.push(
      `${summary.scenario.padEnd(34)} ${summary.expected.padEnd(22)} ${pad(summary.runs, 5)}  ${pad(
        `${seconds(summary.writes.p50)}/${seconds(summary.writes.p95)}/${seconds(summary.writes.max)}`,
        19,
      )}   ${pad(`${seconds(summary.traffic.p50)}/${seconds(summary.traffic.p95)}/${seconds(summary.traffic.max)}`, 21)}   ${pad(summary.lostWrites.max, 8)}  ${pad(
        summary.runsWithPromotion,
        8,
      )}  ${pad(summary.worstSeed, 10)}  ${ok ? 'ok' : 'FAILED'}`,
    );
  }
  const broken = report.summaries.filter((summary) => summary.breakdown);
  if (broken.length > 0) {
    const part = (d: Distribution): string => pad(`${seconds(d.p50)}/${seconds(d.p95)}/${seconds(d.max)}`, 11);
    lines.push(
      '',
      `${'write gap, by part (p50/p95/max s)'.padEnd(34)} ${pad('runs', 5)}   detection  orchestrator  promotion  role pickup  client lag   overhead`,
    );
    for (const summary of broken) {
      const b = summary.breakdown!;
      lines.push(
        `${summary.scenario.padEnd(34)} ${pad(b.runs, 5)}  ${part(b.detection)}  ${part(b.orchestrator)}  ${part(b.promotion)}  ${part(b.rolePickup)}  ${part(b.clientLag)}  ${part(b.overhead)}`,
      );
    }
  }
  for (const summary of report.summaries) {
    for (const { seed, message } of summary.violations.slice(0, 5)) lines.push(`  INVARIANT ${summary.scenario} seed ${seed}: ${message}`);
    for (const { seed, message } of summary.misses.slice(0, 5)) lines.push(`  MISSED ${summary.scenario} seed ${seed}: ${message}`);
    const more = summary.violations.length + summary.misses.length - Math.min(5, summary.violations.length) - Math.min(5, summary.misses.length);
    if (more > 0) lines.push(`  ... ${more} more for ${summary.scenario}`);
  }
  lines.push('', 'writes: longest window without an acknowledged write per client, from the fault on; traffic: without reaching a ready region.');
  if (broken.length > 0) {
    lines.push(
      "detection: the primary's signal check (or, without a signal, its routing check) unhealthy; orchestrator: to the FailoverGlobalCluster call; promotion: to the new writer; role pickup: to its first commit; client lag: the rest of a client's gap; overhead: a client's gap minus max(its traffic gap, detection + promotion).",
    );
  }
  lines.push('Replay one run: npm run rehearse -- --scenario <name> --seed <n> --timeline');
  return lines.join('\n');
}

/** Every scenario name, in the order they run. */
export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((scenario) => scenario.name);
