/**
 * Preloaded (NODE_OPTIONS=--require) into a tool started by test/tools.test.ts: any sign of the
 * tool's real work (a child process, a worker, a network connection, a DNS lookup, reading a cloud
 * assembly) ends the process with exit code 97 and names it. `--help` and a bad flag must be
 * answered before any of that. Armed only in the tool's own process (tsx runs it in a child whose
 * script argument is the .ts file); esbuild, which tsx may start to compile, and tsx's pipe to its
 * parent are let through.
 */
'use strict';
const script = process.argv[1] ?? '';
if (script.endsWith('.ts')) {
  const fs = require('node:fs');
  const trip = (what) => {
    fs.writeSync(2, `NO-WORK TRIPWIRE: ${what}\n`);
    process.exit(97);
  };
  const isEsbuild = (args) => args.some((arg) => typeof arg === 'string' && arg.includes('esbuild'));
  const childProcess = require('node:child_process');
  for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync']) {
    const original = childProcess[name];
    childProcess[name] = function (...args) {
      if (!isEsbuild([args[0], ...(Array.isArray(args[1]) ? args[1] : [])])) trip(`child_process.${name} ${String(args[0])}`);
      return original.apply(this, args);
    };
  }
  const workerThreads = require('node:worker_threads');
  const OriginalWorker = workerThreads.Worker;
  workerThreads.Worker = class extends OriginalWorker {
    constructor(file, options) {
      if (!isEsbuild([String(file)])) trip(`worker ${String(file)}`);
      super(file, options);
    }
  };
  const net = require('node:net');
  const connect = net.Socket.prototype.connect;
  // tsx's own channel to its parent process (a pipe in its temporary folder) is not the tool's.
  const isTsxPipe = (target) => Array.isArray(target) && /[\\/]tsx-[^\\/]+[\\/]\d+\.pipe$/.test(String(target[0]?.path ?? ''));
  net.Socket.prototype.connect = function (...args) {
    if (!isTsxPipe(args[0])) trip(`network connection ${JSON.stringify(args[0])}`);
    return connect.apply(this, args);
  };
  const dns = require('node:dns');
  // The callback API and the promise API (node:dns/promises is dns.promises) are separate functions.
  for (const [api, label] of [
    [dns, 'dns'],
    [dns.promises, 'dns.promises'],
  ]) {
    for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
      const original = api[name];
      api[name] = function (...args) {
        trip(`${label}.${name} ${String(args[0])}`);
        return original.apply(this, args);
      };
    }
  }
  const readsAssembly = (file) => /(^|[\\/])(manifest\.json|[^\\/]+\.template\.json)$/.test(String(file));
  const touchesAssembly = (file) => readsAssembly(file) || /(^|[\\/])cdk\.out([\\/]|$)/.test(String(file));
  for (const [api, label, names] of [
    [fs, 'fs', ['readFileSync', 'readFile', 'existsSync', 'readdirSync', 'statSync', 'stat', 'openSync', 'open', 'createReadStream']],
    [fs.promises, 'fs.promises', ['readFile', 'readdir', 'stat', 'open', 'access']],
  ]) {
    for (const name of names) {
      const original = api[name];
      api[name] = function (...args) {
        if (touchesAssembly(args[0])) trip(`${label}.${name} ${String(args[0])}`);
        return original.apply(this, args);
      };
    }
  }
}
