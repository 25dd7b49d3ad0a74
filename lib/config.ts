import { DeploymentRole, maxEnvironmentSuffixLength } from './naming';
import { ConfigError, ProblemCollector } from './config-error';
import { knownZoneNames, publishedZoneNames } from './availability-zones';
import { checkWorkloadDirectory, parseWorkload, WorkloadConfig } from './workload';

export { ConfigError, ProblemCollector } from './config-error';

/**
 * Raw, unvalidated configuration: the selected `config/<name>.json` with the `-c key=value`
 * overrides applied. Every value is optional and may arrive as a string (`-c key=value`) or as JSON.
 */
export interface RawPlatformConfig {
  readonly environmentSuffix?: unknown;
  readonly posture?: unknown;
  readonly protocol?: unknown;
  readonly primaryRegion?: unknown;
  readonly secondaryRegion?: unknown;
  readonly logRetentionDays?: unknown;
  readonly domainName?: unknown;
  readonly account?: unknown;
  readonly primaryCertificateArn?: unknown;
  readonly secondaryCertificateArn?: unknown;
  readonly certificates?: unknown;
  readonly primaryAvailabilityZones?: unknown;
  readonly secondaryAvailabilityZones?: unknown;
  readonly primaryVpcCidr?: unknown;
  readonly secondaryVpcCidr?: unknown;
  readonly failoverProbeCount?: unknown;
  readonly failoverProbeIntervalSeconds?: unknown;
  readonly workload?: unknown;
  readonly hostedZoneId?: unknown;
  readonly hostedZoneNameServers?: unknown;
}

/** Every key an environment's configuration may set, in the order the README documents them. */
export const PLATFORM_CONFIG_KEYS: ReadonlyArray<keyof RawPlatformConfig> = [
  'environmentSuffix',
  'posture',
  'protocol',
  'primaryRegion',
  'secondaryRegion',
  'logRetentionDays',
  'domainName',
  'account',
  'primaryCertificateArn',
  'secondaryCertificateArn',
  'certificates',
  'primaryAvailabilityZones',
  'secondaryAvailabilityZones',
  'primaryVpcCidr',
  'secondaryVpcCidr',
  'failoverProbeCount',
  'failoverProbeIntervalSeconds',
  'workload',
  'hostedZoneId',
  'hostedZoneNameServers',
];

/**
 * How much an environment protects itself against deletion.
 *
 * `test` keeps every resource destroyable (no Retain, no deletion protection). `production` turns on
 * deletion protection, snapshots and retention, and backs the databases up into the other region.
 */
export enum Posture {
  TEST = 'test',
  PRODUCTION = 'production',
}

/** The protocol the load balancers serve and Route 53 probes. */
export enum Protocol {
  HTTP = 'http',
  HTTPS = 'https',
}

/** Where the HTTPS listeners' certificates come from. */
export enum CertificateSource {
  /** `primaryCertificateArn` and `secondaryCertificateArn`: issued certificates the operator requested. */
  ARNS = 'arns',
  /** The platform requests one DNS-validated certificate for `app.<domainName>` in each region. */
  PLATFORM = 'platform',
}

/** How the failover orchestrator confirms an outage of the primary region. */
export interface FailoverPolicyConfig {
  /** Consecutive failed probes of the primary that confirm an outage. */
  readonly probeCount: number;
  readonly probeIntervalSeconds: number;
}

/** The settings of one of the two regions. */
export interface RegionConfig {
  /** `primary` or `secondary`: the role the region has at deploy time. */
  readonly role: DeploymentRole;
  readonly region: string;
  /** Exactly three availability zones, given explicitly so synth needs no AWS lookup. */
  readonly availabilityZones: string[];
  /** ACM certificate for the region's load balancer listener; set exactly when the protocol is HTTPS. */
  readonly certificateArn?: string;
  /** Private IPv4 range of the region's VPC; the two regions never overlap. */
  readonly vpcCidr: string;
}

