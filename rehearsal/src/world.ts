/**
 * Both regions of the platform, composed from the synthesized wiring, the AWS models and the
 * project's real code: every task runs `buildService` from service/src/main.ts, the orchestrator runs
 * `runOnce` from orchestrator/src/orchestrator.ts with its configuration parsed by the real
 * `configFromEnvironment`, and Route 53 is read through the real `authoritativeTrafficOnSecondary`.
 * Only I/O is simulated, behind the same ports production uses.
 */
import { ServiceRuntime, SessionSqlPort, buildService, readEnvironment } from '../../service/src/main';
import { Endpoint } from '../../service/src/network';
import { RDS_MAX_ATTEMPTS } from '../../service/src/database';
import {
  CLIENT_MAX_ATTEMPTS,
  configFromEnvironment,
  DnsPort,
  authoritativeTrafficOnSecondary,
  trafficCheckFromEnvironment,
} from '../../orchestrator/src/handler';
import { Decision, ProbeResult } from '../../orchestrator/src/decision';
import { OrchestratorDependencies, runOnce } from '../../orchestrator/src/orchestrator';
import { switchover, SwitchoverDependencies } from '../../orchestrator/src/switchover';
import { AuroraGlobalDatabase, apiError } from './aws/aurora';
import { ScheduledFunction, Invocation } from './aws/lambda';
import { RegionalService, RequestResult, ServiceTask, WriteAnswer } from './aws/load-balancer';
import { operationName, withStandardRetries } from './aws/sdk';
import { Network, Origin, ROUTE53_CHECKERS } from './aws/network';
import { chooseWeighted, HealthCheck } from './aws/route53';
import { Ledger } from './ledger';
import { Random } from './random';
import { Simulator } from './simulator';
import { detectionRecord, originOf, PlatformWiring, RecordWiring } from './platform-wiring';

export { DEFAULT_WORLD_OPTIONS } from './world-options';
export type { WorldOptions } from './world-options';
import { DEFAULT_WORLD_OPTIONS, WorldOptions } from './world-options';

/** The order every rehearsal client places once a second (its trader id is the client's). */
const REHEARSAL_ORDER = { symbol: 'RHSL', side: 'buy', quantity: 1, limitPrice: '100.25' };

/**
 * The trading clients, as parallel arrays indexed by client: every simulated second loops over all
 * of them, the rehearsal's hottest loop after the order path itself.
 */
class Clients {
  /** Trader id and idempotency-key prefix of each client's orders. */
  public readonly ids: string[] = [];
  /** The body of the order each client places every second. */
  public readonly orderBodies: string[] = [];
  /** The load balancer each client's resolver has cached. */
  public readonly services: Array<RegionalService | undefined> = [];
  public readonly expiresAt: Float64Array;
  public readonly lastAck: Float64Array;
  public readonly lastReachedReady: Float64Array;
  public readonly longestWriteGap: Float64Array;
  public readonly longestTrafficGap: Float64Array;

  constructor(public readonly count: number) {
    this.expiresAt = new Float64Array(count);
    this.lastAck = new Float64Array(count);
    this.lastReachedReady = new Float64Array(count);
    this.longestWriteGap = new Float64Array(count);
    this.longestTrafficGap = new Float64Array(count);
  }
}

/**
 * Decisions of a run that changed nothing and saw nothing new, which the timeline folds. Not
 * 'too-few-probes': failed probes piling up are the outage being counted, worth a line each.
 */
const IDLE_DECISIONS: readonly Decision['reason'][] = ['already-promoted', 'paused', 'primary-answers'];

function idleDecision(reason: string, primaryProbes: readonly ProbeResult[] | undefined): boolean {
  if (!(IDLE_DECISIONS as readonly string[]).includes(reason)) return false;
  // "The primary answered 1 of 3 probes": two failures in the streak are news, not a steady state.
  return reason !== 'primary-answers' || (primaryProbes ?? []).every((probe) => probe.ok);
}

/** Everything a run observed, for the invariants and the report. */
export interface Observations {
  readonly violations: string[];
  readonly pages: Array<{ at: number; subject: string }>;
  readonly decisions: Map<string, number>;
  /** Client-side ledger of acknowledged writes: commit cluster → ack times. */
  readonly acksByCluster: Map<string, Ledger>;
  readonly promotionsRequested: number[];
  /**
   * What the models noticed the wiring cause, each once with its first time: a probe on a port
   * nothing listens on, a path the service does not serve, a name that resolves to nothing.
   */
  readonly findings: Map<string, number>;
}

export class World {
  public readonly sim: Simulator;
  public readonly network: Network;
  public readonly aurora: AuroraGlobalDatabase;
  public readonly services: RegionalService[];
  public readonly healthChecks = new Map<string, HealthCheck>();
  /** The failover signal's health checks, by set identifier (none when the platform has no signal). */
  public readonly signalChecks = new Map<string, HealthCheck>();
  public readonly orchestrator: ScheduledFunction;
  public readonly primaryRegion: string;
  public readonly secondaryRegion: string;
  public readonly observations: Observations = {
    violations: [],
    pages: [],
    decisions: new Map(),
    acksByCluster: new Map(),
    promotionsRequested: [],
    findings: new Map(),
  };
  public faultAt = Number.POSITIVE_INFINITY;
  /** Until when the orchestrator's resolver answers nothing. */
  private orchestratorDnsDownUntil = Number.NEGATIVE_INFINITY;
  /** The orchestrator's latest decision, `reason: detail`. */
  public lastDecision: string | undefined;
  /** The orchestrator's latest error log (a wiring fault it noticed), message and fields. */
  public lastOrchestratorError: string | undefined;
  /** Per region, since when a task has reported it not ready, and why (its failing checks then). */
  public readonly unreadySince = new Map<string, { at: number; why: string }>();
  /** Outcome of the operator's planned failback, when a scenario runs one. */
  public operatorResult: string | undefined;
  private readonly clients: Clients;
  /** Timeline only: which clients had a write acknowledged that they sent after the fault. */
  private readonly acknowledgedSinceFault: Uint8Array | undefined;
  /** Timeline only: whether Route 53 has answered with the standby since the fault. */
  private standbyAnswered = false;
  /**
   * The batch behind each order in flight, by idempotency key: how many rows its upsert commits, and
   * the cluster that committed them (the simulated SQL adapter fills it in for the client's ledger).
   */
  private readonly batchesInFlight = new Map<string, { readonly rows: number; cluster?: string }>();
  private readonly parameters = new Map<string, string>();
  private readonly rdsFaults = new Map<string, { probability: number; until: number }>();
  private readonly random: Random;
  private readonly dnsRandom: Random;
  private readonly addresses = new Map<RegionalService, string>();
  private readonly servicesByName = new Map<string, RegionalService | undefined>();

