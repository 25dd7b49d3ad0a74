/**
 * The availability zone names each supported region publishes, offline, so that synth refuses a
 * name that exists nowhere (`us-east-1z`) and lists the valid ones. A name that passes can still be
 * missing from a given account (names map to different zones per account, and constrained zones
 * are withheld from newer accounts); the operator commands check the account itself
 * (orchestrator/src/availability-zones.ts).
 *
 * Sources (retrieved 2026-12):
 * - AWS Regions and Availability Zones, "AWS Availability Zones"
 *   (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html):
 *   "The code for an Availability Zone is its Region code followed by a letter identifier", and
 *   the table of zone IDs per region: use1-az1..az6, use2-az1..3, usw2-az1..4, cac1-az1/az2/az4,
 *   euw1-az1..3, euw2-az1..4, euw3-az1..3, euc1-az1..3, eun1-az1..3, eus1-az1..3, apne1-az1..4,
 *   apne2-az1..4, apse1-az1..3, apse2-az1..3, aps1-az1..3, sae1-az1..3. The same page: "your
 *   account might have a different number of available Availability Zones in a Region than another
 *   account does".
 * - The table lists IDs, not letters; the letters follow from the ID counts and are corroborated
 *   by moto's zone table (getmoto/moto, moto/ec2/models/availability_zones_and_regions.py), which
 *   lists ap-northeast-1 as a, c, d and ca-central-1 as a, b, d. eu-west-2d (euw2-az4) opened in
 *   August 2026, after moto's table.
 */

/** Zone letters of each supported region that current accounts are given. */
export const PUBLISHED_ZONE_LETTERS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['a', 'b', 'c', 'd', 'e', 'f'],
  'us-east-2': ['a', 'b', 'c'],
  'us-west-2': ['a', 'b', 'c', 'd'],
  'ca-central-1': ['a', 'b', 'd'],
  'eu-west-1': ['a', 'b', 'c'],
  'eu-west-2': ['a', 'b', 'c', 'd'],
  'eu-west-3': ['a', 'b', 'c'],
  'eu-central-1': ['a', 'b', 'c'],
  'eu-north-1': ['a', 'b', 'c'],
  'eu-south-1': ['a', 'b', 'c'],
  'ap-northeast-1': ['a', 'c', 'd'],
  'ap-northeast-2': ['a', 'b', 'c', 'd'],
  'ap-southeast-1': ['a', 'b', 'c'],
  'ap-southeast-2': ['a', 'b', 'c'],
  'ap-south-1': ['a', 'b', 'c'],
  'sa-east-1': ['a', 'b', 'c'],
};

/**
 * Letters only some older accounts have: the constrained zones apne1-az3 (Tokyo maps names per
 * account) and cac1-az3, absent from the current table but still named in service notes.
 * Accepted at synth, since refusing them would lock those accounts out of a zone they use; the
 * account check decides.
 */
export const OLDER_ACCOUNT_ZONE_LETTERS: Readonly<Record<string, readonly string[]>> = {
  'ap-northeast-1': ['b'],
  'ca-central-1': ['c'],
};

/** Every zone name synth accepts in `region`, published first; empty for a region not in the table. */
export function knownZoneNames(region: string): string[] {
  return [...(PUBLISHED_ZONE_LETTERS[region] ?? []), ...(OLDER_ACCOUNT_ZONE_LETTERS[region] ?? [])].map((letter) => `${region}${letter}`);
}

/** The names current accounts are given in `region`, for the message that lists the valid ones. */
export function publishedZoneNames(region: string): string[] {
  return (PUBLISHED_ZONE_LETTERS[region] ?? []).map((letter) => `${region}${letter}`);
}
