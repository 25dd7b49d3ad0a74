import { DescribeAvailabilityZonesCommand, DescribeAvailabilityZonesCommandOutput } from '@aws-sdk/client-ec2';
import { AvailabilityZonesPort, checkAvailabilityZones } from '../src/availability-zones';

/**
 * EC2's answer in the shape of DescribeAvailabilityZones (EC2 API Reference, AvailabilityZone:
 * ZoneName, ZoneId, State, Messages). This account has no us-east-1f (names map per account, and
 * newer accounts are not given every zone), and its us-west-2d is impaired.
 */
const ACCOUNT: Record<string, DescribeAvailabilityZonesCommandOutput['AvailabilityZones']> = {
  'us-east-1': ['a', 'b', 'c', 'd', 'e'].map((letter, index) => ({ ZoneName: `us-east-1${letter}`, ZoneId: `use1-az${index + 1}`, State: 'available' })),
  'us-west-2': [
    { ZoneName: 'us-west-2a', ZoneId: 'usw2-az2', State: 'available' },
    { ZoneName: 'us-west-2b', ZoneId: 'usw2-az1', State: 'unavailable' },
    { ZoneName: 'us-west-2c', ZoneId: 'usw2-az3', State: 'available' },
    { ZoneName: 'us-west-2d', ZoneId: 'usw2-az4', State: 'impaired', Messages: [{ Message: 'increased error rates' }] },
  ],
};

function fakeEc2(requests: Array<{ region: string; input: unknown }>): (region: string) => AvailabilityZonesPort {
  return (region) => ({
    send: async (command: DescribeAvailabilityZonesCommand, options?: { abortSignal?: AbortSignal }) => {
      requests.push({ region, input: command.input });
      if (!ACCOUNT[region]) {
        // The lost region: EC2 never answers, until the caller's signal gives up.
        return new Promise((_, reject) => options?.abortSignal?.addEventListener('abort', () => reject(new Error('Request aborted'))));
      }
      return { AvailabilityZones: ACCOUNT[region], $metadata: {} };
    },
  });
}

test('zones the account has, available, pass; one request per region, for availability zones only', async () => {
  const requests: Array<{ region: string; input: unknown }> = [];
  const check = await checkAvailabilityZones(
    [
      { key: 'primaryAvailabilityZones', region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
      { key: 'secondaryAvailabilityZones', region: 'us-west-2', zones: ['us-west-2a', 'us-west-2c'] },
    ],
    fakeEc2(requests),
  );
  expect(check).toEqual({ problems: [], warnings: [] });
  expect(requests).toEqual([
    { region: 'us-east-1', input: { Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] } },
    { region: 'us-west-2', input: { Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] } },
  ]);
});

test('a zone the account lacks, or one it reports unavailable, refuses the command; an impaired one only warns', async () => {
  // Warn, not refuse, for impaired: an operator acting during an incident must not be stopped by it.
  const check = await checkAvailabilityZones(
    [
      { key: 'primaryAvailabilityZones', region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1f'] },
      { key: 'secondaryAvailabilityZones', region: 'us-west-2', zones: ['us-west-2a', 'us-west-2b', 'us-west-2d'] },
    ],
    fakeEc2([]),
  );
  expect(check).toEqual({
    problems: [
      'primaryAvailabilityZones: this account has no zone us-east-1f in us-east-1; its zones are us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e',
      'secondaryAvailabilityZones: zone us-west-2b (usw2-az1) of this account is unavailable; its available zones are us-west-2a, us-west-2c',
    ],
    warnings: [
      'secondaryAvailabilityZones: zone us-west-2d (usw2-az4) of this account is impaired (increased error rates); its available zones are us-west-2a, us-west-2c',
    ],
  });
});

test('a region whose EC2 does not answer (the lost region) is a warning after the timeout, never a wait or a refusal', async () => {
  const check = await checkAvailabilityZones(
    [
      { key: 'primaryAvailabilityZones', region: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
      { key: 'secondaryAvailabilityZones', region: 'us-west-2', zones: ['us-west-2a', 'us-west-2c', 'us-west-2d'] },
    ],
    fakeEc2([]),
    50,
  );
  expect(check.problems).toEqual([]);
  expect(check.warnings[0]).toBe('primaryAvailabilityZones: could not check the zones of eu-west-1 (Request aborted); going on without');
});
