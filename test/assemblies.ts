/**
 * The real `cdk synth` of each checked-in environment, run once per test run by jest's global setup
 * (`test/global-setup.ts`) and shared by every test that reads an assembly: the CLI synth's own checks,
 * cfn-lint, checkov, the rehearsal and the RTO report. Synthesis is the check command's cost, so a
 * synth is kept under `.cache/assemblies/` and reused while nothing it reads has changed: its key
 * hashes every file of the repository except the ones synthesis never reads (tests, the operators'
 * Markdown, installed and generated folders), with npm's installed tree, `~/.cdk.json`, the Node
 * version and the CLI arguments.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { offlineCliEnvironment } from '../scripts/cdk-synth';
import { UPGRADE_CONFIGURATIONS } from '../scripts/upgrade-configurations';

export const REPOSITORY_ROOT = path.join(__dirname, '..');
const CACHE = path.join(REPOSITORY_ROOT, '.cache', 'assemblies');
const ENVIRONMENT_VARIABLE = 'TRADING_DR_SHARED_ASSEMBLIES';

/**
 * The environments synthesized for the tests, with the CLI's extra arguments: the checked-in ones,
 * and every configuration a recorded release upgrades to (the upgrade gate's).
 */
export const SHARED_ENVIRONMENTS: Readonly<Record<string, readonly string[]>> = UPGRADE_CONFIGURATIONS;

export interface SharedSynth {
  /** `config/<environment>.json`. */
  readonly environment: string;
  /** The cloud assembly directory. */
  readonly directory: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Folders synthesis never reads: installs, outputs, caches, and tests at any depth. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.venv', '.cache', 'coverage', 'test', 'dist', '.cdk.staging']);

/**
 * The files a synth can read, relative to `root`, sorted: everything but the skipped folders, cloud
 * assemblies (`cdk.out*`), jest's result file and the operators' Markdown (at the root and in
 * `docs/`; Markdown elsewhere, inside a Docker build context for example, counts).
 * The service's build context leaves out `test`, `dist` and `node_modules` itself (`service/.dockerignore`).
 */
export function synthInputs(root = REPOSITORY_ROOT): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const file = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('cdk.out')) walk(file);
      } else if (!(entry.name.endsWith('.md') && (relative === '' || relative === 'docs')) && entry.name !== '.jest-results.json') {
        files.push(file);
      }
    }
  };
  walk('');
  return files.sort();
}

/**
 * Inputs outside the walked files: npm's record of what is installed (it changes with an
 * `npm install --no-save` that leaves the lock alone) and the user's own `~/.cdk.json`, whose
 * context the CLI merges in.
 */
function installedAndUserInputs(root: string): string[] {
  return [path.join(root, 'node_modules', '.package-lock.json'), path.join(os.homedir(), '.cdk.json')].filter((file) => fs.existsSync(file));
}

/**
 * The cache key of a synth of `environment`: its inputs' paths and contents, what is installed, the
 * user's CDK context, the Node version and the CLI arguments. The CLI's environment carries no AWS
 * or CDK variable of the caller's (`offlineCliEnvironment`), so none can change the result.
 */