/** Validated configuration of the whole platform. */
export interface PlatformConfig {
  readonly environmentSuffix: string;
  readonly posture: Posture;
  readonly protocol: Protocol;
  /** With protocol=https: given as ARNs, or requested by the platform. */
  readonly certificateSource: CertificateSource;
  /** Undefined when neither the configuration nor the credentials name one: stacks are then environment-agnostic in account. */
  readonly account?: string;
  readonly primary: RegionConfig;
  readonly secondary: RegionConfig;
  readonly logRetentionDays: number;
  readonly domainName: string;
  readonly failover: FailoverPolicyConfig;
  /** The container both regions run. */
  readonly workload: WorkloadConfig;
  /** An existing public hosted zone for `domainName`. @default - the platform creates the zone */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly nameServers: string[] };
}

/** Retention periods CloudWatch Logs accepts for `RetentionInDays`. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Shortest log retention of the production posture: a year of audit trail. */
export const PRODUCTION_MIN_LOG_RETENTION_DAYS = 365;

/**
 * Commercial regions that offer every service this platform uses (Aurora global databases with
 * Serverless v2, DynamoDB global tables, EventBridge global endpoints) in at least three AZs.
 */
export const SUPPORTED_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'sa-east-1',
];

/** Route 53 publishes health-check metrics only here; the health-check alarms must live here too. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

export const DEFAULTS = {
  environmentSuffix: 'dev',
  posture: Posture.TEST,
  protocol: Protocol.HTTP,
  primaryRegion: 'us-east-1',
  secondaryRegion: 'us-west-2',
  logRetentionDays: 7,
  // Five failed probes 10 s apart: the same 40 s span as before, but probed continuously.
  failoverProbeCount: 5,
  failoverProbeIntervalSeconds: 2,
  primaryVpcCidr: '10.10.0.0/16',
  secondaryVpcCidr: '10.20.0.0/16',
} as const;

/** Second-level names RFC 2606 reserves; Route 53 refuses hosted zones for them. */
const RESERVED_DOMAINS = [/(^|\.)example\.(com|net|org)$/, /\.(example|test|invalid|localhost)$/];

const SUFFIX_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The repository's files, for the rules that need them (a workload directory must hold a Dockerfile). */
export interface RepositoryFiles {
  /** Whether the path, relative to the repository root, exists. */
  exists(relativePath: string): boolean;
}

/**
 * Validates raw configuration into a {@link PlatformConfig}, or throws one {@link ConfigError}
 * that lists every problem found. Given the repository's files, a workload directory is checked
 * with the rest.
 */
