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
  send(command: DescribeAvailabilityZonesCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeAvailabilityZonesCommandOutput>;
}

/** The zones a configuration key names in one region. */
export interface ConfiguredZones {
  /** The configuration key, named in every problem. */
  readonly key: string;
  readonly region: string;
  readonly zones: readonly string[];
}

/** What the account said: problems refuse the command, warnings are printed and it goes on. */
export interface ZoneCheck {
  readonly problems: string[];
  readonly warnings: string[];
}

/** How long one region may take to answer: a check must never hold up a switchover in an incident. */
export const ZONE_CHECK_TIMEOUT_MS = 10_000;

/**
 * Refuses only what is certain to fail: a zone the account does not have, or one EC2 reports
 * `unavailable`. A zone in another state (`impaired`, `constrained`, `information`) is a warning:
 * an operator acting during an incident must not be stopped by the incident. A region whose EC2
 * does not answer (the lost region itself) is a warning too.
 */
export async function checkAvailabilityZones(
  configured: readonly ConfiguredZones[],
  ec2: (region: string) => AvailabilityZonesPort,
  timeoutMs: number = ZONE_CHECK_TIMEOUT_MS,
): Promise<ZoneCheck> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const answers = await Promise.all(
    configured.map((entry) =>
      ec2(entry.region)
        .send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-type', Values: ['availability-zone'] }] }), {
          abortSignal: AbortSignal.timeout(timeoutMs),
        })
        .then(
          (output) => output.AvailabilityZones ?? [],
          (error: unknown) => {
            warnings.push(
              `${entry.key}: could not check the zones of ${entry.region} (${error instanceof Error ? error.message : String(error)}); going on without`,
            );
            return undefined;
          },
        ),
    ),
  );
  configured.forEach((entry, index) => {
    const zones = answers[index];
    if (zones === undefined) return;
    const names = zones.map((zone) => zone.ZoneName ?? '').sort();
    const available = zones
      .filter((candidate) => candidate.State === 'available')
      .map((candidate) => candidate.ZoneName)
      .sort()
      .join(', ');
    for (const name of entry.zones) {
      const zone = zones.find((candidate) => candidate.ZoneName === name);
      if (!zone) {
        problems.push(`${entry.key}: this account has no zone ${name} in ${entry.region}; its zones are ${names.join(', ')}`);
        continue;
      }
      if (zone.State === 'available') continue;
      const messages = (zone.Messages ?? []).map((message) => message.Message).filter(Boolean);
      const line = `${entry.key}: zone ${name} (${zone.ZoneId}) of this account is ${zone.State}${messages.length ? ` (${messages.join('; ')})` : ''}; its available zones are ${available}`;
      (zone.State === 'unavailable' ? problems : warnings).push(line);
    }
  });
  return { problems, warnings };
}
