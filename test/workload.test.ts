import { ConfigError, resolvePlatformConfig } from '../lib/config';
import { checkWorkloadDirectory, parseWorkload, WorkloadSource } from '../lib/workload';
import { allResources, appTaskDefinition, synthesizePlatform, SynthesizedPlatform } from './helpers';

const ECR = '111122223333.dkr.ecr.{region}.amazonaws.com/orders-api';
const problemsOf = (raw: unknown, production = false): string[] => {
  try {
    parseWorkload(raw, production);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('workload configuration', () => {
  test('without one, the reference trading service runs with its defaults', () => {
    expect(resolvePlatformConfig({}).workload).toEqual({
      source: WorkloadSource.REFERENCE,
      image: undefined,
      directory: undefined,
      port: 8080,
      livenessPath: '/healthz',
      readinessPath: '/ready',
      cpu: 1024,
      memoryMiB: 2048,
      desiredCount: 2,
    });
  });

  test('an image, or a build directory, with its port, health paths and task size; -c gives it as JSON text', () => {
    const workload = { image: `${ECR}:1.4.2`, port: 9000, livenessPath: '/live', readinessPath: '/health/ready', cpu: 512, memoryMiB: 2048, desiredCount: 3 };
    expect(parseWorkload(JSON.stringify(workload), true)).toEqual({ source: WorkloadSource.IMAGE, directory: undefined, ...workload });
    expect(parseWorkload({ directory: 'workloads/orders' }, false)).toMatchObject({ source: WorkloadSource.DIRECTORY, directory: 'workloads/orders' });
    expect(parseWorkload({ image: `ghcr.io/acme/orders@sha256:${'a'.repeat(64)}` }, false).source).toBe(WorkloadSource.IMAGE);
  });

  test.each([
    [{ image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.2' }, /names the ECR registry of us-east-1 only: write \{region\} in its place/],
    [{ image: `${ECR}:latest` }, /must not use the mutable tag latest/],
    [{ image: 'ghcr.io/acme/orders' }, /explicit tag or digest/],
    [{ image: `${ECR}:1`, directory: 'app' }, /either image .* or directory .*, not both/],
    [{ directory: '../elsewhere' }, /must be a path inside this repository/],
    [{ cpu: 1024, memoryMiB: 1024 }, /workload.memoryMiB=1024.*not a Fargate memory size for cpu 1024: from 2048 to 8192 in steps of 1024/],
    [{ cpu: 300 }, /workload.cpu=300.*must be a Fargate task size/],
    [{ port: 80 }, /workload.port=80.*from 1024 to 65535/],
    [{ readinessPath: 'ready' }, /absolute URL path/],
    [{ livenessPath: '/ready' }, /must differ from livenessPath/],
    [{ imageUri: 'x' }, /workload.imageUri="x": is not a workload key; the keys are image, directory/],
    ['{not json', /must be an object/],
  ])('%j is refused at synth time: %s', (raw, message) => {
    const problems = problemsOf(raw);
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  test('the production posture refuses a single task per region', () => {
    expect(problemsOf({ desiredCount: 1 }, true)).toEqual([expect.stringMatching(/workload.desiredCount=1.*at least 2 in the production posture/)]);
    expect(problemsOf({ desiredCount: 1 }, false)).toEqual([]);
  });

  test('a build directory without a Dockerfile is refused before CDK reaches the asset', () => {
    const seen: string[] = [];
    const exists = (relativePath: string) => (seen.push(relativePath), relativePath === 'workloads/orders/Dockerfile');
    expect(() => checkWorkloadDirectory(parseWorkload({ directory: 'workloads/orders/' }, false), exists)).not.toThrow();
    expect(() => checkWorkloadDirectory(parseWorkload({ directory: 'docs' }, false), exists)).toThrow(
      'Invalid configuration workload.directory="docs": must hold a Dockerfile (docs/Dockerfile does not exist in this repository)',
    );
    expect(seen).toEqual(['workloads/orders/Dockerfile', 'docs/Dockerfile']);
  });

  test('every problem is reported at once, and through the platform configuration', () => {
    expect(() => resolvePlatformConfig({ workload: { cpu: 300, port: 1, readinessPath: 'x' } })).toThrow(/3 configuration problems/);
  });
});

describe('a workload from an ECR image, synthesized', () => {
  let platform: SynthesizedPlatform;
  const workload = { image: `${ECR}:1.4.2`, port: 9000, livenessPath: '/live', readinessPath: '/health/ready', cpu: 512, memoryMiB: 2048, desiredCount: 3 };

  beforeAll(() => {
    platform = synthesizePlatform({ environmentSuffix: 'byo', workload });
  });

  test.each([
    ['PrimaryService', 'us-east-1'],
    ['SecondaryService', 'us-west-2'],
  ])("%s pulls from its own region's registry, with the configured port, task size and count", (stackId, region) => {
    const template = platform.templates[stackId].toJSON();
    const { resource: task } = appTaskDefinition(platform.templates[stackId]);
    const [container] = task.Properties.ContainerDefinitions;
    expect(JSON.stringify(container.Image)).toContain(`111122223333.dkr.ecr.${region}.`);
    expect(JSON.stringify(container.Image)).toContain('/orders-api:1.4.2');
    expect(container.PortMappings).toEqual([{ ContainerPort: 9000, Protocol: 'tcp' }]);
    expect(container.Environment).toContainEqual({ Name: 'PORT', Value: '9000' });
    // The image may have no node: no container health check; the load balancer's remains.
    expect(container.HealthCheck).toBeUndefined();
    expect(task.Properties).toMatchObject({ Cpu: '512', Memory: '2048' });
    const service = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::ECS::Service');
    expect(service.Properties.DesiredCount).toBe(3);
    const targetGroup = Object.values<any>(template.Resources).find((resource) => resource.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(targetGroup.Properties).toMatchObject({ HealthCheckPath: '/live', Port: 9000 });
    // The execution role may pull that one repository in its own region (the other pull is the bootstrap task's asset).
    const pulls = Object.values<any>(template.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().includes('ecr:BatchGetImage'));
    expect(pulls.map((statement) => statement.Resource)).toContainEqual(`arn:aws:ecr:${region}:111122223333:repository/orders-api`);
    expect(pulls.every((statement) => !JSON.stringify(statement.Resource).includes('*'))).toBe(true);
  });

  test('the database bootstrap task still runs the reference image, which holds the bootstrap command', () => {
    const bootstrap = allResources(platform).find(
      ({ stackId, resource }) =>
        stackId === 'PrimaryService' && resource.Type === 'AWS::ECS::TaskDefinition' && JSON.stringify(resource.Properties.Family).includes('db-bootstrap'),
    )!;
    expect(JSON.stringify(bootstrap.resource.Properties.ContainerDefinitions[0].Image)).toContain('cdk-hnb659fds-container-assets');
  });

  test('Route 53 and the failover orchestrator probe the configured readiness path', () => {
    const checks = allResources(platform).filter(
      ({ resource }) => resource.Type === 'AWS::Route53::HealthCheck' && resource.Properties.HealthCheckConfig.Type.startsWith('HTTP'),
    );
    // Routing and failover-signal checks, in each region.
    expect(checks).toHaveLength(4);
    for (const { resource } of checks) expect(resource.Properties.HealthCheckConfig.ResourcePath).toBe('/health/ready');
    const orchestrator = allResources(platform).find(
      ({ resource }) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Environment?.Variables?.PRIMARY_READINESS_URL,
    )!;
    const variables = orchestrator.resource.Properties.Environment.Variables;
    for (const url of [variables.PRIMARY_READINESS_URL, variables.SECONDARY_READINESS_URL]) expect(JSON.stringify(url)).toMatch(/\/health\/ready"/);
  });
});
