import * as path from 'node:path';
import { App, Aspects, Aws, Fn, Stack, Tags } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DestroyableResources } from './aspects/destroyable';
import { ProductionRetention } from './aspects/production-retention';
import { protectionFor } from './protection';
import { LogGroupEncryption } from './aspects/log-encryption';
import { SingleRolePolicies } from './aspects/single-role-policies';
import { LogRetentionPolicy } from './aspects/log-retention';
import { CertificateSource, PlatformConfig, Protocol, RegionConfig, ROUTE53_METRICS_REGION } from './config';
import { DashboardRegion } from './constructs/dr-dashboard';
import { MonitoredHealthCheck } from './constructs/regional-alarms';
import { FILES_REPLICATION_RULE_ID } from './constructs/replicated-bucket';
import { S3ReplicationMetricProps } from './metrics';
import { AURORA_PORT } from './constructs/aurora-global-primary';
import { recordConfiguration } from './configuration-record';
import { crossRegionValue } from './cross-region';
import { PlatformNames } from './naming';
import { PrimaryDataStack, SecondaryDataStack } from './stacks/data-stacks';
import { FoundationStack } from './stacks/foundation-stack';
import { HostedZoneStack } from './stacks/hosted-zone-stack';
import { EventRoutingStack } from './stacks/event-routing-stack';
import { FailoverStack } from './stacks/failover-stack';
import { APPLICATION_RECORD_NAME, GlobalTrafficStack, SIGNAL_RECORD_NAME } from './stacks/global-traffic-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { ServiceDatabase, ServiceStack } from './stacks/service-stack';

/** Folder of the container service, built by `cdk deploy` from its Dockerfile. */
export const SERVICE_SOURCE_DIR = path.join(__dirname, '..', 'service');

/** How the platform was asked for, beyond its configuration. */
export interface PlatformOptions {
  /**
   * The configuration's name (`config/<name>.json`), recorded in the assembly with a fingerprint of
   * the resolved values so that the tools reading it can say which configuration it came from.
   * @default 'unnamed'
   */
  readonly configurationName?: string;
}

export interface PlatformStacks {
  /** The zone of a new environment whose certificates the platform requests. @default - none: the zone is the configured one, or GlobalTraffic's */
  readonly hostedZone?: HostedZoneStack;
  readonly primaryFoundation: FoundationStack;
  readonly secondaryFoundation: FoundationStack;
  readonly primaryData: PrimaryDataStack;
  readonly secondaryData: SecondaryDataStack;
  readonly primaryService: ServiceStack;
  readonly secondaryService: ServiceStack;
  readonly eventRouting: EventRoutingStack;
  readonly globalTraffic: GlobalTrafficStack;
  readonly failover: FailoverStack;
  readonly primaryMonitoring: MonitoringStack;
  readonly secondaryMonitoring: MonitoringStack;
}

/**
 * Adds every stack of the platform to `app`, in deploy order:
 *
 *   SecondaryFoundation → PrimaryFoundation → [HostedZone] → PrimaryData → SecondaryData
 *   → PrimaryService, SecondaryService → GlobalTraffic
 *
 * Stack ids are stable: renaming one makes CloudFormation see a new stack.
 */
