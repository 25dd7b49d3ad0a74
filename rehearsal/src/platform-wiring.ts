/**
 * The parts of the synthesized platform that decide a failover, extracted from the assembly. Each
 * field names the template property it comes from; every cross-stack value is resolved by
 * `Assembly.resolve`, and rendered by the `Renderer` to the string a deployed resource would see.
 */
import { Assembly, Renderer, Resolved, ResourceRef } from './wiring';

export interface HealthCheckWiring {
  readonly logicalId: string;
  /** `HealthCheckConfig.Type`: HTTP or HTTPS. */
  readonly type: string;
  /** `HealthCheckConfig.FullyQualifiedDomainName`, rendered. */
  readonly fqdn: string;
  readonly port: number;
  readonly path: string;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  readonly inverted: boolean;
}

export interface RecordWiring {
  readonly setIdentifier: string;
  readonly weight: number;
  /** `HealthCheckId`, when the record has a health check in the same template. */
  readonly healthCheck?: HealthCheckWiring;
  /** `AliasTarget.DNSName` or the CNAME's value, rendered. */
  readonly target: string;
  readonly alias: boolean;
  /** Record TTL; undefined for an alias, whose TTL is the target's. */
  readonly ttlSeconds?: number;
}

/** One listener of a service's load balancer. */
export interface ListenerWiring {
  readonly logicalId: string;
  /** `Port`. */
  readonly port: number;
  /** `Protocol`: HTTP or HTTPS. */
  readonly protocol: string;
  /** `DefaultActions[0]`: forwards to the service's target group, redirects, or answers something else. */
  readonly action: { readonly type: 'forward' } | { readonly type: 'redirect'; readonly status: number } | { readonly type: 'other'; readonly status: number };
}

/** The service's target group: how the load balancer judges and reaches its targets. */
export interface TargetGroupWiring {
  readonly logicalId: string;
  /** `Protocol` the load balancer speaks to its targets. */
  readonly protocol: string;
  /** `HealthCheckPath` (default `/`). */
  readonly healthCheckPath: string;
  /** `HealthCheckPort`: `traffic-port` (the port each target is registered on) or a number. */
  readonly healthCheckPort: string;
  /** `Matcher.HttpCode` (default `200`): codes, lists and ranges such as `200,302` or `200-299`. */
  readonly matcher: string;
}

export interface ServiceWiring {
  readonly region: string;
  readonly stackName: string;
  /** The load balancer whose listener forwards to the service's target group. */
  readonly loadBalancer: ResourceRef;
  readonly loadBalancerDnsName: string;
  /** Every listener of that load balancer. */
  readonly listeners: readonly ListenerWiring[];
  readonly targetGroup: TargetGroupWiring;
  /** `LoadBalancers[0].ContainerPort` of the ECS service: the port ECS registers each task's address on. */
  readonly containerPort: number;
  readonly desiredCount: number;
  /** The container's environment, rendered (`ContainerDefinitions[0].Environment`). */
  readonly environment: Record<string, string>;
}

export interface OrchestratorWiring {
  readonly region: string;
  readonly functionLogicalId: string;
  readonly environment: Record<string, string>;
  /** From the `AWS::Scheduler::Schedule` targeting the function. */
  readonly schedulePeriodSeconds: number;
  readonly reservedConcurrency?: number;
  readonly timeoutSeconds: number;
  /** `AWS::Lambda::EventInvokeConfig` `MaximumEventAgeInSeconds` (Lambda's default is 6 hours). */
  readonly maxEventAgeSeconds: number;
}

export interface ClusterWiring {
  readonly resource: ResourceRef;
  readonly region: string;
  readonly identifier: string;
  readonly arn: string;
  /** A cluster created with master credentials creates the global writer; one without joins as a secondary. */
  readonly joinsAs: 'primary' | 'secondary';
  /** `EnableGlobalWriteForwarding`; for a primary it takes effect when the cluster is demoted. */
  readonly writeForwarding: boolean;
  readonly instanceCount: number;
}

