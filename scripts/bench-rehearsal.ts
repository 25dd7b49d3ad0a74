/**
 * Speed of the failover rehearsal: at least 10 scenarios x 200 seeds, 50 clients, 8 checkers per
 * health check, at least 15 simulated minutes after each fault, spread over this machine's cores.
 * Goal: under 30 s on a 2-core machine. Measured here, never in a timed test.
 *
 * By default it times one scenario per fault class of the issue (`FAULT_CLASS_SCENARIOS`, 10);
 * `--all` times every scenario of the rehearsal (13), the matrix `npm run rehearse` runs.
 *
 * Usage: npm run bench:rehearsal [-- [--all] [--assembly <dir>]] (synthesize first: npm run synth)
 */
import * as path from 'node:path';
import { defaultWorkers, runMatrix, SCENARIO_NAMES } from '../rehearsal/src/matrix';
import { FAULT_CLASS_SCENARIOS } from '../rehearsal/src/scenarios';

const USAGE = 'usage: npm run bench:rehearsal [-- [--all] [--assembly <dir>]]';

async function main(args: readonly string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let all = false;
  let assemblyDir = path.join(__dirname, '..', 'cdk.out');
  for (let index = 0; index < args.length; index++) {
    if (args[index] === '--all') all = true;
    else if (args[index] === '--assembly' && args[index + 1] !== undefined && !args[index + 1].startsWith('-')) assemblyDir = args[++index];
    else {
      process.stderr.write(`unexpected argument ${JSON.stringify(args[index])}${args[index] === '--assembly' ? ' (it needs a directory)' : ''}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  const scenarios = all ? SCENARIO_NAMES : FAULT_CLASS_SCENARIOS;
  const seeds = Array.from({ length: 200 }, (_, index) => index + 1);
  const workers = defaultWorkers();
  const report = await runMatrix({ assemblyDir, scenarios, seeds, workers, world: { clients: 50, checkersPerHealthCheck: 8 } });
  const seconds = report.elapsedMs / 1000;
  process.stdout.write(
    `${report.runs} runs (${scenarios.length} scenarios${all ? ', every one' : ', one per fault class'} x ${seeds.length} seeds, 50 clients, 8 checkers) ` +
      `on ${workers} worker(s): ${seconds.toFixed(1)} s (${((report.elapsedMs * workers) / report.runs).toFixed(1)} ms per run per core); ` +
      `goal < 30 s: ${seconds < 30 ? 'met' : 'NOT met'}; invariants and outcomes: ${report.ok ? 'all held' : 'FAILURES (run npm run rehearse)'}\n`,
  );
  if (!report.ok) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A missing assembly or a failed worker: its reason, without a stack trace.
  process.stderr.write(`bench:rehearsal failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