  constructor(
    public readonly wiring: PlatformWiring,
    seed: number,
    public readonly options: WorldOptions = DEFAULT_WORLD_OPTIONS,
    simulatorOptions: { timeline?: boolean } = {},
  ) {
    this.sim = new Simulator(seed, simulatorOptions);
    this.random = this.sim.random.fork();
    this.dnsRandom = this.sim.random.fork();
    this.network = new Network(this.sim.random.fork());
    const primary = wiring.clusters.find((cluster) => cluster.joinsAs === 'primary')!;
    this.primaryRegion = primary.region;
    this.secondaryRegion = wiring.orchestrator.region;
    this.aurora = new AuroraGlobalDatabase(this.sim, this.network, this.sim.random.fork(), {
      globalClusterIdentifier: wiring.globalClusterIdentifier,
      clusters: wiring.clusters.map((cluster) => ({ ...cluster })),
      replicationLagMs: this.random.uniform(...options.replicationLagMs),
      failoverSecondsMin: options.failoverSeconds[0],
      failoverSecondsMax: options.failoverSeconds[1],
      switchoverSeconds: 60,
      resyncSeconds: this.random.uniform(...options.resyncSeconds),
    });

    this.services = wiring.services.map((service, index) => {
      const runtime = this.serviceRuntime(service.region);
      const environment = readEnvironment({ ...service.environment, AWS_REGION: service.region });
      const peerRegion = environment.database?.peerRegion;
      if (peerRegion !== undefined && (peerRegion === service.region || ![this.primaryRegion, this.secondaryRegion].includes(peerRegion))) {
        this.notice(
          `the tasks of ${service.region} ask the RDS API of ${peerRegion} when their own fails (DB_PEER_REGION), which is not the other region of the platform`,
        );
      }
      const regional = new RegionalService(
        this.sim,
        this.network,
        this.sim.random.fork(),
        service.region,
        service.loadBalancerDnsName,
        service.desiredCount,
        () => buildService(environment, runtime),
        {
          listeners: service.listeners,
          targetGroup: service.targetGroup,
          registeredPort: service.containerPort,
          listenPort: environment.port,
        },
        (finding) => this.notice(finding),
      );
      this.addresses.set(regional, `203.0.113.${index + 1}`);
      return regional;
    });

    for (const record of wiring.records) if (record.healthCheck) this.healthChecks.set(record.setIdentifier, this.routeHealthCheck(record, 'health check'));
    for (const record of wiring.signalRecords)
      if (record.healthCheck) this.signalChecks.set(record.setIdentifier, this.routeHealthCheck(record, 'signal check'));

    const orchestratorEnvironment: Record<string, string> = { ...wiring.orchestrator.environment, AWS_REGION: wiring.orchestrator.region };
    const standbyValue = orchestratorEnvironment.SIGNAL_STANDBY_VALUE;
    if (standbyValue !== undefined) {
      const named = wiring.signalRecords.find((record) => record.target === standbyValue);
      const values = wiring.signalRecords.map((record) => `${record.setIdentifier} ${record.target}`).join(', ');
      if (!named || named.weight > 0)
        this.notice(
          `the orchestrator takes the failover signal's answer ${standbyValue} (SIGNAL_STANDBY_VALUE) for the standby, which is ${named ? 'the record Route 53 answers while all is well' : 'no record of the signal'} (RecordSet.ResourceRecords: ${values})`,
        );
    }
    // A streak of failed probes is carried from run to run only while younger than its maximum age:
    // a schedule slower than that starts every run over, and no outage is ever confirmed across runs.
    const streakMaxAgeMs = configFromEnvironment(orchestratorEnvironment).probeStreakMaxAgeMs;
    if (wiring.orchestrator.schedulePeriodSeconds * 1000 > streakMaxAgeMs) {
      this.notice(
        `the orchestrator runs every ${wiring.orchestrator.schedulePeriodSeconds} s (ScheduleExpression), longer than its streak of failed probes stays valid (${streakMaxAgeMs / 1000} s, from PROBE_INTERVAL_SECONDS)`,
      );
    }
    // SSM holds what the stacks create, nothing else.
    for (const [name, value] of wiring.parameters) this.parameters.set(name, value);
    this.orchestrator = new ScheduledFunction(
      this.sim,
      this.sim.random.fork(),
      {
        name: 'orchestrator',
        periodSeconds: wiring.orchestrator.schedulePeriodSeconds,
        reservedConcurrency: wiring.orchestrator.reservedConcurrency,
        timeoutSeconds: wiring.orchestrator.timeoutSeconds,
        maxEventAgeSeconds: wiring.orchestrator.maxEventAgeSeconds,
        // runOnce handles every AWS failure itself; a run that throws is a bug (and pages in production).
        onError: (error) => this.violate(`the orchestrator run failed: ${error instanceof Error ? error.message : String(error)}`),
      },
      (invocation) => this.runOrchestrator(invocation, orchestratorEnvironment),
    );

    const clientRandom = this.sim.random.fork();
    this.clients = new Clients(options.clients);
    this.acknowledgedSinceFault = this.sim.tracing ? new Uint8Array(options.clients) : undefined;
    for (let i = 0; i < options.clients; i++) {
      const { service, ttlMs } = this.resolveApplication(i);
      const id = `trader-${i + 1}`;
      this.clients.ids.push(id);
      this.clients.orderBodies.push(JSON.stringify({ ...REHEARSAL_ORDER, traderId: id }));
      this.clients.services.push(service);
      // Each client's resolver holds the answer at a random age.
      this.clients.expiresAt[i] = clientRandom.uniform(0, ttlMs);
    }
    const tick = (): void => {
      this.sim.schedule(1000, tick);
      this.clientsWrite();
    };
    this.sim.schedule(1000, tick);
  }

  // ---------------------------------------------------------------- faults

