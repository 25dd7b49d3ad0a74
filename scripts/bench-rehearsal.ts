/**
 * Speed of the failover rehearsal: 10 scenarios x 200 seeds, 50 clients, 8 checkers per health
 * check, at least 15 simulated minutes after each fault, spread over this machine's cores.
 * Goal: under 30 s on a 2-core machine. Measured here, never in a timed test.
 *
 * Usage: npm run bench:rehearsal [-- <assembly dir>] (synthesize first: npm run synth)
 */
import * as path from 'node:path';
import { defaultWorkers, runMatrix, SCENARIO_NAMES } from '../rehearsal/src/matrix';

async function main(): Promise<void> {
  const assemblyDir = process.argv[2] ?? path.join(__dirname, '..', 'cdk.out');
  const seeds = Array.from({ length: 200 }, (_, index) => index + 1);
  const workers = defaultWorkers();
  const report = await runMatrix({ assemblyDir, scenarios: SCENARIO_NAMES, seeds, workers, world: { clients: 50, checkersPerHealthCheck: 8 } });
  const seconds = report.elapsedMs / 1000;
  process.stdout.write(
    `${report.runs} runs (${SCENARIO_NAMES.length} scenarios x ${seeds.length} seeds, 50 clients, 8 checkers) on ${workers} worker(s): ${seconds.toFixed(1)} s ` +
      `(${((report.elapsedMs * workers) / report.runs).toFixed(1)} ms per run per core); goal < 30 s: ${seconds < 30 ? 'met' : 'NOT met'}; ` +
      `invariants and outcomes: ${report.ok ? 'all held' : 'FAILURES (run npm run rehearse)'}\n`,
  );
}

void main();
