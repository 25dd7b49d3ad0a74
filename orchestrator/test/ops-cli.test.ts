import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Runs the operator CLI with no AWS credentials reachable: any AWS call would fail differently. */
function cli(...args: string[]): { status: number | null; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null' };
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[key];
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'orchestrator', 'src', 'ops-cli.ts'), ...args], {
    encoding: 'utf8',
    env,
  });
  return { status: run.status, stderr: run.stderr };
}

test.each([
  [
    'drill without confirmation',
    ['drill', '--environment', 'prod', '--domain', 'trading.example.net'],
    'pass --confirm drill-prod to drill the environment "prod"',
  ],
  ['drill confirmed for another environment', ['drill', '--environment', 'prod', '--domain', 'x.net', '--confirm', 'drill-dev'], 'pass --confirm drill-prod'],
  ['switchover without confirmation', ['switchover', '--environment', 'prod', '--to', 'primary'], 'pass --confirm switchover-prod'],
])('%s: refused before any AWS call', (_name, args, message) => {
  const { status, stderr } = cli(...args);
  expect(status).toBe(2);
  expect(stderr).toContain(`refusing to run: ${message}`);
  expect(stderr).not.toMatch(/credentials/i);
});

test('an environment must be named', () => {
  expect(cli('drill', '--confirm', 'drill-')).toMatchObject({ status: 2, stderr: expect.stringContaining('--environment is required') });
});
