import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { VALIDATION_TAG } from '../cleanup/src/validation-records';
import { ApplicationCertificate } from '../lib/constructs/acm-validation-records';
import { formatDeployPlan, plannedStacks } from '../scripts/deploy-plan';
import { nagFindings, synthesizePlatform, SynthesizedPlatform } from './helpers';

/**
 * certificates=platform: each region requests its own DNS-validated certificate for app.<domainName>,
 * and publishes its validation record without owning it (cleanup/src/validation-records.ts).
 */
const ACCOUNT = '123456789012';
const DOMAIN = 'trading.acme-bank.com';
const APP = `app.${DOMAIN}`;
const EXISTING_ZONE = { id: 'Z0123456789ABCDEFGHIJ', nameServers: 'ns-1.awsdns-01.org,ns-2.awsdns-02.co.uk,ns-3.awsdns-03.com,ns-4.awsdns-04.net' };
const SERVICES = ['PrimaryService', 'SecondaryService'];

const resourcesOf = (platform: SynthesizedPlatform, stackId: string, type: string): Array<[string, any]> =>
  Object.entries<any>(platform.templates[stackId].toJSON().Resources).filter(([, resource]) => resource.Type === type);

/** Every logical id a value refers to (Ref, Fn::GetAtt, DependsOn aside). */
function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => referencedIds(item, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string') found.add(item);
      else if (key === 'Fn::GetAtt' && Array.isArray(item)) found.add(String(item[0]));
      else referencedIds(item, found);
    }
  }
  return found;
}

describe('a new production environment: the platform creates the zone and requests the certificates', () => {
  let platform: SynthesizedPlatform;
  beforeAll(() => {
    platform = synthesizePlatform({ posture: 'production', account: ACCOUNT, protocol: 'https', certificates: 'platform', domainName: DOMAIN });
  });

  test('the zone lives in its own stack, which every service stack deploys after; GlobalTraffic only references it', () => {
    platform.templates.HostedZone.resourceCountIs('AWS::Route53::HostedZone', 1);
    platform.templates.GlobalTraffic.resourceCountIs('AWS::Route53::HostedZone', 0);
    const zoneStack = platform.allStacks.find((stack) => stack.node.id === 'HostedZone')!;
    for (const id of SERVICES) expect(platform.allStacks.find((stack) => stack.node.id === id)!.dependencies).toContain(zoneStack);
  });

  test.each(SERVICES)('%s requests a DNS-validated certificate for the application name and serves it on 443', (stackId) => {
    const [[certificateId, certificate]] = resourcesOf(platform, stackId, 'AWS::CertificateManager::Certificate');
    expect(certificate.Properties).toMatchObject({ DomainName: APP, ValidationMethod: 'DNS' });
    // No HostedZoneId validation option: the record must not belong to this certificate's lifecycle.
    expect(certificate.Properties.DomainValidationOptions).toBeUndefined();
    platform.templates[stackId].hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: certificateId } }],
    });
  });

  test.each(SERVICES)('%s publishes the record without waiting for, or owning, the certificate', (stackId) => {
    const [[certificateId]] = resourcesOf(platform, stackId, 'AWS::CertificateManager::Certificate');
    const [[, publisher]] = resourcesOf(platform, stackId, 'Custom::AcmValidationRecords');
    expect(publisher.Properties).toMatchObject({ Action: 'publish', DomainName: APP });
    // CloudFormation would hold the publisher until the certificate is issued, which needs the record.
    const upstream = new Set<string>([...referencedIds(publisher), ...(publisher.DependsOn ?? [])]);
    const resources = platform.templates[stackId].toJSON().Resources;
    for (const id of [...upstream]) for (const transitive of referencedIds(resources[id] ?? {})) upstream.add(transitive);
    expect(upstream.has(certificateId)).toBe(false);
  });

  test('the handlers may change only the validation CNAMEs of the application name: UPSERT in the regions, DELETE in the zone stack', () => {
    const statementOf = (stackId: string, sid: string) =>
      resourcesOf(platform, stackId, 'AWS::IAM::Policy')
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
        .find((statement: any) => statement.Sid === sid);
    for (const [stackId, sid, action] of [
      ['PrimaryService', 'PublishValidationRecords', 'UPSERT'],
      ['SecondaryService', 'PublishValidationRecords', 'UPSERT'],
      ['HostedZone', 'RemoveValidationRecords', 'DELETE'],
    ]) {
      expect([stackId, statementOf(stackId, sid)]).toEqual([
        stackId,
        expect.objectContaining({
          Action: 'route53:ChangeResourceRecordSets',
          Condition: {
            'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'], 'route53:ChangeResourceRecordSetsActions': [action] },
            'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_*.${APP}`] },
            // IAM's * matches dots too: deeper names are excluded explicitly.
            'ForAllValues:StringNotLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_*.*.${APP}`] },
          },
        }),
      ]);
    }
  });

  test("the certificate's tag changes with every create-only property, so a replaced certificate is waited for again", () => {
    const publisherTag = resourcesOf(platform, 'PrimaryService', 'Custom::AcmValidationRecords')[0][1].Properties.TagValue;
    const certificateTag = resourcesOf(platform, 'PrimaryService', 'AWS::CertificateManager::Certificate')[0][1].Properties.Tags.find(
      (tag: any) => tag.Key === VALIDATION_TAG,
    ).Value;
    expect(certificateTag).toBe(publisherTag);
    // The same construct in a bare stack: another name (a create-only property) changes the tag.
    const tagOf = (domainName: string) => {
      const stack = new Stack(new App(), 'Tags', { stackName: 'trading-dr-service-primary-dev' });
      new ApplicationCertificate(stack, 'ApplicationCertificate', {
        domainName,
        hostedZone: route53.HostedZone.fromHostedZoneId(stack, 'Zone', 'Z0123456789ABCDEFGHIJ'),
      });
      return Template.fromStack(stack).findResources('Custom::AcmValidationRecords');
    };
    const value = (resources: Record<string, any>) => Object.values(resources)[0].Properties.TagValue;
    expect(value(tagOf(APP))).toBe(publisherTag);
    expect(value(tagOf(`x.${APP}`))).not.toBe(publisherTag);
  });

  test('the zone stack removes the records on its way out: its remover refers to the zone, so it is deleted before it', () => {
    const [[zoneId]] = resourcesOf(platform, 'HostedZone', 'AWS::Route53::HostedZone');
    const [[, remover]] = resourcesOf(platform, 'HostedZone', 'Custom::AcmValidationRecords');
    expect(remover.Properties).toMatchObject({ Action: 'remove-on-delete', DomainName: APP, HostedZoneId: { Ref: zoneId } });
  });

  test('the deploy plan deploys the zone, has it delegated, then deploys the rest over HTTPS: no http phase', () => {
    const plan = formatDeployPlan('prod-new', 'dev', plannedStacks(platform.app.synth().directory));
    const zoneDeploy = plan.indexOf('npx cdk deploy HostedZone --concurrency 2 -c config=prod-new');
    const delegation = plan.indexOf(`Delegate ${DOMAIN} to the hosted zone HostedZone created`);
    const rest = plan.indexOf('npx cdk deploy --all --concurrency 2 -c config=prod-new');
    expect(zoneDeploy).toBeGreaterThan(0);
    expect(delegation).toBeGreaterThan(zoneDeploy);
    expect(plan).toContain(`dig +trace NS ${DOMAIN} lists them`);
    expect(rest).toBeGreaterThan(delegation);
    expect(plan).not.toMatch(/protocol=http\b|http:\/\/|describe-certificate/);
    expect(plan).toMatch(/\n6\. Verify .*\n {3}npm run verify-deployment -- --config prod-new\n$/);
  });

  test('cdk-nag: no unacknowledged finding in the zone and service stacks', () => {
    for (const stack of platform.allStacks.filter((candidate) => ['HostedZone', ...SERVICES].includes(candidate.node.id))) {
      expect([stack.node.id, nagFindings(stack)]).toEqual([stack.node.id, []]);
    }
  });
});

