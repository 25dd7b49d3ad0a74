/** The real CDK CLI's synth, for the tools that need today's assembly of a configuration. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Today's synth with the real CLI, offline (no credentials, no account from the shell). */
export function synthesize(outDir: string, args: readonly string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(AWS|CDK)_/.test(key)) env[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outDir, ...args], {
      cwd: ROOT,
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(outDir) : reject(new Error(`cdk synth ${args.join(' ')} failed (${status}):\n${stderr}`))));
  });
}
