import { Duration, Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** One regional endpoint behind the weighted record. */
export interface WeightedEndpoint {
  /** Unique among the endpoints; becomes the record's set identifier. */
  readonly id: string;
  /** DNS name of the endpoint's load balancer (a string, so that it can come from another region). */
  readonly loadBalancerDnsName: string;
  /** Canonical hosted zone id of that load balancer, for the alias record. */
  readonly loadBalancerCanonicalHostedZoneId: string;
  /** 0 to 255. A zero weight is answered only when every non-zero endpoint is unhealthy. */
  readonly weight: number;
  /** Name tag of the endpoint's health check. */
  readonly healthCheckName: string;
  /** Protocol of the probe: HTTP or HTTPS. @default route53.HealthCheckType.HTTP */
  readonly protocol?: route53.HealthCheckType;
  /** @default 443 for HTTPS, otherwise 80 */
  readonly port?: number;
}

export interface WeightedFailoverRoutingProps {
  readonly zone: route53.IHostedZone;
  /** Record name, relative to the zone or fully qualified. */
  readonly recordName: string;
  readonly endpoints: WeightedEndpoint[];
  /** Path that answers 200 only while the region can serve. */
  readonly readinessPath: string;
  /** Time between probes from each checker: Route 53 accepts 10 or 30 seconds. @default Duration.seconds(30) */
  readonly requestInterval?: Duration;
  /** Consecutive failed probes before an endpoint is unhealthy, 1 to 10. @default 2 */
  readonly failureThreshold?: number;
}

/**
 * Weighted alias records, one per regional load balancer, each with its own Route 53 health check.
 *
 * Route 53 answers zero-weight records only when all records with a non-zero weight are unhealthy,
 * so weights of 100/0 send all traffic to the first region and move it to the second on failure.
 */
export class WeightedFailoverRouting extends Construct {
  /** Health checks by endpoint id. */
  public readonly healthChecks: { [endpointId: string]: route53.HealthCheck } = {};
  /**
   * The create-only settings of each endpoint's health check, e.g. `HTTPS :443 /ready every 30 s`.
   * A change of any of them replaces the check and gives it a new id.
   */
  public readonly probeDescriptions: { [endpointId: string]: string } = {};

  constructor(scope: Construct, id: string, props: WeightedFailoverRoutingProps) {
    super(scope, id);
    const requestIntervalSeconds = (props.requestInterval ?? Duration.seconds(30)).toSeconds();
    const failureThreshold = props.failureThreshold ?? 2;
    if (requestIntervalSeconds !== 10 && requestIntervalSeconds !== 30) {
      throw new Error(`requestIntervalSeconds must be 10 or 30 (Route 53 limits), got ${requestIntervalSeconds}`);
    }
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1 || failureThreshold > 10) {
      throw new Error(`failureThreshold must be an integer from 1 to 10, got ${failureThreshold}`);
    }
    if (new Set(props.endpoints.map((endpoint) => endpoint.id)).size !== props.endpoints.length) {
      throw new Error('WeightedFailoverRouting endpoint ids must be unique');
    }
    if (!props.endpoints.some((endpoint) => endpoint.weight > 0)) {
      throw new Error('WeightedFailoverRouting needs at least one endpoint with a weight above 0');
    }

    for (const endpoint of props.endpoints) {
      if (!Number.isInteger(endpoint.weight) || endpoint.weight < 0 || endpoint.weight > 255) {
        throw new Error(`weight of endpoint ${endpoint.id} must be an integer from 0 to 255, got ${endpoint.weight}`);
      }
      const protocol = endpoint.protocol ?? route53.HealthCheckType.HTTP;
      if (protocol !== route53.HealthCheckType.HTTP && protocol !== route53.HealthCheckType.HTTPS) {
        throw new Error(`protocol of endpoint ${endpoint.id} must be HTTP or HTTPS, got ${protocol}`);
      }
      const healthCheck = new route53.HealthCheck(this, `${endpoint.id}HealthCheck`, {
        type: protocol,
        fqdn: endpoint.loadBalancerDnsName,
        port: endpoint.port ?? (protocol === route53.HealthCheckType.HTTPS ? 443 : 80),
        resourcePath: props.readinessPath,
        requestInterval: Duration.seconds(requestIntervalSeconds),
        failureThreshold,
      });
      Tags.of(healthCheck).add('Name', endpoint.healthCheckName);
      this.healthChecks[endpoint.id] = healthCheck;
      this.probeDescriptions[endpoint.id] =
        `${protocol} :${endpoint.port ?? (protocol === route53.HealthCheckType.HTTPS ? 443 : 80)}${props.readinessPath} every ${requestIntervalSeconds} s`;

      new route53.ARecord(this, `${endpoint.id}Record`, {
        zone: props.zone,
        recordName: props.recordName,
        // What route53-targets' LoadBalancerTarget renders, from plain values.
        target: route53.RecordTarget.fromAlias({
          bind: () => ({ dnsName: `dualstack.${endpoint.loadBalancerDnsName}`, hostedZoneId: endpoint.loadBalancerCanonicalHostedZoneId }),
        }),
        weight: endpoint.weight,
        setIdentifier: endpoint.id,
        healthCheck,
      });
    }
  }
}
