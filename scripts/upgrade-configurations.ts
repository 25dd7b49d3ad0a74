/**
 * The synths of today's code that deployed environments upgrade to, by name, with the CDK CLI's
 * arguments. The tests synthesize each once (test/assemblies.ts); the upgrade gate compares each
 * recorded release with the one its environment deploys (upgrades/releases.json).
 */

/** The certificates of the HTTPS configurations: placeholders in the test account 123456789012. */
export const TEST_CERTIFICATES = {
  primary: 'arn:aws:acm:us-east-1:123456789012:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
  secondary: 'arn:aws:acm:us-west-2:123456789012:certificate/1c7b2a5f-3d4e-4f60-9bac-1d2e3f4a5b6c',
} as const;

export const UPGRADE_CONFIGURATIONS: Readonly<Record<string, readonly string[]>> = {
  dev: [],
  prod: ['-c', 'config=prod'],
  // 2e76783 served HTTPS whenever both certificates were given; today that is an explicit protocol.
  'dev-https': [
    '-c',
    'protocol=https',
    '-c',
    `primaryCertificateArn=${TEST_CERTIFICATES.primary}`,
    '-c',
    `secondaryCertificateArn=${TEST_CERTIFICATES.secondary}`,
  ],
};
