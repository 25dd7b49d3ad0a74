// The check command (`npm run check`): every gate, with the independent ones side by side on the
// 2-core machine, then the test suite. Three lanes run at once: the Python validators' venv (network
// and disk bound), the compilers (service build, then the type check) and the linters (ESLint, then
// Prettier); jest starts when all three passed. Each step prints its output once it ends, with its
// time, so lanes never interleave; the first failure fails the command after the others end.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : [process.platform === 'win32' ? 'npm.cmd' : 'npm'];
const started = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs one step; `live` streams its output as it comes (the venv's progress lines), otherwise it is printed at the end. */
function run(name, command, args, { live = false } = {}) {
  const since = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    const output = [];
    const collect = (chunk) => (live ? process.stdout.write(chunk) : output.push(chunk));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (status) => {
      const text = Buffer.concat(output).toString().trimEnd();
      process.stdout.write(`${status === 0 ? 'ok  ' : 'FAIL'} ${name} (${elapsed(since)})\n${status === 0 || !text ? '' : `${text}\n`}`);
      resolve(status === 0);
    });
  });
}

async function lane(...steps) {
  for (const step of steps) if (!(await step())) return false;
  return true;
}

const npmRun =
  (script, ...extra) =>
  () =>
    run(`npm run ${script}`, npm[0], [...npm.slice(1), 'run', '--silent', script, ...extra]);

const lanes = await Promise.all([
  lane(() => run('python venv (scripts/setup-python.sh)', 'bash', ['scripts/setup-python.sh'], { live: true })),
  lane(npmRun('build:service'), npmRun('typecheck')),
  lane(npmRun('lint')),
]);
if (!lanes.every(Boolean)) {
  process.stdout.write(`check: failed before the tests (${elapsed(started)})\n`);
  process.exit(1);
}
process.stdout.write(`check: build, type check, lint and venv passed in ${elapsed(started)}; running the tests\n`);
const tests = spawn(npm[0], [...npm.slice(1), 'test'], { cwd: root, stdio: 'inherit' });
tests.on('close', (status) => {
  process.stdout.write(`check: ${status === 0 ? 'passed' : 'FAILED'} in ${elapsed(started)}\n`);
  process.exit(status ?? 1);
});
