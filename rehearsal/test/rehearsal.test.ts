import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedAssembly } from '../../test/assemblies';
import { DECISION_REASONS } from '../../orchestrator/src/decision';
import { runInProcess, runMatrix, ScenarioProgress } from '../src/matrix';
import { PlatformWiring, readPlatformWiring } from '../src/platform-wiring';
import { runScenario } from '../src/run';
import { FAULT_CLASS_SCENARIOS, SCENARIOS, scenarioNamed } from '../src/scenarios';
import { Assembly } from '../src/wiring';

/** The fixed seeds of the CI matrix; `npm run rehearse` runs 200. */
const CI_SEEDS = Array.from({ length: 12 }, (_, index) => index + 1);

let assemblyDir: string;
let wiring: PlatformWiring;

beforeAll(() => {
  // The real CLI synth of config/dev.json, shared by the test run (test/assemblies.ts).
  assemblyDir = sharedAssembly('dev');
  wiring = readPlatformWiring(Assembly.fromDirectory(assemblyDir));
});

/** A copy of the assembly with one template edited, as a wrong wiring would synthesize it. */
function editedAssembly(artifactId: string, edit: (template: any) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearse-'));
  for (const file of fs.readdirSync(assemblyDir).filter((name) => name.endsWith('.json'))) fs.copyFileSync(path.join(assemblyDir, file), path.join(dir, file));
  const file = path.join(dir, `${artifactId}.template.json`);
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(template);
  fs.writeFileSync(file, JSON.stringify(template));
  return dir;
}

function containerEnvironment(template: any): Array<{ Name: string; Value: unknown }> {
  const taskDefinition = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::ECS::TaskDefinition');
  return taskDefinition.Properties.ContainerDefinitions[0].Environment;
}

describe('wiring read from the synthesized templates', () => {
  test("weighted records 100/0 with a health check each, probing the readiness path of each region's load balancer", () => {
    const byId = Object.fromEntries(wiring.records.map((record) => [record.setIdentifier, record]));
    const lb = (region: string) => wiring.services.find((service) => service.region === region)!.loadBalancerDnsName;
    expect(byId.primary).toMatchObject({ weight: 100, alias: true, target: `dualstack.${lb('us-east-1')}` });
    expect(byId.secondary).toMatchObject({ weight: 0, alias: true, target: `dualstack.${lb('us-west-2')}` });
    // The secondary's name crosses regions through Fn::GetStackOutput; the primary's through Fn::ImportValue.
    expect(byId.primary.healthCheck).toMatchObject({ fqdn: lb('us-east-1'), path: '/ready', requestIntervalSeconds: 30, failureThreshold: 2 });
    expect(byId.secondary.healthCheck).toMatchObject({ fqdn: lb('us-west-2'), path: '/ready' });
    expect(wiring.applicationName).toBe('app.trading-dev.example.com');
  });

  test("each service's database hosts resolve to its own cluster's endpoint attributes, which the Aurora model interprets", () => {
    for (const service of wiring.services) {
      for (const [variable, attribute] of [
        ['DB_HOST', 'Endpoint.Address'],
        ['DB_READER_HOST', 'ReadEndpoint.Address'],
      ]) {
        const named = wiring.renderer.lookup(service.environment[variable]);
        expect(named?.resource.type).toBe('AWS::RDS::DBCluster');
        expect(named?.resource.stack.region).toBe(service.region);
        expect(named?.attribute).toBe(attribute);
      }
    }
  });

  test('the orchestrator, its schedule and the global database come from their resources', () => {
    expect(wiring.orchestrator).toMatchObject({ region: 'us-west-2', schedulePeriodSeconds: 60, reservedConcurrency: 1, maxEventAgeSeconds: 60 });
    expect(new URL(wiring.orchestrator.environment.PRIMARY_READINESS_URL).hostname).toBe(
      wiring.services.find((s) => s.region === 'us-east-1')!.loadBalancerDnsName,
    );
    const clusters = Object.fromEntries(wiring.clusters.map((cluster) => [cluster.region, cluster]));
    expect(clusters['us-east-1']).toMatchObject({ joinsAs: 'primary', writeForwarding: false, instanceCount: 2 });
    expect(clusters['us-west-2']).toMatchObject({ joinsAs: 'secondary', writeForwarding: true, instanceCount: 1 });
  });

  test('an assembly that is not there names the command that makes it', () => {
    expect(() => Assembly.fromDirectory(path.join(os.tmpdir(), 'no-such-assembly'))).toThrow('run `npm run synth` first');
  });
});