export function resolvePlatformConfig(raw: RawPlatformConfig, repository?: RepositoryFiles): PlatformConfig {
  const problems = new ProblemCollector();
  for (const key of PLATFORM_CONFIG_KEYS) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() === '') {
      problems.add(key, value, 'must not be empty: omit the key to use the configuration file or the default');
    }
  }
  const text = (key: keyof RawPlatformConfig): string | undefined => problems.attempt(() => optionalString(key, raw[key]), undefined);

  const environmentSuffix = text('environmentSuffix') ?? DEFAULTS.environmentSuffix;
  const suffixValid = problems.attempt(() => validateEnvironmentSuffix(environmentSuffix), false);

  const posture = problems.attempt(() => parseChoice('posture', text('posture'), Object.values(Posture), DEFAULTS.posture), DEFAULTS.posture);
  const protocol = problems.attempt(() => parseChoice('protocol', text('protocol'), Object.values(Protocol), DEFAULTS.protocol), DEFAULTS.protocol);

  const primaryRegion = text('primaryRegion') ?? DEFAULTS.primaryRegion;
  const secondaryRegion = text('secondaryRegion') ?? DEFAULTS.secondaryRegion;
  const regionsValid = [
    problems.attempt(() => validateRegion('primaryRegion', primaryRegion), false),
    problems.attempt(() => validateRegion('secondaryRegion', secondaryRegion), false),
  ].every(Boolean);
  if (regionsValid && primaryRegion === secondaryRegion) {
    problems.add(
      'secondaryRegion',
      secondaryRegion,
      `must differ from primaryRegion (${primaryRegion}): a standby in the same region does not survive a regional outage`,
    );
  }
  if (regionsValid && primaryRegion !== ROUTE53_METRICS_REGION && secondaryRegion !== ROUTE53_METRICS_REGION) {
    problems.add(
      'primaryRegion',
      primaryRegion,
      `one of primaryRegion and secondaryRegion must be ${ROUTE53_METRICS_REGION}: Route 53 publishes health-check metrics only there, and the health-check alarms need a region of the platform (with its alarm topic) to live in`,
    );
  }

  const retentionDefault = posture === Posture.PRODUCTION ? PRODUCTION_MIN_LOG_RETENTION_DAYS : DEFAULTS.logRetentionDays;
  const logRetentionDays = problems.attempt(() => parseRetention(raw.logRetentionDays, retentionDefault), retentionDefault);
  if (posture === Posture.PRODUCTION && logRetentionDays < PRODUCTION_MIN_LOG_RETENTION_DAYS) {
    problems.add(
      'logRetentionDays',
      raw.logRetentionDays,
      `must be at least ${PRODUCTION_MIN_LOG_RETENTION_DAYS} in the production posture: logs are the audit trail of the trading platform`,
    );
  }

  const givenDomain = text('domainName');
  const domainName = givenDomain ?? `trading-${environmentSuffix}.example.com`;
  // A default derived from a broken suffix would only repeat the suffix's problem.
  const domainValid = givenDomain === undefined && !suffixValid ? false : problems.attempt(() => validateDomainName(domainName), false);

  const account = text('account');
  const accountValid = account === undefined || ACCOUNT_PATTERN.test(account);
  if (!accountValid) problems.add('account', account, 'must be a 12-digit AWS account id');
  if (posture === Posture.PRODUCTION && account === undefined) {
    problems.add(
      'account',
      null,
      'the production posture pins its account in the configuration, so that credentials of another account can never deploy or destroy it',
    );
  }
  // With an account the synth is for a deployment (the CLI sets CDK_DEFAULT_ACCOUNT from credentials).
  if (account !== undefined && domainValid && RESERVED_DOMAINS.some((pattern) => pattern.test(domainName))) {
    problems.add('domainName', domainName, 'is a reserved name (RFC 2606) that Route 53 refuses; deploying needs a domainName you control');
  }

  const primaryVpcCidr = problems.attempt(() => parseCidr('primaryVpcCidr', raw.primaryVpcCidr, DEFAULTS.primaryVpcCidr), undefined);
  const secondaryVpcCidr = problems.attempt(() => parseCidr('secondaryVpcCidr', raw.secondaryVpcCidr, DEFAULTS.secondaryVpcCidr), undefined);
  if (primaryVpcCidr && secondaryVpcCidr && cidrsOverlap(primaryVpcCidr, secondaryVpcCidr)) {
    problems.add(
      'secondaryVpcCidr',
      secondaryVpcCidr,
      `must not overlap primaryVpcCidr (${primaryVpcCidr}), so the regions can later be peered or routed to from one network`,
    );
  }

  const primaryCertificateArn = text('primaryCertificateArn');
  const secondaryCertificateArn = text('secondaryCertificateArn');
  const certificateSource = problems.attempt(
    () => parseChoice('certificates', text('certificates'), Object.values(CertificateSource), CertificateSource.ARNS),
    CertificateSource.ARNS,
  );
  if (certificateSource === CertificateSource.PLATFORM) {
    if (protocol !== Protocol.HTTPS) problems.add('certificates', certificateSource, 'requests certificates for HTTPS: set protocol=https');
    for (const [key, arn] of [
      ['primaryCertificateArn', primaryCertificateArn],
      ['secondaryCertificateArn', secondaryCertificateArn],
    ] as const) {
      if (arn !== undefined) problems.add(key, arn, 'is given but certificates=platform requests them: choose one (certificates=arns serves the given ones)');
    }
  } else if (protocol === Protocol.HTTPS) {
    for (const [key, arn] of [
      ['primaryCertificateArn', primaryCertificateArn],
      ['secondaryCertificateArn', secondaryCertificateArn],
    ] as const) {
      if (arn === undefined) {
        problems.add(
          key,
          null,
          'is required with protocol=https: each region serves HTTPS with its own ACM certificate for app.<domainName> (or set certificates=platform to have the platform request them)',
        );
      }
    }
  } else if (primaryCertificateArn !== undefined || secondaryCertificateArn !== undefined) {
    problems.add(
      'protocol',
      protocol,
      'certificates are given but the protocol is http: set protocol=https to serve them, or remove them; the protocol is never inferred from the certificates',
    );
  }
  if (protocol === Protocol.HTTP && posture === Posture.PRODUCTION) {
    problems.add('protocol', protocol, 'the production posture serves only HTTPS: set protocol=https with both certificates, or with certificates=platform');
  }
  if (primaryCertificateArn && regionsValid) {
    problems.attempt(
      () => validateCertificateArn('primaryCertificateArn', primaryCertificateArn, primaryRegion, accountValid ? account : undefined),
      undefined,
    );
  }
  if (secondaryCertificateArn && regionsValid) {
    problems.attempt(
      () => validateCertificateArn('secondaryCertificateArn', secondaryCertificateArn, secondaryRegion, accountValid ? account : undefined),
      undefined,
    );
  }

  const failover = problems.attempt(() => parseFailoverPolicy(raw), {
    probeCount: DEFAULTS.failoverProbeCount,
    probeIntervalSeconds: DEFAULTS.failoverProbeIntervalSeconds,
  });
  const primaryZones = problems.attempt(() => parseAvailabilityZones('primaryAvailabilityZones', raw.primaryAvailabilityZones, primaryRegion), []);
  const secondaryZones = problems.attempt(() => parseAvailabilityZones('secondaryAvailabilityZones', raw.secondaryAvailabilityZones, secondaryRegion), []);

  const hostedZone = problems.attempt(() => parseHostedZone(raw), undefined);
  const workload = problems.attempt(() => parseWorkload(raw.workload, posture === Posture.PRODUCTION), undefined);
  if (workload && repository) problems.attempt(() => checkWorkloadDirectory(workload, (relativePath) => repository.exists(relativePath)), undefined);

  problems.throwIfAny();
  return {
    environmentSuffix,
    workload: workload!,
    posture,
    protocol,
    certificateSource,
    account,
    failover,
    primary: {
      role: 'primary',
      region: primaryRegion,
      availabilityZones: primaryZones,
      certificateArn: primaryCertificateArn,
      vpcCidr: primaryVpcCidr!,
    },
    secondary: {
      role: 'secondary',
      region: secondaryRegion,
      availabilityZones: secondaryZones,
      certificateArn: secondaryCertificateArn,
      vpcCidr: secondaryVpcCidr!,
    },
    logRetentionDays,
    domainName,
    ...(hostedZone ? { hostedZone } : {}),
  };
}

