import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TradingService } from '../constructs/trading-service';
import { DeploymentRole, PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface ServiceStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly role: DeploymentRole;
  readonly vpc: ec2.IVpc;
  readonly image: ecs.ContainerImage;
  /** @default - HTTP only */
  readonly certificateArn?: string;
}

/** The trading service of one region behind its load balancer. */
export class ServiceStack extends RegionalStack {
  public readonly trading: TradingService;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { names, role } = props;

    const accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      bucketName: names.bucket('alb-logs', this.account, this.region),
      // ALB access logging supports only SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    Validations.of(accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the load balancer access logs; logging its own access would need another bucket logging the next one.',
    });

    this.trading = new TradingService(this, 'Trading', {
      vpc: props.vpc,
      image: props.image,
      clusterName: names.cluster(role),
      serviceName: names.service(role),
      taskFamily: names.taskFamily(role),
      loadBalancerName: names.loadBalancer(role),
      targetGroupName: names.targetGroup(role),
      loadBalancerSecurityGroupName: names.securityGroup('trading-alb', role),
      serviceSecurityGroupName: names.securityGroup('trading-svc', role),
      taskRoleName: names.iamRole('trading-task', role),
      executionRoleName: names.iamRole('trading-exec', role),
      logGroupName: names.logGroup('trading-service', role),
      accessLogBucket,
      certificate: props.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined,
      environment: { REGION_ROLE: role, ENVIRONMENT_SUFFIX: names.suffix },
    });

    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.trading.loadBalancer.loadBalancerDnsName,
      description: `DNS name of the ${role} region's load balancer`,
    });
  }
}
