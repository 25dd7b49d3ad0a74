/**
 * The configuration's availability zones, checked against the account before an operator command
 * acts. Synth checks the names against each region's published list (lib/availability-zones.ts),
 * but a name maps to a different physical zone in each account and some accounts lack a zone
 * others have (AWS Availability Zones: "your account might have a different number of available
 * Availability Zones in a Region than another account does"), so only the account can say.
 *
 * DescribeAvailabilityZones (EC2 API Reference): "Describes the Availability Zones ... that are
 * available to you ... If there is an event impacting a zone, you can use this request to view the
 * state and any provided messages for that zone." States: available | information | impaired |
 * unavailable | constrained.
 */
import { DescribeAvailabilityZonesCommand, DescribeAvailabilityZonesCommandOutput } from '@aws-sdk/client-ec2';

/** The one EC2 call this check makes (an `EC2Client` in production, a fake in tests). */
export interface AvailabilityZonesPort {
  send(command: DescribeAvailabilityZonesCommand): Promise<DescribeAvailabilityZonesCommandOutput>;
}

/** The zones a configuration key names in one region. */
export interface ConfiguredZones {
  /** The configuration key, named in every problem. */
  readonly key: string;
  readonly region: string;
  readonly zones: readonly string[];
}

/** Every problem of every region, each naming the key, the zone and what the account has instead. */
export async function checkAvailabilityZones(configured: readonly ConfiguredZones[], ec2: (region: string) => AvailabilityZonesPort): Promise<string[]> {
  const answers = await Promise.all(
    configured.map((entry) =>
      ec2(entry.region).send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] })),
    ),
  );
  const problems: string[] = [];
  configured.forEach((entry, index) => {
    const zones = answers[index].AvailabilityZones ?? [];
    const names = zones.map((zone) => zone.ZoneName ?? '').sort();
    for (const name of entry.zones) {
      const zone = zones.find((candidate) => candidate.ZoneName === name);
      if (!zone) {
        problems.push(`${entry.key}: this account has no zone ${name} in ${entry.region}; its zones are ${names.join(', ')}`);
      } else if (zone.State !== 'available') {
        const messages = (zone.Messages ?? []).map((message) => message.Message).filter(Boolean);
        problems.push(
          `${entry.key}: zone ${name} (${zone.ZoneId}) of this account is ${zone.State}${messages.length ? ` (${messages.join('; ')})` : ''}; its available zones are ${zones
            .filter((candidate) => candidate.State === 'available')
            .map((candidate) => candidate.ZoneName)
            .sort()
            .join(', ')}`,
        );
      }
    }
  });
  return problems;
}