/**
 * Route 53 hosted zone ids: at most 32 characters (Route 53 API Reference, *HostedZone*: "Length
 * Constraints: Maximum length of 32"). That they start with `Z` and hold upper-case letters and
 * digits is what Route 53 assigns, not a documented rule; verify-deployment's `hosted-zone` check
 * reads the zone itself.
 */
const HOSTED_ZONE_ID = /^Z[0-9A-Z]{1,31}$/;

/**
 * The existing zone: its id and its four name servers, both or neither. Route 53 gives every public
 * zone a delegation set of four name servers (Route 53 Developer Guide, *NS and SOA records that
 * Amazon Route 53 creates for a public hosted zone*).
 */
function parseHostedZone(raw: RawPlatformConfig): PlatformConfig['hostedZone'] {
  const id = optionalString('hostedZoneId', raw.hostedZoneId);
  const servers = raw.hostedZoneNameServers;
  const given = servers !== undefined && servers !== null && servers !== '';
  if (id === undefined && !given) return undefined;
  if (id === undefined) throw ConfigError.of('hostedZoneId', null, 'is required with hostedZoneNameServers: both name the existing zone');
  if (!HOSTED_ZONE_ID.test(id)) throw ConfigError.of('hostedZoneId', id, 'must be a Route 53 hosted zone id (Z followed by upper-case letters and digits)');
  if (!given) {
    throw ConfigError.of(
      'hostedZoneNameServers',
      null,
      'is required with hostedZoneId: the four name servers of the zone (aws route53 get-hosted-zone --id <id> --query DelegationSet.NameServers), which the orchestrator asks',
    );
  }
  const list = typeof servers === 'string' ? servers.split(',').map((server) => server.trim()) : servers;
  if (!Array.isArray(list) || list.length !== 4 || !list.every((server) => typeof server === 'string' && /^([a-z0-9-]+\.)+[a-z]{2,63}\.?$/.test(server))) {
    throw ConfigError.of('hostedZoneNameServers', servers, "must name the zone's four name servers (a comma-separated list or array of DNS names)");
  }
  return { hostedZoneId: id, nameServers: (list as string[]).map((server) => server.replace(/\.$/, '')) };
}