  public loseRegion(region: string): void {
    this.sim.trace('fault', `region ${region} lost`);
    this.network.setRegionDown(region, true);
    for (const other of [this.primaryRegion, this.secondaryRegion]) if (other !== region) this.aurora.replicationCut(region, other);
    if (region === this.wiring.orchestrator.region) this.orchestrator.stop();
    for (const service of this.services.filter((candidate) => candidate.region === region)) service.crashTasks(false);
  }

  public restoreRegion(region: string): void {
    this.sim.trace('fault', `region ${region} back`);
    this.network.setRegionDown(region, false);
    for (const other of [this.primaryRegion, this.secondaryRegion]) if (other !== region) this.aurora.replicationRestored(region, other);
    this.aurora.regionRecovered(region);
  }

  public loseDatabase(region: string): void {
    this.sim.trace('fault', `database of ${region} lost`);
    const cluster = this.aurora.clusterInRegion(region)!;
    this.aurora.setClusterUp(cluster, false);
    for (const other of [this.primaryRegion, this.secondaryRegion]) if (other !== region) this.aurora.replicationCut(region, other);
  }

  /** The resolver the orchestrator uses in its region answers nothing for `forMs` (every query times out). */
  public failOrchestratorResolver(forMs: number): void {
    this.sim.trace('fault', `the orchestrator's resolver fails for ${forMs / 1000} s`);
    this.orchestratorDnsDownUntil = this.sim.now() + forMs;
  }

  /** `region`'s service answers every probe `ms` late (0: on time again); orders are not slowed. */
  public slowAnswers(region: string, ms: number): void {
    if (this.sim.tracing) this.sim.trace('fault', `${region} answers probes ${ms / 1000} s late`);
    for (const service of this.services.filter((candidate) => candidate.region === region)) service.setSlowAnswers(ms);
  }

  /** The cluster of `region` answers again (the end of an in-region writer failover). */
  public restoreDatabase(region: string): void {
    this.sim.trace('fault', `database of ${region} back`);
    const cluster = this.aurora.clusterInRegion(region)!;
    this.aurora.setClusterUp(cluster, true);
    for (const other of [this.primaryRegion, this.secondaryRegion]) if (other !== region) this.aurora.replicationRestored(region, other);
  }

  public setLoadBalancerUp(region: string, up: boolean): void {
    if (this.sim.tracing) this.sim.trace('fault', `load balancer of ${region} ${up ? 'back' : 'lost'}`);
    for (const service of this.services.filter((candidate) => candidate.region === region)) service.setLoadBalancerUp(up);
  }

  /**
   * ECS replaces `region`'s tasks one at a time, `gapMs` apart (a rolling deployment or host
   * retirements): the service never has fewer than all but one of its tasks registered.
   */
  public replaceTasksOneByOne(region: string, gapMs: number): void {
    if (this.sim.tracing) this.sim.trace('fault', `tasks of ${region} replaced one by one`);
    for (const service of this.services.filter((candidate) => candidate.region === region)) {
      for (let i = 0; i < service.taskCount; i++) this.sim.schedule(i * gapMs, () => service.replaceOldestTask());
    }
  }

  /** Every task of `region` stops, and its replacements keep crashing (a bad image, a dependency lost at start). */
  public crashLoopTasks(region: string): void {
    if (this.sim.tracing) this.sim.trace('fault', `tasks of ${region} crash-looping`);
    for (const service of this.services.filter((candidate) => candidate.region === region)) service.crashTasks(true);
  }

  /** A firewall change at `region`'s load balancers refuses Route 53's checkers; clients and the other region still get through. */
  public blockRoute53Checkers(region: string, blocked: boolean): void {
    if (this.sim.tracing) this.sim.trace('fault', `Route 53's checkers ${blocked ? 'blocked at' : 'let back into'} ${region}`);
    this.network.setCheckersBlocked(region, blocked);
  }

  /** Cuts every path between the two regions; the internet (clients, Route 53) still reaches both. */
  public partitionRegions(partitioned: boolean): void {
    this.sim.trace('fault', partitioned ? 'regions cut off from each other' : 'regions reconnected');
    this.network.setPartitioned(this.primaryRegion, this.secondaryRegion, partitioned);
    if (partitioned) this.aurora.replicationCut(this.primaryRegion, this.secondaryRegion);
    else this.aurora.replicationRestored(this.primaryRegion, this.secondaryRegion);
  }

  public failRdsApi(region: string, probability: number, forMs: number): void {
    this.sim.trace('fault', `RDS API in ${region} fails ${Math.round(probability * 100)} % of calls for ${forMs / 1000} s`);
    this.rdsFaults.set(region, { probability, until: this.sim.now() + forMs });
  }

  public setParameter(name: string, value: string): void {
    this.parameters.set(name, value);
  }

  public get pauseParameterName(): string {
    return this.wiring.pauseParameterName;
  }

  /**
   * The planned failback an operator runs with `npm run switchover`: the real `switchover` of
   * orchestrator/src/switchover.ts, against the RDS API of the writer's (secondary) region.
   */
  public async operatorFailback(): Promise<void> {
    this.sim.trace('operator', 'runs the planned failback (npm run switchover)');
    const target = this.wiring.clusters.find((cluster) => cluster.region === this.primaryRegion)!;
    try {
      this.operatorResult = await switchover(
        {
          globalClusterIdentifier: this.wiring.globalClusterIdentifier,
          targetClusterArn: target.arn,
          pauseParameterName: this.pauseParameterName,
          timeoutMs: 600_000,
          pollMs: 30_000,
          resyncTimeoutMs: 3_600_000,
        },
        {
          rds: { send: (command: any) => this.rdsApi(this.secondaryRegion, command) } as SwitchoverDependencies['rds'],
          ssm: { send: (command: any) => this.ssmApi(command) } as SwitchoverDependencies['ssm'],
          sleep: (ms) => this.sim.sleep(ms),
          now: () => this.sim.now(),
          progress: (message) => this.sim.trace('operator', message),
        },
      );
    } catch (error) {
      this.operatorResult = `error: ${error instanceof Error ? error.message : String(error)}`;
      this.sim.trace('operator', this.operatorResult);
    }
  }

  // ---------------------------------------------------------------- AWS APIs as seen from a region

