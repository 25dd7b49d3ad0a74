import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FailoverOrchestrator, FailoverSignalReading } from '../constructs/failover-orchestrator';
import { FAILOVER_PROBE_TIMEOUT_SECONDS, FailoverPolicyConfig } from '../config';
import { PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface FailoverStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly policy: FailoverPolicyConfig;
  readonly primaryRegion: string;
  readonly primaryReadinessUrl: string;
  readonly secondaryReadinessUrl: string;
  /** @default - probes over HTTP */
  readonly probeServerName?: string;
  readonly applicationHostName: string;
  /** @default - the orchestrator reads the application name's own answer */
  readonly signal?: FailoverSignalReading;
  readonly nameServers: string;
  readonly secondaryLoadBalancerDnsName: string;
  readonly alarmTopic: sns.ITopic;
  readonly alarmTopicKey: kms.IKey;
}

/** The failover orchestrator, in the SECONDARY region: it must work while the primary region is down. */
export class FailoverStack extends RegionalStack {
  public readonly orchestrator: FailoverOrchestrator;

  constructor(scope: Construct, id: string, props: FailoverStackProps) {
    super(scope, id, props);
    const { names } = props;
    this.orchestrator = new FailoverOrchestrator(this, 'Orchestrator', {
      functionName: names.lambdaFunction('failover-orchestrator'),
      roleName: names.iamRole('failover', 'secondary'),
      scheduleName: names.schedule('failover-orchestrator'),
      scheduleRoleName: names.iamRole('failover-schedule', 'secondary'),
      pauseParameterName: names.parameter('failover/paused'),
      probeStateParameterName: names.parameter('failover/probe-streak'),
      globalClusterIdentifier: names.auroraGlobalCluster(),
      secondaryClusterIdentifier: names.auroraCluster('secondary'),
      primaryClusterIdentifier: names.auroraCluster('primary'),
      primaryRegion: props.primaryRegion,
      primaryReadinessUrl: props.primaryReadinessUrl,
      secondaryReadinessUrl: props.secondaryReadinessUrl,
      probeServerName: props.probeServerName,
      applicationHostName: props.applicationHostName,
      signal: props.signal,
      nameServers: props.nameServers,
      secondaryLoadBalancerDnsName: props.secondaryLoadBalancerDnsName,
      probeCount: props.policy.probeCount,
      probeInterval: Duration.seconds(props.policy.probeIntervalSeconds),
      probeTimeout: Duration.seconds(FAILOVER_PROBE_TIMEOUT_SECONDS),
      eventBusName: names.eventBus(),
      notificationTopic: props.alarmTopic,
      notificationTopicKey: props.alarmTopicKey,
    });
    // Watchdogs: the automation is worth nothing if it silently stopped, fails, or stayed paused.
    const fn = this.orchestrator.function;
    const notify = new actions.SnsAction(props.alarmTopic);
    const watchdogs: Array<[string, string, cloudwatch.AlarmProps]> = [
      [
        'OrchestratorErrors',
        'The failover orchestrator failed a run',
        {
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      ],
      [
        'OrchestratorNotRunning',
        // Lambda counts an invocation when its run ends ("When your AWS Lambda function finishes
        // processing an event, Lambda automatically sends metrics about the invocation": Lambda Developer
        // Guide, Using CloudWatch metrics with Lambda). A run lasts its 400 s probe window, and up
        // to its 897 s timeout while a promotion is under way; the next invocation comes within a
        // schedule period and its 60 s precision after it ends. Two empty 10-minute periods in a row
        // therefore mean it stopped, never that a promotion is running.
        'The failover orchestrator has not run for 20 minutes: automatic database failover is off',
        {
          metric: fn.metricInvocations({ period: Duration.minutes(10), statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      ],
      [
        'OrchestratorPaused',
        'Automatic database failover has been paused for an hour',
        {
          metric: new cloudwatch.Metric({
            namespace: 'TradingDR/Failover',
            metricName: 'Runs',
            dimensionsMap: { Decision: 'paused' },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.hours(1),
          }),
          threshold: 50,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      ],
    ];
    for (const [id, description, alarmProps] of watchdogs) {
      const purpose = id.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
      const alarm = new cloudwatch.Alarm(this, id, { ...alarmProps, alarmName: names.alarm(purpose), alarmDescription: description });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    new CfnOutput(this, 'PauseParameterName', {
      value: this.orchestrator.pauseParameter.parameterName,
      description: 'Set to "true" to pause automatic failover',
    });
    new CfnOutput(this, 'OrchestratorFunctionName', { value: this.orchestrator.function.functionName });
  }
}
