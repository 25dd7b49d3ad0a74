/** Unit tests transpile with swc (no type check: `npm run typecheck` does that once). */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/test',
    '<rootDir>/service/test',
    '<rootDir>/orchestrator/test',
    '<rootDir>/rehearsal/test',
    '<rootDir>/cleanup/test',
    '<rootDir>/loadgen/test',
  ],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Lazy imports name the compiled file (`import('./matrix.js')`, as NodeNext requires); tests load the source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Three workers on the 2-core machine: many files wait on child processes (moto, PostgreSQL, the
  // CLI, the scanners) or real time, and with two workers the cores idled a sixth of the run
  // (warm: 124 s with two, 101 s with three, same machine; docs/development.md).
  maxWorkers: 3,
  setupFiles: ['<rootDir>/test/setup-env.js'],
  // The real `cdk synth` of config/dev.json and config/prod.json, once per run (cached by its inputs).
  globalSetup: '<rootDir>/test/global-setup.ts',
  // In the checkout, not in the shared temporary folder: a fresh clone starts cold, as CI does.
  cacheDirectory: '<rootDir>/.cache/jest',
  testTimeout: 120000,
};
