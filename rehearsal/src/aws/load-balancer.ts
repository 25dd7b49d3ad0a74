/**
 * An Application Load Balancer in front of an ECS Fargate service whose tasks run the real service
 * code (`buildService` from service/src/main.ts). Sources (quotes in rehearsal/aws-sources.md):
 * - "If a target group contains only unhealthy registered targets, the load balancer routes
 *   requests to all those targets ... the load balancer fails open." (ALB Guide, *Health checks for
 *   Application Load Balancer target groups*)
 * - The ECS service scheduler replaces tasks that stop or fail their health checks (ECS Developer
 *   Guide, *Amazon ECS services*).
 * Limits: a task is a healthy target until a fault marks it hung (the liveness path answers while the
 * process runs); task start takes a drawn 30–90 s; no deployment, scaling or AZ failures.
 */
import { ServiceCore } from '../../../service/src/main';
import { readinessResponse } from '../../../service/src/server';
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

export class RegionalService {
  private readonly tasks: ServiceTask[] = [];
  private loadBalancerUp = true;
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
  ) {
    // Tasks start a few seconds apart, so their readiness loops run out of phase.
    for (let i = 0; i < desiredCount; i++) this.sim.schedule(this.random.uniform(0, 5_000), () => this.launch());
  }

  public setLoadBalancerUp(up: boolean): void {
    this.loadBalancerUp = up;
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

  /** A `GET /ready` through the load balancer, from `origin`, as a Route 53 checker or the orchestrator sends it. */
  public async probeReady(origin: Origin): Promise<ProbeOutcome> {
    if (!this.reachable(origin)) return {};
    const connectMs = this.network.latencyMs(origin, this.region);
    const task = this.target();
    if (!task) return { connectMs, status: 503, answerMs: 1 };
    const asked = this.sim.now();
    const answer = await task.core.readiness.answer();
    const answerMs = this.sim.now() - asked + 1;
    return { connectMs, status: readinessResponse(answer, task.core.identity).status, answerMs };
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
      if (task.healthy) healthy++;
    }
    if (registered === 0) return undefined;
    const healthyOnly = healthy > 0;
    let remaining = this.nextTarget % (healthyOnly ? healthy : registered);
    this.nextTarget++;
    for (const task of this.tasks) {
      if (!task.running || (healthyOnly && !task.healthy)) continue;
      if (remaining === 0) return task;
      remaining--;
    }
    return undefined;
  }

  private launch(): void {
    const task: ServiceTask = { id: `${this.region}/task-${++this.taskCounter}`, core: this.startTask(), running: true, healthy: true };
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
