import { Duration, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeCompliance, acknowledgeGuard, BOTH_COMPLIANCE_PACKS, CompliancePack, NO_DELETION_PROTECTION_IN_TEST_POSTURE, skipCheckov } from '../nag';
import { taskExecutionRole } from './task-execution-role';
import { taggedSecurityGroup } from './security-group';

export interface TradingServiceProps {
  readonly vpc: ec2.IVpc;
  readonly image: ecs.ContainerImage;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly taskFamily: string;
  readonly loadBalancerName: string;
  readonly targetGroupName: string;
  /** Name tag of the load balancer's security group. */
  readonly loadBalancerSecurityGroupName: string;
  /** Name tag of the tasks' security group. */
  readonly serviceSecurityGroupName: string;
  readonly taskRoleName: string;
  readonly executionRoleName: string;
  readonly logGroupName: string;
  /** Bucket for the load balancer's access logs (must use SSE-S3, as ALB requires). */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Certificate for an HTTPS listener on 443, with port 80 redirecting to it.
   * @default - a plain HTTP listener on port 80
   */
  readonly certificate?: acm.ICertificate;
  /** @default 8080 */
  readonly containerPort?: number;
  /** @default 2 */
  readonly desiredCount?: number;
  /** Task CPU units. @default 1024 (1 vCPU) */
  readonly cpu?: number;
  /** @default 2048 */
  readonly memoryLimitMiB?: number;
  /** Liveness path the load balancer probes. @default '/healthz' */
  readonly livenessPath?: string;
  /**
   * A container health check that fetches the liveness path with `node` inside the container.
   * Turn it off for images without node; the load balancer's target health check remains.
   * @default true
   */
  readonly containerHealthCheck?: boolean;
  /** Non-secret configuration for the container. @default - none */
  readonly environment?: { [key: string]: string };
  /** Deletion protection on the load balancer. @default false */
  readonly deletionProtection?: boolean;
}

/**
 * The trading service: an ECS cluster with a Fargate service in private subnets behind an
 * internet-facing Application Load Balancer. Only the load balancer may reach the tasks.
 */
