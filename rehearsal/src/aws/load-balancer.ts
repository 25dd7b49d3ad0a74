/**
 * An Application Load Balancer in front of an ECS Fargate service whose tasks run the real service
 * code (`buildService` from service/src/main.ts). Sources (quotes in rehearsal/aws-sources.md):
 * - "If a target group contains only unhealthy registered targets, the load balancer routes
 *   requests to all those targets ... the load balancer fails open." (ALB Guide, *Health checks for
 *   Application Load Balancer target groups*)
 * - The ECS service scheduler replaces tasks that stop or fail their health checks (ECS Developer
 *   Guide, *Amazon ECS services*).
 * - A target group judges each target by its health check's port, protocol, path and matcher; the
 *   ECS service scheduler stops a task whose target is unhealthy after its health-check grace period.
 * - An HTTPS listener answers a plain HTTP request with 400; an HTTP listener cannot complete a TLS
 *   handshake; a target that refuses the connection makes the load balancer answer 502.
 * Limits: target health is judged when asked (the interval and thresholds only delay, by seconds,
 * what a wrong wiring causes at once); task start takes a drawn 30–90 s; no deployment, scaling or
 * AZ failures.
 */
import { ServiceCore } from '../../../service/src/main';
import { probeRoute, readinessStatus } from '../../../service/src/server';
import { ListenerWiring, TargetGroupWiring } from '../platform-wiring';
import { Random } from '../random';
import { Simulator } from '../simulator';
import { Network, Origin } from './network';
import { ProbeOutcome } from './route53';

export interface ServiceTask {
  readonly id: string;
  readonly core: ServiceCore;
  running: boolean;
  /** Passes the target group's health check (the liveness path); a hung process does not. */
  healthy: boolean;
}

/** A task's answer to a write: the HTTP status, the committing cluster when it is 201, what went wrong otherwise. */
export interface WriteAnswer {
  readonly status: number;
  readonly cluster?: string;
  readonly error?: string;
}

/** What a client's write through the load balancer came to. */
export type RequestResult =
  | { readonly answered: false; readonly error: string }
  | { readonly answered: true; readonly status: number; readonly task?: ServiceTask; readonly error?: string; readonly cluster?: string };

/** An HTTP GET a probe sends: the protocol, port and path come from the prober's own wiring. */
export interface ProbeRequest {
  readonly protocol: string;
  readonly port: number;
  readonly path: string;
  /** Who asks, and the properties that set the request (for findings): `health check primary (HealthCheckConfig.Port 80)`. */
  readonly asker: string;
}

/** How the load balancer reaches the service: its listeners, target group and the task's ports. */
export interface ServiceRouting {
  readonly listeners: readonly ListenerWiring[];
  readonly targetGroup: TargetGroupWiring;
  /** The port ECS registers each task on (the ECS service's `LoadBalancers[0].ContainerPort`). */
  readonly registeredPort: number;
  /** The port the service process listens on (its `PORT` environment variable, default 8080). */
  readonly listenPort: number;
}

/** Whether `status` matches a target group's `Matcher.HttpCode` (`200`, `200,302`, `200-299`). */
export function matcherAccepts(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [low, high] = part.trim().split('-').map(Number);
    return high === undefined ? status === low : status >= low && status <= high;
  });
}

export class RegionalService {
  private readonly tasks: ServiceTask[] = [];
  private loadBalancerUp = true;
  /** Extra time every probe's answer takes (a gray failure: the process answers, slowly). */
  private slowAnswerMs = 0;
  private nextTarget = 0;
  private taskCounter = 0;
  /** Tasks must be replaced: ECS starts new ones while this is true. */
  private crashing = false;

  constructor(
    private readonly sim: Simulator,
    private readonly network: Network,
    private readonly random: Random,
    public readonly region: string,
    public readonly dnsName: string,
    private readonly desiredCount: number,
    private readonly startTask: () => ServiceCore,
    private readonly routing: ServiceRouting,
    /** Reports what the wiring caused (a probe on a port nothing listens on, a path the service does not serve). */
    private readonly notice: (finding: string) => void = () => undefined,
  ) {
    // Tasks start a few seconds apart, so their readiness loops run out of phase.
    for (let i = 0; i < desiredCount; i++) this.sim.schedule(this.random.uniform(0, 5_000), () => this.launch());
  }

  public setLoadBalancerUp(up: boolean): void {
    this.loadBalancerUp = up;
  }

  /** Every probe's answer takes `ms` longer (0: back to normal). */
  public setSlowAnswers(ms: number): void {
    this.slowAnswerMs = ms;
  }

  /** Every task stops; while `keepCrashing`, replacements die too (a bad image, a lost dependency at start). */
  public crashTasks(keepCrashing: boolean): void {
    this.crashing = keepCrashing;
    for (const task of [...this.tasks]) this.stopTask(task);
  }

  /** The oldest running task stops; ECS replaces it (one step of a rolling replacement). */
  public replaceOldestTask(): void {
    const task = this.tasks.find((candidate) => candidate.running);
    if (task) this.stopTask(task);
  }