export function createPlatform(app: App, config: PlatformConfig, options: PlatformOptions = {}): PlatformStacks {
  const names = new PlatformNames(config.environmentSuffix);
  const protection = protectionFor(config.posture);
  const image = ecs.ContainerImage.fromAsset(SERVICE_SOURCE_DIR, { platform: Platform.LINUX_AMD64 });
  const regional = (region: RegionConfig, layer: string, what: string) => ({
    env: { account: config.account, region: region.region },
    availabilityZones: region.availabilityZones,
    stackName: names.stack(layer, region.role),
    description: `Trading DR ${region.role} ${what} (${region.region})`,
    protection,
  });

  const secondaryFoundation = new FoundationStack(app, 'SecondaryFoundation', {
    ...regional(config.secondary, 'foundation', 'foundation: VPC, key, alarm topic, buckets'),
    names,
    role: 'secondary',
    vpcCidr: config.secondary.vpcCidr,
  });
  const secondaryKeyArn = crossRegionValue(secondaryFoundation, 'DataKeyArn', secondaryFoundation.encryptionKey.keyArn);
  const primaryFoundation = new FoundationStack(app, 'PrimaryFoundation', {
    ...regional(config.primary, 'foundation', 'foundation: VPC, key, alarm topic, buckets'),
    names,
    role: 'primary',
    vpcCidr: config.primary.vpcCidr,
    replicateFilesTo: { region: config.secondary.region, encryptionKeyArn: secondaryKeyArn },
  });
  primaryFoundation.addStackDependency(secondaryFoundation, 'the files bucket replicates into the secondary bucket, which must exist and be versioned first');

  const applicationName = `${APPLICATION_RECORD_NAME}.${config.domainName}`;
  const requestsCertificates = config.certificateSource === CertificateSource.PLATFORM;
  // Only a new environment whose certificates the platform requests has the zone in a stack of its
  // own, deployed (and delegated to) before the load balancers. An environment that gives its
  // certificates as ARNs keeps the zone where releases up to 3a13891 created it, in GlobalTraffic:
  // moving it would replace it (the upgrade gate refuses that).
  const zoneStack =
    requestsCertificates && !config.hostedZone
      ? new HostedZoneStack(app, 'HostedZone', {
          env: { account: config.account, region: config.primary.region },
          stackName: names.stack('zone'),
          description: 'Trading DR hosted zone, and the lifecycle of its certificate validation records',
          names,
          domainName: config.domainName,
          certificateDomainName: applicationName,
        })
      : undefined;
  const requestedCertificate = (region: RegionConfig) => {
    if (!requestsCertificates) return undefined;
    const hostedZoneId =
      config.hostedZone?.hostedZoneId ??
      (region.region === zoneStack!.region
        ? zoneStack!.hostedZone.hostedZoneId
        : crossRegionValue(zoneStack!, 'HostedZoneId', zoneStack!.hostedZone.hostedZoneId));
    return { domainName: applicationName, hostedZoneId };
  };

  const primaryData = new PrimaryDataStack(app, 'PrimaryData', {
    ...regional(config.primary, 'data', 'data: Aurora global database (primary), DynamoDB global table'),
    names,
    vpc: primaryFoundation.vpc,
    encryptionKey: primaryFoundation.encryptionKey,
    secondaryRegion: config.secondary.region,
    secondaryEncryptionKeyArn: secondaryKeyArn,
    backupVaultName: protection.crossRegionBackups ? names.backupVault('primary') : undefined,
  });
  primaryData.addStackDependency(secondaryFoundation, 'the secret replica and the table replica use the secondary region key');

  const secondaryData = new SecondaryDataStack(app, 'SecondaryData', {
    ...regional(config.secondary, 'data', 'data: Aurora secondary cluster'),
    names,
    vpc: secondaryFoundation.vpc,
    encryptionKey: secondaryFoundation.encryptionKey,
    // The name is deterministic: no reference across regions, the dependency below orders them.
    globalClusterIdentifier: names.auroraGlobalCluster(),
    alarmTopic: secondaryFoundation.alarmTopic,
    primaryRegion: config.primary.region,
    backupVaultName: protection.crossRegionBackups ? names.backupVault('secondary') : undefined,
    primaryEncryptionKeyArn: crossRegionValue(primaryFoundation, 'DataKeyArn', primaryFoundation.encryptionKey.keyArn),
  });
  secondaryData.addStackDependency(primaryData, 'the secondary cluster can only attach once the primary cluster of the global database is available');
  secondaryData.addStackDependency(
    primaryFoundation,
    "the files bucket replicates back into the primary region's bucket with its key (and backups are copied there in production)",
  );

  const eventRouting = new EventRoutingStack(app, 'EventRouting', {
    ...regional(config.primary, 'events', 'events: EventBridge global endpoint and heartbeat'),
    stackName: names.stack('events'),
    names,
    eventBus: primaryFoundation.events.eventBus,
    platformRule: primaryFoundation.events.rule,
    alarmTopic: primaryFoundation.alarmTopic,
    secondaryRegion: config.secondary.region,
  });
  eventRouting.addStackDependency(secondaryFoundation, 'the endpoint spans the secondary bus, which must exist');

  const serviceStack = (region: RegionConfig, idPrefix: string, foundation: FoundationStack, endpointId: string, database: ServiceDatabase): ServiceStack =>
    new ServiceStack(app, `${idPrefix}Service`, {
      ...regional(region, 'service', 'service'),
      names,
      role: region.role,
      vpc: foundation.vpc,
      image,
      workload: config.workload,
      encryptionKey: foundation.encryptionKey,
      accessLogBucket: foundation.accessLogBucket,
      sessionTableName: names.sessionTable(),
      certificateArn: region.certificateArn,
      requestedCertificate: requestedCertificate(region),
      events: { eventBusName: names.eventBus(), endpointId, busRegions: [config.primary.region, config.secondary.region] },
      database,
    });

  const primaryService = serviceStack(
    config.primary,
    'Primary',
    primaryFoundation,
    eventRouting.globalEndpoint.endpointId,
    databaseFor(
      config.secondary.region,
      primaryData.database.securityGroup,
      primaryData.database.cluster.clusterEndpoint.hostname,
      primaryData.database.cluster.clusterReadEndpoint.hostname,
      names.auroraCluster('primary'),
      primaryData.database.cluster.clusterResourceIdentifier,
      primaryData.database.secret.secretArn,
    ),
  );
  primaryService.addStackDependency(primaryData, 'the service connects to the primary cluster and the session table');

  const secondaryService = serviceStack(
    config.secondary,
    'Secondary',
    secondaryFoundation,
    crossRegionValue(eventRouting, 'EventEndpointId', eventRouting.globalEndpoint.endpointId),
    databaseFor(
      config.primary.region,
      secondaryData.database.securityGroup,
      secondaryData.database.endpoint,
      secondaryData.database.readerEndpoint,
      names.auroraCluster('secondary'),
      secondaryData.database.cluster.attrDbClusterResourceId,
      // The replica's ARN is the primary's in the secondary region (the name keeps the random
      // suffix). Computed where the secret is, so the secondary reads one plain stack output.
      crossRegionValue(
        primaryData,
        'DatabaseSecretReplicaArn',
        Fn.join(':', [
          'arn',
          Aws.PARTITION,
          'secretsmanager',
          config.secondary.region,
          Aws.ACCOUNT_ID,
          'secret',
          Fn.select(6, Fn.split(':', primaryData.database.secret.secretArn)),
        ]),
      ),
    ),
  );
  secondaryService.addStackDependency(secondaryData, 'the service connects to the secondary cluster');
  secondaryService.addStackDependency(primaryData, 'the session table replica and the secret replica are created by the primary data stack');
  secondaryService.addStackDependency(eventRouting, 'the service publishes through the global endpoint');
  if (zoneStack) {
    for (const service of [primaryService, secondaryService]) {
      service.addStackDependency(zoneStack, 'its certificate is validated through the zone, whose stack removes the validation record after the certificates');
    }
  }

  function usesHttps(service: ServiceStack): boolean {
    return service.trading.listenerProtocol === elbv2.ApplicationProtocol.HTTPS;
  }

  function probeOf(service: ServiceStack): { protocol: route53.HealthCheckType; port: number } {
    return { protocol: usesHttps(service) ? route53.HealthCheckType.HTTPS : route53.HealthCheckType.HTTP, port: service.trading.listenerPort };
  }

  function databaseFor(
    peerRegion: string,
    securityGroup: ServiceDatabase['securityGroup'],
    endpoint: string,
    readerEndpoint: string,
    clusterIdentifier: string,
    clusterResourceId: string,
    secretArn: string,
  ): ServiceDatabase {
    return {
      peerRegion,
      securityGroup,
      endpoint,
      readerEndpoint,
      port: AURORA_PORT,
      secretArn,
      databaseName: primaryData.database.databaseName,
      globalClusterIdentifier: names.auroraGlobalCluster(),
      clusterIdentifier,
      clusterResourceId,
    };
  }

  const globalTraffic = new GlobalTrafficStack(app, 'GlobalTraffic', {
    env: { account: config.account, region: config.primary.region },
    stackName: names.stack('dns'),
    description: 'Trading DR hosted zone, health checks and weighted failover records',
    names,
    domainName: config.domainName,
    existingZone: config.hostedZone ?? (zoneStack ? { hostedZoneId: zoneStack.hostedZone.hostedZoneId, nameServers: zoneStack.nameServers } : undefined),
    readinessPath: config.workload.readinessPath,
    primary: {
      region: config.primary.region,
      loadBalancerDnsName: primaryService.trading.loadBalancer.loadBalancerDnsName,
      loadBalancerCanonicalHostedZoneId: primaryService.trading.loadBalancer.loadBalancerCanonicalHostedZoneId,
      ...probeOf(primaryService),
    },
    secondary: {
      region: config.secondary.region,
      loadBalancerDnsName: crossRegionValue(secondaryService, 'LoadBalancerDnsName', secondaryService.trading.loadBalancer.loadBalancerDnsName),
      loadBalancerCanonicalHostedZoneId: crossRegionValue(
        secondaryService,
        'LoadBalancerCanonicalHostedZoneId',
        secondaryService.trading.loadBalancer.loadBalancerCanonicalHostedZoneId,
      ),
      ...probeOf(secondaryService),
    },
  });
  globalTraffic.addStackDependency(primaryService, 'the health check and the record point at the primary load balancer');
  globalTraffic.addStackDependency(secondaryService, 'the health check and the record point at the secondary load balancer');
  // PrimaryMonitoring imported the two health-check ids before it read them weakly. The exports stay
  // so that a stack deployed before that change can still be updated (CloudFormation refuses to
  // remove an export in use); nothing imports them any more, so a replacement may change them.
  for (const label of ['primary', 'secondary'] as const) globalTraffic.exportValue(globalTraffic.routing.healthChecks[label].healthCheckId);

  const readinessUrl = (service: ServiceStack, dnsName: string): string =>
    `${usesHttps(service) ? 'https' : 'http'}://${dnsName}${config.workload.readinessPath}`;
  const failover = new FailoverStack(app, 'FailoverAutomation', {
    ...regional(config.secondary, 'failover', 'failover automation: database promotion'),
    stackName: names.stack('failover'),
    names,
    policy: config.failover,
    primaryRegion: config.primary.region,
    primaryReadinessUrl: readinessUrl(
      primaryService,
      crossRegionValue(primaryService, 'LoadBalancerDnsName', primaryService.trading.loadBalancer.loadBalancerDnsName),
    ),
    secondaryReadinessUrl: readinessUrl(secondaryService, secondaryService.trading.loadBalancer.loadBalancerDnsName),
    probeServerName: config.protocol === Protocol.HTTPS ? applicationName : undefined,
    applicationHostName: applicationName,
    signal: { recordName: `${SIGNAL_RECORD_NAME}.${config.domainName}`, standbyValue: config.secondary.region },
    nameServers: crossRegionValue(globalTraffic, 'HostedZoneNameServers', Fn.join(',', globalTraffic.nameServers)),
    secondaryLoadBalancerDnsName: secondaryService.trading.loadBalancer.loadBalancerDnsName,
    alarmTopic: secondaryFoundation.alarmTopic,
    alarmTopicKey: secondaryFoundation.encryptionKey,
  });
  failover.addStackDependency(secondaryData, 'it fails over the secondary cluster');
  failover.addStackDependency(primaryService, 'it probes the primary load balancer');
  failover.addStackDependency(globalTraffic, 'it reads the authoritative answer from the hosted zone name servers');

  const dashboardRegion = (region: RegionConfig): DashboardRegion => ({
    region: region.region,
    role: region.role,
    ecsClusterName: names.cluster(region.role),
    ecsServiceName: names.service(region.role),
  });
  const healthChecksSeenFrom = (region: RegionConfig): MonitoredHealthCheck[] => {
    const read = (producer: Stack, outputId: string, value: string): string =>
      producer.region === region.region ? value : crossRegionValue(producer, outputId, value);
    // Read weakly in both regions: a change of protocol replaces the checks and changes their ids,
    // which an import (Fn::ImportValue) would refuse. The probe description changes with them, so
    // the reading stack is updated and re-reads the ids (test/upgrades.test.ts).
    const trafficCheck = (label: 'primary' | 'secondary', outputId: string): MonitoredHealthCheck => ({
      label,
      healthCheckId: crossRegionValue(globalTraffic, outputId, globalTraffic.routing.healthChecks[label].healthCheckId),
      probe: globalTraffic.routing.probeDescriptions[label],
    });
    return [
      trafficCheck('primary', 'PrimaryHealthCheckId'),
      trafficCheck('secondary', 'SecondaryHealthCheckId'),
      { label: 'events', healthCheckId: read(eventRouting, 'EventsHealthCheckId', eventRouting.heartbeat.healthCheck.healthCheckId) },
    ];
  };
  const fileReplication: S3ReplicationMetricProps = {
    sourceBucket: names.bucket('trading-files', Aws.ACCOUNT_ID, config.primary.region),
    destinationBucket: names.bucket('trading-files', Aws.ACCOUNT_ID, config.secondary.region),
    ruleId: FILES_REPLICATION_RULE_ID,
    sourceRegion: config.primary.region,
  };
  const monitoring = (
    region: RegionConfig,
    other: RegionConfig,
    service: ServiceStack,
    idPrefix: string,
    alarmTopic: sns.ITopic,
    otherAlarms: cloudwatch.IAlarm[],
  ) => {
    const stack = new MonitoringStack(app, `${idPrefix}Monitoring`, {
      ...regional(region, 'monitoring', 'monitoring: alarms and DR dashboard'),
      names,
      role: region.role,
      alarmTopic,
      trading: service.trading,
      desiredTaskCount: service.trading.desiredCount,
      local: dashboardRegion(region),
      remote: dashboardRegion(other),
      healthChecks: healthChecksSeenFrom(region),
      alarmOnHealthChecks: region.region === ROUTE53_METRICS_REGION,
      auroraSecondaryClusterId: names.auroraCluster('secondary'),
      auroraSecondaryRegion: config.secondary.region,
      fileReplication,
      otherAlarms,
    });
    stack.addStackDependency(globalTraffic, 'the health checks it watches are created by the DNS stack');
    stack.addStackDependency(eventRouting, 'it watches the event endpoint health check');
    return stack;
  };
  const primaryMonitoring = monitoring(config.primary, config.secondary, primaryService, 'Primary', primaryFoundation.alarmTopic, [
    eventRouting.heartbeat.alarm,
  ]);
  const secondaryMonitoring = monitoring(config.secondary, config.primary, secondaryService, 'Secondary', secondaryFoundation.alarmTopic, [
    secondaryData.replicationLagAlarm,
  ]);

  // Same-region references are strong (Fn::ImportValue, the default in cdk.json). The few values
  // read across regions go through crossRegionValue (Fn::GetStackOutput) with explicit dependencies.

  Aspects.of(app).add(new LogRetentionPolicy(config.logRetentionDays));
  Aspects.of(app).add(
    new LogGroupEncryption(
      new Map([
        [config.primary.region, primaryFoundation.encryptionKey],
        [config.secondary.region, secondaryFoundation.encryptionKey],
      ]),
    ),
  );
  Aspects.of(app).add(protection.retainRecords ? new ProductionRetention() : new DestroyableResources());
  Aspects.of(app).add(new SingleRolePolicies());
  Tags.of(app).add('Project', 'trading-dr');
  Tags.of(app).add('Environment', config.environmentSuffix);

  const stacks: PlatformStacks = {
    ...(zoneStack ? { hostedZone: zoneStack } : {}),
    primaryFoundation,
    secondaryFoundation,
    primaryData,
    secondaryData,
    eventRouting,
    primaryService,
    secondaryService,
    globalTraffic,
    failover,
    primaryMonitoring,
    secondaryMonitoring,
  };
  recordConfiguration(Object.values(stacks), options.configurationName ?? 'unnamed', config);
  return stacks;
}
