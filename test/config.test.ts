import { publishedZoneNames } from '../lib/availability-zones';
import { CertificateSource, CLOUDWATCH_RETENTION_DAYS, ConfigError, RawPlatformConfig, resolvePlatformConfig, SUPPORTED_REGIONS } from '../lib/config';
import { maxEnvironmentSuffixLength, NAME_RULES, PlatformNames } from '../lib/naming';

const CERT_EAST = 'arn:aws:acm:us-east-1:123456789012:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const CERT_WEST = 'arn:aws:acm:us-west-2:123456789012:certificate/1c7b2a5f-3d4e-4f60-9bac-1d2e3f4a5b6c';

describe('platform configuration defaults', () => {
  const config = resolvePlatformConfig({});

  test('suffix, regions, retention and domain default as documented', () => {
    expect(config.environmentSuffix).toBe('dev');
    expect(config.primary.region).toBe('us-east-1');
    expect(config.secondary.region).toBe('us-west-2');
    expect(config.logRetentionDays).toBe(7);
    expect(config.domainName).toBe('trading-dev.example.com');
  });

  test('no account and no certificate: synth needs neither', () => {
    expect(config.account).toBeUndefined();
    expect(config.primary.certificateArn).toBeUndefined();
    expect(config.secondary.certificateArn).toBeUndefined();
  });

  test('distinct private VPC ranges per region', () => {
    expect(config.primary.vpcCidr).toBe('10.10.0.0/16');
    expect(config.secondary.vpcCidr).toBe('10.20.0.0/16');
  });

  test('reserved default domain is fine for an offline synth (no account)', () => {
    expect(() => resolvePlatformConfig({ domainName: 'trading.example.com' })).not.toThrow();
  });

  test('regions without an "b" zone in most accounts default to zones that exist', () => {
    expect(resolvePlatformConfig({ secondaryRegion: 'ap-northeast-1' }).secondary.availabilityZones).toEqual([
      'ap-northeast-1a',
      'ap-northeast-1c',
      'ap-northeast-1d',
    ]);
  });

  test('three explicit availability zones per region, no lookup', () => {
    expect(config.primary.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(config.secondary.availabilityZones).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
  });
});

describe('platform configuration accepts valid values', () => {
  test('context strings are parsed and trimmed', () => {
    const config = resolvePlatformConfig({
      environmentSuffix: 'prod-2',
      logRetentionDays: '30',
      account: '123456789012',
      protocol: 'https',
      primaryCertificateArn: CERT_EAST,
      secondaryCertificateArn: CERT_WEST,
      primaryAvailabilityZones: 'us-east-1a, us-east-1d, us-east-1f',
      domainName: 'trading.acme-bank.com',
    });
    expect(config).toMatchObject({
      environmentSuffix: 'prod-2',
      logRetentionDays: 30,
      account: '123456789012',
      domainName: 'trading.acme-bank.com',
      primary: { certificateArn: CERT_EAST, availabilityZones: ['us-east-1a', 'us-east-1d', 'us-east-1f'] },
      secondary: { certificateArn: CERT_WEST },
    });
  });

  test('every CloudWatch retention value is accepted', () => {
    for (const days of CLOUDWATCH_RETENTION_DAYS) {
      expect(resolvePlatformConfig({ logRetentionDays: String(days) }).logRetentionDays).toBe(days);
    }
  });

  test('a suffix of the maximum length is accepted', () => {
    const suffix = 'a'.repeat(maxEnvironmentSuffixLength());
    expect(resolvePlatformConfig({ environmentSuffix: suffix }).environmentSuffix).toBe(suffix);
  });
});

describe('platform configuration rejects bad input with the value and the rule', () => {
  const cases: Array<[string, RawPlatformConfig, RegExp]> = [
    ['uppercase suffix', { environmentSuffix: 'Prod' }, /environmentSuffix="Prod": must be lowercase letters and digits/],
    ['suffix with underscore', { environmentSuffix: 'my_env' }, /environmentSuffix="my_env"/],
    ['suffix with trailing hyphen', { environmentSuffix: 'dev-' }, /environmentSuffix="dev-": .*no leading, trailing or double hyphen/],
    ['suffix with double hyphen', { environmentSuffix: 'a--b' }, /environmentSuffix="a--b"/],
    [
      'suffix too long for ALB names',
      { environmentSuffix: 'a'.repeat(maxEnvironmentSuffixLength() + 1) },
      /must be at most \d+ characters .* fits its AWS limit/,
    ],
    ['suffix not a string', { environmentSuffix: 42 }, /environmentSuffix=42: must be a string/],
    ['unknown primary region', { primaryRegion: 'us-east-9' }, /primaryRegion="us-east-9": must be one of the supported regions/],
    ['unknown secondary region', { secondaryRegion: 'mars-1' }, /secondaryRegion="mars-1": must be one of the supported regions/],
    [
      'neither region is us-east-1',
      { primaryRegion: 'eu-west-1', secondaryRegion: 'eu-central-1' },
      /primaryRegion="eu-west-1": one of primaryRegion and secondaryRegion must be us-east-1: Route 53 publishes health-check metrics only there/,
    ],
    ['same region twice', { primaryRegion: 'us-west-2', secondaryRegion: 'us-west-2' }, /secondaryRegion="us-west-2": must differ from primaryRegion/],
    ['retention CloudWatch rejects', { logRetentionDays: '10' }, /logRetentionDays="10": must be a retention CloudWatch Logs accepts/],
    ['retention not a number', { logRetentionDays: 'week' }, /logRetentionDays="week"/],
    ['retention zero (never expire)', { logRetentionDays: 0 }, /logRetentionDays=0/],
    ['domain with one label', { domainName: 'localhost' }, /domainName="localhost": must be a lowercase DNS name/],
    ['domain with uppercase', { domainName: 'Trading.Example.com' }, /domainName="Trading.Example.com"/],
    ['domain with empty label', { domainName: 'a..example.com' }, /domainName="a..example.com"/],
    ['account not 12 digits', { account: '1234' }, /account="1234": must be a 12-digit AWS account id/],
    [
      'https with only one certificate',
      { protocol: 'https', primaryCertificateArn: CERT_EAST },
      /secondaryCertificateArn=null: is required with protocol=https/,
    ],
    ['https with no certificate', { protocol: 'https' }, /primaryCertificateArn=null: is required with protocol=https/],
    [
      'certificates without https (the protocol is never inferred)',
      { primaryCertificateArn: CERT_EAST, secondaryCertificateArn: CERT_WEST },
      /protocol="http": certificates are given but the protocol is http/,
    ],
    ['unknown protocol', { protocol: 'HTTPS' }, /protocol="HTTPS": must be one of http, https/],
    ['unknown posture', { posture: 'prod' }, /posture="prod": must be one of test, production/],
    [
      'production posture over http',
      { posture: 'production', account: '123456789012', domainName: 'trading.acme-bank.com' },
      /protocol="http": the production posture serves only HTTPS/,
    ],
    [
      'production posture without a pinned account',
      { posture: 'production', protocol: 'https', primaryCertificateArn: CERT_EAST, secondaryCertificateArn: CERT_WEST },
      /account=null: the production posture pins its account/,
    ],
    [
      'production posture with a short log retention',
      { posture: 'production', logRetentionDays: '90' },
      /logRetentionDays="90": must be at least 365 in the production posture/,
    ],
    ['empty value', { environmentSuffix: '' }, /environmentSuffix="": must not be empty/],
    ['blank value', { domainName: '  ' }, /domainName=" {2}": must not be empty/],
    [
      'certificate of the wrong region',
      { protocol: 'https', primaryCertificateArn: CERT_WEST, secondaryCertificateArn: CERT_WEST },
      /primaryCertificateArn=".*": must be a certificate in us-east-1/,
    ],
    [
      'certificate not an ACM ARN',
      { protocol: 'https', primaryCertificateArn: 'arn:aws:iam::123456789012:server-certificate/x', secondaryCertificateArn: CERT_WEST },
      /must be an ACM certificate ARN/,
    ],
    [
      'certificate of another account',
      { account: '210987654321', domainName: 'trading.acme-bank.com', protocol: 'https', primaryCertificateArn: CERT_EAST, secondaryCertificateArn: CERT_WEST },
      /must belong to the deployment account 210987654321/,
    ],
    [
      'reserved domain when deploying (account known)',
      { account: '123456789012' },
      /domainName="trading-dev.example.com": is a reserved name \(RFC 2606\) that Route 53 refuses/,
    ],
    ['reserved .test domain when deploying', { account: '123456789012', domainName: 'trading.test' }, /domainName="trading.test": is a reserved name/],
    ['VPC CIDR not a CIDR', { primaryVpcCidr: '10.0.0.0' }, /primaryVpcCidr="10.0.0.0": must be an IPv4 CIDR block from \/16 to \/18/],
    ['VPC CIDR too small', { primaryVpcCidr: '10.0.0.0/24' }, /primaryVpcCidr="10.0.0.0\/24": must be an IPv4 CIDR block from \/16 to \/18/],
    ['VPC CIDR off its boundary', { secondaryVpcCidr: '10.20.1.0/16' }, /secondaryVpcCidr="10.20.1.0\/16": must start on a \/16 boundary/],
    ['VPC CIDR public', { primaryVpcCidr: '8.8.0.0/16' }, /primaryVpcCidr="8.8.0.0\/16": must lie in a private range/],
    [
      'VPC CIDRs overlap',
      { primaryVpcCidr: '10.0.0.0/16', secondaryVpcCidr: '10.0.64.0/18' },
      /secondaryVpcCidr="10.0.64.0\/18": must not overlap primaryVpcCidr \(10.0.0.0\/16\)/,
    ],
    [
      'two availability zones',
      { primaryAvailabilityZones: 'us-east-1a,us-east-1b' },
      /primaryAvailabilityZones="us-east-1a,us-east-1b": must name exactly 3 distinct availability zones of us-east-1/,
    ],
    [
      'zone of another region',
      { secondaryAvailabilityZones: ['us-west-2a', 'us-west-2b', 'us-east-1c'] },
      /secondaryAvailabilityZones=.*must name exactly 3 distinct/,
    ],
    ['duplicate zone', { primaryAvailabilityZones: 'us-east-1a,us-east-1a,us-east-1b' }, /must name exactly 3 distinct/],
  ];

  test.each(cases)('%s', (_name, raw, message) => {
    expect(() => resolvePlatformConfig(raw)).toThrow(ConfigError);
    expect(() => resolvePlatformConfig(raw)).toThrow(message);
  });

  test('every problem is reported at once, not only the first', () => {
    const raw: RawPlatformConfig = {
      environmentSuffix: 'Prod',
      primaryRegion: 'us-east-9',
      logRetentionDays: '10',
      primaryVpcCidr: '8.8.0.0/16',
      failoverProbeCount: 99,
    };
    let error: ConfigError | undefined;
    try {
      resolvePlatformConfig(raw);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems.map((problem) => problem.replace(/=.*/, ''))).toEqual([
      'Invalid configuration environmentSuffix',
      'Invalid configuration primaryRegion',
      'Invalid configuration logRetentionDays',
      'Invalid configuration primaryVpcCidr',
      'Invalid configuration failoverProbeCount',
    ]);
    expect(error?.message).toMatch(/^5 configuration problems:\n {2}- Invalid configuration environmentSuffix="Prod"/);
  });

  test('the production posture defaults to a year of log retention', () => {
    const config = resolvePlatformConfig({
      posture: 'production',
      protocol: 'https',
      account: '123456789012',
      domainName: 'trading.acme-bank.com',
      primaryCertificateArn: CERT_EAST,
      secondaryCertificateArn: CERT_WEST,
    });
    expect({ posture: config.posture, protocol: config.protocol, logRetentionDays: config.logRetentionDays }).toEqual({
      posture: 'production',
      protocol: 'https',
      logRetentionDays: 365,
    });
  });
});

describe('resource names', () => {
  test('with the longest accepted suffix every derived name fits its AWS limit', () => {
    const names = new PlatformNames('a'.repeat(maxEnvironmentSuffixLength()));
    for (const rule of NAME_RULES) {
      for (const name of rule.render(names)) {
        expect({ kind: rule.kind, name, fits: name.length <= rule.maxLength }).toEqual({ kind: rule.kind, name, fits: true });
      }
    }
  });

  test('the bound is tight: one more character breaks a limit', () => {
    const names = new PlatformNames('a'.repeat(maxEnvironmentSuffixLength() + 1));
    expect(NAME_RULES.some((rule) => rule.render(names).some((name) => name.length > rule.maxLength))).toBe(true);
  });

  test('every name follows <type>-<purpose>-<suffix> and ends with the suffix', () => {
    const names = new PlatformNames('qa7');
    expect(names.loadBalancer('secondary')).toBe('alb-trading-secondary-qa7');
    expect(names.bucket('access-logs', '123456789012', 'us-east-1')).toBe('s3-access-logs-123456789012-us-east-1-qa7');
    for (const rule of NAME_RULES) {
      for (const name of rule.render(names)) expect(name.endsWith('-qa7')).toBe(true);
    }
  });
});

describe('an existing hosted zone', () => {
  const SERVERS = 'ns-1.awsdns-01.org,ns-2.awsdns-02.co.uk,ns-3.awsdns-03.com,ns-4.awsdns-04.net';
  test('its id and its four name servers, both or neither', () => {
    expect(resolvePlatformConfig({ hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneNameServers: SERVERS }).hostedZone).toEqual({
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      nameServers: SERVERS.split(','),
    });
    expect(resolvePlatformConfig({}).hostedZone).toBeUndefined();
  });

  test.each([
    [{ hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, /hostedZoneNameServers=null: is required with hostedZoneId/],
    [{ hostedZoneNameServers: SERVERS }, /hostedZoneId=null: is required with hostedZoneNameServers/],
    [{ hostedZoneId: 'zone-1', hostedZoneNameServers: SERVERS }, /hostedZoneId="zone-1": must be a Route 53 hosted zone id/],
    [
      { hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneNameServers: 'ns-1.awsdns-01.org' },
      /hostedZoneNameServers="ns-1.awsdns-01.org": must name the zone's four name servers/,
    ],
  ])('%j is refused', (raw, message) => {
    expect(() => resolvePlatformConfig(raw)).toThrow(message);
  });
});

describe('certificates the platform requests (certificates=platform)', () => {
  const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
  test('HTTPS without ARNs, in any posture; the default stays the given ARNs', () => {
    expect(resolvePlatformConfig({ protocol: 'https', certificates: 'platform' }).certificateSource).toBe(CertificateSource.PLATFORM);
    expect(
      resolvePlatformConfig({
        posture: 'production',
        account: '123456789012',
        protocol: 'https',
        certificates: 'platform',
        domainName: 'trading.acme-bank.com',
      }).primary.certificateArn,
    ).toBeUndefined();
    expect(resolvePlatformConfig({}).certificateSource).toBe(CertificateSource.ARNS);
  });

  test.each([
    [{ certificates: 'platform' }, /certificates="platform": requests certificates for HTTPS: set protocol=https/],
    [
      { protocol: 'https', certificates: 'platform', primaryCertificateArn: CERT },
      /primaryCertificateArn=".*": is given but certificates=platform requests them: choose one/,
    ],
    [{ protocol: 'https', certificates: 'acm' }, /certificates="acm": must be one of arns, platform/],
    [{ protocol: 'https' }, /primaryCertificateArn=null: is required with protocol=https: .*or set certificates=platform/],
    [
      { posture: 'production', account: '123456789012', domainName: 'trading.acme-bank.com' },
      /protocol="http": the production posture serves only HTTPS: set protocol=https with both certificates, or with certificates=platform/,
    ],
  ])('%j is refused', (raw, message) => {
    expect(() => resolvePlatformConfig(raw)).toThrow(message);
  });
});

describe('availability zone names (lib/availability-zones.ts)', () => {
  test('every supported region has at least three published zones, so its default and its message are never empty', () => {
    for (const region of SUPPORTED_REGIONS) expect([region, publishedZoneNames(region).length >= 3]).toEqual([region, true]);
  });

  test('the default zones are the first three published: ca-central-1 has no "c" for current accounts', () => {
    const config = resolvePlatformConfig({ primaryRegion: 'us-east-1', secondaryRegion: 'ca-central-1' });
    expect(config.secondary.availabilityZones).toEqual(['ca-central-1a', 'ca-central-1b', 'ca-central-1d']);
    expect(config.primary.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });
});