  /** The number of tasks the service runs. */
  public get taskCount(): number {
    return this.desiredCount;
  }

  public recoverTasks(): void {
    this.crashing = false;
  }

  /** Tasks whose process hangs: they stay registered but fail the target group's health check. */
  public hangTasks(count: number): void {
    for (const task of this.tasks.slice(0, count)) task.healthy = false;
  }

  /** The tasks the load balancer has registered. */
  public registeredTasks(): readonly ServiceTask[] {
    return this.tasks.filter((task) => task.running);
  }

  /** Whether a request from `origin` reaches the load balancer at all. */
  public reachable(origin: Origin): boolean {
    return this.loadBalancerUp && this.network.reachesPublic(origin, this.region);
  }

  /**
   * A GET through the load balancer, from `origin`, as a Route 53 checker or the orchestrator sends
   * it: the listener on the request's port answers by its protocol and default action; a forward
   * goes to a target, which answers the path as the service does (`probeRoute`).
   */
  public async probe(origin: Origin, request: ProbeRequest): Promise<ProbeOutcome> {
    if (!this.reachable(origin)) return {};
    const listener = this.routing.listeners.find((candidate) => candidate.port === request.port);
    if (!listener) {
      // The load balancer's security group opens only its listeners' ports: the connection times out.
      const ports = this.routing.listeners.map((candidate) => `${candidate.port}/${candidate.protocol}`).join(', ');
      this.notice(`${request.asker}: nothing listens on port ${request.port} of the ${this.region} load balancer (Listener.Port: ${ports})`);
      return {};
    }
    const connectMs = this.network.latencyMs(origin, this.region);
    if (listener.protocol !== request.protocol) {
      this.notice(
        `${request.asker}: speaks ${request.protocol} to the ${this.region} listener on ${listener.port}, which is ${listener.protocol} (Listener.Protocol)`,
      );
      // An HTTPS listener answers plain HTTP with 400; an HTTP listener cannot complete a TLS handshake.
      return listener.protocol === 'HTTPS' ? { connectMs, status: 400, answerMs: 1 } : { connectMs };
    }
    if (listener.action.type !== 'forward') return { connectMs, status: listener.action.status, answerMs: 1 };
    const task = this.target();
    if (!task) return { connectMs, status: 503, answerMs: 1 };
    if (!this.targetAnswers()) return { connectMs, status: 502, answerMs: 1 };
    const asked = this.sim.now();
    const status = await this.answerProbe(task, request.path, request.asker);
    // The prober waits for the answer itself (connectMs + answerMs): a slow answer is its time.
    return { connectMs, status, answerMs: this.sim.now() - asked + 1 + this.slowAnswerMs };
  }

  /** The status a task answers for `path`, as the real service routes it. */
  private async answerProbe(task: ServiceTask, path: string, asker: string): Promise<number> {
    switch (probeRoute(path)) {
      case 'readiness':
        return readinessStatus(await task.core.readiness.answer());
      case 'liveness':
      case 'identity':
        return 200;
      default:
        this.notice(`${asker}: the service answers ${path} with 404 (it serves ${['/healthz', '/ready', '/'].join(', ')})`);
        return 404;
    }
  }

  /**
   * Whether the load balancer reaches a task's process at all: it connects to the registered port
   * with the target group's protocol, and the process listens on its own port, in plain HTTP.
   */
  private targetAnswers(): boolean {
    const { registeredPort, listenPort, targetGroup } = this.routing;
    if (registeredPort !== listenPort) {
      this.notice(
        `the ${this.region} load balancer connects to its targets on ${registeredPort} (the ECS service's LoadBalancers.ContainerPort), where the process listens on ${listenPort} (PORT): 502`,
      );
      return false;
    }
    if (targetGroup.protocol !== 'HTTP') {
      this.notice(`the ${this.region} load balancer speaks ${targetGroup.protocol} to its targets (TargetGroup.Protocol), which serve plain HTTP: 502`);
      return false;
    }
    return true;
  }

  /** The failing readiness checks of the first task, `name: error; ...`; undefined when none fails. */
  public readinessProblems(): string | undefined {
    const answer = this.tasks.find((candidate) => candidate.running)?.core.readiness.current();
    const failing = (answer?.checks ?? []).filter((check) => !check.ok).map((check) => `${check.name}: ${check.error}`);
    return failing.length > 0 ? failing.join('; ') : undefined;
  }

  /** The region's readiness as its tasks last computed it (no time passes). */
  public readyNow(): boolean {
    if (!this.loadBalancerUp || !this.network.regionUp(this.region)) return false;
    const task = this.tasks.find((candidate) => candidate.running);
    return task?.core.readiness.current()?.ready === true;
  }

