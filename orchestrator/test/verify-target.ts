import { VerifyTarget } from '../src/verify';

/** The environment the verify-deployment tests check: config/prod.json's names and regions. */
export const TARGET: VerifyTarget = {
  suffix: 'prod',
  domainName: 'trading.acme-bank.net',
  protocol: 'https',
  readinessPath: '/ready',
  primaryRegion: 'us-east-1',
  secondaryRegion: 'us-west-2',
  availabilityZones: { primary: ['us-east-1a', 'us-east-1b', 'us-east-1c'], secondary: ['us-west-2a', 'us-west-2b', 'us-west-2c'] },
};
