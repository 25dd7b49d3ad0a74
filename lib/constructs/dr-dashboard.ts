import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DrMetrics, S3ReplicationMetricProps } from '../metrics';
import { MonitoredHealthCheck } from './regional-alarms';

/** A region of the platform as the dashboard shows it. */
export interface DashboardRegion {
  readonly region: string;
  /** `primary` or `secondary`. */
  readonly role: string;
  readonly ecsClusterName: string;
  readonly ecsServiceName: string;
}

export interface DrDashboardProps {
  readonly dashboardName: string;
  /** The region this dashboard lives in; its load balancer's traffic is shown. */
  readonly local: DashboardRegion;
  readonly remote: DashboardRegion;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** Route 53 health checks of both regions and of the event endpoint. */
  readonly healthChecks: MonitoredHealthCheck[];
  readonly auroraSecondaryClusterId: string;
  readonly auroraSecondaryRegion: string;
  readonly sessionTableName: string;
  readonly fileReplication: S3ReplicationMetricProps;
  readonly eventBusName: string;
  readonly eventRuleName: string;
  /** Alarms shown in the status widget. */
  readonly alarms: cloudwatch.IAlarm[];
}

/**
 * The DR posture of the platform on one page: health of both regions as Route 53 sees it, the
 * replication lag of every data store, traffic and errors, and the state of the region's alarms.
 * Metrics are read from the region where AWS publishes them, so the page works from either region.
 */
export class DrDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DrDashboardProps) {
    super(scope, id);
    const { local, remote } = props;
    const regions = [local, remote];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Trading DR — ${local.role} (${local.region})\nRoute 53 sends traffic to the secondary only when the primary's health check fails. Replication lag is the recovery point of a failover now.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Region health (Route 53, 1 = healthy)',
        left: props.healthChecks.map((check) =>
          DrMetrics.route53HealthCheckStatus(check.healthCheckId).with({ label: check.probe ? `${check.label} (${check.probe})` : check.label }),
        ),
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Running tasks per region',
        left: regions.map((region) => DrMetrics.ecsRunningTasks(region.ecsClusterName, region.ecsServiceName, region.region).with({ label: region.role })),
        leftYAxis: { min: 0 },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Replication lag: Aurora and DynamoDB (ms)',
        left: [
          DrMetrics.auroraReplicationLag(props.auroraSecondaryClusterId, props.auroraSecondaryRegion).with({ label: 'Aurora global database' }),
          ...regions.map((from) =>
            DrMetrics.dynamoReplicationLatency(props.sessionTableName, from.region, regions.find((to) => to !== from)!.region).with({
              label: `DynamoDB ${from.role} → other`,
            }),
          ),
        ],
        leftAnnotations: [{ value: 60_000, label: 'alarm: 60 s' }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'S3 replication',
        left: [DrMetrics.s3Replication('ReplicationLatency', props.fileReplication).with({ label: 'latency (s)' })],
        right: [DrMetrics.s3Replication('OperationsFailedReplication', props.fileReplication).with({ label: 'failed operations' })],
        leftAnnotations: [{ value: 900, label: 'RTC target: 15 min' }],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Traffic (${local.region})`,
        left: [props.loadBalancer.metrics.requestCount({ label: 'requests' })],
        right: [
          props.targetGroup.metrics.healthyHostCount({ label: 'healthy targets' }),
          props.targetGroup.metrics.unhealthyHostCount({ label: 'unhealthy targets' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `Errors (${local.region})`,
        left: [
          props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { label: 'load balancer 5xx' }),
          props.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { label: 'task 5xx' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Platform events per region',
        left: regions.map((region) =>
          DrMetrics.eventRule('MatchedEvents', props.eventBusName, props.eventRuleName, region.region).with({ label: `matched (${region.role})` }),
        ),
        right: regions.map((region) =>
          DrMetrics.eventRule('FailedInvocations', props.eventBusName, props.eventRuleName, region.region).with({
            label: `failed deliveries (${region.role})`,
          }),
        ),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: `Alarms (${local.region})`, alarms: props.alarms, width: 12 }),
    );
  }
}
