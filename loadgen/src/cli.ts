/**
 * `npm run load -- --config <name> [--rate N] [--duration-seconds N]` (or `--url <base URL>`):
 * sends idempotent orders to the environment's application URL, prints progress every second, and
 * at the end the client-observed RTO (longest time without an acknowledged write) and RPO
 * (acknowledged orders that cannot be read back).
 */
import { configDirectory, CONFIG_DIRECTORY, selectEnvironment } from '../../lib/environments';
import { ConfigError } from '../../lib/config';
import { missingAcknowledged, runLoad } from './load';

export const LOAD_USAGE =
  'usage: npm run load -- (--config <name> | --url <base URL>) [--rate <1-2000 orders/s> (20)] [--duration-seconds <1-86400> (60)] [--help]';

export interface LoadArguments {
  readonly url: string;
  readonly rate: number;
  readonly durationSeconds: number;
}

export function parseLoadArguments(argv: readonly string[]): LoadArguments | 'help' {
  if (argv.includes('--help')) return 'help';
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (!['--config', '--url', '--rate', '--duration-seconds'].includes(flag)) throw new Error(`unknown argument ${JSON.stringify(flag)}`);
    const value = argv[++index];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    values.set(flag, value);
  }
  const integer = (flag: string, fallback: number, max: number): number => {
    const raw = values.get(flag) ?? String(fallback);
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new Error(`${flag} must be an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  let url = values.get('--url');
  const name = values.get('--config');
  if ((url === undefined) === (name === undefined)) throw new Error('give exactly one of --config <name> and --url <base URL>');
  if (name !== undefined) {
    try {
      const { config } = selectEnvironment({ context: { config: name }, files: configDirectory(CONFIG_DIRECTORY) });
      url = `${config.protocol}://app.${config.domainName}`;
    } catch (error) {
      if (error instanceof ConfigError) throw new Error(`--config ${name}: ${error.message}`, { cause: error });
      throw error;
    }
  }
  if (!/^https?:\/\/[^/\s]+$/.test(url!)) throw new Error(`--url must be a base URL such as https://app.example.net, got ${JSON.stringify(url)}`);
  return { url: url!, rate: integer('--rate', 20, 2000), durationSeconds: integer('--duration-seconds', 60, 86_400) };
}

async function main(options: LoadArguments): Promise<void> {
  const print = (line: string) => void process.stdout.write(`${new Date().toISOString()}  ${line}\n`);
  print(`sending ${options.rate} orders/s to ${options.url} for ${options.durationSeconds} s`);
  let last = 0;
  const report = await runLoad({
    url: options.url,
    ratePerSecond: options.rate,
    durationMs: options.durationSeconds * 1000,
    runId: `load-${Date.now().toString(36)}`,
    onProgress: (progress) => {
      print(
        `acknowledged ${progress.acknowledged} (+${progress.acknowledged - last}/s), failed attempts ${progress.failedAttempts}, in flight ${progress.inFlight}, by region ${JSON.stringify(progress.byRegion)}`,
      );
      last = progress.acknowledged;
    },
  });
  const missing = await missingAcknowledged(options.url, report.acks);
  print(
    `done: ${report.acknowledged} acknowledged, ${report.abandoned} abandoned; RTO (longest time without an acknowledged write) ${(report.longestGapMs / 1000).toFixed(1)} s; RPO: ${missing.length} acknowledged orders missing; latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`,
  );
  process.exitCode = missing.length === 0 && report.abandoned === 0 && report.longestGapMs <= 300_000 ? 0 : 1;
}

if (require.main === module) {
  let parsed: LoadArguments | 'help';
  try {
    parsed = parseLoadArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${LOAD_USAGE}\n`);
    process.exit(2);
  }
  if (parsed === 'help') process.stdout.write(`${LOAD_USAGE}\n`);
  else
    main(parsed).catch((error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    });
}