export interface PlatformWiring {
  readonly assembly: Assembly;
  readonly renderer: Renderer;
  readonly applicationName: string;
  readonly records: readonly RecordWiring[];
  /** The failover signal's name, when the platform has one: weighted TXT records that route no traffic. */
  readonly signalName?: string;
  /** The signal's records; `target` is each record's TXT value (the region it names). */
  readonly signalRecords: readonly RecordWiring[];
  readonly services: readonly ServiceWiring[];
  readonly orchestrator: OrchestratorWiring;
  readonly globalClusterIdentifier: string;
  readonly clusters: readonly ClusterWiring[];
  readonly account: string;
  /** Every SSM parameter a stack creates: name → initial value. */
  readonly parameters: ReadonlyMap<string, string>;
  /** The pause switch an operator sets: the orchestrator stack's `PauseParameterName` output (the runbook's). */
  readonly pauseParameterName: string;
  /** The ARN of every SNS topic a stack creates. */
  readonly topicArns: ReadonlySet<string>;
  /** The hosted zone's name servers (`AWS::Route53::HostedZone` NameServers). */
  readonly nameServers: ReadonlySet<string>;
  /** Where each rendered environment value was read: value → `<stack> <resource> <property>`. */
  readonly origins: ReadonlyMap<string, readonly string[]>;
}

/**
 * The record whose Route 53 check lets the orchestrator start a promotion: the primary's failover
 * signal record when the orchestrator reads the signal, else the primary's routing record (weight > 0).
 */
export function detectionRecord(wiring: PlatformWiring): { readonly record: RecordWiring; readonly signal: boolean } | undefined {
  const primary = (records: readonly RecordWiring[]) => records.find((record) => record.weight > 0 && record.healthCheck);
  const signal = wiring.orchestrator.environment.SIGNAL_RECORD_NAME ? primary(wiring.signalRecords) : undefined;
  if (signal) return { record: signal, signal: true };
  const routing = primary(wiring.records);
  return routing && { record: routing, signal: false };
}

/** The template properties a rendered value was read from, for messages: `FailoverAutomation Orchestrator Environment.Variables.X`. */
export function originOf(wiring: PlatformWiring, value: string): string {
  const origins = wiring.origins.get(value);
  return origins ? origins.join(', ') : 'not read from the templates';
}