  /** The RDS API of `region`: the command objects of the real SDK, answered by the Aurora model. */
  public async rdsApi(region: string, command: { constructor: { name: string }; input: any }): Promise<any> {
    await this.sim.sleep(this.network.latencyMs(region, region) * 10);
    if (!this.network.regionUp(region)) throw Object.assign(new Error(`connect ECONNREFUSED rds.${region}.amazonaws.com`), { name: 'Error' });
    const fault = this.rdsFaults.get(region);
    if (fault && this.sim.now() < fault.until && this.random.chance(fault.probability)) throw apiError('ThrottlingException', 'Rate exceeded');
    switch (operationName(command)) {
      case 'DescribeGlobalClusters':
        this.requireGlobalCluster(command.input.GlobalClusterIdentifier);
        return { ...this.aurora.describe(region), $metadata: {} };
      case 'FailoverGlobalCluster':
        this.requireGlobalCluster(command.input.GlobalClusterIdentifier);
        if (!this.wiring.clusters.some((cluster) => cluster.arn === command.input.TargetDbClusterIdentifier))
          this.notice(this.explain(`RDS was asked to fail over to ${command.input.TargetDbClusterIdentifier}, which is no member of the global cluster`));
        this.checkPromotionAllowed();
        this.observations.promotionsRequested.push(this.sim.now());
        this.aurora.failover(command.input.TargetDbClusterIdentifier, command.input.AllowDataLoss === true, region);
        return { $metadata: {} };
      case 'SwitchoverGlobalCluster':
        this.aurora.switchover(command.input.TargetDbClusterIdentifier);
        return { $metadata: {} };
      default:
        throw new Error(`the rehearsal does not model RDS ${operationName(command)}`);
    }
  }

  /** RDS answers only for the global cluster the stacks create. */
  private requireGlobalCluster(identifier: string | undefined): void {
    if (identifier === this.wiring.globalClusterIdentifier) return;
    this.notice(
      this.explain(
        `RDS was asked for global cluster ${identifier}, which no stack creates (GlobalCluster.GlobalClusterIdentifier ${this.wiring.globalClusterIdentifier})`,
      ),
    );
    throw apiError('GlobalClusterNotFoundFault', `${identifier} not found`);
  }

  public async ssmApi(command: { constructor: { name: string }; input: any }): Promise<any> {
    await this.sim.sleep(5);
    switch (operationName(command)) {
      case 'GetParameter': {
        const value = this.parameters.get(command.input.Name);
        if (value === undefined) {
          this.notice(this.explain(`SSM was asked for parameter ${command.input.Name}, which no stack creates (AWS::SSM::Parameter Name)`));
          throw apiError('ParameterNotFound', command.input.Name);
        }
        return { Parameter: { Name: command.input.Name, Value: value }, $metadata: {} };
      }
      case 'PutParameter':
        // The function's role may put only the parameters its stack grants; none outside the templates.
        if (!this.parameters.has(command.input.Name)) {
          this.notice(this.explain(`SSM was asked to write parameter ${command.input.Name}, which no stack creates (AWS::SSM::Parameter Name)`));
          throw apiError('AccessDeniedException', `not authorized to perform ssm:PutParameter on ${command.input.Name}`);
        }
        this.parameters.set(command.input.Name, command.input.Value);
        return { $metadata: {} };
      default:
        throw new Error(`the rehearsal does not model SSM ${operationName(command)}`);
    }
  }

  // ---------------------------------------------------------------- Route 53 and DNS

  /**
   * Route 53's authoritative answer for the application name, and how long a resolver may cache it.
   * `asker`: the index of the client whose resolver asks, or the orchestrator's own query.
   */
  public resolveApplication(asker: number | 'orchestrator'): { service: RegionalService | undefined; record: RecordWiring; ttlMs: number } {
    const records = this.wiring.records.map((record) => ({
      record,
      weight: record.weight,
      healthy: this.healthChecks.get(record.setIdentifier)?.healthy() ?? true,
    }));
    const { record } = chooseWeighted(records, this.dnsRandom);
    const ttlMs = (record.alias ? this.options.elbAliasTtlSeconds : (record.ttlSeconds ?? 60)) * 1000;
    const service = this.serviceByName(record.target);
    if (!service)
      this.notice(`record ${record.setIdentifier}: ${record.alias ? 'AliasTarget.DNSName' : 'ResourceRecords'} ${record.target} names no load balancer`);
    else if (!record.healthCheck && !service.readyNow()) {
      // Route 53 treats a record without a health check as always healthy: it keeps answering it.
      this.notice(`record ${record.setIdentifier} has no health check (RecordSet.HealthCheckId), so Route 53 answers it while ${service.region} cannot serve`);
    }
    // Recorded where Route 53 answers, not where a resolver changes its mind: a resolver still
    // holding the primary's answer for up to a TTL would put the moment late.
    if (this.sim.tracing && !this.standbyAnswered && service?.region === this.secondaryRegion && this.sim.now() >= this.faultAt) {
      this.standbyAnswered = true;
      this.sim.trace(
        'route53',
        `Route 53 answers the standby (${service.region}) for ${this.wiring.applicationName}, first to ${asker === 'orchestrator' ? 'the orchestrator' : `client ${asker + 1}'s resolver`}`,
      );
    }
    return { service, record, ttlMs };
  }

  /** Route 53's answer for the failover signal: the value of the weighted TXT record it chooses. */
  public signalAnswer(): string {
    const records = this.wiring.signalRecords.map((record) => ({
      record,
      weight: record.weight,
      healthy: this.signalChecks.get(record.setIdentifier)?.healthy() ?? true,
    }));
    return chooseWeighted(records, this.dnsRandom).record.target;
  }

  /** The DNS port of the orchestrator: zone name servers, load balancer names, the application name. */
  private dnsPort(): DnsPort {
    const failing = (): boolean => this.sim.now() < this.orchestratorDnsDownUntil;
    const timeout = (name: string): Error => Object.assign(new Error(`queryA ETIMEOUT ${name}`), { code: 'ETIMEOUT' });
    const port: DnsPort = {
      resolve4: async (name) => {
        const service = this.serviceByName(name);
        if (service) return [this.addresses.get(service)!];
        if (this.wiring.nameServers.has(name)) return ['198.51.100.53'];
        this.notice(this.explain(`the orchestrator resolved ${name}, which is neither a load balancer nor a name server of the zone`));
        throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      },
      resolveTxtAt: async (_servers, name) => {
        await this.sim.sleep(20);
        if (name !== this.wiring.signalName) {
          this.notice(this.explain(`the orchestrator asked the zone's name servers for the TXT record ${name}, which no stack creates (RecordSet.Name)`));
          throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        }
        return [this.signalAnswer()];
      },
      resolve4At: async (_servers, name) => {
        await this.sim.sleep(20);
        if (name !== this.wiring.applicationName) {
          this.notice(
            this.explain(
              `the orchestrator asked the zone's name servers for ${name}, not the application name ${this.wiring.applicationName} (RecordSet.Name)`,
            ),
          );
          throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        }
        const { service } = this.resolveApplication('orchestrator');
        return service ? [this.addresses.get(service)!] : [];
      },
    };
    // Each query waits its timeouts (2 s x 2 tries) and fails while the resolver is down.
    const down = async (name: string): Promise<never> => {
      await this.sim.sleep(4000);
      throw timeout(name);
    };
    return {
      resolve4: (name) => (failing() ? down(name) : port.resolve4(name)),
      resolve4At: (servers, name) => (failing() ? down(name) : port.resolve4At(servers, name)),
      resolveTxtAt: (servers, name) => (failing() ? down(name) : port.resolveTxtAt(servers, name)),
    };
  }

