import { matcherAccepts, ProbeRequest, RegionalService, ServiceRouting } from '../src/aws/load-balancer';
import { Network } from '../src/aws/network';
import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { isRetryable, operationName, SDK_RETRY_BASE_MS, withStandardRetries } from '../src/aws/sdk';
import { Random } from '../src/random';
import { Readiness } from '../../service/src/readiness';
import { ServiceCore } from '../../service/src/main';
import { Simulator } from '../src/simulator';

const ROUTING: ServiceRouting = {
  listeners: [
    { logicalId: 'Http', port: 80, protocol: 'HTTP', action: { type: 'redirect', status: 301 } },
    { logicalId: 'Https', port: 443, protocol: 'HTTPS', action: { type: 'forward' } },
  ],
  targetGroup: { logicalId: 'Group', protocol: 'HTTP', healthCheckPath: '/healthz', healthCheckPort: 'traffic-port', matcher: '200' },
  registeredPort: 8080,
  listenPort: 8080,
};

function service(sim: Simulator, count: number, routing: Partial<ServiceRouting> = {}, findings: string[] = []): RegionalService {
  const network = new Network(new Random(1));
  const core = (): ServiceCore => ({
    readiness: new Readiness({ checks: [], clock: sim }),
    identity: { region: 'us-east-1', regionRole: 'primary', version: 'test' },
    publish: () => undefined,
    migrate: async () => 'no database login: nothing to migrate',
    close: async () => undefined,
  });
  return new RegionalService(sim, network, new Random(2), 'us-east-1', 'lb.us-east-1.elb.amazonaws.com', count, core, { ...ROUTING, ...routing }, (finding) =>
    findings.push(finding),
  );
}

describe('ALB and ECS model (ALB Guide: health checks for target groups; ECS services)', () => {
  test('requests go round robin to healthy targets only', async () => {
    const sim = new Simulator(1);
    const lb = service(sim, 3);
    await sim.run(10_000);
    lb.hangTasks(1);
    const picked = new Set(Array.from({ length: 12 }, () => lb.target()!.id));
    expect(picked.size).toBe(2);
    expect([...picked].every((id) => lb.registeredTasks().find((task) => task.id === id)!.healthy)).toBe(true);
  });

  test('when every target is unhealthy the load balancer fails open to all registered targets', async () => {
    const sim = new Simulator(1);
    const lb = service(sim, 2);
    await sim.run(10_000);
    lb.hangTasks(2);
    expect(new Set(Array.from({ length: 4 }, () => lb.target()!.id)).size).toBe(2);
  });

  test('without registered targets a request gets 503; ECS starts replacements once the fault ends', async () => {
    const sim = new Simulator(1);
    const lb = service(sim, 2);
    await sim.run(10_000);
    lb.crashTasks(true);
    expect(await lb.write('internet', async () => ({ status: 201, cluster: 'cluster' }))).toMatchObject({
      answered: true,
      status: 503,
      error: 'no registered targets',
    });
    await sim.run(300_000);
    expect(lb.registeredTasks()).toHaveLength(0);
    lb.recoverTasks();
    await sim.run(500_000);
    expect(lb.registeredTasks()).toHaveLength(2);
  });
});