export class TradingService extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly service: ecs.FargateService;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly taskRole: iam.Role;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly serviceSecurityGroup: ec2.SecurityGroup;
  /** Protocol of the public listener, for health checks from outside. */
  public readonly listenerProtocol: elbv2.ApplicationProtocol;
  public readonly listenerPort: number;
  /** The port-80 listener: it serves over HTTP, and redirects to HTTPS when there is a certificate. */
  public readonly httpListener: elbv2.ApplicationListener;
  /** The HTTPS listener on 443, when a certificate is given. @default - none: the service is served over HTTP */
  public readonly httpsListener?: elbv2.ApplicationListener;
  public readonly logGroup: logs.LogGroup;
  public readonly desiredCount: number;

  constructor(scope: Construct, id: string, props: TradingServiceProps) {
    super(scope, id);
    const containerPort = props.containerPort ?? 8080;
    const livenessPath = props.livenessPath ?? '/healthz';
    this.desiredCount = props.desiredCount ?? 2;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: props.clusterName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { logGroupName: props.logGroupName });

    const executionRole = taskExecutionRole(this, 'ExecutionRole', props.executionRoleName, 'Pulls the trading image and writes its logs');
    this.taskRole = new iam.Role(this, 'TaskRole', {
      roleName: props.taskRoleName,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Permissions of the trading application itself; granted per data store',
    });

    const memoryLimitMiB = props.memoryLimitMiB ?? 2048;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.taskFamily,
      cpu: props.cpu ?? 1024,
      memoryLimitMiB,
      executionRole,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer('app', {
      image: props.image,
      essential: true,
      // The one container may use the whole task; an explicit hard limit makes that visible (CT.ECS.PR.7).
      memoryLimitMiB,
      user: '1000:1000',
      readonlyRootFilesystem: true,
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      portMappings: [{ containerPort, protocol: ecs.Protocol.TCP }],
      environment: { PORT: String(containerPort), ...props.environment },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'app' }),
      stopTimeout: Duration.seconds(30),
      healthCheck:
        (props.containerHealthCheck ?? true)
          ? {
              command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${containerPort}${livenessPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
              interval: Duration.seconds(15),
              timeout: Duration.seconds(5),
              retries: 3,
              startPeriod: Duration.seconds(30),
            }
          : undefined,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment carries only non-secret settings (port, region role, suffix, endpoints, names, database role names); the service logs in to its database with IAM tokens signed by its task role, never a stored password.',
    });

    const loadBalancerSecurityGroup = taggedSecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      name: props.loadBalancerSecurityGroupName,
      description: 'Trading ALB: listener ports from the internet, egress only to the service',
    });
    const internetFacing =
      'Internet-facing entry point of the trading platform: clients and Route 53 health checkers reach the listener ports from any address.';
    Validations.of(loadBalancerSecurityGroup).acknowledge({ id: 'AwsSolutions-EC23', reason: internetFacing });
    skipCheckov(
      loadBalancerSecurityGroup,
      'CKV_AWS_260',
      `${internetFacing} With a certificate, port 80 only redirects to HTTPS; without one (test posture only) it serves.`,
    );
    this.serviceSecurityGroup = taggedSecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      name: props.serviceSecurityGroupName,
      description: 'Trading tasks: reachable only from the trading ALB',
    });
    // Image pulls, logs and AWS APIs are all HTTPS; data-store ports are opened by the data layer.
    this.serviceSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and ECR');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName: props.serviceName,
      taskDefinition: this.taskDefinition,
      desiredCount: this.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.serviceSecurityGroup],
      healthCheckGracePeriod: Duration.seconds(60),
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // Tasks pull the image and write logs with the execution role's policy as they start.
    this.service.node.addDependency(executionRole);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      loadBalancerName: props.loadBalancerName,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: loadBalancerSecurityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? false,
    });
    this.loadBalancer.logAccessLogs(props.accessLogBucket, 'alb');
    acknowledgeGuard(
      this.loadBalancer,
      'elbv2_logging_enabled_check',
      'Access logging is on (access_logs.s3.enabled=true) to the region access-log bucket, which comes from another stack (Fn::ImportValue): the rule accepts only a literal or a same-template bucket name.',
    );
    if (!(props.deletionProtection ?? false)) {
      acknowledgeCompliance(this.loadBalancer, 'ELBDeletionProtectionEnabled', [CompliancePack.NIST_800_53_R5], NO_DELETION_PROTECTION_IN_TEST_POSTURE);
      acknowledgeGuard(this.loadBalancer, 'elbv2_deletion_protection_enabled_check', NO_DELETION_PROTECTION_IN_TEST_POSTURE);
    }

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      targetGroupName: props.targetGroupName,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: containerPort,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: livenessPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    this.service.attachToApplicationTargetGroup(this.targetGroup);

    // Port 80 keeps one construct id in both modes: adding a certificate later updates this
    // listener in place, where a new id would create a second port-80 listener and fail the update.
    const httpListener = this.loadBalancer.addListener('HttpListener', { protocol: elbv2.ApplicationProtocol.HTTP, port: 80, open: true });
    this.httpListener = httpListener;
    if (props.certificate) {
      this.listenerProtocol = elbv2.ApplicationProtocol.HTTPS;
      this.listenerPort = 443;
      this.httpsListener = this.loadBalancer.addListener('HttpsListener', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        certificates: [props.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: true,
      });
      httpListener.addAction('RedirectToHttps', {
        action: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      acknowledgeCompliance(
        httpListener,
        'ELBv2ACMCertificateRequired',
        BOTH_COMPLIANCE_PACKS,
        'Port 80 only answers with a permanent redirect to HTTPS on 443 and forwards nothing; a certificate belongs to HTTPS listeners only (the HTTPS listener on 443 carries the ACM certificate).',
      );
    } else {
      this.listenerProtocol = elbv2.ApplicationProtocol.HTTP;
      this.listenerPort = 80;
      httpListener.addTargetGroups('Service', { targetGroups: [this.targetGroup] });
      const testPostureOnly =
        'Plain HTTP without a certificate: the test posture only. The production posture refuses to synthesize without protocol=https and both certificates (config validation).';
      acknowledgeCompliance(httpListener, 'ELBv2ACMCertificateRequired', BOTH_COMPLIANCE_PACKS, testPostureOnly);
      acknowledgeCompliance(httpListener, 'ALBHttpToHttpsRedirection', BOTH_COMPLIANCE_PACKS, testPostureOnly);
      acknowledgeGuard(httpListener, 'alb_http_to_https_redirection_check', testPostureOnly);
      skipCheckov(httpListener, 'CKV_AWS_2', testPostureOnly);
      skipCheckov(httpListener, 'CKV_AWS_103', testPostureOnly);
    }
  }
}