export function readPlatformWiring(assembly: Assembly, renderer = new Renderer()): PlatformWiring {
  const account = renderer.render({ kind: 'pseudo', name: 'AWS::AccountId', region: '' });
  const origins = new Map<string, string[]>();
  const remember = (value: string, where: string): void => {
    const known = origins.get(value) ?? [];
    if (!known.includes(where)) origins.set(value, [...known, where]);
  };
  const text = (value: unknown, resource: ResourceRef): string => renderer.render(assembly.resolve(value, resource.stack));

  // Route 53: the one weighted group that routes traffic, and the optional signal group (TXT).
  const weightedRecords = assembly.resourcesOfType('AWS::Route53::RecordSet').filter((record) => record.properties.Weight !== undefined);
  const weighted = weightedRecords.filter((record) => record.properties.Type !== 'TXT');
  const signalWeighted = weightedRecords.filter((record) => record.properties.Type === 'TXT');
  const names = [...new Set(weighted.map((record) => text(record.properties.Name, record)))];
  if (names.length !== 1) throw new Error(`expected one weighted record group (RecordSet.Name), found ${names.length} (${names.join(', ')})`);
  const signalNames = [...new Set(signalWeighted.map((record) => text(record.properties.Name, record)))];
  if (signalNames.length > 1) throw new Error(`expected at most one weighted TXT group (RecordSet.Name), found ${signalNames.join(', ')}`);
  const readRecord = (record: ResourceRef): RecordWiring => {
    const properties = record.properties;
    const healthCheckId = properties.HealthCheckId;
    let healthCheck: HealthCheckWiring | undefined;
    if (healthCheckId !== undefined) {
      const resolved = assembly.resolve(healthCheckId, record.stack);
      if (resolved.kind !== 'attribute' || resolved.resource.type !== 'AWS::Route53::HealthCheck') {
        throw new Error(`record ${record.logicalId}: HealthCheckId does not resolve to a health check`);
      }
      const config = resolved.resource.properties.HealthCheckConfig;
      const where = `health check ${resolved.resource.logicalId}`;
      if (config.Type !== 'HTTP' && config.Type !== 'HTTPS') throw new Error(`${where}: HealthCheckConfig.Type ${config.Type} is not modelled (HTTP or HTTPS)`);
      // Route 53 accepts only these (Route 53 API Reference, HealthCheckConfig).
      if (config.RequestInterval !== undefined && ![10, 30].includes(Number(config.RequestInterval)))
        throw new Error(`${where}: HealthCheckConfig.RequestInterval ${config.RequestInterval} is not 10 or 30 (Route 53 refuses it)`);
      const threshold = Number(config.FailureThreshold ?? 3);
      if (!Number.isInteger(threshold) || threshold < 1 || threshold > 10)
        throw new Error(`${where}: HealthCheckConfig.FailureThreshold ${config.FailureThreshold} is not an integer from 1 to 10 (Route 53 refuses it)`);
      healthCheck = {
        logicalId: resolved.resource.logicalId,
        type: config.Type,
        fqdn: text(config.FullyQualifiedDomainName, resolved.resource),
        port: Number(config.Port ?? (config.Type === 'HTTPS' ? 443 : 80)),
        path: config.ResourcePath ?? '/',
        requestIntervalSeconds: Number(config.RequestInterval ?? 30),
        failureThreshold: Number(config.FailureThreshold ?? 3),
        inverted: config.Inverted === true,
      };
    }
    const alias = properties.AliasTarget !== undefined;
    return {
      setIdentifier: properties.SetIdentifier,
      weight: Number(properties.Weight),
      healthCheck,
      target: alias ? text(properties.AliasTarget.DNSName, record) : text(properties.ResourceRecords?.[0], record),
      alias,
      ttlSeconds: alias ? undefined : Number(properties.TTL),
    };
  };
  const records = weighted.map(readRecord);
  // A TXT value is quoted in the template; the resolver answers it unquoted.
  const signalRecords = signalWeighted.map(readRecord).map((record) => ({ ...record, target: record.target.replace(/^"|"$/g, '') }));

  // ECS services and the load balancers in front of them.
  const services = assembly.resourcesOfType('AWS::ECS::Service').map((service): ServiceWiring => {
    const targetGroup = assembly.resolve(service.properties.LoadBalancers?.[0]?.TargetGroupArn, service.stack);
    if (targetGroup.kind !== 'attribute') throw new Error(`service ${service.logicalId} has no target group`);
    const listener = assembly
      .resourcesOfType('AWS::ElasticLoadBalancingV2::Listener')
      .filter((candidate) => candidate.stack === service.stack)
      .find((candidate) =>
        (candidate.properties.DefaultActions ?? []).some((action: any) => {
          const forwarded = action.TargetGroupArn ?? action.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
          return forwarded?.Ref === targetGroup.resource.logicalId;
        }),
      );
    if (!listener) throw new Error(`no listener forwards to the target group of ${service.logicalId} (Listener.DefaultActions)`);
    const loadBalancer = assembly.resolve(listener.properties.LoadBalancerArn, listener.stack);
    if (loadBalancer.kind !== 'attribute') throw new Error(`listener ${listener.logicalId} has no load balancer`);
    const listeners = assembly
      .resourcesOfType('AWS::ElasticLoadBalancingV2::Listener')
      .filter((candidate) => candidate.stack === service.stack && candidate.properties.LoadBalancerArn?.Ref === loadBalancer.resource.logicalId)
      .map((candidate): ListenerWiring => {
        const action = candidate.properties.DefaultActions?.[0] ?? {};
        const forwards = (action.TargetGroupArn ?? action.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn)?.Ref === targetGroup.resource.logicalId;
        return {
          logicalId: candidate.logicalId,
          port: Number(candidate.properties.Port),
          protocol: candidate.properties.Protocol,
          action: forwards
            ? { type: 'forward' }
            : action.Type === 'redirect'
              ? { type: 'redirect', status: action.RedirectConfig?.StatusCode === 'HTTP_302' ? 302 : 301 }
              : { type: 'other', status: Number(action.FixedResponseConfig?.StatusCode ?? 503) },
        };
      });
    const group = targetGroup.resource.properties;
    const targetGroupWiring: TargetGroupWiring = {
      logicalId: targetGroup.resource.logicalId,
      protocol: group.Protocol ?? 'HTTP',
      healthCheckPath: group.HealthCheckPath ?? '/',
      healthCheckPort: String(group.HealthCheckPort ?? 'traffic-port'),
      matcher: String(group.Matcher?.HttpCode ?? '200'),
    };
    const taskDefinition = assembly.resolve(service.properties.TaskDefinition, service.stack);
    if (taskDefinition.kind !== 'attribute') throw new Error(`service ${service.logicalId} has no task definition`);
    const container = taskDefinition.resource.properties.ContainerDefinitions[0];
    const environment: Record<string, string> = {};
    for (const variable of container.Environment ?? []) {
      environment[variable.Name] = text(variable.Value, taskDefinition.resource);
      remember(
        environment[variable.Name],
        `${service.stack.artifactId} ${taskDefinition.resource.logicalId} ContainerDefinitions.Environment.${variable.Name}`,
      );
    }
    return {
      region: service.stack.region,
      stackName: service.stack.stackName,
      loadBalancer: loadBalancer.resource,
      loadBalancerDnsName: renderer.render({ kind: 'attribute', resource: loadBalancer.resource, attribute: 'DNSName' }),
      listeners,
      targetGroup: targetGroupWiring,
      containerPort: Number(service.properties.LoadBalancers[0].ContainerPort),
      desiredCount: Number(service.properties.DesiredCount ?? 1),
      environment,
    };
  });

  // The orchestrator: the Lambda function a schedule invokes (other schedules target other services).
  const invoking = assembly
    .resourcesOfType('AWS::Scheduler::Schedule')
    .map((candidate) => ({ schedule: candidate, target: assembly.resolve(candidate.properties.Target?.Arn, candidate.stack) }))
    .filter(({ target }) => target.kind === 'attribute' && target.resource.type === 'AWS::Lambda::Function');
  if (invoking.length !== 1) throw new Error(`expected one schedule invoking a Lambda function (the failover orchestrator), found ${invoking.length}`);
  const { schedule } = invoking[0];
  const fn = (invoking[0].target as Extract<Resolved, { kind: 'attribute' }>).resource;
  const rate = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule.properties.ScheduleExpression ?? '');
  if (!rate) throw new Error(`schedule expression ${schedule.properties.ScheduleExpression} is not a rate in minutes or hours`);
  const invokeConfig = assembly
    .resourcesOfType('AWS::Lambda::EventInvokeConfig')
    .find((candidate) => candidate.stack === fn.stack && candidate.properties.FunctionName?.Ref === fn.logicalId);
  const orchestratorEnvironment: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.properties.Environment?.Variables ?? {})) {
    orchestratorEnvironment[key] = text(value, fn);
    remember(orchestratorEnvironment[key], `${fn.stack.artifactId} ${fn.logicalId} Environment.Variables.${key}`);
  }
  const orchestrator: OrchestratorWiring = {
    region: fn.stack.region,
    functionLogicalId: fn.logicalId,
    environment: orchestratorEnvironment,
    schedulePeriodSeconds: Number(rate[1]) * (rate[2].startsWith('hour') ? 3600 : 60),
    reservedConcurrency: fn.properties.ReservedConcurrentExecutions,
    timeoutSeconds: Number(fn.properties.Timeout ?? 3),
    maxEventAgeSeconds: Number(invokeConfig?.properties.MaximumEventAgeInSeconds ?? 21600),
  };

  // Aurora global database.
  const globals = assembly.resourcesOfType('AWS::RDS::GlobalCluster');
  if (globals.length !== 1) throw new Error(`expected one Aurora global cluster, found ${globals.length}`);
  const globalClusterIdentifier = text(globals[0].properties.GlobalClusterIdentifier, globals[0]);
  const clusters = assembly
    .resourcesOfType('AWS::RDS::DBCluster')
    .filter((cluster) => {
      const joined = assembly.resolve(cluster.properties.GlobalClusterIdentifier ?? '', cluster.stack);
      if (joined.kind === 'attribute' && joined.resource.type === 'AWS::RDS::GlobalCluster') return true;
      return renderer.render(joined) === globalClusterIdentifier;
    })
    .map((cluster): ClusterWiring => {
      const identifier = text(cluster.properties.DBClusterIdentifier, cluster);
      const instanceCount = assembly
        .resourcesOfType('AWS::RDS::DBInstance')
        .filter((instance) => instance.stack === cluster.stack && instance.properties.DBClusterIdentifier?.Ref === cluster.logicalId).length;
      return {
        resource: cluster,
        region: cluster.stack.region,
        identifier,
        arn: `arn:aws:rds:${cluster.stack.region}:${account}:cluster:${identifier}`,
        joinsAs: cluster.properties.MasterUsername !== undefined || cluster.properties.SourceDBClusterIdentifier !== undefined ? 'primary' : 'secondary',
        writeForwarding: cluster.properties.EnableGlobalWriteForwarding === true,
        instanceCount,
      };
    });
  if (clusters.filter((cluster) => cluster.joinsAs === 'primary').length !== 1)
    throw new Error(
      'the global cluster needs exactly one primary member: the one cluster with master credentials (DBCluster.MasterUsername or SourceDBClusterIdentifier)',
    );
  for (const cluster of assembly.resourcesOfType('AWS::RDS::DBCluster')) {
    if (!clusters.some((member) => member.resource === cluster || (member.resource.stack === cluster.stack && member.resource.logicalId === cluster.logicalId)))
      throw new Error(
        `cluster ${cluster.stack.artifactId}/${cluster.logicalId} is not a member of ${globalClusterIdentifier} (DBCluster.GlobalClusterIdentifier ${JSON.stringify(cluster.properties.GlobalClusterIdentifier)}; GlobalCluster.GlobalClusterIdentifier ${globalClusterIdentifier})`,
      );
  }
  remember(globalClusterIdentifier, `${globals[0].stack.artifactId} ${globals[0].logicalId} GlobalCluster.GlobalClusterIdentifier`);
  for (const cluster of clusters)
    remember(cluster.identifier, `${cluster.resource.stack.artifactId} ${cluster.resource.logicalId} DBCluster.DBClusterIdentifier`);

  const parameters = new Map(
    assembly
      .resourcesOfType('AWS::SSM::Parameter')
      .map((parameter) => [text(parameter.properties.Name, parameter), text(parameter.properties.Value, parameter)]),
  );
  const pauseOutput = fn.stack.outputs.PauseParameterName;
  const pauseParameterName = pauseOutput ? renderer.render(assembly.resolve(pauseOutput.Value, fn.stack)) : orchestratorEnvironment.PAUSE_PARAMETER;
  const topicArns = new Set(
    assembly.resourcesOfType('AWS::SNS::Topic').map((topic) => renderer.render({ kind: 'attribute', resource: topic, attribute: 'Ref' })),
  );
  const nameServers = new Set(
    assembly
      .resourcesOfType('AWS::Route53::HostedZone')
      .flatMap((zone) => renderer.render({ kind: 'attribute', resource: zone, attribute: 'NameServers' }).split(',')),
  );
  return {
    assembly,
    renderer,
    parameters,
    pauseParameterName,
    topicArns,
    nameServers,
    applicationName: names[0].replace(/\.$/, ''),
    records,
    signalName: signalNames[0]?.replace(/\.$/, ''),
    signalRecords,
    services,
    orchestrator,
    globalClusterIdentifier,
    clusters,
    account,
    origins,
  };
}
