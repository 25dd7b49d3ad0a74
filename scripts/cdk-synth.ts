/** The real CDK CLI's synth, for the tools that need today's assembly of a configuration. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/**
 * The environment of an offline CLI run: no AWS or CDK variable of the caller's (so no credentials,
 * account, profile or region from the shell, a CI runner's role included), no telemetry, and the
 * built-in template validation left on, the way a fresh machine runs it.
 */
export function offlineCliEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!/^(AWS|CDK)_/.test(key)) env[key] = value;
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
  };
}

/** Today's synth with the real CLI, offline (no credentials, no account from the shell). */
export function synthesize(outDir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outDir, ...args], {
      cwd: ROOT,
      env: offlineCliEnvironment(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(outDir) : reject(new Error(`cdk synth ${args.join(' ')} failed (${status}):\n${stderr}`))));
  });
}
