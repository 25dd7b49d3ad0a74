import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledgeCompliance, acknowledgeGuard, acknowledgeWildcardResource, BOTH_COMPLIANCE_PACKS, CompliancePack, skipCheckov } from '../nag';

/** Source of the orchestrator Lambda (runtime code, tested in orchestrator/test). */
const ORCHESTRATOR_ENTRY = path.join(__dirname, '..', '..', 'orchestrator', 'src', 'handler.ts');

/** Where the orchestrator reads the failover signal, and the answer that means "the standby". */
export interface FailoverSignalReading {
  /** Fully qualified name of the signal's TXT records. */
  readonly recordName: string;
  /** The value the signal answers when Route 53 would send traffic to the standby (its region). */
  readonly standbyValue: string;
}

export interface FailoverOrchestratorProps {
  readonly functionName: string;
  readonly roleName: string;
  readonly scheduleName: string;
  readonly scheduleRoleName: string;
  readonly pauseParameterName: string;
  readonly globalClusterIdentifier: string;
  /** Identifier of the secondary cluster (this region): the failover target. */
  readonly secondaryClusterIdentifier: string;
  /** Identifier and region of the primary cluster: FailoverGlobalCluster acts on both members. */
  readonly primaryClusterIdentifier: string;
  readonly primaryRegion: string;
  /** Readiness URL of the primary region's load balancer, probed from this region. */
  readonly primaryReadinessUrl: string;
  /** Readiness URL of this region's load balancer. */
  readonly secondaryReadinessUrl: string;
  /** TLS server name (and Host header) of the probes when they use HTTPS. @default - none (HTTP) */
  readonly probeServerName?: string;
  readonly probeCount: number;
  readonly probeInterval: Duration;
  /** @default Duration.seconds(1) */
  readonly probeTimeout?: Duration;
  /**
   * Timeout of the veto probe of the primary, beside Route 53's answer right before a promotion:
   * longer than the streak's probes, so that a primary answering slowly (alive, and so a split brain
   * if promoted away from) still vetoes. @default Duration.seconds(5)
   */
  readonly vetoTimeout?: Duration;
  /**
   * How long the primary must fail every probe before a promotion. An in-region Aurora writer
   * failover typically restores service in under 60 s (Aurora User Guide, *High availability for
   * Amazon Aurora*); a cross-region failover with `AllowDataLoss` for it would lose writes for nothing.
   * @default Duration.seconds(60)
   */
  readonly minimumOutage?: Duration;
  /** How long a run waits for the new writer after requesting the failover. @default Duration.minutes(5) */
  readonly promotionTimeout?: Duration;
  /** The application name whose authoritative answer must point at the secondary before writes move. */
  readonly applicationHostName: string;
  /** Name servers of the hosted zone, comma-separated. */
  readonly nameServers: string;
  readonly secondaryLoadBalancerDnsName: string;
  /**
   * The failover signal to read instead of the application's own answer: a weighted TXT record that
   * names the region Route 53 would send traffic to, by fast health checks (`FailoverSignal`).
   * @default - the orchestrator waits until the application name itself resolves to the secondary
   */
  readonly signal?: FailoverSignalReading;
  /**
   * How long each run keeps probing the primary (and, once the outage is confirmed, Route 53's
   * answer). Runs follow each other: the one running holds the only concurrency slot, and the
   * scheduler's invocations meanwhile are throttled and dropped after a minute. Every end of a run
   * can leave the primary unwatched until the next invocation (up to a schedule period plus its
   * 60 s precision), so long runs leave few such gaps: at 100 s the orchestrator's delay was 8 s at
   * p95 and 37 s at worst, at 400 s 5 s and 6 s (`npm run rehearse:levers`, 100 seeds, before the minimum outage). The function
   * timeout (window, traffic wait, promotion wait and API time) must stay within Lambda's 15 minutes.
   * @default Duration.seconds(400)
   */
  readonly probeWindow?: Duration;
  /**
   * Once the outage is confirmed, how long a run keeps going past its probe window while Route 53
   * has not moved the traffic yet. @default Duration.seconds(60)
   */
  readonly trafficWait?: Duration;
  /** SSM parameter that carries the failed-probe streak from run to run. */
  readonly probeStateParameterName: string;
  readonly eventBusName: string;
  readonly notificationTopic: sns.ITopic;
  /** Key of the notification topic; publishing to an encrypted topic needs it. */
  readonly notificationTopicKey: kms.IKey;
}

