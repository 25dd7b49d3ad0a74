import { CfnOutput } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DashboardRegion, DrDashboard } from '../constructs/dr-dashboard';
import { MonitoredHealthCheck, RegionalAlarms } from '../constructs/regional-alarms';
import { TradingService } from '../constructs/trading-service';
import { S3ReplicationMetricProps } from '../metrics';
import { DeploymentRole, PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface MonitoringStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly role: DeploymentRole;
  readonly alarmTopic: sns.ITopic;
  /** This region's service. */
  readonly trading: TradingService;
  readonly desiredTaskCount: number;
  readonly local: DashboardRegion;
  readonly remote: DashboardRegion;
  /** Health checks of both regions and of the event endpoint (dashboard). */
  readonly healthChecks: MonitoredHealthCheck[];
  /** Route 53 alarms belong in us-east-1 only, where the metrics exist. */
  readonly alarmOnHealthChecks: boolean;
  readonly auroraSecondaryClusterId: string;
  readonly auroraSecondaryRegion: string;
  readonly fileReplication: S3ReplicationMetricProps;
  /** Alarms of other stacks in this region, shown on the dashboard too. */
  readonly otherAlarms?: cloudwatch.IAlarm[];
}

/** The region's alarms and its DR dashboard. Deployed last: it watches every other stack. */
export class MonitoringStack extends RegionalStack {
  public readonly alarms: RegionalAlarms;
  public readonly dashboard: DrDashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { names, role } = props;
    const isReplicationSource = props.fileReplication.sourceRegion === this.region;
    // The target group's metrics name its load balancer. Through the group itself CDK derives that
    // name from the listener the group is attached to, which is another listener over HTTPS than
    // over HTTP: a protocol change would drop the export this stack imports. The load balancer's ARN
    // is the same in both.
    const targetGroup = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(this, 'TargetGroupMetrics', {
      targetGroupArn: props.trading.targetGroup.targetGroupArn,
      loadBalancerArns: props.trading.loadBalancer.loadBalancerArn,
    });

    this.alarms = new RegionalAlarms(this, 'Alarms', {
      alarmTopic: props.alarmTopic,
      namePrefix: `alarm-trading-${role}`,
      nameSuffix: names.suffix,
      loadBalancer: props.trading.loadBalancer,
      targetGroup,
      ecsClusterName: names.cluster(role),
      ecsServiceName: names.service(role),
      desiredTaskCount: props.desiredTaskCount,
      sessionTableName: names.sessionTable(),
      tableReceivingRegion: props.remote.region,
      eventBusName: names.eventBus(),
      eventRuleName: names.eventRule('platform-events'),
      fileReplication: isReplicationSource ? props.fileReplication : undefined,
      webAclName: names.webAcl(role),
      healthChecks: props.alarmOnHealthChecks ? props.healthChecks : undefined,
    });

    this.dashboard = new DrDashboard(this, 'Dashboard', {
      dashboardName: names.dashboard(role),
      local: props.local,
      remote: props.remote,
      loadBalancer: props.trading.loadBalancer,
      targetGroup,
      healthChecks: props.healthChecks,
      auroraSecondaryClusterId: props.auroraSecondaryClusterId,
      auroraSecondaryRegion: props.auroraSecondaryRegion,
      sessionTableName: names.sessionTable(),
      fileReplication: props.fileReplication,
      eventBusName: names.eventBus(),
      eventRuleName: names.eventRule('platform-events'),
      alarms: [...this.alarms.alarms, ...(props.otherAlarms ?? [])],
    });

    // What an on-call engineer needs first: where to look (the topic to page from is an output of
    // the foundation stack that owns it).
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${names.dashboard(role)}`,
      description: `DR dashboard of the ${role} region`,
    });
  }
}
