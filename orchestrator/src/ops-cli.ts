/**
 * Operator commands against a REAL deployment (uses the caller's AWS credentials):
 *
 *   npm run switchover -- --config <name> --to primary|secondary --confirm switchover-<suffix>
 *   npm run drill -- --config <name> --confirm drill-<suffix>
 *   npm run db-bootstrap -- --config <name> --confirm db-bootstrap-<suffix>
 *
 * Every argument is checked before the AWS SDK is even loaded (ops-arguments.ts, `--help`); the
 * work is in ops-commands.ts.
 */
import { CONFIG_DIRECTORY, configDirectory } from '../../lib/environments';
import { runToolProcess } from '../../scripts/command-line';
import { describeCredentialError, opsTool, parseOpsArguments } from './ops-arguments';

runToolProcess(opsTool(process.argv[2] ?? ''), async () => {
  const options = parseOpsArguments(process.argv.slice(2), configDirectory(CONFIG_DIRECTORY), process.env);
  if (options === 'help') throw new Error('unreachable: --help is answered before');
  const { runOpsCommand } = await import('./ops-commands.js');
  try {
    await runOpsCommand(options);
  } catch (error) {
    const credentials = describeCredentialError(error, options.profile, `${options.primaryRegion} / ${options.secondaryRegion}`, options.profileSource);
    throw credentials ? new Error(credentials) : error;
  }
  return process.exitCode === undefined ? 0 : Number(process.exitCode);
});
