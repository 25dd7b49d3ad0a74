import * as path from 'node:path';
import { App, Aspects, Tags } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { DestroyableResources } from './aspects/destroyable';
import { LogRetentionPolicy } from './aspects/log-retention';
import { PlatformConfig, RegionConfig } from './config';
import { PlatformNames } from './naming';
import { GlobalTrafficStack } from './stacks/global-traffic-stack';
import { NetworkStack } from './stacks/network-stack';
import { ServiceStack } from './stacks/service-stack';

/** Folder of the container service, built by `cdk deploy` from its Dockerfile. */
export const SERVICE_SOURCE_DIR = path.join(__dirname, '..', 'service');

export interface RegionStacks {
  readonly network: NetworkStack;
  readonly service: ServiceStack;
}

export interface PlatformStacks {
  readonly primary: RegionStacks;
  readonly secondary: RegionStacks;
  readonly globalTraffic: GlobalTrafficStack;
}

/**
 * Adds every stack of the platform to `app`.
 *
 * Stack ids are stable: renaming one makes CloudFormation see a new stack.
 */
export function createPlatform(app: App, config: PlatformConfig): PlatformStacks {
  const names = new PlatformNames(config.environmentSuffix);
  const image = ecs.ContainerImage.fromAsset(SERVICE_SOURCE_DIR, { platform: Platform.LINUX_AMD64 });

  const regionStacks = (regionConfig: RegionConfig, idPrefix: string): RegionStacks => {
    const env = { account: config.account, region: regionConfig.region };
    const common = { env, availabilityZones: regionConfig.availabilityZones };
    const network = new NetworkStack(app, `${idPrefix}Network`, {
      ...common,
      stackName: names.stack('network', regionConfig.role),
      description: `Trading DR ${regionConfig.role} network (${regionConfig.region})`,
      vpcName: names.vpc(regionConfig.role),
      flowLogGroupName: names.logGroup('vpc-flow-logs', regionConfig.role),
    });
    const service = new ServiceStack(app, `${idPrefix}Service`, {
      ...common,
      stackName: names.stack('service', regionConfig.role),
      description: `Trading DR ${regionConfig.role} service (${regionConfig.region})`,
      names,
      role: regionConfig.role,
      vpc: network.vpc,
      image,
      certificateArn: regionConfig.certificateArn,
    });
    return { network, service };
  };

  const primary = regionStacks(config.primary, 'Primary');
  const secondary = regionStacks(config.secondary, 'Secondary');

  const globalTraffic = new GlobalTrafficStack(app, 'GlobalTraffic', {
    env: { account: config.account, region: config.primary.region },
    stackName: names.stack('dns'),
    description: 'Trading DR hosted zone, health checks and weighted failover records',
    names,
    domainName: config.domainName,
    primary: primary.service.trading,
    secondary: secondary.service.trading,
  });

  Aspects.of(app).add(new LogRetentionPolicy(config.logRetentionDays));
  Aspects.of(app).add(new DestroyableResources());
  Tags.of(app).add('Project', 'trading-dr');
  Tags.of(app).add('Environment', config.environmentSuffix);

  return { primary, secondary, globalTraffic };
}
