import { Match } from 'aws-cdk-lib/assertions';
import { maxEnvironmentSuffixLength } from '../lib/naming';
import { formatDeployPlan, plannedStacks } from '../scripts/deploy-plan';
import { allResources, nagFindings, synthesizePlatform, SynthesizedPlatform } from './helpers';

const ACCOUNT = '123456789012';
const CERT_EAST = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0b6a1f4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b`;
const CERT_WEST = `arn:aws:acm:us-west-2:${ACCOUNT}:certificate/1c7b2a5f-3d4e-4f60-9bac-1d2e3f4a5b6c`;
const LONGEST_SUFFIX = 'x'.repeat(maxEnvironmentSuffixLength());

const EXISTING_ZONE = { id: 'Z0123456789ABCDEFGHIJ', nameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'] };

/** One synth with every non-default setting: HTTPS, 30-day retention, explicit account, longest suffix, an existing zone. */
let platform: SynthesizedPlatform;
beforeAll(() => {
  platform = synthesizePlatform({
    environmentSuffix: LONGEST_SUFFIX,
    account: ACCOUNT,
    logRetentionDays: '30',
    protocol: 'https',
    primaryCertificateArn: CERT_EAST,
    secondaryCertificateArn: CERT_WEST,
    domainName: 'trading.acme-bank.com',
    hostedZoneId: EXISTING_ZONE.id,
    hostedZoneNameServers: EXISTING_ZONE.nameServers.join(','),
  });
});

describe('an existing hosted zone (hostedZoneId): a production first deploy needs no HTTP phase', () => {
  test('the zone is referenced, not created: records go into it, and destroy never removes it', () => {
    platform.templates.GlobalTraffic.resourceCountIs('AWS::Route53::HostedZone', 0);
    const records = Object.values<any>(platform.templates.GlobalTraffic.toJSON().Resources).filter((resource) => resource.Type === 'AWS::Route53::RecordSet');
    // The application's two weighted records and the failover signal's two.
    expect(records.map((record) => record.Properties.HostedZoneId)).toEqual(Array(4).fill(EXISTING_ZONE.id));
  });

  test("the orchestrator asks the zone's configured name servers", () => {
    expect(platform.templates.GlobalTraffic.toJSON().Outputs.HostedZoneNameServers.Value).toBe(EXISTING_ZONE.nameServers.join(','));
  });

  test('the deploy plan has no delegation step, and checks the certificates first', () => {
    const plan = formatDeployPlan('live', LONGEST_SUFFIX, plannedStacks(platform.app.synth().directory));
    expect(plan).not.toContain('Delegate the domain');
    expect(plan).toContain(`aws acm describe-certificate --region us-east-1 --certificate-arn ${CERT_EAST}`);
    expect(plan).not.toMatch(/protocol=http\b/);
  });
});

describe.each([
  ['PrimaryService', CERT_EAST],
  ['SecondaryService', CERT_WEST],
])('%s with a certificate', (stackId, certificateArn) => {
  test("HTTPS listener on 443 with the region's certificate and a modern TLS policy", () => {
    platform.templates[stackId].hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificateArn }],
      // TLS 1.3 with 1.2 as the floor; no TLS 1.0/1.1.
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-1-2-'),
    });
  });

  test('HTTP on 80 only redirects to HTTPS', () => {
    platform.templates[stackId].hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
  });

  test('the world may reach ports 80 and 443 of the ALB and nothing else, over IPv4 or IPv6', () => {
    const template = platform.templates[stackId];
    const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((group) => group.Properties.SecurityGroupIngress ?? []);
    const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    const open = [...inline, ...standalone].filter((rule: any) => rule.CidrIp !== undefined || rule.CidrIpv6 !== undefined);
    expect(open.map((rule: any) => `${rule.CidrIp ?? rule.CidrIpv6}:${rule.FromPort}-${rule.ToPort}`).sort()).toEqual(['0.0.0.0/0:443-443', '0.0.0.0/0:80-80']);
  });
});

test('Route 53 probes both regions over HTTPS on 443, for routing and for the failover signal', () => {
  const checks = Object.values(platform.templates.GlobalTraffic.findResources('AWS::Route53::HealthCheck'));
  const routing = expect.objectContaining({ Type: 'HTTPS', Port: 443, RequestInterval: 30, FailureThreshold: 2 });
  const signal = expect.objectContaining({ Type: 'HTTPS', Port: 443, RequestInterval: 10, FailureThreshold: 3 });
  expect(checks.map((check) => check.Properties.HealthCheckConfig)).toEqual([routing, routing, signal, signal]);
  expect(platform.templates.GlobalTraffic.toJSON().Outputs.ApplicationUrl.Value).toBe('https://app.trading.acme-bank.com');
});

test('a non-default retention (30 days) reaches every log group, including CDK-created ones', () => {
  const logGroups = allResources(platform).filter(({ resource }) => resource.Type === 'AWS::Logs::LogGroup');
  expect(logGroups.some(({ logicalId }) => logicalId.startsWith('Custom'))).toBe(true);
  for (const { logicalId, resource } of logGroups) expect({ logicalId, days: resource.Properties.RetentionInDays }).toEqual({ logicalId, days: 30 });
});

test('with an explicit account, synthesis needs no context lookup', () => {
  for (const stack of platform.allStacks) expect(stack.account).toBe(ACCOUNT);
  const assembly = platform.app.synth();
  expect(assembly.manifest.missing ?? []).toEqual([]);
});

test('with the longest accepted suffix, ALB and target group names still fit 32 characters', () => {
  const names = allResources(platform)
    .filter(({ resource }) => resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' || resource.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup')
    .map(({ resource }) => resource.Properties.Name as string);
  expect(names).toHaveLength(4);
  for (const name of names) {
    expect(name.endsWith(LONGEST_SUFFIX)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(32);
  }
});

test('cdk-nag AwsSolutions, PCI DSS and NIST 800-53: no unacknowledged finding with HTTPS and an explicit account', () => {
  for (const stack of platform.allStacks) expect({ stack: stack.node.id, findings: nagFindings(stack) }).toEqual({ stack: stack.node.id, findings: [] });
});
