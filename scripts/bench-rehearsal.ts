/**
 * Speed of the failover rehearsal: at least 10 scenarios x 200 seeds, 50 clients, 8 checkers per
 * health check, at least 15 simulated minutes after each fault, spread over this machine's cores.
 * Goal: under 30 s on a 2-core machine. Measured here, never in a timed test.
 *
 * By default it times one scenario per fault class of the issue (`FAULT_CLASS_SCENARIOS`, 10);
 * `--all` times every scenario of the rehearsal (19), the matrix `npm run rehearse` runs.
 *
 * Usage: npm run bench:rehearsal -- [--all] [--assembly <dir>] (synthesize first: npm run synth)
 */
import * as path from 'node:path';
import { CONFIG_DIRECTORY, configDirectory } from '../lib/environments';
import { describeAssemblySource } from './assembly-source';
import { ParsedCommandLine, runToolProcess, ToolDefinition } from './command-line';
import { FAULT_CLASS_SCENARIOS, SCENARIOS } from '../rehearsal/src/scenarios';

export const BENCH_REHEARSAL_TOOL = {
  name: 'bench:rehearsal',
  usage: 'usage: npm run bench:rehearsal -- [--all] [--assembly <dir>] [--config <name>] [--help]',
  options: { all: { type: 'boolean' }, assembly: { type: 'string' }, config: { type: 'string' } },
} as const satisfies ToolDefinition;

async function main({ values }: ParsedCommandLine<typeof BENCH_REHEARSAL_TOOL.options>): Promise<number> {
  const all = values.all ?? false;
  const assemblyDir = values.assembly ?? path.join(__dirname, '..', 'cdk.out');
  process.stderr.write(`${describeAssemblySource(assemblyDir, { expected: values.config, files: configDirectory(CONFIG_DIRECTORY) })}\n`);
  // Loaded here, not at the top: --help and bad arguments are answered without loading the simulation.
  const { defaultWorkers, runMatrix } = await import('../rehearsal/src/matrix.js');
  const scenarios = all ? SCENARIOS.map((scenario) => scenario.name) : FAULT_CLASS_SCENARIOS;
  const seeds = Array.from({ length: 200 }, (_, index) => index + 1);
  const workers = defaultWorkers();
  const progress = (message: string): void => void process.stderr.write(`${message}\n`);
  progress(`timing ${scenarios.length} scenario(s) x ${seeds.length} seeds on ${workers} worker(s)`);
  const report = await runMatrix({
    assemblyDir,
    scenarios,
    seeds,
    workers,
    world: { clients: 50, checkersPerHealthCheck: 8 },
    onScenarioDone: (done) => progress(`[+${(done.elapsedMs / 1000).toFixed(1).padStart(5)} s] ${done.scenario}: ${done.runs} run(s) done`),
  });
  const seconds = report.elapsedMs / 1000;
  process.stdout.write(
    `${report.runs} runs (${scenarios.length} scenarios${all ? ', every one' : ', one per fault class'} x ${seeds.length} seeds, 50 clients, 8 checkers) ` +
      `on ${workers} worker(s): ${seconds.toFixed(1)} s (${((report.elapsedMs * workers) / report.runs).toFixed(1)} ms per run per core); ` +
      `goal < 30 s: ${seconds < 30 ? 'met' : 'NOT met'}; invariants and outcomes: ${report.ok ? 'all held' : 'FAILURES (run npm run rehearse)'}\n`,
  );
  return report.ok ? 0 : 1;
}

if (require.main === module) runToolProcess(BENCH_REHEARSAL_TOOL, main);
