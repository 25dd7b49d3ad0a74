import { deployWaves, formatDeployPlan, PlannedStack, plannedStacks } from '../scripts/deploy-plan';
import { sharedAssembly } from './assemblies';

describe.each([
  ['dev', 'dev'],
  ['prod', 'prod'],
])('the deploy plan of config/%s.json, from its synthesized stacks', (name, suffix) => {
  let stacks: PlannedStack[];
  let plan: string;
  beforeAll(() => {
    stacks = plannedStacks(sharedAssembly(name));
    plan = formatDeployPlan(name, suffix, stacks);
  });

  test('every stack deploys in a wave after every stack it depends on', () => {
    const waveOf = new Map(deployWaves(stacks).flatMap((wave, index) => wave.map((stack) => [stack.stackId, index] as const)));
    expect(waveOf.size).toBe(11);
    for (const stack of stacks) for (const dependency of stack.after) expect(waveOf.get(dependency.stackId)!).toBeLessThan(waveOf.get(stack.stackId)!);
    // The plan lists the waves in that order: SecondaryFoundation first, the monitoring stacks last.
    expect(plan.indexOf('SecondaryFoundation (')).toBeLessThan(plan.indexOf('PrimaryFoundation ('));
    expect(plan.indexOf('GlobalTraffic (')).toBeLessThan(plan.indexOf('PrimaryMonitoring ('));
  });

  test('each order is explained by the read that causes it, read from the templates', () => {
    const globalTraffic = stacks.find((stack) => stack.stackId === 'GlobalTraffic')!;
    expect(globalTraffic.after).toContainEqual({
      stackId: 'SecondaryService',
      reason: 'reads its output LoadBalancerDnsName, reads its output LoadBalancerCanonicalHostedZoneId',
    });
    expect(globalTraffic.after.find((dependency) => dependency.stackId === 'PrimaryService')!.reason).toMatch(/^imports its export \w+/);
  });

  test('bootstrap of both regions, the deploy commands, the one-off database bootstrap and the delegation, with this configuration', () => {
    expect(plan).toMatch(new RegExp(`npx cdk bootstrap aws://[^/]+/us-west-2 aws://[^/]+/us-east-1 -c config=${name}\\n`));
    expect(plan).toContain(`npx cdk deploy --all --concurrency 2 -c config=${name}\n`);
    expect(plan).toContain(`npm run db-bootstrap -- --config ${name} --confirm db-bootstrap-${suffix}\n`);
    expect(plan).toContain(`--stack-name trading-dr-dns-${suffix} --query "Stacks[0].Outputs[?OutputKey=='HostedZoneNameServers'].OutputValue"`);
    expect(plan).toMatch(new RegExp(`\\n5\\. Verify .*\\n {3}npm run verify-deployment -- --config ${name}\\n$`));
  });
});

test('production: its account in the bootstrap, the certificates checked before the HTTPS listeners, and no http step', () => {
  const plan = formatDeployPlan('prod', 'prod', plannedStacks(sharedAssembly('prod')));
  expect(plan).toContain('npx cdk bootstrap aws://111122223333/us-west-2 aws://111122223333/us-east-1 -c config=prod');
  expect(plan).toMatch(
    /aws acm describe-certificate --region us-east-1 --certificate-arn arn:aws:acm:us-east-1:111122223333:certificate\/[-0-9a-f]+ --query Certificate.Status {3}# PrimaryService/,
  );
  expect(plan).not.toMatch(/protocol=http\b|http:\/\//);
});

test('a dependency cycle is reported, never planned', () => {
  const stack = (stackId: string, after: string[]): PlannedStack => ({
    stackId,
    stackName: stackId,
    region: 'us-east-1',
    after: after.map((dependency) => ({ stackId: dependency, reason: 'test' })),
    outputs: [],
    certificates: [],
    createsHostedZone: false,
    requestsCertificates: false,
  });
  expect(() => deployWaves([stack('A', ['B']), stack('B', ['A'])])).toThrow('cycle among A, B');
});
