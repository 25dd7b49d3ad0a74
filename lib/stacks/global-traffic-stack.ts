import { CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { WeightedFailoverRouting } from '../constructs/weighted-failover-routing';
import { PlatformNames } from '../naming';

/** Record name of the trading application inside the hosted zone. */
export const APPLICATION_RECORD_NAME = 'app';
/** Path of the readiness endpoint that Route 53 probes. */
export const READINESS_PATH = '/ready';

/** A region's entry point as the DNS stack sees it (strings: the secondary's come from another region). */
export interface RoutedRegion {
  readonly loadBalancerDnsName: string;
  readonly loadBalancerCanonicalHostedZoneId: string;
  readonly protocol: route53.HealthCheckType;
  readonly port: number;
}

export interface GlobalTrafficStackProps extends StackProps {
  readonly names: PlatformNames;
  readonly domainName: string;
  /** Takes 100 % of traffic while healthy. */
  readonly primary: RoutedRegion;
  /** Answered only when the primary is unhealthy. */
  readonly secondary: RoutedRegion;
  /** Path the health checks probe through each load balancer. @default READINESS_PATH */
  readonly readinessPath?: string;
}

/**
 * The hosted zone, one health check per region and the 100/0 weighted records that move traffic
 * to the secondary region when the primary fails. Route 53 is global: this stack lives in the
 * primary region, and its records and health checks keep working when that region is down.
 */
export class GlobalTrafficStack extends Stack {
  public readonly hostedZone: route53.PublicHostedZone;
  public readonly routing: WeightedFailoverRouting;

  constructor(scope: Construct, id: string, props: GlobalTrafficStackProps) {
    super(scope, id, props);

    this.hostedZone = new route53.PublicHostedZone(this, 'HostedZone', {
      zoneName: props.domainName,
      comment: `Trading DR platform (${props.names.suffix})`,
    });

    this.routing = new WeightedFailoverRouting(this, 'Routing', {
      zone: this.hostedZone,
      recordName: APPLICATION_RECORD_NAME,
      readinessPath: props.readinessPath ?? READINESS_PATH,
      requestInterval: Duration.seconds(30),
      failureThreshold: 2,
      endpoints: [
        { id: 'primary', ...props.primary, weight: 100, healthCheckName: props.names.healthCheck('primary') },
        { id: 'secondary', ...props.secondary, weight: 0, healthCheckName: props.names.healthCheck('secondary') },
      ],
    });

    new CfnOutput(this, 'HostedZoneId', { value: this.hostedZone.hostedZoneId, description: 'Route 53 hosted zone id' });
    new CfnOutput(this, 'HostedZoneNameServers', {
      value: Fn.join(',', this.hostedZone.hostedZoneNameServers ?? []),
      description: 'Delegate the domain to these name servers',
    });
    new CfnOutput(this, 'ApplicationUrl', {
      value: `${props.primary.protocol === route53.HealthCheckType.HTTPS ? 'https' : 'http'}://${APPLICATION_RECORD_NAME}.${props.domainName}`,
      description: 'Weighted failover name of the trading application',
    });
  }
}
