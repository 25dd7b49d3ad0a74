'use strict';
// Installs the container service's dependencies (`npm ci --prefix service`) when they are missing or
// were installed from another lock: the root `postinstall` installs them (`--force`), and the check
// command then finds them current instead of installing them a second time.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const service = path.join(__dirname, '..', 'service');
const stamp = path.join(service, 'node_modules', '.installed-lock.sha256');
const lockHash = crypto
  .createHash('sha256')
  .update(fs.readFileSync(path.join(service, 'package-lock.json')))
  .digest('hex');
const wanted = `${lockHash} node${process.versions.node.split('.')[0]} ${process.platform}-${process.arch}`;
const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';

if (process.argv.includes('--force') || current !== wanted) {
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const run = spawnSync(npm[0], [...npm[1], 'ci', '--no-audit', '--no-fund'], { cwd: service, stdio: 'inherit', shell: false });
  if (run.status !== 0) process.exit(run.status ?? 1);
  fs.writeFileSync(stamp, `${wanted}\n`);
}
