import * as path from 'node:path';
import { App, Aspects, CrossStackReferences, ReferenceStrength, Tags } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DestroyableResources } from './aspects/destroyable';
import { LogRetentionPolicy } from './aspects/log-retention';
import { PlatformConfig, RegionConfig } from './config';
import { AURORA_PORT } from './constructs/aurora-global-primary';
import { PlatformNames } from './naming';
import { PrimaryDataStack, SecondaryDataStack } from './stacks/data-stacks';
import { FoundationStack } from './stacks/foundation-stack';
import { EventRoutingStack } from './stacks/event-routing-stack';
import { GlobalTrafficStack } from './stacks/global-traffic-stack';
import { ServiceDatabase, ServiceEvents, ServiceStack } from './stacks/service-stack';

/** Folder of the container service, built by `cdk deploy` from its Dockerfile. */
export const SERVICE_SOURCE_DIR = path.join(__dirname, '..', 'service');
const DATABASE_NAME = 'trading';

export interface PlatformStacks {
  readonly primaryFoundation: FoundationStack;
  readonly secondaryFoundation: FoundationStack;
  readonly primaryData: PrimaryDataStack;
  readonly secondaryData: SecondaryDataStack;
  readonly primaryService: ServiceStack;
  readonly secondaryService: ServiceStack;
  readonly eventRouting: EventRoutingStack;
  readonly globalTraffic: GlobalTrafficStack;
}

/**
 * Adds every stack of the platform to `app`, in deploy order:
 *
 *   SecondaryFoundation → PrimaryFoundation → PrimaryData → SecondaryData
 *   → PrimaryService, SecondaryService → GlobalTraffic
 *
 * Stack ids are stable: renaming one makes CloudFormation see a new stack.
 */
export function createPlatform(app: App, config: PlatformConfig): PlatformStacks {
  const names = new PlatformNames(config.environmentSuffix);
  const image = ecs.ContainerImage.fromAsset(SERVICE_SOURCE_DIR, { platform: Platform.LINUX_AMD64 });
  const regional = (region: RegionConfig, layer: string, what: string) => ({
    env: { account: config.account, region: region.region },
    availabilityZones: region.availabilityZones,
    stackName: names.stack(layer, region.role),
    description: `Trading DR ${region.role} ${what} (${region.region})`,
  });

  const secondaryFoundation = new FoundationStack(app, 'SecondaryFoundation', {
    ...regional(config.secondary, 'foundation', 'foundation: VPC, key, alarm topic, buckets'),
    names,
    role: 'secondary',
    vpcCidr: config.secondary.vpcCidr,
  });
  const primaryFoundation = new FoundationStack(app, 'PrimaryFoundation', {
    ...regional(config.primary, 'foundation', 'foundation: VPC, key, alarm topic, buckets'),
    names,
    role: 'primary',
    vpcCidr: config.primary.vpcCidr,
    replicateFilesTo: { region: config.secondary.region, encryptionKeyArn: secondaryFoundation.encryptionKeyArn },
  });
  primaryFoundation.addStackDependency(secondaryFoundation, 'the files bucket replicates into the secondary bucket, which must exist and be versioned first');

  const primaryData = new PrimaryDataStack(app, 'PrimaryData', {
    ...regional(config.primary, 'data', 'data: Aurora global database (primary), DynamoDB global table'),
    names,
    vpc: primaryFoundation.vpc,
    encryptionKey: primaryFoundation.encryptionKey,
    secondaryRegion: config.secondary.region,
    secondaryEncryptionKeyArn: secondaryFoundation.encryptionKeyArn,
  });

  const secondaryData = new SecondaryDataStack(app, 'SecondaryData', {
    ...regional(config.secondary, 'data', 'data: Aurora secondary cluster'),
    names,
    vpc: secondaryFoundation.vpc,
    encryptionKey: secondaryFoundation.encryptionKey,
    globalClusterIdentifier: primaryData.database.globalCluster.ref,
    alarmTopic: secondaryFoundation.alarmTopic,
  });
  secondaryData.addStackDependency(primaryData, 'the secondary cluster can only attach once the primary cluster of the global database is available');

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

  const primaryService = new ServiceStack(app, 'PrimaryService', {
    ...regional(config.primary, 'service', 'service'),
    names,
    role: 'primary',
    vpc: primaryFoundation.vpc,
    image,
    encryptionKey: primaryFoundation.encryptionKey,
    accessLogBucket: primaryFoundation.accessLogBucket,
    sessionTableName: names.sessionTable(),
    certificateArn: config.primary.certificateArn,
    events: eventsFor(),
    database: databaseFor(
      primaryData.database.securityGroup,
      primaryData.database.cluster.clusterEndpoint.hostname,
      primaryData.database.cluster.clusterReadEndpoint.hostname,
    ),
  });
  primaryService.addStackDependency(primaryData, 'the service connects to the primary cluster and the session table');

  const secondaryService = new ServiceStack(app, 'SecondaryService', {
    ...regional(config.secondary, 'service', 'service'),
    names,
    role: 'secondary',
    vpc: secondaryFoundation.vpc,
    image,
    encryptionKey: secondaryFoundation.encryptionKey,
    accessLogBucket: secondaryFoundation.accessLogBucket,
    sessionTableName: names.sessionTable(),
    certificateArn: config.secondary.certificateArn,
    events: eventsFor(),
    database: databaseFor(secondaryData.database.securityGroup, secondaryData.database.endpoint, secondaryData.database.readerEndpoint),
  });
  secondaryService.addStackDependency(secondaryData, 'the service connects to the secondary cluster');
  secondaryService.addStackDependency(primaryData, 'the session table replica and the secret replica are created by the primary data stack');

  function eventsFor(): ServiceEvents {
    return { eventBusName: names.eventBus(), endpointId: eventRouting.globalEndpoint.endpointId, busRegions: [config.primary.region, config.secondary.region] };
  }

  function databaseFor(securityGroup: ServiceDatabase['securityGroup'], endpoint: string, readerEndpoint: string): ServiceDatabase {
    return { securityGroup, endpoint, readerEndpoint, port: AURORA_PORT, secretName: names.databaseSecret(), databaseName: DATABASE_NAME };
  }

  const globalTraffic = new GlobalTrafficStack(app, 'GlobalTraffic', {
    env: { account: config.account, region: config.primary.region },
    stackName: names.stack('dns'),
    description: 'Trading DR hosted zone, health checks and weighted failover records',
    names,
    domainName: config.domainName,
    primary: primaryService.trading,
    secondary: secondaryService.trading,
  });

  // Same-region references stay strong (Fn::ImportValue, the app default in cdk.json):
  // CloudFormation then refuses to change a value a consumer still uses, instead of leaving the
  // consumer silently stale. Values read across regions are weak (Fn::GetStackOutput), because a
  // strong cross-region reference needs SSM-writing custom resources in every producer.
  for (const crossRegionProducer of [
    secondaryService.trading.loadBalancer,
    secondaryFoundation.encryptionKey,
    primaryData.database.globalCluster,
    eventRouting.globalEndpoint.endpoint,
  ]) {
    CrossStackReferences.of(crossRegionProducer).produce(ReferenceStrength.WEAK);
  }

  Aspects.of(app).add(new LogRetentionPolicy(config.logRetentionDays));
  Aspects.of(app).add(new DestroyableResources());
  Tags.of(app).add('Project', 'trading-dr');
  Tags.of(app).add('Environment', config.environmentSuffix);

  return { primaryFoundation, secondaryFoundation, primaryData, secondaryData, eventRouting, primaryService, secondaryService, globalTraffic };
}
