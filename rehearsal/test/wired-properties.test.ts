/**
 * Every template property the rehearsal reads matters (issue 23, item 1): for each one, an assembly
 * with only that property wired wrong fails a scenario, with a message that names the property.
 * The list of properties read and deliberately ignored is WIRED_PROPERTIES / IGNORED_PROPERTIES;
 * the README prints both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedAssembly } from '../../test/assemblies';
import { readPlatformWiring } from '../src/platform-wiring';
import { runScenario } from '../src/run';
import { scenarioNamed } from '../src/scenarios';
import { Assembly, StackTemplate } from '../src/wiring';
import { IGNORED_PROPERTIES, WIRED_PROPERTIES } from '../src/wired-properties';

type Resources = Record<string, { Type: string; Properties?: any }>;

interface Mutation {
  /** The stack whose template is edited (its artifact id). */
  readonly stack: string;
  readonly edit: (resources: Resources) => void;
  /** The scenario that exposes it. @default primary-region-lost */
  readonly scenario?: string;
  /** A seed on which it shows. @default 1 */
  readonly seed?: number;
}

let base: Assembly;

beforeAll(() => {
  base = Assembly.fromDirectory(sharedAssembly('dev'));
});

function only(resources: Resources, type: string, matching: (properties: any) => boolean = () => true): any {
  const found = Object.values(resources).filter((resource) => resource.Type === type && matching(resource.Properties ?? {}));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0].Properties;
}

/** The primary's routing health check (the failover signal has its own, tagged hc-signal-…). */
const isPrimaryCheck = (properties: any): boolean =>
  (properties.HealthCheckTags ?? []).some((tag: any) => tag.Key === 'Name' && tag.Value.startsWith('hc-trading-primary'));
const isPrimaryRecord = (properties: any): boolean => properties.SetIdentifier === 'primary' && properties.Type === 'A';
const isSignalRecord =
  (identifier: string) =>
  (properties: any): boolean =>
    properties.SetIdentifier === identifier && properties.Type === 'TXT';
/** The environment of the container the ECS service runs (other task definitions are one-off tasks). */
const containerEnvironment = (resources: Resources): Array<{ Name: string; Value: unknown }> => {
  const taskDefinition = only(resources, 'AWS::ECS::Service').TaskDefinition.Ref;
  return resources[taskDefinition].Properties.ContainerDefinitions[0].Environment;
};
const setContainerVariable = (resources: Resources, name: string, value: string): void => {
  const variable = containerEnvironment(resources).find((candidate) => candidate.Name === name);
  if (!variable) throw new Error(`no container variable ${name}`);
  variable.Value = value;
};
const orchestratorFunction = (resources: Resources): any =>
  only(resources, 'AWS::Lambda::Function', (properties) => properties.Environment?.Variables?.GLOBAL_CLUSTER_ID);
const setOrchestratorVariable = (name: string, value: unknown): Mutation => ({
  stack: 'FailoverAutomation',
  edit: (resources) => {
    const variables = orchestratorFunction(resources).Environment.Variables;
    if (!(name in variables)) throw new Error(`no orchestrator variable ${name}`);
    variables[name] = value;
  },
});

