// Unit tests synthesize in-process: the built-in template validation is proven by the real CLI
// synth in test/cli-synth.test.ts (which runs without this variable) and would only slow them.
process.env.CDK_VALIDATION = 'false';
