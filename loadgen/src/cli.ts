/**
 * `npm run load -- --config <name> [--rate N] [--duration-seconds N]` (or `--url <base URL>`):
 * checks the target can be reached (DNS, TCP, TLS), sends idempotent orders to the environment's
 * application URL, prints progress and the classes of failed attempts every second, and at the
 * end the client-observed RTO (longest time without an acknowledged write) and RPO (acknowledged
 * orders that cannot be read back), but only when acknowledged writes lie on both sides of the
 * outage: otherwise it says what could not be measured.
 */
import { configDirectory, CONFIG_DIRECTORY, selectEnvironment } from '../../lib/environments';
import { ConfigError } from '../../lib/config';
import { integerFlag, parseCommandLine, runToolProcess, ToolDefinition, ToolValues, UsageError } from '../../scripts/command-line';
import { formatProgress, missingAcknowledged, runLoad, summarizeLoad } from './load';
import { checkReachable } from './reachability';

export const LOAD_USAGE =
  'usage: npm run load -- (--config <name> | --url <base URL>) [--rate <1-2000 orders/s> (20)] [--duration-seconds <1-86400> (60)] [--help]';

export const LOAD_TOOL = {
  name: 'load',
  usage: LOAD_USAGE,
  options: { config: { type: 'string' }, url: { type: 'string' }, rate: { type: 'string' }, 'duration-seconds': { type: 'string' } },
} as const satisfies ToolDefinition;

export interface LoadArguments {
  readonly url: string;
  readonly rate: number;
  readonly durationSeconds: number;
}

export function parseLoadArguments(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): LoadArguments | 'help' {
  const command = parseCommandLine(LOAD_TOOL, argv, env);
  return command === 'help' ? 'help' : interpretLoadArguments(command.values);
}

function interpretLoadArguments(values: ToolValues<typeof LOAD_TOOL.options>): LoadArguments {
  let url = values.url;
  const name = values.config;
  if ((url === undefined) === (name === undefined)) throw new UsageError('give exactly one of --config <name> and --url <base URL>');
  if (name !== undefined) {
    try {
      const { config } = selectEnvironment({ context: { config: name }, files: configDirectory(CONFIG_DIRECTORY) });
      url = `${config.protocol}://app.${config.domainName}`;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`--config ${name}: ${error.message}`);
      throw error;
    }
  }
  if (!/^https?:\/\/[^/\s]+$/.test(url!)) throw new UsageError(`--url must be a base URL such as https://app.example.net, got ${JSON.stringify(url)}`);
  return {
    url: url!,
    rate: integerFlag('rate', values.rate, { min: 1, max: 2000 }) ?? 20,
    durationSeconds: integerFlag('duration-seconds', values['duration-seconds'], { min: 1, max: 86_400 }) ?? 60,
  };
}

async function main(options: LoadArguments): Promise<number> {
  const print = (line: string) => void process.stdout.write(`${new Date().toISOString()}  ${line}\n`);
  // Fails within seconds naming the step (DNS, TCP, TLS) and the reason, instead of retrying every
  // order to its two-minute deadline against a target that was never there (exit 2).
  await checkReachable(options.url);
  print(`sending ${options.rate} orders/s to ${options.url} for ${options.durationSeconds} s`);
  const report = await runLoad({
    url: options.url,
    ratePerSecond: options.rate,
    durationMs: options.durationSeconds * 1000,
    // A short run does not wait the two-minute order deadline for a target that went away mid-run.
    drainMs: Math.min(120_000, options.durationSeconds * 1000),
    runId: `load-${Date.now().toString(36)}`,
    onProgress: (progress) => print(formatProgress(progress)),
  });
  // No RPO without writes on both sides of the outage; reading back from a dead target would fail anyway.
  const missing = report.outage.kind === 'measured' ? await missingAcknowledged(options.url, report.acks) : undefined;
  const summary = summarizeLoad(report, missing);
  for (const line of summary.lines) print(line);
  return summary.exitCode;
}

if (require.main === module) runToolProcess(LOAD_TOOL, (command) => main(interpretLoadArguments(command.values)));