describe('the rehearsal matrix (fixed seeds)', () => {
  let report: Awaited<ReturnType<typeof runMatrix>>;
  const progress: ScenarioProgress[] = [];
  beforeAll(async () => {
    // In the bundled worker processes, as `npm run rehearse` runs it: a run under jest's module system
    // costs about twice as much (the test below proves workers and this process agree).
    report = await runMatrix({
      assemblyDir,
      scenarios: SCENARIOS.map((scenario) => scenario.name),
      seeds: CI_SEEDS,
      workers: 2,
      onScenarioDone: (done) => progress.push(done),
    });
  });

  test('long work shows progress: one report per scenario once all its runs are done, in time order', () => {
    expect(progress.map((done) => done.scenario).sort()).toEqual(SCENARIOS.map((scenario) => scenario.name).sort());
    expect(progress.every((done) => done.runs === CI_SEEDS.length)).toBe(true);
    const times = progress.map((done) => done.elapsedMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[times.length - 1]).toBeLessThanOrEqual(report.elapsedMs);
  });

  test.each(SCENARIOS.map((scenario) => [scenario.name, scenario.expected]))('%s: %s, with no invariant broken', (name) => {
    const summary = report.summaries.find((candidate) => candidate.scenario === name)!;
    expect(summary.violations).toEqual([]);
    expect(summary.misses).toEqual([]);
    expect(summary.runs).toBe(CI_SEEDS.length);
    const scenario = scenarioNamed(name)!;
    if (scenario.expected === 'recover') {
      expect(summary.runsWithPromotion).toBe(CI_SEEDS.length);
      expect(summary.writes.max).toBeLessThanOrEqual(300);
    } else {
      expect(summary.runsWithPromotion).toBe(0);
    }
  });

  test("the speed benchmark's scenarios are ten distinct scenarios of the matrix and cover every expected outcome", () => {
    expect(new Set(FAULT_CLASS_SCENARIOS).size).toBe(10);
    for (const name of FAULT_CLASS_SCENARIOS) expect(report.summaries.map((summary) => summary.scenario)).toContain(name);
    expect(new Set(FAULT_CLASS_SCENARIOS.map((name) => scenarioNamed(name)!.expected))).toEqual(new Set(['recover', 'no-promotion', 'no-promotion-and-page']));
  });

  test('every decision the orchestrator can make occurs across the batch (the rare paths ran)', () => {
    const seen = new Set(report.summaries.flatMap((summary) => Object.keys(summary.decisions)));
    expect([...DECISION_REASONS].filter((reason) => !seen.has(reason))).toEqual([]);
  });

  test('a flapping primary costs writes only for the length of each blip', () => {
    const summary = report.summaries.find((candidate) => candidate.scenario === 'primary-flapping')!;
    expect(summary.writes.max).toBeLessThanOrEqual(27);
  });
});

describe('the rehearsal proves what it claims', () => {
  test('worker processes run the bundled sources and report exactly what this process computes', async () => {
    // The failback scenario drives every simulated API (RDS failover and switchover, SSM) through SDK
    // command objects, whose class names the bundle must not break.
    const matrix = { assemblyDir, scenarios: ['primary-region-lost', 'failover-then-planned-failback'], seeds: [3, 4] };
    const inProcessProgress: string[] = [];
    const [inWorkers, inProcess] = [
      await runMatrix({ ...matrix, workers: 2 }),
      await runMatrix({ ...matrix, workers: 1, onScenarioDone: (done) => inProcessProgress.push(done.scenario) }),
    ];
    expect(inWorkers.ok).toBe(true);
    expect(inWorkers.summaries).toEqual(inProcess.summaries);
    expect(inProcessProgress).toEqual(matrix.scenarios);
  });

  test("a worker's failure fails the matrix with the worker's reason, instead of leaving it waiting", async () => {
    const missing = path.join(os.tmpdir(), 'no-such-assembly');
    await expect(runMatrix({ assemblyDir: missing, scenarios: ['primary-region-lost'], seeds: [1, 2], workers: 2 })).rejects.toThrow(
      /a rehearsal worker failed: .*no cloud assembly/,
    );
  });

  test('one seed replays exactly; another seed differs', async () => {
    const scenario = scenarioNamed('primary-region-lost')!;
    const [a, b, c] = [await runScenario(wiring, scenario, 42), await runScenario(wiring, scenario, 42), await runScenario(wiring, scenario, 43)];
    expect(b).toEqual(a);
    expect(c.writeRecoveryMs).not.toEqual(a.writeRecoveryMs);
  });

  test('the wiring of the defect (the standby reaching its database through its inactive writer endpoint) fails the outage scenario', async () => {
    const broken = editedAssembly('SecondaryService', (template) => {
      const environment = containerEnvironment(template);
      const host = environment.find((variable) => variable.Name === 'DB_HOST')!.Value;
      environment.find((variable) => variable.Name === 'DB_READER_HOST')!.Value = host;
    });
    const [result] = await runInProcess({ assemblyDir: broken }, [{ scenario: 'primary-region-lost', seed: 1 }]);
    expect(result.failovers).toBe(0);
    expect(result.decisions['secondary-unhealthy']).toBeGreaterThan(0);
    expect(result.misses).toEqual(expect.arrayContaining([expect.stringContaining('expected exactly one promotion')]));
  });

  test('a standby cluster without write forwarding is never ready, so the outage scenario fails', async () => {
    const broken = editedAssembly('SecondaryData', (template) => {
      const cluster = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::RDS::DBCluster');
      delete cluster.Properties.EnableGlobalWriteForwarding;
    });
    const [result] = await runInProcess({ assemblyDir: broken }, [{ scenario: 'primary-region-lost', seed: 2 }]);
    expect(result.failovers).toBe(0);
    expect(result.misses.length).toBeGreaterThan(0);
  });

  test('a primary health check that probes the wrong load balancer never moves traffic, so the outage scenario fails', async () => {
    const broken = editedAssembly('GlobalTraffic', (template) => {
      const checks = Object.values<any>(template.Resources).filter((resource) => resource.Type === 'AWS::Route53::HealthCheck');
      const secondaryFqdn = checks.find((check) => JSON.stringify(check.Properties.HealthCheckConfig.FullyQualifiedDomainName).includes('GetStackOutput'))!
        .Properties.HealthCheckConfig.FullyQualifiedDomainName;
      for (const check of checks) check.Properties.HealthCheckConfig.FullyQualifiedDomainName = secondaryFqdn;
    });
    const [result] = await runInProcess({ assemblyDir: broken }, [{ scenario: 'primary-region-lost', seed: 3 }]);
    expect(result.failovers).toBe(0);
    expect(result.decisions['traffic-not-moved']).toBeGreaterThan(0);
  });
});