/**
 * Decides, from the secondary region alone, whether the primary region is down, and promotes the
 * secondary Aurora cluster when it is. Runs every minute; never two runs at once.
 */
export class FailoverOrchestrator extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly pauseParameter: ssm.StringParameter;
  public readonly probeStateParameter: ssm.StringParameter;
  public readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: FailoverOrchestratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const probeTimeout = props.probeTimeout ?? Duration.seconds(1);
    const vetoTimeout = props.vetoTimeout ?? Duration.seconds(5);
    const minimumOutage = props.minimumOutage ?? Duration.seconds(60);
    const promotionTimeout = props.promotionTimeout ?? Duration.minutes(5);
    const probeWindow = props.probeWindow ?? Duration.seconds(400);
    const trafficWait = props.trafficWait ?? Duration.seconds(60);
    // The probe window and the traffic wait, a last round (the primary and the secondary probe, the
    // veto), the promotion wait and one poll, plus two minutes for API calls with their SDK retries
    // (up to 7 s of back-off each) and DNS lookups (2 s x 2 tries).
    const runSeconds =
      probeWindow.toSeconds() + trafficWait.toSeconds() + 2 * probeTimeout.toSeconds() + vetoTimeout.toSeconds() + promotionTimeout.toSeconds() + 10 + 120;
    // Lambda's limit ("up to a maximum value of 900 seconds", Lambda Developer Guide, Configure Lambda function timeout).
    if (runSeconds > 900) {
      throw new Error(
        `the failover orchestrator's run would need ${runSeconds} s (probe window ${probeWindow.toSeconds()} s + traffic wait ${trafficWait.toSeconds()} s + probes + promotion wait ${promotionTimeout.toSeconds()} s + 130 s), more than Lambda's 900 s: shorten the probe window`,
      );
    }
    const clusterArn = (identifier: string, region: string): string => `arn:${stack.partition}:rds:${region}:${stack.account}:cluster:${identifier}`;
    const globalClusterArn = `arn:${stack.partition}:rds::${stack.account}:global-cluster:${props.globalClusterIdentifier}`;

    this.pauseParameter = new ssm.StringParameter(this, 'PauseParameter', {
      parameterName: props.pauseParameterName,
      stringValue: 'false',
      description: 'Set to "true" to pause automatic database failover (no deploy needed)',
    });

    const role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Failover orchestrator: reads the global cluster and promotes the secondary',
    });
    // Runs as a plain Lambda (public endpoints of both regions), so no VPC permissions are needed.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadGlobalCluster',
        actions: ['rds:DescribeGlobalClusters'],
        resources: [globalClusterArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FailOverThisGlobalClusterOnly',
        actions: ['rds:FailoverGlobalCluster'],
        resources: [
          globalClusterArn,
          clusterArn(props.secondaryClusterIdentifier, stack.region),
          clusterArn(props.primaryClusterIdentifier, props.primaryRegion),
        ],
      }),
    );
    this.pauseParameter.grantRead(role);
    // Lambda memory does not survive between runs: the streak of failed probes lives here.
    this.probeStateParameter = new ssm.StringParameter(this, 'ProbeStateParameter', {
      parameterName: props.probeStateParameterName,
      stringValue: '{}',
      description: 'Failed-probe streak of the primary, written by the failover orchestrator (do not edit)',
    });
    this.probeStateParameter.grantRead(role);
    this.probeStateParameter.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'Notify', actions: ['sns:Publish'], resources: [props.notificationTopic.topicArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptNotifications',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.notificationTopicKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordDecisions',
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: props.eventBusName })],
      }),
    );

    // The role is custom (no managed policy): it must be allowed to write its own log group, or the
    // decisions, their embedded metrics and every watchdog built on them would be lost.
    const logGroup = new logs.LogGroup(this, 'LogGroup', { logGroupName: `/aws/lambda/${props.functionName}`, removalPolicy: RemovalPolicy.DESTROY });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: 'Promotes the secondary Aurora cluster when the primary region is confirmed down',
      entry: ORCHESTRATOR_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(runSeconds),
      // Never two runs at once: one promotion, never two.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
      bundling: { externalModules: ['@aws-sdk/*'], minify: true, sourceMap: true, target: 'node24' },
      environment: {
        GLOBAL_CLUSTER_ID: props.globalClusterIdentifier,
        SECONDARY_CLUSTER_ARN: clusterArn(props.secondaryClusterIdentifier, stack.region),
        PRIMARY_READINESS_URL: props.primaryReadinessUrl,
        SECONDARY_READINESS_URL: props.secondaryReadinessUrl,
        PROBE_SERVER_NAME: props.probeServerName ?? '',
        PAUSE_PARAMETER: props.pauseParameterName,
        PROBE_COUNT: String(props.probeCount),
        PROBE_INTERVAL_SECONDS: String(props.probeInterval.toSeconds()),
        PROBE_TIMEOUT_SECONDS: String(probeTimeout.toSeconds()),
        VETO_TIMEOUT_SECONDS: String(vetoTimeout.toSeconds()),
        MINIMUM_OUTAGE_SECONDS: String(minimumOutage.toSeconds()),
        PROMOTION_TIMEOUT_SECONDS: String(promotionTimeout.toSeconds()),
        APPLICATION_HOST_NAME: props.applicationHostName,
        NAME_SERVERS: props.nameServers,
        SECONDARY_LB_DNS_NAME: props.secondaryLoadBalancerDnsName,
        ...(props.signal ? { SIGNAL_RECORD_NAME: props.signal.recordName, SIGNAL_STANDBY_VALUE: props.signal.standbyValue } : {}),
        PROBE_WINDOW_SECONDS: String(probeWindow.toSeconds()),
        TRAFFIC_WAIT_SECONDS: String(trafficWait.toSeconds()),
        PROBE_STATE_PARAMETER: props.probeStateParameterName,
        EVENT_BUS_NAME: props.eventBusName,
        NOTIFICATION_TOPIC_ARN: props.notificationTopic.topicArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    // Scheduler invokes asynchronously; runs that queue behind the single running one are stale
    // (each run re-reads the state anyway): never keep or retry them.
    this.function.configureAsyncInvoke({ maxEventAge: Duration.minutes(1), retryAttempts: 0 });
    const supersededRuns =
      'A dropped or failed run is superseded a minute later by the next scheduled run, which re-reads every input from the durable store; a queued stale trigger must never be replayed. Failed runs and missing runs page through the orchestrator-errors and orchestrator-not-running alarms.';
    acknowledgeCompliance(this.function, 'LambdaDLQ', [CompliancePack.NIST_800_53_R5], supersededRuns);
    skipCheckov(this.function, 'CKV_AWS_116', supersededRuns);
    const publicEndpoints =
      "It must reach both regions' public load balancers, Route 53's name servers and the RDS API while the primary region fails; inside the secondary VPC every one of those calls would also depend on that VPC's NAT gateways. It holds no data and takes no inbound traffic.";
    acknowledgeCompliance(this.function, 'LambdaInsideVPC', BOTH_COMPLIANCE_PACKS, publicEndpoints);
    acknowledgeGuard(this.function, 'lambda_inside_vpc_check', publicEndpoints);
    skipCheckov(this.function, 'CKV_AWS_117', publicEndpoints);
    skipCheckov(
      this.function,
      'CKV_AWS_173',
      'The environment holds identifiers, URLs and names only, no secret; Lambda encrypts it at rest with an AWS-managed key. A customer key would add a KMS call to every cold start on the failover path.',
    );

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      roleName: props.scheduleRoleName,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Invokes the failover orchestrator every minute',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: 'Runs the failover orchestrator every minute',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(this.function, { role: scheduleRole, retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
    // The role with its default policy (lambda:InvokeFunction, granted by the target), before the first invocation.
    this.schedule.node.addDependency(scheduleRole);
    acknowledgeWildcardResource(
      scheduleRole.node.findChild('DefaultPolicy'),
      `${this.function.functionArn}:*`,
      'The scheduler target may invoke the orchestrator function and its versions; the wildcard covers version qualifiers of this one function only.',
    );
  }
}