  /** Alias targets carry the load balancer's dual-stack name (`dualstack.` + its DNS name), as route53-targets renders them. */
  private serviceByName(name: string): RegionalService | undefined {
    if (!this.servicesByName.has(name)) {
      const bare = name.replace(/^dualstack\./, '').replace(/\.$/, '');
      this.servicesByName.set(
        name,
        this.services.find((service) => service.dnsName === bare),
      );
    }
    return this.servicesByName.get(name);
  }

  // ---------------------------------------------------------------- the service's ports

  private serviceRuntime(region: string): ServiceRuntime {
    return {
      clock: this.sim,
      tcp: { connect: (endpoint) => this.connectPrivate(region, endpoint) },
      log: () => undefined,
      rds: (apiRegion) => ({ send: (command) => withStandardRetries(this.sim, this.random, RDS_MAX_ATTEMPTS, () => this.rdsApi(apiRegion, command as any)) }),
      // Platform events are not routed anywhere; readiness changes go to the timeline.
      eventBridge: () => ({
        send: async (command) => {
          for (const entry of command.input.Entries ?? []) {
            if (entry.DetailType !== 'RegionReadinessChanged') continue;
            const detail = JSON.parse(entry.Detail ?? '{}');
            const failed = (detail.checks ?? []).filter((check: any) => !check.ok).map((check: any) => `${check.name}: ${check.error}`);
            if (!detail.ready && !this.unreadySince.has(region)) this.unreadySince.set(region, { at: this.sim.now(), why: failed.join('; ') });
            if (detail.ready) this.unreadySince.delete(region);
            if (this.sim.tracing) this.sim.trace(`service ${region}`, `a task is now ${detail.ready ? 'READY' : `NOT ready (${failed.join('; ')})`}`);
          }
          return { FailedEntryCount: 0, Entries: [], $metadata: {} } as any;
        },
      }),
      // The follow-up relay is built but never started: the rehearsal measures the order path.
      s3: () => ({ send: () => Promise.reject(new Error('S3 is not modelled by the rehearsal')) }),
      dynamoDb: () => ({ send: () => Promise.reject(new Error('DynamoDB is not modelled by the rehearsal')) }),
      // The order API runs on it: clients write through the service's real order path.
      sql: () => this.sessionSqlPort(region),
    };
  }

  /**
   * The service's SQL adapter in the simulation: the order upsert commits in the Aurora model (and
   * answers as PostgreSQL would, with the new row); readiness reads connect as the production probe
   * does. Nothing else runs here: the rehearsal's tasks do not migrate or relay follow-ups.
   */
  private sessionSqlPort(region: string): SessionSqlPort {
    return {
      // A failed statement is a rejected promise, never a throw: a failing write happens every
      // simulated second of an outage, and each throw costs microseconds.
      execute: (endpoint, statement, parameters) => {
        if (!statement.startsWith('INSERT INTO orders'))
          return Promise.reject(new Error(`the rehearsal models only the order insert, not: ${statement.slice(0, 40)}`));
        // One order stands for the clients of its batch: it commits their rows (see clientsWrite).
        const batch = this.batchesInFlight.get(String(parameters[1]));
        const result = this.commitRows(region, endpoint, batch?.rows ?? 1);
        if (result instanceof Error) return Promise.reject(result);
        if (batch) batch.cluster = result.cluster;
        const [orderId, , fingerprint, traderId, symbol, side, quantity, limitPrice, status, orderRegion, acceptedAt] = parameters;
        const row = {
          order_id: orderId,
          request_fingerprint: fingerprint,
          trader_id: traderId,
          symbol,
          side,
          quantity,
          limit_price: limitPrice,
          status,
          region: orderRegion,
          accepted_at: acceptedAt,
          inserted: true,
        };
        return Promise.resolve({ rowCount: 1, rows: [row] });
      },
      probe: (endpoint) => this.connectPrivate(region, endpoint),
      withSession: () => Promise.reject(new Error('the rehearsal does not migrate')),
      end: async () => undefined,
    };
  }

  /** Resolves a database name from inside `region`, by the Aurora model's endpoint rules; an error when it does not resolve. */
  private databaseEndpoint(region: string, host: string): { cluster: string; attribute: string; reachable: boolean; port: number } | Error {
    const named = this.wiring.renderer.lookup(host);
    const cluster = named?.resource.type === 'AWS::RDS::DBCluster' ? (named.resource.properties.DBClusterIdentifier as string) : undefined;
    if (!named || !cluster || !this.aurora.endpointActive(cluster, named.attribute)) {
      return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    }
    return {
      cluster,
      attribute: named.attribute,
      reachable: this.network.reachesPrivate(region, named.resource.stack.region),
      // Aurora PostgreSQL's default port when the template sets none.
      port: Number(named.resource.properties.Port ?? 5432),
    };
  }

  private async connectPrivate(region: string, endpoint: Endpoint): Promise<void> {
    const resolved = this.databaseEndpoint(region, endpoint.host);
    if (resolved instanceof Error) throw resolved;
    if (endpoint.port !== resolved.port) {
      this.notice(
        `a task of ${region} connects to ${endpoint.host} on port ${endpoint.port} (${originOf(this.wiring, String(endpoint.port))}), where the cluster listens on ${resolved.port} (DBCluster.Port)`,
      );
      throw new Error(`connect ECONNREFUSED ${endpoint.host}:${endpoint.port}`);
    }
    if (!resolved.reachable || !this.network.regionUp(region)) return this.sim.never();
    await this.sim.sleep(this.network.latencyMs(region, region));
    if (!this.aurora.clusterAvailable(resolved.cluster)) throw new Error(`connect ECONNREFUSED ${endpoint.host}:${endpoint.port}`);
  }

