import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateCosts, HOURS_PER_MONTH, loadPriceSheet, summarize } from '../scripts/cost-estimate';
import { allResources, SynthesizedPlatform, synthesizePlatform } from './helpers';

let platform: SynthesizedPlatform;
const sheet = loadPriceSheet();

beforeAll(() => {
  platform = synthesizePlatform();
});

function templates() {
  return platform.allStacks.map((stack) => ({ stackId: stack.node.id, region: stack.region, template: platform.templates[stack.node.id].toJSON() }));
}

test('every price carries its public source and date', () => {
  for (const [key, entry] of Object.entries(sheet.prices)) {
    expect({ key, source: /^https:\/\//.test(entry.source), date: typeof entry.sourceDate === 'string' && entry.sourceDate.length > 0 }).toEqual({
      key,
      source: true,
      date: true,
    });
  }
});

test('quantities are counted from the synthesized templates, per region', () => {
  const lines = estimateCosts(templates(), sheet);
  for (const region of ['us-east-1', 'us-west-2']) {
    const regionOf = (stackId: string) => platform.allStacks.find((stack) => stack.node.id === stackId)!.region;
    const natGateways = allResources(platform).filter(
      ({ stackId, resource }) => resource.Type === 'AWS::EC2::NatGateway' && regionOf(stackId) === region,
    ).length;
    expect(natGateways).toBe(3);
    const nat = lines.find((line) => line.region === region && line.priceKey === 'natGatewayHour')!;
    expect(nat.quantity).toBe(natGateways * HOURS_PER_MONTH);
    expect(nat.monthly).toBeCloseTo(natGateways * HOURS_PER_MONTH * (sheet.prices.natGatewayHour[region] as number));
    // Seven interface endpoints, each with a network interface in three zones; gateway endpoints are free.
    const endpoints = lines.find((line) => line.region === region && line.priceKey === 'vpcInterfaceEndpointHour')!;
    expect(endpoints.quantity).toBe(7 * 3 * HOURS_PER_MONTH);
    const wafRules = lines.find((line) => line.region === region && line.priceKey === 'wafRuleMonth')!;
    expect(wafRules.quantity).toBe(5);
  }
  const health = lines.filter((line) => line.priceKey === 'route53HealthCheckAwsEndpointMonth').reduce((sum, line) => sum + line.quantity, 0);
  expect(health).toBe(allResources(platform).filter(({ resource }) => resource.Type === 'AWS::Route53::HealthCheck').length);
});

test('a region without a sourced price uses the us-east-1 price and says so; a sourced one is used as it is', () => {
  const withoutOregon = { ...sheet, prices: { ...sheet.prices, albHour: { ...sheet.prices.albHour, 'us-west-2': null, 'us-east-1': 0.03 } } };
  const alb = estimateCosts(templates(), withoutOregon).find((line) => line.region === 'us-west-2' && line.priceKey === 'albHour')!;
  expect(alb).toMatchObject({ unitPrice: 0.03, note: 'no sourced us-west-2 price: the us-east-1 price stands in' });
  const withOregon = { ...sheet, prices: { ...sheet.prices, albHour: { ...sheet.prices.albHour, 'us-west-2': 0.04 } } };
  const sourced = estimateCosts(templates(), withOregon).find((line) => line.region === 'us-west-2' && line.priceKey === 'albHour')!;
  expect({ unitPrice: sourced.unitPrice, note: sourced.note }).toEqual({ unitPrice: 0.04, note: undefined });
});

test('the standby region costs less than the whole platform, and the total is the sum of the regions', () => {
  const summary = summarize(estimateCosts(templates(), sheet));
  expect(summary.byRegion['us-west-2']).toBeGreaterThan(0);
  expect(summary.byRegion['us-west-2']).toBeLessThan(summary.total);
  expect(summary.total).toBeCloseTo(summary.byRegion['us-east-1'] + summary.byRegion['us-west-2']);
});

describe('the command', () => {
  const run = (...args: string[]) =>
    spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, '..', 'scripts', 'cost-estimate.ts'), ...args], {
      encoding: 'utf8',
    });

  test('without synthesized templates it says to synthesize first, exit 2', () => {
    const result = run('--assembly', path.join(os.tmpdir(), 'no-such-assembly'));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('run `npm run synth` first') });
  });

  test('an unknown argument is refused, exit 2', () => {
    expect(run('--region', 'us-east-1')).toMatchObject({ status: 2, stderr: expect.stringContaining('cost-estimate: unknown flag --region') });
  });
});