  /**
   * A write request: the load balancer picks a target and the task answers it. A task whose handler
   * throws answers 503.
   */
  public write(origin: Origin, execute: (task: ServiceTask) => Promise<WriteAnswer>): Promise<RequestResult> {
    if (!this.reachable(origin)) return Promise.resolve({ answered: false, error: 'connect timeout' });
    const task = this.target();
    if (!task) return Promise.resolve({ answered: true, status: 503, error: 'no registered targets' });
    if (!this.targetAnswers()) return Promise.resolve({ answered: true, status: 502, error: 'the target refused the connection' });
    const failed = (error: unknown): RequestResult => ({ answered: true, status: 503, task, error: error instanceof Error ? error.message : String(error) });
    try {
      return execute(task).then((answer): RequestResult => ({ answered: true, task, ...answer }), failed);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
  }

  /**
   * Round robin over healthy targets; over every registered target when none is healthy (fail-open).
   * Counts and picks in place: every request and probe asks.
   */
  public target(): ServiceTask | undefined {
    let registered = 0;
    let healthy = 0;
    for (const task of this.tasks) {
      if (!task.running) continue;
      registered++;
      if (this.targetHealthy(task)) healthy++;
    }
    if (registered === 0) return undefined;
    const healthyOnly = healthy > 0;
    let remaining = this.nextTarget % (healthyOnly ? healthy : registered);
    this.nextTarget++;
    for (const task of this.tasks) {
      if (!task.running || (healthyOnly && !this.targetHealthy(task))) continue;
      if (remaining === 0) return task;
      remaining--;
    }
    return undefined;
  }

  /**
   * The target group's verdict on a task, judged when asked: its health check reaches the process on
   * the health-check port with the group's protocol, and the answer to the health-check path matches
   * the group's matcher. A hung process answers nothing.
   */
  public targetHealthy(task: ServiceTask): boolean {
    if (!task.healthy) return false;
    // Asked for every request: the wiring's part is worked out once (see targetHealth).
    const health = (this.health ??= this.targetHealth());
    if (!health.reachesProcess) return false;
    if (!health.readinessPath) return health.accepted;
    return task.core.readiness.current()?.ready ? health.acceptsReady : health.acceptsUnready;
  }

  /** What the target group's health check gets from a process, by its wiring alone. */
  private targetHealth(): { reachesProcess: boolean; readinessPath: boolean; accepted: boolean; acceptsReady: boolean; acceptsUnready: boolean } {
    const { targetGroup, registeredPort, listenPort } = this.routing;
    const port = targetGroup.healthCheckPort === 'traffic-port' ? registeredPort : Number(targetGroup.healthCheckPort);
    const route = probeRoute(targetGroup.healthCheckPath);
    return {
      reachesProcess: port === listenPort && targetGroup.protocol === 'HTTP',
      readinessPath: route === 'readiness',
      accepted: matcherAccepts(targetGroup.matcher, route === undefined ? 404 : 200),
      acceptsReady: matcherAccepts(targetGroup.matcher, 200),
      acceptsUnready: matcherAccepts(targetGroup.matcher, 503),
    };
  }

  private health: ReturnType<RegionalService['targetHealth']> | undefined;

  /**
   * The ECS service scheduler stops a task its load balancer reports unhealthy, once the service's
   * health-check grace period (60 s) has passed, and starts a replacement: here after two failed
   * checks 10 s apart (the target group's interval and unhealthy threshold).
   */
  private watchTargetHealth(task: ServiceTask, startedAt: number): void {
    let failures = 0;
    const check = (): void => {
      if (!task.running) return;
      if (this.sim.now() - startedAt >= 60_000 && this.network.regionUp(this.region)) {
        failures = this.targetHealthy(task) ? 0 : failures + 1;
        if (failures >= 2) {
          const { targetGroup, registeredPort } = this.routing;
          this.notice(
            `ECS stopped ${task.id}: it failed the target group's health check (TargetGroup.HealthCheckPath ${targetGroup.healthCheckPath}, HealthCheckPort ${targetGroup.healthCheckPort}, Matcher.HttpCode ${targetGroup.matcher}, Protocol ${targetGroup.protocol}; registered on ${registeredPort})`,
          );
          this.stopTask(task);
          return;
        }
      }
      this.sim.schedule(10_000, check);
    };
    this.sim.schedule(10_000, check);
  }

  private launch(): void {
    const task: ServiceTask = { id: `${this.region}/task-${++this.taskCounter}`, core: this.startTask(), running: true, healthy: true };
    this.watchTargetHealth(task, this.sim.now());
    this.tasks.push(task);
    if (this.sim.tracing) this.sim.trace('ecs', `${task.id} started`);
  }

  private stopTask(task: ServiceTask): void {
    if (!task.running) return;
    task.running = false;
    task.core.readiness.drain();
    this.tasks.splice(this.tasks.indexOf(task), 1);
    // The ECS scheduler replaces it.
    this.sim.schedule(this.random.uniform(30_000, 90_000), () => {
      if (this.crashing || !this.network.regionUp(this.region)) {
        // Keeps trying while the fault lasts.
        this.sim.schedule(60_000, () => this.replaceLater());
        return;
      }
      this.launch();
    });
  }

  private replaceLater(): void {
    if (this.tasks.length >= this.desiredCount) return;
    if (this.crashing || !this.network.regionUp(this.region)) {
      this.sim.schedule(60_000, () => this.replaceLater());
      return;
    }
    this.launch();
  }
}