  /** A statement committing `rows` rows through `endpoint` from `region`, answered by the Aurora model; an error when it fails. */
  private commitRows(region: string, endpoint: Endpoint, rows: number): { cluster: string } | Error {
    const resolved = this.databaseEndpoint(region, endpoint.host);
    if (resolved instanceof Error) return resolved;
    if (!resolved.reachable) return new Error(`connect ETIMEDOUT ${endpoint.host}`);
    if (endpoint.port !== resolved.port) return new Error(`connect ECONNREFUSED ${endpoint.host}:${endpoint.port}`);
    // The statement commits in the same instant: a few milliseconds of database latency change
    // nothing a failover decides, and an extra event per write would double the run time.
    const result = this.aurora.write(resolved.cluster, resolved.attribute, rows);
    return result.ok ? { cluster: result.cluster } : new Error(result.error);
  }

  // ---------------------------------------------------------------- clients

  /**
   * Every client writes once a second: its resolver's cached answer (refreshed from Route 53 when
   * expired) → that load balancer → a task → the task's database write path. Requests that reach the
   * same load balancer in the same instant share one write-path call carrying all their rows (they
   * see the same state); each write is acknowledged or failed on its own client's ledger.
   */
  private clientsWrite(): void {
    const now = this.sim.now();
    const clients = this.clients;
    // Batches in the order of their first client; consecutive clients mostly share a batch, and
    // there are at most as many batches as answers (two regions, or none).
    const batchServices: Array<RegionalService | undefined> = [];
    const batches: number[][] = [];
    let previousService: RegionalService | undefined;
    let previousBatch: number[] | undefined;
    for (let i = 0; i < clients.count; i++) {
      if (now >= clients.expiresAt[i]) {
        const { service, ttlMs } = this.resolveApplication(i);
        this.checkAnswer(service);
        if (service !== clients.services[i] && this.sim.tracing) {
          const region = service?.region;
          this.sim.trace('resolver', `client ${i + 1} now resolves the application to ${region ?? 'nothing'}`, {
            kind: 'crowd',
            crowd: region ? `clients resolving to ${region}` : 'clients resolving to nothing',
            member: i + 1,
            of: clients.count,
          });
        }
        clients.services[i] = service;
        clients.expiresAt[i] = now + ttlMs;
      }
      const service = clients.services[i];
      if (previousBatch === undefined || previousService !== service) {
        const known = batchServices.indexOf(service);
        if (known >= 0) previousBatch = batches[known];
        else {
          previousBatch = [];
          batchServices.push(service);
          batches.push(previousBatch);
        }
        previousService = service;
      }
      previousBatch.push(i);
    }
    for (let b = 0; b < batches.length; b++) {
      const service = batchServices[b];
      const batch = batches[b];
      if (!service) {
        this.recordWrites(undefined, batch, now, { answered: false, error: 'no answer' });
        continue;
      }
      void service.write('internet', (task) => this.placeOrder(task, batch, now)).then((result) => this.recordWrites(service, batch, now, result));
    }
  }

  /**
   * The batch's order, through the service's order API: validation, the upsert, and its error
   * handling (503 with Retry-After when the region cannot take the write). One call stands for the
   * batch, whose rows it commits: an order per client would multiply the run time by the client
   * count (50 clients: about 16 times) for the same outcome. Resolves with the committing cluster.
   */
  private placeOrder(task: ServiceTask, batch: readonly number[], sent: number): Promise<WriteAnswer> {
    const orders = task.core.orders;
    if (!orders) return Promise.reject(new Error('the service has no order API'));
    const key = `${this.clients.ids[batch[0]]}-${sent}`;
    const inFlight: { rows: number; cluster?: string } = { rows: batch.length };
    this.batchesInFlight.set(key, inFlight);
    return orders.create(key, this.clients.orderBodies[batch[0]]).then(
      (response): WriteAnswer => {
        this.batchesInFlight.delete(key);
        return response.status === 201 ? { status: 201, cluster: inFlight.cluster ?? '' } : { status: response.status, error: JSON.stringify(response.body) };
      },
      (error: unknown) => {
        this.batchesInFlight.delete(key);
        throw error;
      },
    );
  }

  /** Each client of a batch sees its write acknowledged (at or after the commit: when the answer arrives) or failed. */
  private recordWrites(service: RegionalService | undefined, batch: readonly number[], sent: number, result: RequestResult): void {
    const answeredAt = this.sim.now();
    const acknowledged = result.answered && result.status === 201;
    const reachedReady = result.answered && service !== undefined && service.readyNow();
    if (acknowledged) {
      let acks = this.observations.acksByCluster.get(result.cluster!);
      if (!acks) this.observations.acksByCluster.set(result.cluster!, (acks = new Ledger()));
      acks.add(answeredAt, batch.length);
      this.checkAcknowledgement(service!, result.cluster!);
    }
    const { lastAck, longestWriteGap, lastReachedReady, longestTrafficGap } = this.clients;
    const faultAt = this.faultAt;
    const measured = sent >= faultAt;
    if (acknowledged && measured && this.acknowledgedSinceFault) this.traceFirstAcknowledgements(service!, batch);
    for (let k = 0; k < batch.length; k++) {
      const i = batch[k];
      if (acknowledged) {
        if (measured) longestWriteGap[i] = Math.max(longestWriteGap[i], sent - Math.max(lastAck[i], faultAt));
        lastAck[i] = sent;
      }
      if (reachedReady) {
        if (measured) longestTrafficGap[i] = Math.max(longestTrafficGap[i], sent - Math.max(lastReachedReady[i], faultAt));
        lastReachedReady[i] = sent;
      }
    }
  }

  /**
   * Timeline: the first write acknowledged after the fault, and each client's first. Counted by when
   * the write was sent, as the recovery figures are: a write sent before the fault and answered just
   * after it says nothing about recovery.
   */
  private traceFirstAcknowledgements(service: RegionalService, batch: readonly number[]): void {
    const acknowledged = this.acknowledgedSinceFault!;
    for (const i of batch) {
      if (acknowledged[i]) continue;
      if (!acknowledged.includes(1)) this.sim.trace('clients', `first acknowledged write after the fault: client ${i + 1} via ${service.region}`);
      acknowledged[i] = 1;
      this.sim.trace('clients', `client ${i + 1}: first acknowledged write after the fault (via ${service.region})`, {
        kind: 'crowd',
        crowd: 'clients with a write acknowledged after the fault',
        member: i + 1,
        of: this.clients.count,
      });
    }
  }

