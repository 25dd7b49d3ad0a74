import { Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { healthCheckPace, ReadinessCheckedRecordsProps, ReadinessProbeTarget, readinessHealthCheck, validateWeight } from './weighted-failover-routing';

/** One region's entry in the signal group. */
export interface SignalEndpoint extends ReadinessProbeTarget {
  /** 0 to 255, as the application's record: the same region answers while all is well. */
  readonly weight: number;
  /** What the signal record answers while this endpoint is chosen (its region's name). */
  readonly value: string;
}

/**
 * At the 10 s interval, 3 failures take at least 28 s (10 s between a checker's answer and its next
 * probe, and each failed probe waits its 4 s connection timeout): blips up to 25 s never move the
 * signal. The defaults are those.
 */
export interface FailoverSignalProps extends ReadinessCheckedRecordsProps {
  readonly endpoints: SignalEndpoint[];
}

/**
 * A weighted TXT record per region that routes no traffic: Route 53 answers the name of the region
 * it would send traffic to, judged by a fast health check of that region's readiness. The
 * orchestrator asks the zone's authoritative servers for it, so it learns the verdict of Route 53's
 * checkers (from many places: still safe against a partition that only the standby sees) sooner
 * than the 30 s routing checks move the traffic, without comparing load balancer addresses (which
 * change as the standby scales under the failover's load).
 *
 * Route 53 answers weighted records of any type by the same rules: healthy non-zero weights first,
 * then healthy zero weights, all of them when none is healthy (Route 53 Developer Guide, *How Amazon
 * Route 53 chooses records when health checking is configured*).
 */
export class FailoverSignal extends Construct {
  /** Health checks by endpoint id. */
  public readonly healthChecks: { [endpointId: string]: route53.HealthCheck } = {};
  /** The create-only settings of each endpoint's health check. */
  public readonly probeDescriptions: { [endpointId: string]: string } = {};

  constructor(scope: Construct, id: string, props: FailoverSignalProps) {
    super(scope, id);
    const { requestIntervalSeconds, failureThreshold } = healthCheckPace(props, 10, 3);
    if (new Set(props.endpoints.map((endpoint) => endpoint.value)).size !== props.endpoints.length) {
      throw new Error('FailoverSignal values must be unique: each names one region');
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
      new route53.TxtRecord(this, `${endpoint.id}Record`, {
        zone: props.zone,
        recordName: props.recordName,
        values: [endpoint.value],
        // Read from the authoritative servers, never a cache; short for anyone else who asks.
        ttl: Duration.seconds(10),
        weight: endpoint.weight,
        setIdentifier: endpoint.id,
        healthCheck,
      });
    }
  }
}
