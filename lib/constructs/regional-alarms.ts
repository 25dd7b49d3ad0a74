import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DrMetrics, S3ReplicationMetricProps } from '../metrics';

/** A Route 53 health check to alarm on. */
export interface MonitoredHealthCheck {
  /** Short name used in the alarm name, e.g. `primary`. */
  readonly label: string;
  readonly healthCheckId: string;
  /**
   * What the check probes, in the alarm's description. When the check is replaced (new protocol,
   * port or interval) the description changes, so a stack that reads the id weakly is updated too
   * and reads the new id. @default - not described
   */
  readonly probe?: string;
}

export interface RegionalAlarmsProps {
  readonly alarmTopic: sns.ITopic;
  /** Alarm names are `<namePrefix>-<purpose>-<nameSuffix>`. */
  readonly namePrefix: string;
  readonly nameSuffix: string;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly ecsClusterName: string;
  readonly ecsServiceName: string;
  readonly desiredTaskCount: number;
  readonly sessionTableName: string;
  /** Region the local table replica sends its changes to. */
  readonly tableReceivingRegion: string;
  readonly eventBusName: string;
  readonly eventRuleName: string;
  /** @default - no S3 replication alarms (the region is not a replication source) */
  readonly fileReplication?: S3ReplicationMetricProps;
  /** Name of the web ACL in front of the load balancer. @default - no web ACL alarm */
  readonly webAclName?: string;
  /** Only in us-east-1, where Route 53 publishes health-check metrics. @default - none */
  readonly healthChecks?: MonitoredHealthCheck[];
}

/**
 * The alarms of one region, each notifying the region's alarm topic (on ALARM and on OK). The
 * thresholds and their reasons are listed in the README ("Monitoring").
 */
export class RegionalAlarms extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: RegionalAlarmsProps,
  ) {
    super(scope, id);
    const region = this.region;
    const oneMinute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    this.add('AlbElb5xx', 'alb-elb-5xx', 'The load balancer itself returned more than 10 5xx a minute for 3 minutes', {
      metric: props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: oneMinute, statistic: cloudwatch.Stats.SUM }),
      threshold: 10,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.add('AlbTarget5xx', 'alb-target-5xx', 'The trading tasks returned more than 10 5xx a minute for 3 minutes', {
      metric: props.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: oneMinute, statistic: cloudwatch.Stats.SUM }),
      threshold: 10,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.add('UnhealthyTargets', 'unhealthy-targets', 'At least one trading task failed the load balancer health check for 3 minutes', {
      metric: props.targetGroup.metrics.unhealthyHostCount({ period: oneMinute, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.add('RunningTasksBelowDesired', 'ecs-running-below-desired', `Fewer than ${props.desiredTaskCount} trading tasks ran for 3 minutes`, {
      metric: DrMetrics.ecsRunningTasks(props.ecsClusterName, props.ecsServiceName, region),
      threshold: props.desiredTaskCount,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // No Container Insights data means no running task reports in: as bad as too few tasks.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.add(
      'DynamoReplicationLatency',
      'dynamodb-replication-latency',
      `Session changes take more than 60 s to reach ${props.tableReceivingRegion} (5-minute average)`,
      {
        metric: DrMetrics.dynamoReplicationLatency(props.sessionTableName, region, props.tableReceivingRegion).with({ period: fiveMinutes }),
        threshold: 60_000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    this.add('EventFailedInvocations', 'eventbridge-failed-invocations', 'EventBridge failed to deliver platform events to their target', {
      metric: DrMetrics.eventRule('FailedInvocations', props.eventBusName, props.eventRuleName, region).with({ period: fiveMinutes }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.fileReplication) {
      this.add('S3ReplicationFailures', 's3-replication-failed', 'Objects failed to replicate to the standby bucket', {
        metric: DrMetrics.s3Replication('OperationsFailedReplication', props.fileReplication),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.add('S3ReplicationLatency', 's3-replication-latency', 'An object took longer than the 15-minute Replication Time Control target', {
        metric: DrMetrics.s3Replication('ReplicationLatency', props.fileReplication),
        threshold: 900,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.webAclName) {
      // A burst of blocks is an attack or a client gone wrong (the rate rule); either way someone looks.
      this.add('WafBlockedRequests', 'waf-blocked-requests', 'The web ACL blocked more than 100 requests in 5 minutes', {
        metric: DrMetrics.wafBlockedRequests(props.webAclName, region),
        threshold: 100,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    for (const healthCheck of props.healthChecks ?? []) {
      this.add(
        `HealthCheck${healthCheck.label}`,
        `route53-${healthCheck.label}-unhealthy`,
        `Route 53 sees the ${healthCheck.label} region as unhealthy${healthCheck.probe ? ` (probe: ${healthCheck.probe})` : ''}`,
        {
          metric: DrMetrics.route53HealthCheckStatus(healthCheck.healthCheckId),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // Missing health-check data means Route 53 cannot judge the region: treat it as a failure.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }
  }

  /** Alarms watch metrics of their own region only. */
  private get region(): string {
    return Stack.of(this).region;
  }

  private add(id: string, purpose: string, description: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      alarmName: `${this.props.namePrefix}-${purpose}-${this.props.nameSuffix}`,
      alarmDescription: description,
      datapointsToAlarm: props.evaluationPeriods,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.props.alarmTopic));
    alarm.addOkAction(new actions.SnsAction(this.props.alarmTopic));
    this.alarms.push(alarm);
  }
}