  /**
   * The Route 53 health check whose verdict lets the orchestrator start a promotion: the primary's
   * signal check when the platform has a signal, else the primary's routing check (weight > 0).
   */
  public detectionCheck(): HealthCheck | undefined {
    const detection = detectionRecord(this.wiring);
    return detection && (detection.signal ? this.signalChecks : this.healthChecks).get(detection.record.setIdentifier);
  }

  /** When `cluster` first acknowledged a write at or after `at`. */
  public firstAcknowledgementAfter(cluster: string, at: number): number | undefined {
    return this.observations.acksByCluster.get(cluster)?.firstAtOrAfter(at);
  }

  /** Per client, after the run: the longest window without an acknowledged write (and without reaching a ready region), from the fault on. */
  public clientRecovery(endAt: number): Array<{ writesMs: number; trafficMs: number }> {
    const { lastAck, longestWriteGap, lastReachedReady, longestTrafficGap } = this.clients;
    return this.clients.ids.map((_, i) => ({
      writesMs: Math.max(longestWriteGap[i], endAt - Math.max(lastAck[i], this.faultAt)),
      trafficMs: Math.max(longestTrafficGap[i], endAt - Math.max(lastReachedReady[i], this.faultAt)),
    }));
  }

  // ---------------------------------------------------------------- orchestrator

  private async runOrchestrator(invocation: Invocation, environment: Record<string, string>): Promise<void> {
    const region = environment.AWS_REGION;
    // A run whose environment was discarded (timeout) never sees another answer.
    const guard = <T>(work: () => Promise<T>): Promise<T> => (invocation.alive && this.network.regionUp(region) ? work() : this.sim.never<T>());
    const send = (attempts: number, handler: (command: any) => Promise<any>) => ({
      send: (command: any) => guard(() => withStandardRetries(this.sim, this.random, attempts, () => handler(command))),
    });
    const deps: OrchestratorDependencies = {
      rds: send(CLIENT_MAX_ATTEMPTS.rds, (command) => this.rdsApi(region, command)) as OrchestratorDependencies['rds'],
      ssm: send(CLIENT_MAX_ATTEMPTS.ssm, (command) => this.ssmApi(command)) as OrchestratorDependencies['ssm'],
      sns: send(CLIENT_MAX_ATTEMPTS.sns, async (command) => {
        if (!this.wiring.topicArns.has(command.input.TopicArn)) {
          this.notice(this.explain(`SNS was asked to publish to ${command.input.TopicArn}, which no stack creates (AWS::SNS::Topic)`));
          throw apiError('NotFoundException', 'Topic does not exist');
        }
        this.observations.pages.push({ at: this.sim.now(), subject: command.input.Subject });
        this.sim.trace('pager', command.input.Subject);
        return { $metadata: {} };
      }) as OrchestratorDependencies['sns'],
      events: send(CLIENT_MAX_ATTEMPTS.events, async () => ({ FailedEntryCount: 0, Entries: [], $metadata: {} })) as OrchestratorDependencies['events'],
      fetch: (url, init) => guard(() => this.fetchFrom(region, url, init.signal)),
      sleep: (ms) => guard(() => this.sim.sleep(ms)),
      now: () => this.sim.now(),
      schedule: (ms, callback) => this.sim.schedule(ms, callback),
      log: (entry) => {
        if (entry.msg === 'failover decision') {
          const reason = String(entry.reason);
          this.observations.decisions.set(reason, (this.observations.decisions.get(reason) ?? 0) + 1);
          this.lastDecision = `${reason}: ${String(entry.detail)}`;
          if (this.sim.tracing)
            this.sim.trace('orchestrator', `decision ${reason}: ${String(entry.detail)}`, {
              kind: 'run-decision',
              run: invocation.id,
              decision: reason,
              idle: idleDecision(reason, entry.primaryProbes as readonly ProbeResult[] | undefined),
            });
        } else if (entry.level === 'error') {
          const { level: _level, msg, ...fields } = entry;
          this.lastOrchestratorError = `${String(msg)} ${JSON.stringify(fields)}`;
        }
      },
      trafficOnSecondary: () => guard(() => authoritativeTrafficOnSecondary(trafficCheckFromEnvironment(environment), this.dnsPort())),
    };
    await runOnce(configFromEnvironment(environment), deps);
  }

