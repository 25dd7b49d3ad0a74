// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', 'cdk.out/', 'cdk.out.*/', 'service/dist/', 'service/node_modules/', '.venv/', '**/*.js', '**/*.d.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Assertions on synthesized CloudFormation JSON are untyped by nature.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The Node version guard is plain CommonJS so that it runs, and fails clearly, on any Node.
    files: ['scripts/check-node.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly' } },
    rules: { 'no-var': 'off' },
  },
  {
    // Plain Node scripts that run before anything is compiled (install and check orchestration),
    // and the tripwire preloaded into tools by test/tools.test.ts.
    files: ['scripts/*.cjs', 'scripts/*.mjs', 'test/support/*.cjs'],
    languageOptions: { globals: { process: 'readonly', require: 'readonly', __dirname: 'readonly', Buffer: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'service/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