function optionalString(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ConfigError.of(key, value, 'must be a string');
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function parseChoice<T extends string>(key: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw ConfigError.of(key, value, `must be one of ${choices.join(', ')}`);
  return value as T;
}

/** Throws a {@link ConfigError} unless `suffix` is a valid environment suffix (operator tools reuse it). */
export function validateEnvironmentSuffix(suffix: string): true {
  if (!SUFFIX_PATTERN.test(suffix)) {
    throw ConfigError.of(
      'environmentSuffix',
      suffix,
      'must be lowercase letters and digits in hyphen-separated groups (no leading, trailing or double hyphen), because it ends S3, ALB and RDS names',
    );
  }
  const max = maxEnvironmentSuffixLength();
  if (suffix.length > max) {
    throw ConfigError.of(
      'environmentSuffix',
      suffix,
      `must be at most ${max} characters (is ${suffix.length}) so that every derived resource name fits its AWS limit`,
    );
  }
  return true;
}

function validateRegion(key: string, region: string): true {
  if (!SUPPORTED_REGIONS.includes(region)) {
    throw ConfigError.of(key, region, `must be one of the supported regions: ${SUPPORTED_REGIONS.join(', ')}`);
  }
  return true;
}

/** A whole number from context: a JSON number (cdk.json) or a string of digits (`-c key=7`); NaN otherwise. */
function contextNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
}

function parseRetention(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const days = contextNumber(value);
  if (!CLOUDWATCH_RETENTION_DAYS.includes(days)) {
    throw ConfigError.of('logRetentionDays', value, `must be a retention CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`);
  }
  return days;
}

function validateDomainName(domainName: string): true {
  const labels = domainName.split('.');
  const valid = domainName.length <= 253 && labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && /[a-z]/.test(labels[labels.length - 1]);
  if (!valid) {
    throw ConfigError.of(
      'domainName',
      domainName,
      'must be a lowercase DNS name of at least two labels (letters, digits, inner hyphens; at most 63 characters a label, 253 in all)',
    );
  }
  return true;
}

function validateCertificateArn(key: string, arn: string, region: string, account: string | undefined): void {
  const match = /^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/.exec(arn);
  if (!match) {
    throw ConfigError.of(key, arn, 'must be an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<uuid>');
  }
  if (match[1] !== region) {
    throw ConfigError.of(key, arn, `must be a certificate in ${region}: a load balancer can only use a certificate from its own region`);
  }
  if (account !== undefined && match[2] !== account) {
    throw ConfigError.of(key, arn, `must belong to the deployment account ${account}`);
  }
}