  /** An HTTP GET from `origin` to a load balancer URL; hangs (until aborted) when unreachable. */
  private fetchFrom(origin: Origin, url: string, signal: AbortSignal): Promise<{ status: number }> {
    const parsed = new URL(url);
    const service = this.serviceByName(parsed.hostname);
    const protocol = parsed.protocol === 'https:' ? 'HTTPS' : 'HTTP';
    const request = {
      protocol,
      port: Number(parsed.port || (protocol === 'HTTPS' ? 443 : 80)),
      path: parsed.pathname,
      asker: `the orchestrator's probe of ${url} (${originOf(this.wiring, url)})`,
    };
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
      if (!service) {
        this.notice(`${request.asker}: ${parsed.hostname} names no load balancer`);
        return reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${url}`), { code: 'ENOTFOUND' }));
      }
      void service.probe(origin, request).then(async (outcome) => {
        if (outcome.connectMs === undefined) return;
        await this.sim.sleep(outcome.connectMs + (outcome.answerMs ?? 0));
        if (!signal.aborted) resolve({ status: outcome.status ?? 0 });
      });
    });
  }

  // ---------------------------------------------------------------- invariants

  /** No promotion while the primary answers the orchestrator's probe AND Route 53 holds it healthy. */
  private checkPromotionAllowed(): void {
    const primaryService = this.services.find((service) => service.region === this.primaryRegion)!;
    const route53Healthy = this.detectionCheck()?.healthy() ?? true;
    const answersProbe = primaryService.reachable(this.secondaryRegion) && primaryService.readyNow();
    if (route53Healthy && answersProbe) {
      this.violate('promotion requested while the primary answers the orchestrator and Route 53 holds it healthy');
    }
    if (this.aurora.writerChanges.some((change) => change.kind === 'failover')) this.violate('a second failover was requested');
  }

  /** After a failover, Route 53 never answers with a region that cannot take writes (unless no region can). */
  private checkAnswer(service: RegionalService | undefined): void {
    if (!this.aurora.writerChanges.some((change) => change.kind === 'failover')) return;
    if (service && this.regionCanWrite(service.region)) return;
    if (![this.primaryRegion, this.secondaryRegion].some((region) => this.regionCanWrite(region))) return;
    this.violate(`Route 53 answered with ${service?.region ?? 'nothing'}, which cannot take writes, after the failover`);
  }

  private checkAcknowledgement(service: RegionalService, cluster: string): void {
    if (!this.regionCanWrite(service.region)) this.violate(`${service.region} acknowledged a write although its database cannot take writes`);
    if (this.aurora.writerIdentifier() !== cluster && !this.aurora.changingWriter()) {
      this.violate(`write acknowledged by ${cluster}, which is not the writer`);
    }
  }

  public regionCanWrite(region: string): boolean {
    const cluster = this.aurora.clusterInRegion(region);
    return cluster !== undefined && this.network.regionUp(region) && this.aurora.roleAllowsWrites(cluster);
  }

  /** A Route 53 health check of a record, probing what its FQDN names through the models. */
  private routeHealthCheck(record: RecordWiring, label: string): HealthCheck {
    const check = record.healthCheck!;
    const target = this.serviceByName(check.fqdn);
    const name = `${label} ${record.setIdentifier}`;
    const asker = `${name} (HealthCheckConfig.Type ${check.type}, HealthCheckConfig.Port ${check.port}, HealthCheckConfig.ResourcePath ${check.path})`;
    return new HealthCheck(this.sim, this.sim.random.fork(), {
      name,
      requestIntervalSeconds: check.requestIntervalSeconds,
      failureThreshold: check.failureThreshold,
      checkerCount: this.options.checkersPerHealthCheck,
      inverted: check.inverted,
      probe: async () => {
        if (target) return target.probe(ROUTE53_CHECKERS, { protocol: check.type, port: check.port, path: check.path, asker });
        this.notice(`${name}: HealthCheckConfig.FullyQualifiedDomainName ${check.fqdn} names no load balancer`);
        return {};
      },
    });
  }

  /**
   * Records what a wired property caused, naming the property (and where a value came from, when the
   * wiring knows). Only a wrong wiring causes one, never a fault: each is a violation, once.
   */
  public notice(finding: string): void {
    if (this.observations.findings.has(finding)) return;
    this.observations.findings.set(finding, this.sim.now());
    this.violate(`the wiring: ${finding}`);
  }

  /**
   * Before any fault the platform is at rest: every routing health check healthy (Route 53 answers
   * the primary) and both regions ready. A wiring that leaves it otherwise fails here, whatever the
   * scenario's outcome would have been.
   */
  public checkAtRest(): void {
    const groups: Array<[string, readonly RecordWiring[], Map<string, HealthCheck>]> = [
      ['health check', this.wiring.records, this.healthChecks],
      ['signal check', this.wiring.signalRecords, this.signalChecks],
    ];
    for (const [label, records, checks] of groups) {
      for (const record of records) {
        const check = record.healthCheck;
        if (check && !checks.get(record.setIdentifier)?.healthy()) {
          this.violate(
            `before any fault, ${label} ${record.setIdentifier} is unhealthy (HealthCheckConfig: ${check.type} :${check.port}${check.path} of ${check.fqdn}${check.inverted ? ', HealthCheckConfig.Inverted true' : ''})`,
          );
        }
      }
    }
    if (this.wiring.signalName && this.signalAnswer() !== this.primaryRegion) {
      const values = this.wiring.signalRecords.map((record) => `${record.setIdentifier} ${record.target} weight ${record.weight}`).join(', ');
      this.violate(
        `before any fault, the failover signal answers ${this.signalAnswer()}, not the primary region (RecordSet.ResourceRecords and RecordSet.Weight: ${values})`,
      );
    }
    const primary = this.resolveApplication('orchestrator').service;
    if (primary?.region !== this.primaryRegion) {
      const weights = this.wiring.records.map((record) => `${record.setIdentifier} ${record.weight}`).join(', ');
      this.violate(
        `before any fault, Route 53 answers ${primary?.region ?? 'nothing'} for the application, not the primary region (RecordSet.Weight: ${weights})`,
      );
    }
    for (const service of this.services) {
      if (service.readyNow()) continue;
      this.violate(
        `before any fault, ${service.region} is not ready: ${service.registeredTasks().length} task(s) registered (DesiredCount ${service.taskCount}); ${this.whyUnready(service.region)}`,
      );
    }
    if (this.aurora.writerChanges.length > 0) this.violate(`before any fault, the writer moved to ${this.aurora.writerIdentifier()}`);
  }

  /** Why a region is not ready: what its tasks reported when it first went unready, and its cluster as the templates built it. */
  public whyUnready(region: string): string {
    const since = this.unreadySince.get(region);
    const cluster = this.wiring.clusters.find((candidate) => candidate.region === region);
    const built = cluster
      ? ` [its cluster ${cluster.identifier}: DBCluster.EnableGlobalWriteForwarding ${cluster.writeForwarding}, ${cluster.instanceCount} AWS::RDS::DBInstance]`
      : '';
    const reported = since ? `not ready since t=${(since.at / 1000).toFixed(1)} s: ${this.explain(since.why)}` : 'no task reported readiness';
    return `${reported}${built}`;
  }

  /**
   * A message with the template property behind each value it quotes (hosts, identifiers, URLs):
   * `getaddrinfo ENOTFOUND x (x: SecondaryService TaskDefinition ContainerDefinitions.Environment.DB_HOST)`.
   */
  public explain(message: string): string {
    const quoted = [...this.wiring.origins.keys()].filter((value) => value.length >= 12 && message.includes(value));
    return quoted.length === 0 ? message : `${message} (${quoted.map((value) => `${value}: ${originOf(this.wiring, value)}`).join('; ')})`;
  }

  public violate(message: string): void {
    const text = `t=${(this.sim.now() / 1000).toFixed(1)} s: ${message}`;
    if (!this.observations.violations.includes(text)) this.observations.violations.push(text);
    this.sim.trace('INVARIANT', message);
  }
}
