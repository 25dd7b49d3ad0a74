// Unit tests synthesize in-process: the built-in template validation is proven by the real CLI
// synth in test/cli-synth.test.ts (which runs without this variable) and would only slow them.
process.env.CDK_VALIDATION = 'false';
// cdk-nag's EventBridge rule (EVB1) reads a deprecated CfnEventBusPolicy property and prints a
// warning per synth; the real CLI synth (cli-synth.test.ts) still shows all deprecations.
process.env.JSII_DEPRECATED = 'quiet';