function parseAvailabilityZones(key: string, value: unknown, region: string): string[] {
  // The first three zones current accounts are given (ap-northeast-1 has no "b", ca-central-1 no "c" for them).
  if (value === undefined || value === null || value === '') return publishedZoneNames(region).slice(0, 3);
  const zones = typeof value === 'string' ? value.split(',').map((zone) => zone.trim()) : value;
  if (!Array.isArray(zones) || zones.some((zone) => typeof zone !== 'string')) {
    throw ConfigError.of(key, value, 'must be a comma-separated list or array of availability zone names');
  }
  const zonePattern = new RegExp(`^${region}[a-z]$`);
  if (zones.length !== 3 || new Set(zones).size !== 3 || !zones.every((zone: string) => zonePattern.test(zone))) {
    throw ConfigError.of(key, value, `must name exactly 3 distinct availability zones of ${region} (e.g. ${region}a,${region}b,${region}c)`);
  }
  const known = knownZoneNames(region);
  const unknown = (zones as string[]).filter((zone) => !known.includes(zone));
  if (unknown.length > 0) {
    throw ConfigError.of(
      key,
      value,
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a zone' : 'are not zones'} ${region} publishes; its zones are ${publishedZoneNames(region).join(', ')} (lib/availability-zones.ts)`,
    );
  }
  return zones as string[];
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** An IPv4 CIDR inside a private range, /16 to /18 (the subnet layout needs a /18 at least). */
function parseCidr(key: string, value: unknown, fallback: string): string {
  const cidr = optionalString(key, value) ?? fallback;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((octet) => octet > 255) || prefix < 16 || prefix > 18) {
    throw ConfigError.of(key, cidr, 'must be an IPv4 CIDR block from /16 to /18 (three /20 compute subnets and six /24 subnets must fit)');
  }
  const base = toNumber(octets);
  if ((base & mask(prefix)) >>> 0 !== base) {
    throw ConfigError.of(key, cidr, `must start on a /${prefix} boundary`);
  }
  if (!PRIVATE_RANGES.some((range) => contains(range, cidr))) {
    throw ConfigError.of(key, cidr, `must lie in a private range (${PRIVATE_RANGES.join(', ')})`);
  }
  return cidr;
}

function toNumber(octets: number[]): number {
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}

function range(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const start = toNumber(address.split('.').map(Number));
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

function contains(outer: string, inner: string): boolean {
  const [outerStart, outerEnd] = range(outer);
  const [innerStart, innerEnd] = range(inner);
  return innerStart >= outerStart && innerEnd <= outerEnd;
}

function cidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = range(a);
  const [bStart, bEnd] = range(b);
  return aStart <= bEnd && bStart <= aEnd;
}

/** Timeout of one readiness probe of the orchestrator (its Lambda environment carries it). */
export const FAILOVER_PROBE_TIMEOUT_SECONDS = 1;

/**
 * Worst-case time for the orchestrator to confirm an outage: it probes continuously, one round every
 * interval, and the last probe of the streak may run into its timeout.
 */
export function failoverConfirmationSeconds(policy: FailoverPolicyConfig): number {
  return policy.probeCount * policy.probeIntervalSeconds + FAILOVER_PROBE_TIMEOUT_SECONDS;
}

/**
 * Longest confirmation allowed (unchanged since before the failover signal, so no configuration that
 * synthesized before is refused now). The analytic write path of `npm run rto-report` takes the
 * latest of the signal's detection, the 60 s minimum outage, this confirmation and a run watching
 * after the longest gap between runs (122 s), then a round (6 s), the promotion (120 s) and the role
 * refresh (5 s): any confirmation up to 169 s keeps it within 300 s; 85 s leaves a margin.
 */
const MAX_FAILOVER_CONFIRMATION_SECONDS = 85;

function parseFailoverPolicy(raw: RawPlatformConfig): FailoverPolicyConfig {
  const integer = (key: 'failoverProbeCount' | 'failoverProbeIntervalSeconds', fallback: number, min: number, max: number): number => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') return fallback;
    const parsed = contextNumber(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw ConfigError.of(key, value, `must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
  const probeCount = integer('failoverProbeCount', DEFAULTS.failoverProbeCount, 2, 10);
  const probeIntervalSeconds = integer('failoverProbeIntervalSeconds', DEFAULTS.failoverProbeIntervalSeconds, 2, 60);
  const confirmation = failoverConfirmationSeconds({ probeCount, probeIntervalSeconds });
  if (confirmation > MAX_FAILOVER_CONFIRMATION_SECONDS) {
    throw ConfigError.of(
      'failoverProbeIntervalSeconds',
      probeIntervalSeconds,
      `with failoverProbeCount=${probeCount} confirming an outage takes up to ${confirmation} s (count x interval + ${FAILOVER_PROBE_TIMEOUT_SECONDS} s timeout); at most ${MAX_FAILOVER_CONFIRMATION_SECONDS} s keeps the database promotion inside the 5-minute RTO`,
    );
  }
  return { probeCount, probeIntervalSeconds };
}