export function synthKey(environment: string, root = REPOSITORY_ROOT): string {
  const hash = crypto.createHash('sha256');
  hash.update(`node ${process.version} ${process.platform}-${process.arch}\0${JSON.stringify(cliArguments('<out>', environment))}\0`);
  const files = [...synthInputs(root).map((file) => path.join(root, file)), ...installedAndUserInputs(root)];
  for (const file of files) {
    hash.update(`${path.relative(root, file)}\0`);
    // A symlink is hashed as its target path, so a dangling one does not fail the key.
    hash.update(fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

function cliArguments(outDir: string, environment: string): string[] {
  return ['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outDir, ...SHARED_ENVIRONMENTS[environment]];
}

/** The CLI's offline environment, without the variable that publishes the shared assemblies to the workers. */
function sharedCliEnvironment(): NodeJS.ProcessEnv {
  const { [ENVIRONMENT_VARIABLE]: _published, ...base } = process.env;
  return offlineCliEnvironment(base);
}

/** A synth takes about 10 s here; one that hangs fails the run instead of stalling it. */
const CLI_TIMEOUT_MS = 180_000;

/** Runs the real CDK CLI (`node_modules/.bin/cdk`) with `args`, offline, without blocking. */
export function runCdk(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPOSITORY_ROOT, 'node_modules', '.bin', 'cdk'), args, {
      cwd: REPOSITORY_ROOT,
      env: sharedCliEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: CLI_TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const killed = signal ? `\ncdk ${args[0]} ended by ${signal}${signal === 'SIGTERM' ? ` (over ${CLI_TIMEOUT_MS / 1000} s)` : ''}` : '';
      resolve({ status, stdout: Buffer.concat(stdout).toString(), stderr: `${Buffer.concat(stderr).toString()}${killed}` });
    });
  });
}

const RESULT_FILE = 'cli-synth-result.json';

/**
 * Synthesizes `environment` with the real CLI into the cache, unless a successful synth of the same
 * key is there; a failed synth is kept for its report but never reused. Written aside and renamed
 * into place, so an interrupted run leaves no half assembly behind.
 */
export async function synthesizeShared(environment: string): Promise<string> {
  const key = synthKey(environment);
  const directory = path.join(CACHE, `${environment}-${key}`);
  if (fs.existsSync(path.join(directory, RESULT_FILE))) return directory;
  fs.mkdirSync(CACHE, { recursive: true });
  const staging = fs.mkdtempSync(`${directory}.staging-`);
  const run = await runCdk(cliArguments(staging, environment));
  const target = run.status === 0 ? directory : `${directory}.failed`;
  fs.writeFileSync(path.join(staging, RESULT_FILE), JSON.stringify({ environment, ...run }));
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  removeStale(environment, path.basename(target));
  return target;
}

/**
 * Other keys of `environment` are stale now. A staging folder is left alone for an hour: another run
 * in the same checkout may still be writing it.
 */
function removeStale(environment: string, current: string): void {
  for (const entry of fs.readdirSync(CACHE)) {
    // `<environment>-<key>` exactly: `dev-` must not match `dev-https-…`, another environment's.
    if (!new RegExp(`^${environment}-[0-9a-f]{20}(\\.|$)`).test(entry) || entry === current) continue;
    const folder = path.join(CACHE, entry);
    if (entry.includes('.staging-') && Date.now() - fs.statSync(folder).mtimeMs < 3_600_000) continue;
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** Synthesizes every shared environment, side by side, and publishes their directories to the test workers. */
export async function synthesizeAllShared(): Promise<Record<string, string>> {
  const environments = Object.keys(SHARED_ENVIRONMENTS);
  const directories = await Promise.all(environments.map(synthesizeShared));
  const published = Object.fromEntries(environments.map((environment, index) => [environment, directories[index]]));
  process.env[ENVIRONMENT_VARIABLE] = JSON.stringify(published);
  return published;
}

/** The shared CLI synth of `environment`, made by the global setup of this test run. */
export function sharedSynth(environment: string): SharedSynth {
  const published = process.env[ENVIRONMENT_VARIABLE];
  if (!published) throw new Error("no shared assemblies: jest's globalSetup (test/global-setup.ts) did not run");
  const directory: string | undefined = JSON.parse(published)[environment];
  if (!directory) throw new Error(`no shared assembly of ${environment}`);
  return { ...JSON.parse(fs.readFileSync(path.join(directory, RESULT_FILE), 'utf8')), directory };
}

/** The directory of the shared assembly of `environment`; fails with the synth's output when the synth failed. */
export function sharedAssembly(environment: string): string {
  const synth = sharedSynth(environment);
  if (synth.status !== 0) throw new Error(`cdk synth of ${environment} failed (${synth.status}):\n${synth.stdout}\n${synth.stderr}`);
  return synth.directory;
}