describe('probes through listeners, target groups and the service routes (ALB Guide: listeners, target group health checks)', () => {
  const probe = (path: string, port = 443, protocol = 'HTTPS'): ProbeRequest => ({ protocol, port, path, asker: 'a checker' });

  test('the listener on the probed port answers by its protocol and action; a forward reaches the path the service serves', async () => {
    const sim = new Simulator(1);
    const findings: string[] = [];
    const lb = service(sim, 2, {}, findings);
    await sim.run(10_000);
    expect(await lb.probe('internet', probe('/ready'))).toMatchObject({ status: 200 });
    expect(await lb.probe('internet', probe('/ready', 80, 'HTTP'))).toMatchObject({ status: 301 });
    expect(findings).toEqual([]);
    expect(await lb.probe('internet', probe('/readyz'))).toMatchObject({ status: 404 });
    expect(await lb.probe('internet', probe('/ready', 8443))).toEqual({});
    expect(await lb.probe('internet', probe('/ready', 443, 'HTTP'))).toMatchObject({ status: 400 });
    expect(await lb.probe('internet', probe('/ready', 80, 'HTTPS'))).not.toHaveProperty('status');
    expect(findings).toEqual([
      expect.stringContaining('the service answers /readyz with 404'),
      expect.stringContaining('nothing listens on port 8443 of the us-east-1 load balancer (Listener.Port: 80/HTTP, 443/HTTPS)'),
      expect.stringContaining('speaks HTTP to the us-east-1 listener on 443, which is HTTPS (Listener.Protocol)'),
      expect.stringContaining('speaks HTTPS to the us-east-1 listener on 80, which is HTTP (Listener.Protocol)'),
    ]);
  });

  test('a task registered on another port than it listens on answers nothing: 502, and ECS keeps replacing it', async () => {
    const sim = new Simulator(1);
    const findings: string[] = [];
    const lb = service(sim, 2, { registeredPort: 9090 }, findings);
    await sim.run(10_000);
    expect(await lb.probe('internet', probe('/ready'))).toMatchObject({ status: 502 });
    await sim.run(120_000);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('LoadBalancers.ContainerPort'),
        expect.stringMatching(/ECS stopped us-east-1\/task-\d: .*registered on 9090/),
      ]),
    );
  });

  test('a target group health check on a path the service does not serve, or with another matcher, fails every target', async () => {
    for (const targetGroup of [
      { ...ROUTING.targetGroup, healthCheckPath: '/health' },
      { ...ROUTING.targetGroup, matcher: '204' },
    ]) {
      const sim = new Simulator(1);
      const findings: string[] = [];
      const lb = service(sim, 2, { targetGroup }, findings);
      await sim.run(10_000);
      expect(lb.registeredTasks().some((task) => lb.targetHealthy(task))).toBe(false);
      await sim.run(100_000);
      expect(
        findings.some(
          (finding) =>
            finding.includes(`TargetGroup.HealthCheckPath ${targetGroup.healthCheckPath}`) && finding.includes(`Matcher.HttpCode ${targetGroup.matcher}`),
        ),
      ).toBe(true);
    }
  });

  test('matchers take codes, lists and ranges', () => {
    expect(matcherAccepts('200', 200)).toBe(true);
    expect(matcherAccepts('200,302', 302)).toBe(true);
    expect(matcherAccepts('200-299', 204)).toBe(true);
    expect(matcherAccepts('200-299', 301)).toBe(false);
  });
});

describe('SDK standard retry mode (SDKs and Tools Reference Guide: retry behavior)', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

  test('throttling is retried up to the client maximum of attempts, waiting up to 1 s, 2 s, 4 s (the installed SDK)', async () => {
    const sim = new Simulator(1);
    const attempts: number[] = [];
    const result = withStandardRetries(sim, new Random(3), 4, async () => {
      attempts.push(sim.now());
      if (attempts.length < 4) throw throttled();
      return 'ok';
    });
    await sim.run(60_000);
    await expect(result).resolves.toBe('ok');
    expect(attempts).toHaveLength(4);
    const waits = attempts.slice(1).map((at, index) => at - attempts[index]);
    waits.forEach((wait, index) => expect(wait).toBeLessThanOrEqual(SDK_RETRY_BASE_MS.throttling * 2 ** index));
  });

  test('the back-off is drawn from the whole range: on average half of 1 s, 2 s, 4 s after throttling', async () => {
    const sim = new Simulator(1);
    const random = new Random(9);
    const waits: number[][] = [[], [], []];
    for (let trial = 0; trial < 300; trial++) {
      const attempts: number[] = [];
      const done = withStandardRetries(sim, random, 4, async () => {
        attempts.push(sim.now());
        throw throttled();
      }).catch(() => undefined);
      await sim.run(sim.now() + 60_000);
      await done;
      attempts.slice(1).forEach((at, index) => waits[index].push(at - attempts[index]));
    }
    waits.forEach((samples, index) => {
      const mean = samples.reduce((sum, wait) => sum + wait, 0) / samples.length;
      const half = (SDK_RETRY_BASE_MS.throttling * 2 ** index) / 2;
      expect(mean).toBeGreaterThan(half * 0.8);
      expect(mean).toBeLessThan(half * 1.2);
    });
  });

  test('the last failure propagates after the maximum; non-retryable errors are not retried', async () => {
    const sim = new Simulator(1);
    let calls = 0;
    const exhausted = withStandardRetries(sim, new Random(3), 3, async () => {
      calls++;
      throw throttled();
    });
    const settled = exhausted.catch((error) => error);
    await sim.run(60_000);
    expect(await settled).toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toBe(3);
    expect(isRetryable(Object.assign(new Error('no'), { name: 'InvalidGlobalClusterStateFault' }))).toBe(false);
  });
});

describe('SDK commands seen by the simulated APIs', () => {
  test('the operation comes from the command class, whichever copy of the SDK built it, bundled or not', () => {
    expect(operationName(new DescribeGlobalClustersCommand({}))).toBe('DescribeGlobalClusters');
    expect(operationName(new GetParameterCommand({ Name: 'x' }))).toBe('GetParameter');
    // esbuild renames colliding classes of a second SDK copy in one bundle by appending a number.
    class FailoverGlobalClusterCommand2 {}
    expect(operationName(new FailoverGlobalClusterCommand2())).toBe('FailoverGlobalCluster');
    expect(() => operationName({})).toThrow('not an AWS SDK command: Object');
  });
});
