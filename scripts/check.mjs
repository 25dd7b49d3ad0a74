// The check command (`npm run check`): every gate, the independent ones side by side on the 2-core
// machine. Three lanes run at once: the Python validators' venv (network and disk bound) and then the
// test suite, which needs it; the compilers (service build, then the type check); the linters
// (ESLint, then Prettier). jest does not wait for the compilers and linters (it transpiles without
// type checking), so their minutes overlap; the command fails if any step fails, and a failure in
// one lane ends the test suite early. Steps other than jest print their output once they end, with
// their time, so lanes never interleave mid-step.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : [process.platform === 'win32' ? 'npm.cmd' : 'npm'];
const started = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const running = new Set();
let failed = false;

/**
 * Runs one step. `live` streams its output as it comes (the venv's progress lines, jest), otherwise
 * it is printed when the step ends, in full only on failure.
 */
function run(name, command, args, { live = false } = {}) {
  if (failed) return Promise.resolve(false);
  const since = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      // Its own process group, so that stopping it stops what npm started under it (jest's workers).
      detached: process.platform !== 'win32',
      stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'],
      env: live ? process.env : { ...process.env, FORCE_COLOR: '0' },
    });
    running.add(child);
    const output = [];
    child.stdout?.on('data', (chunk) => output.push(chunk));
    child.stderr?.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (status, signal) => {
      running.delete(child);
      const text = Buffer.concat(output).toString().trimEnd();
      const ok = status === 0;
      const how = ok ? '' : signal ? ` (stopped: ${signal})` : ` (exit ${status})`;
      process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${how} (${elapsed(since)})\n${ok || !text ? '' : `${text}\n`}`);
      if (!ok) stopOthers();
      resolve(ok);
    });
  });
}

/** After a failure the remaining steps cannot make the command pass: end them instead of waiting. */
function stopOthers() {
  failed = true;
  for (const child of running) {
    try {
      if (process.platform === 'win32') child.kill('SIGTERM');
      else process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

// The steps run in process groups of their own: a Ctrl-C or a CI timeout reaches only this process,
// which passes it on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopOthers();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

async function lane(...steps) {
  for (const step of steps) if (!(await step())) return false;
  return true;
}

const npmRun = (script, options) => () => run(`npm run ${script}`, npm[0], [...npm.slice(1), 'run', '--silent', script], options);

const lanes = await Promise.all([
  lane(npmRun('setup:python', { live: true }), npmRun('test', { live: true })),
  lane(npmRun('build:service'), npmRun('typecheck')),
  lane(npmRun('lint')),
]);
const passed = lanes.every(Boolean);
process.stdout.write(`check: ${passed ? 'passed' : 'FAILED'} in ${elapsed(started)}\n`);
process.exit(passed ? 0 : 1);
