import { Duration, Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** One regional endpoint behind the weighted record; `id` becomes the record's set identifier. */
export interface WeightedEndpoint extends ReadinessProbeTarget {
  /** Canonical hosted zone id of that load balancer, for the alias record. */
  readonly loadBalancerCanonicalHostedZoneId: string;
  /** 0 to 255. A zero weight is answered only when every non-zero endpoint is unhealthy. */
  readonly weight: number;
}

/** What every group of weighted records with readiness health checks needs. */
export interface ReadinessCheckedRecordsProps {
  readonly zone: route53.IHostedZone;
  /** Record name, relative to the zone or fully qualified. */
  readonly recordName: string;
  /** Path that answers 200 only while the region can serve. */
  readonly readinessPath: string;
  /**
   * Time between probes from each checker: Route 53 accepts 10 or 30 seconds.
   * @default - 30 s for the routing records, 10 s for the failover signal
   */
  readonly requestInterval?: Duration;
  /**
   * Consecutive failed probes before an endpoint is unhealthy, 1 to 10.
   * @default - 2 for the routing records, 3 for the failover signal
   */
  readonly failureThreshold?: number;
}

export interface WeightedFailoverRoutingProps extends ReadinessCheckedRecordsProps {
  readonly endpoints: WeightedEndpoint[];
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
    const { requestIntervalSeconds, failureThreshold } = healthCheckPace(props, 30, 2);
    if (new Set(props.endpoints.map((endpoint) => endpoint.id)).size !== props.endpoints.length) {
      throw new Error('WeightedFailoverRouting endpoint ids must be unique');
    }
    if (!props.endpoints.some((endpoint) => endpoint.weight > 0)) {
      throw new Error('WeightedFailoverRouting needs at least one endpoint with a weight above 0');
    }

    for (const endpoint of props.endpoints) {
      validateWeight(endpoint);
      const { healthCheck, description } = readinessHealthCheck(
        this,
        `${endpoint.id}HealthCheck`,
        endpoint,
        props.readinessPath,
        requestIntervalSeconds,
        failureThreshold,
      );
      this.healthChecks[endpoint.id] = healthCheck;
      this.probeDescriptions[endpoint.id] = description;

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

/** The group's interval and threshold, or the defaults, as Route 53 accepts them. */
export function healthCheckPace(
  props: ReadinessCheckedRecordsProps,
  defaultIntervalSeconds: number,
  defaultThreshold: number,
): { requestIntervalSeconds: number; failureThreshold: number } {
  const requestIntervalSeconds = props.requestInterval?.toSeconds() ?? defaultIntervalSeconds;
  const failureThreshold = props.failureThreshold ?? defaultThreshold;
  validateHealthCheckPace(requestIntervalSeconds, failureThreshold);
  return { requestIntervalSeconds, failureThreshold };
}

/** Route 53 accepts a request interval of 10 or 30 s and a failure threshold from 1 to 10. */
function validateHealthCheckPace(requestIntervalSeconds: number, failureThreshold: number): void {
  if (requestIntervalSeconds !== 10 && requestIntervalSeconds !== 30) {
    throw new Error(`requestIntervalSeconds must be 10 or 30 (Route 53 limits), got ${requestIntervalSeconds}`);
  }
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1 || failureThreshold > 10) {
    throw new Error(`failureThreshold must be an integer from 1 to 10, got ${failureThreshold}`);
  }
}

/** A weighted record's weight: 0 to 255. */
export function validateWeight(endpoint: { readonly id: string; readonly weight: number }): void {
  if (!Number.isInteger(endpoint.weight) || endpoint.weight < 0 || endpoint.weight > 255) {
    throw new Error(`weight of endpoint ${endpoint.id} must be an integer from 0 to 255, got ${endpoint.weight}`);
  }
}

/** Where a readiness health check probes: a load balancer, by protocol and port. */
export interface ReadinessProbeTarget {
  /** Unique among the endpoints of one group. */
  readonly id: string;
  /** DNS name of the endpoint's load balancer (a string, so that it can come from another region). */
  readonly loadBalancerDnsName: string;
  /** Name tag of the endpoint's health check. */
  readonly healthCheckName: string;
  /** @default route53.HealthCheckType.HTTP */
  readonly protocol?: route53.HealthCheckType;
  /** @default 443 for HTTPS, otherwise 80 */
  readonly port?: number;
}

/**
 * A Route 53 health check of a load balancer's readiness path, and the description of its
 * create-only settings (`HTTPS :443 /ready every 30 s`).
 */
export function readinessHealthCheck(
  scope: Construct,
  id: string,
  target: ReadinessProbeTarget,
  readinessPath: string,
  requestIntervalSeconds: number,
  failureThreshold: number,
): { healthCheck: route53.HealthCheck; description: string } {
  const protocol = target.protocol ?? route53.HealthCheckType.HTTP;
  if (protocol !== route53.HealthCheckType.HTTP && protocol !== route53.HealthCheckType.HTTPS) {
    throw new Error(`protocol of endpoint ${target.id} must be HTTP or HTTPS, got ${protocol}`);
  }
  const port = target.port ?? (protocol === route53.HealthCheckType.HTTPS ? 443 : 80);
  const healthCheck = new route53.HealthCheck(scope, id, {
    type: protocol,
    fqdn: target.loadBalancerDnsName,
    port,
    resourcePath: readinessPath,
    requestInterval: Duration.seconds(requestIntervalSeconds),
    failureThreshold,
  });
  Tags.of(healthCheck).add('Name', target.healthCheckName);
  return { healthCheck, description: `${protocol} :${port}${readinessPath} every ${requestIntervalSeconds} s` };
}
