import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The DR metrics of the platform, defined once for alarms and dashboards. Each names the region
 * where AWS publishes it, which is not always where the resource lives. No labels: a label makes an
 * alarm render as a metric-math query; dashboards add theirs with `.with({ label })`.
 */
export class DrMetrics {
  /**
   * Aurora storage replication lag, published for the SECONDARY cluster in its region (ms). No unit
   * filter: an alarm with a unit that differs from the published one sees no data at all.
   */
  public static auroraReplicationLag(secondaryClusterId: string, secondaryRegion: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'AuroraGlobalDBReplicationLag',
      dimensionsMap: { DBClusterIdentifier: secondaryClusterId },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      region: secondaryRegion,
    });
  }

  /** DynamoDB global table replication latency, published in the sending region (ms). */
  public static dynamoReplicationLatency(tableName: string, sendingRegion: string, receivingRegion: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: 'ReplicationLatency',
      dimensionsMap: { TableName: tableName, ReceivingRegion: receivingRegion },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(1),
      region: sendingRegion,
    });
  }

  /** S3 replication metrics of one rule, published in the source bucket's region. */
  public static s3Replication(
    metricName: 'ReplicationLatency' | 'OperationsFailedReplication' | 'BytesPendingReplication',
    replication: S3ReplicationMetricProps,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName,
      dimensionsMap: { SourceBucket: replication.sourceBucket, DestinationBucket: replication.destinationBucket, RuleId: replication.ruleId },
      statistic: metricName === 'ReplicationLatency' ? cloudwatch.Stats.MAXIMUM : cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      region: replication.sourceRegion,
    });
  }

  /** 1 healthy, 0 unhealthy. Route 53 publishes health-check metrics in us-east-1 only. */
  public static route53HealthCheckStatus(healthCheckId: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Route53',
      metricName: 'HealthCheckStatus',
      dimensionsMap: { HealthCheckId: healthCheckId },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.minutes(1),
      region: 'us-east-1',
    });
  }

  /** Events of a rule on a custom bus: MatchedEvents, Invocations or FailedInvocations. */
  public static eventRule(
    metricName: 'MatchedEvents' | 'Invocations' | 'FailedInvocations',
    eventBusName: string,
    ruleName: string,
    region: string,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: { EventBusName: eventBusName, RuleName: ruleName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      region,
    });
  }

  /**
   * Requests a regional web ACL blocked, over all its rules: namespace `AWS/WAFV2`, dimensions
   * `WebACL`, `Region` and `Rule` = `ALL` (WAF Developer Guide, *AWS WAF metrics and dimensions*).
   */
  public static wafBlockedRequests(webAclName: string, region: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: webAclName, Region: region, Rule: 'ALL' },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      region,
    });
  }

  /** Running tasks of an ECS service, from Container Insights. */
  public static ecsRunningTasks(clusterName: string, serviceName: string, region: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: clusterName, ServiceName: serviceName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.minutes(1),
      region,
    });
  }
}

/** Identifies one S3 replication rule. */
export interface S3ReplicationMetricProps {
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly ruleId: string;
  readonly sourceRegion: string;
}
