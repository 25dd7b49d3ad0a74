import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FailoverOrchestrator } from '../constructs/failover-orchestrator';
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
      globalClusterIdentifier: names.auroraGlobalCluster(),
      secondaryClusterIdentifier: names.auroraCluster('secondary'),
      primaryClusterIdentifier: names.auroraCluster('primary'),
      primaryRegion: props.primaryRegion,
      primaryReadinessUrl: props.primaryReadinessUrl,
      secondaryReadinessUrl: props.secondaryReadinessUrl,
      probeServerName: props.probeServerName,
      applicationHostName: props.applicationHostName,
      nameServers: props.nameServers,
      secondaryLoadBalancerDnsName: props.secondaryLoadBalancerDnsName,
      probeCount: props.policy.probeCount,
      probeInterval: Duration.seconds(props.policy.probeIntervalSeconds),
      probeTimeout: Duration.seconds(FAILOVER_PROBE_TIMEOUT_SECONDS),
      eventBusName: names.eventBus(),
      notificationTopic: props.alarmTopic,
      notificationTopicKey: props.alarmTopicKey,
    });
    new CfnOutput(this, 'PauseParameterName', {
      value: this.orchestrator.pauseParameter.parameterName,
      description: 'Set to "true" to pause automatic failover',
    });
    new CfnOutput(this, 'OrchestratorFunctionName', { value: this.orchestrator.function.functionName });
  }
}
