import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EventBusHeartbeatProps {
  readonly eventBus: events.IEventBus;
  /** A rule on the bus that matches the heartbeat events; its `MatchedEvents` metric is watched. */
  readonly rule: events.IRule;
  readonly scheduleName: string;
  readonly roleName: string;
  readonly alarmName: string;
  readonly alarmTopic: sns.ITopic;
  /** Name tag of the Route 53 health check. */
  readonly healthCheckName: string;
  /** Source of the heartbeat events; must match `rule`. @default 'trading.heartbeat' */
  readonly source?: string;
  /** Consecutive silent minutes before the bus counts as unable to take events. @default 3 */
  readonly silentMinutes?: number;
}

/**
 * Proves, once a minute, that a region's event bus takes and routes events: a schedule puts a
 * heartbeat on the bus; an alarm fires when the bus's rule matched nothing for `silentMinutes`;
 * a Route 53 health check follows the alarm.
 *
 * Missing data counts as failure twice over: the alarm treats missing data as breaching, and the
 * health check treats insufficient data as unhealthy. A region whose EventBridge or CloudWatch is
 * down therefore fails over rather than keeping the endpoint on it.
 */
export class EventBusHeartbeat extends Construct {
  public readonly alarm: cloudwatch.Alarm;
  public readonly healthCheck: route53.HealthCheck;

  constructor(scope: Construct, id: string, props: EventBusHeartbeatProps) {
    super(scope, id);
    const silentMinutes = props.silentMinutes ?? 3;
    const source = props.source ?? 'trading.heartbeat';

    const role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Puts the event-bus heartbeat',
    });
    const schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: 'Heartbeat that proves the event bus takes events (drives the global endpoint health check)',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.EventBridgePutEvents(
        {
          eventBus: props.eventBus,
          source,
          detailType: 'Heartbeat',
          detail: scheduler.ScheduleTargetInput.fromObject({ region: Stack.of(this).region }),
        },
        { role, retryAttempts: 0, maxEventAge: Duration.minutes(1) },
      ),
    });
    // The role with its default policy (granted by the target), before the first invocation.
    schedule.node.addDependency(role);

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription: `The event bus ${props.eventBus.eventBusName} matched no event for ${silentMinutes} minutes although a heartbeat is sent every minute: the region cannot take events.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: { EventBusName: props.eventBus.eventBusName, RuleName: props.rule.ruleName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: silentMinutes,
      datapointsToAlarm: silentMinutes,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    this.alarm.addOkAction(new actions.SnsAction(props.alarmTopic));

    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.CLOUDWATCH_METRIC,
      alarmIdentifier: { name: this.alarm.alarmName, region: Stack.of(this).region },
      insufficientDataHealthStatus: route53.InsufficientDataHealthStatusEnum.UNHEALTHY,
    });
    Tags.of(this.healthCheck).add('Name', props.healthCheckName);
  }
}