/** One mutation per wired property, keyed by the name its messages use. */
const MUTATIONS: Record<string, Mutation> = {
  'HealthCheckConfig.Type': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.Type = 'HTTPS'),
  },
  'HealthCheckConfig.FullyQualifiedDomainName': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.FullyQualifiedDomainName = 'elsewhere.example.com'),
  },
  'HealthCheckConfig.Port': { stack: 'GlobalTraffic', edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.Port = 8080) },
  'HealthCheckConfig.ResourcePath': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.ResourcePath = '/health'),
  },
  'HealthCheckConfig.RequestInterval': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.RequestInterval = 60),
  },
  'HealthCheckConfig.FailureThreshold': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.FailureThreshold = 10),
  },
  'HealthCheckConfig.Inverted': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::HealthCheck', isPrimaryCheck).HealthCheckConfig.Inverted = true),
  },
  'RecordSet.Name': { stack: 'GlobalTraffic', edit: (r) => void (only(r, 'AWS::Route53::RecordSet', isPrimaryRecord).Name = 'www.trading-dev.example.com.') },
  'RecordSet.Weight': {
    stack: 'GlobalTraffic',
    edit: (r) => {
      only(r, 'AWS::Route53::RecordSet', isPrimaryRecord).Weight = 0;
      only(r, 'AWS::Route53::RecordSet', (properties) => properties.SetIdentifier === 'secondary' && properties.Type === 'A').Weight = 100;
    },
  },
  'RecordSet.HealthCheckId': { stack: 'GlobalTraffic', edit: (r) => void delete only(r, 'AWS::Route53::RecordSet', isPrimaryRecord).HealthCheckId },
  'RecordSet.ResourceRecords': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::RecordSet', isSignalRecord('primary')).ResourceRecords = ['"eu-west-1"']),
  },
  'AliasTarget.DNSName': {
    stack: 'GlobalTraffic',
    edit: (r) => void (only(r, 'AWS::Route53::RecordSet', isPrimaryRecord).AliasTarget.DNSName = 'dualstack.elsewhere.example.com'),
  },
  'Listener.Port': { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::Listener').Port = 8081) },
  'Listener.Protocol': { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::Listener').Protocol = 'HTTPS') },
  'Listener.DefaultActions': {
    stack: 'PrimaryService',
    edit: (r) =>
      void (only(r, 'AWS::ElasticLoadBalancingV2::Listener').DefaultActions = [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain' } },
      ]),
  },
  'TargetGroup.Protocol': { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::TargetGroup').Protocol = 'HTTPS') },
  'TargetGroup.HealthCheckPath': {
    stack: 'PrimaryService',
    edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::TargetGroup').HealthCheckPath = '/health'),
  },
  HealthCheckPort: { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::TargetGroup').HealthCheckPort = '9000') },
  'Matcher.HttpCode': { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ElasticLoadBalancingV2::TargetGroup').Matcher = { HttpCode: '204' }) },
  DesiredCount: { stack: 'SecondaryService', edit: (r) => void (only(r, 'AWS::ECS::Service').DesiredCount = 0) },
  'LoadBalancers.ContainerPort': { stack: 'PrimaryService', edit: (r) => void (only(r, 'AWS::ECS::Service').LoadBalancers[0].ContainerPort = 9090) },
  PORT: { stack: 'PrimaryService', edit: (r) => setContainerVariable(r, 'PORT', '9090') },
  DB_HOST: { stack: 'PrimaryService', edit: (r) => setContainerVariable(r, 'DB_HOST', 'trading-db.example.internal') },
  DB_READER_HOST: { stack: 'SecondaryService', edit: (r) => setContainerVariable(r, 'DB_READER_HOST', 'trading-db-ro.example.internal') },
  DB_PORT: { stack: 'PrimaryService', edit: (r) => setContainerVariable(r, 'DB_PORT', '5433') },
  DB_GLOBAL_CLUSTER_ID: { stack: 'SecondaryService', edit: (r) => setContainerVariable(r, 'DB_GLOBAL_CLUSTER_ID', 'aurora-trading-global-other') },
  DB_CLUSTER_ID: { stack: 'SecondaryService', edit: (r) => setContainerVariable(r, 'DB_CLUSTER_ID', 'aurora-trading-secondary-other') },
  DB_PEER_REGION: {
    stack: 'PrimaryService',
    edit: (r) => setContainerVariable(r, 'DB_PEER_REGION', 'us-east-1'),
    scenario: 'primary-rds-api-down-tasks-replaced',
  },
  ScheduleExpression: { stack: 'FailoverAutomation', edit: (r) => void (only(r, 'AWS::Scheduler::Schedule').ScheduleExpression = 'rate(15 minutes)') },
  ReservedConcurrentExecutions: { stack: 'FailoverAutomation', edit: (r) => void (orchestratorFunction(r).ReservedConcurrentExecutions = 0) },
  Timeout: { stack: 'FailoverAutomation', edit: (r) => void (orchestratorFunction(r).Timeout = 3) },
  GLOBAL_CLUSTER_ID: setOrchestratorVariable('GLOBAL_CLUSTER_ID', 'aurora-trading-global-other'),
  SECONDARY_CLUSTER_ARN: setOrchestratorVariable('SECONDARY_CLUSTER_ARN', 'arn:aws:rds:us-west-2:123456789012:cluster:aurora-trading-other'),
  PRIMARY_READINESS_URL: setOrchestratorVariable('PRIMARY_READINESS_URL', 'http://elsewhere.example.com/ready'),
  SECONDARY_READINESS_URL: setOrchestratorVariable('SECONDARY_READINESS_URL', 'http://elsewhere.example.com/ready'),
  PAUSE_PARAMETER: { ...setOrchestratorVariable('PAUSE_PARAMETER', '/trading-dr/dev/failover/pause-other'), scenario: 'orchestrator-paused' },
  PROBE_COUNT: setOrchestratorVariable('PROBE_COUNT', '200'),
  PROBE_INTERVAL_SECONDS: setOrchestratorVariable('PROBE_INTERVAL_SECONDS', '120'),
  PROBE_TIMEOUT_SECONDS: setOrchestratorVariable('PROBE_TIMEOUT_SECONDS', '60'),
  PROBE_WINDOW_SECONDS: setOrchestratorVariable('PROBE_WINDOW_SECONDS', '0'),
  PROBE_STATE_PARAMETER: setOrchestratorVariable('PROBE_STATE_PARAMETER', '/trading-dr/dev/failover/streak-other'),
  NAME_SERVERS: setOrchestratorVariable('NAME_SERVERS', 'ns-9.example.net'),
  VETO_TIMEOUT_SECONDS: { ...setOrchestratorVariable('VETO_TIMEOUT_SECONDS', '1'), scenario: 'primary-answers-slowly' },
  // A database blip of 20-45 s: seed 3 draws one long enough to be promoted without the floor.
  MINIMUM_OUTAGE_SECONDS: { ...setOrchestratorVariable('MINIMUM_OUTAGE_SECONDS', '0'), scenario: 'primary-database-blip', seed: 3 },
  SIGNAL_RECORD_NAME: setOrchestratorVariable('SIGNAL_RECORD_NAME', '_signal.app.trading-dev.example.com'),
  SIGNAL_STANDBY_VALUE: setOrchestratorVariable('SIGNAL_STANDBY_VALUE', 'us-west-1'),
  NOTIFICATION_TOPIC_ARN: {
    ...setOrchestratorVariable('NOTIFICATION_TOPIC_ARN', 'arn:aws:sns:us-west-2:123456789012:elsewhere'),
    scenario: 'primary-lost-secondary-unhealthy',
  },
  'GlobalCluster.GlobalClusterIdentifier': {
    stack: 'PrimaryData',
    edit: (r) => void (only(r, 'AWS::RDS::GlobalCluster').GlobalClusterIdentifier = 'aurora-trading-global-other'),
  },
  'DBCluster.DBClusterIdentifier': {
    stack: 'SecondaryData',
    edit: (r) => void (only(r, 'AWS::RDS::DBCluster').DBClusterIdentifier = 'aurora-trading-secondary-other'),
  },
  'DBCluster.Port': { stack: 'PrimaryData', edit: (r) => void (only(r, 'AWS::RDS::DBCluster').Port = 5433) },
  'DBCluster.GlobalClusterIdentifier': {
    stack: 'SecondaryData',
    edit: (r) => void (only(r, 'AWS::RDS::DBCluster').GlobalClusterIdentifier = 'aurora-trading-global-other'),
  },
  'DBCluster.MasterUsername': { stack: 'SecondaryData', edit: (r) => void (only(r, 'AWS::RDS::DBCluster').MasterUsername = 'postgres') },
  'DBCluster.EnableGlobalWriteForwarding': { stack: 'SecondaryData', edit: (r) => void delete only(r, 'AWS::RDS::DBCluster').EnableGlobalWriteForwarding },
  'AWS::RDS::DBInstance': {
    stack: 'SecondaryData',
    edit: (r) => {
      for (const [id, resource] of Object.entries(r)) if (resource.Type === 'AWS::RDS::DBInstance') delete r[id];
    },
  },
};

/** The assembly with one stack's template edited. */
function mutatedAssembly(mutation: Mutation): Assembly {
  const stacks = base.stacks.map((stack): StackTemplate => {
    if (stack.artifactId !== mutation.stack) return stack;
    const resources = structuredClone(stack.resources) as Resources;
    mutation.edit(resources);
    return { ...stack, resources };
  });
  if (!stacks.some((stack) => stack.artifactId === mutation.stack)) throw new Error(`no stack ${mutation.stack}`);
  return new Assembly(stacks);
}

/** What the mutated platform came to: the reader's refusal, or every violation and miss of one run. */
async function outcome(property: string): Promise<string> {
  const mutation = MUTATIONS[property];
  let wiring;
  try {
    wiring = readPlatformWiring(mutatedAssembly(mutation));
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
  const result = await runScenario(wiring, scenarioNamed(mutation.scenario ?? 'primary-region-lost')!, mutation.seed ?? 1);
  return [...result.violations, ...result.misses].join('\n');
}

describe('every wired property matters', () => {
  test('each wired property has a mutation, and nothing else does', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual(WIRED_PROPERTIES.map((entry) => entry.name).sort());
  });

  test.each(WIRED_PROPERTIES.map((entry) => [entry.name]))('%s wired wrong fails a scenario, naming it', async (property) => {
    const seen = await outcome(property);
    expect(seen).not.toBe('');
    expect(seen).toContain(property);
  });

  test('the unmutated assembly passes the scenarios the mutations use', async () => {
    const wiring = readPlatformWiring(base);
    for (const mutation of Object.values(MUTATIONS)) {
      const result = await runScenario(wiring, scenarioNamed(mutation.scenario ?? 'primary-region-lost')!, mutation.seed ?? 1);
      expect([...result.violations, ...result.misses]).toEqual([]);
    }
  });

  test('the README lists every property read and every property ignored, with its reason', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const entry of WIRED_PROPERTIES) expect(readme).toContain(`| ${entry.resource} | \`${entry.name}\` |`);
    for (const entry of IGNORED_PROPERTIES) expect(readme).toContain(`| ${entry.resource} | \`${entry.name}\` | ${entry.reason} |`);
  });
});
