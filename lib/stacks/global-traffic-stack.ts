import { CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { FailoverSignal } from '../constructs/failover-signal';
import { WeightedFailoverRouting } from '../constructs/weighted-failover-routing';
import { APPLICATION_RECORD_NAME, PlatformNames, SIGNAL_RECORD_NAME } from '../naming';

// The record names live with the other names (CDK-free: verify-deployment reads them too).
export { APPLICATION_RECORD_NAME, SIGNAL_RECORD_NAME } from '../naming';
/** Path of the readiness endpoint that Route 53 probes. */
export const READINESS_PATH = '/ready';

/** A region's entry point as the DNS stack sees it (strings: the secondary's come from another region). */
export interface RoutedRegion {
  /** The region's name: what the failover signal answers while this region would get the traffic. */
  readonly region: string;
  readonly loadBalancerDnsName: string;
  readonly loadBalancerCanonicalHostedZoneId: string;
  readonly protocol: route53.HealthCheckType;
  readonly port: number;
}

/** A public hosted zone that exists already (its records and delegation are the owner's). */
export interface ExistingHostedZone {
  readonly hostedZoneId: string;
  /** Its delegation set (`aws route53 get-hosted-zone`): the orchestrator asks them for the application's name. */
  readonly nameServers: string[];
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
  /**
   * Use this zone for `domainName` instead of creating one: its certificates can be validated in it
   * before the first deploy, so a production environment never needs an HTTP phase. The zone is
   * referenced, never owned: `cdk destroy` removes the platform's records and health checks only.
   * @default - the stack creates the zone, and the domain is delegated to it after the first deploy
   */
  readonly existingZone?: ExistingHostedZone;
}

/**
 * The hosted zone, one health check per region and the 100/0 weighted records that move traffic
 * to the secondary region when the primary fails. Route 53 is global: this stack lives in the
 * primary region, and its records and health checks keep working when that region is down.
 */
export class GlobalTrafficStack extends Stack {
  public readonly hostedZone: route53.IPublicHostedZone;
  /** The zone's name servers: the created zone's (a token), or the existing zone's as configured. */
  public readonly nameServers: string[];
  public readonly routing: WeightedFailoverRouting;
  public readonly signal: FailoverSignal;

  constructor(scope: Construct, id: string, props: GlobalTrafficStackProps) {
    super(scope, id, props);

    if (props.existingZone) {
      this.hostedZone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'ExistingHostedZone', {
        hostedZoneId: props.existingZone.hostedZoneId,
        zoneName: props.domainName,
      });
      this.nameServers = props.existingZone.nameServers;
    } else {
      // Construct id kept: environments deployed before the existing-zone option own this zone.
      const created = new route53.PublicHostedZone(this, 'HostedZone', {
        zoneName: props.domainName,
        comment: `Trading DR platform (${props.names.suffix})`,
      });
      this.hostedZone = created;
      this.nameServers = created.hostedZoneNameServers ?? [];
    }

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

    // The orchestrator starts the promotion on this verdict, before the routing checks (30 s,
    // threshold 2, as the platform's requirements fix them) have moved the traffic.
    this.signal = new FailoverSignal(this, 'FailoverSignal', {
      zone: this.hostedZone,
      recordName: SIGNAL_RECORD_NAME,
      readinessPath: props.readinessPath ?? READINESS_PATH,
      endpoints: [
        { id: 'primary', ...props.primary, weight: 100, value: props.primary.region, healthCheckName: props.names.healthCheck('primary', 'signal') },
        { id: 'secondary', ...props.secondary, weight: 0, value: props.secondary.region, healthCheckName: props.names.healthCheck('secondary', 'signal') },
      ],
    });

    new CfnOutput(this, 'HostedZoneId', { value: this.hostedZone.hostedZoneId, description: 'Route 53 hosted zone id' });
    new CfnOutput(this, 'HostedZoneNameServers', {
      value: Fn.join(',', this.nameServers),
      description: props.existingZone ? 'Name servers of the existing zone (as configured)' : 'Delegate the domain to these name servers',
    });
    new CfnOutput(this, 'ApplicationUrl', {
      value: `${props.primary.protocol === route53.HealthCheckType.HTTPS ? 'https' : 'http'}://${APPLICATION_RECORD_NAME}.${props.domainName}`,
      description: 'Weighted failover name of the trading application',
    });
  }
}