describe('a production environment in an existing zone, with certificates the platform requests', () => {
  let platform: SynthesizedPlatform;
  beforeAll(() => {
    platform = synthesizePlatform({
      posture: 'production',
      account: ACCOUNT,
      protocol: 'https',
      certificates: 'platform',
      domainName: DOMAIN,
      hostedZoneId: EXISTING_ZONE.id,
      hostedZoneNameServers: EXISTING_ZONE.nameServers,
    });
  });

  test('no zone stack: each region publishes its record into the configured zone', () => {
    expect(platform.templates.HostedZone).toBeUndefined();
    for (const stackId of SERVICES) {
      const [[, publisher]] = resourcesOf(platform, stackId, 'Custom::AcmValidationRecords');
      expect(publisher.Properties).toMatchObject({ HostedZoneId: EXISTING_ZONE.id, DomainName: APP });
    }
  });

  test('the deploy plan needs neither a delegation nor certificates issued beforehand, nor any http phase', () => {
    const plan = formatDeployPlan('live', 'dev', plannedStacks(platform.app.synth().directory));
    expect(plan).not.toMatch(/Delegate|describe-certificate|protocol=http\b|http:\/\//);
    expect(plan).toContain('npx cdk deploy --all --concurrency 2 -c config=live');
    expect(plan).toMatch(/npm run verify-deployment -- --config live\n$/);
  });

  test('cdk-nag: no unacknowledged finding in the service stacks', () => {
    for (const stack of platform.allStacks.filter((candidate) => SERVICES.includes(candidate.node.id))) {
      expect([stack.node.id, nagFindings(stack)]).toEqual([stack.node.id, []]);
    }
  });
});
