import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeCompliance, BOTH_COMPLIANCE_PACKS } from '../nag';
import { DeliveryCanary } from '../constructs/delivery-canary';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { AlarmTopic } from '../constructs/alarm-topic';
import { PlatformEventBus } from '../constructs/platform-event-bus';
import { ReplicatedBucket } from '../constructs/replicated-bucket';
import { AwsServiceEndpoints } from '../constructs/aws-service-endpoints';
import { SecretReadAlarm } from '../constructs/secret-read-alarm';
import { TradingNetwork } from '../constructs/trading-network';
import { DeploymentRole, PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

/** The other region's files bucket, which this region's bucket replicates into. */
export interface FilesReplicationTarget {
  /** Region of the destination; the bucket's name follows from it (see PlatformNames.bucket). */
  readonly region: string;
  /** ARN of the key of the destination bucket's region. */
  readonly encryptionKeyArn: string;
}

export interface FoundationStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly role: DeploymentRole;
  readonly vpcCidr: string;
  /** @default - the files bucket does not replicate */
  readonly replicateFilesTo?: FilesReplicationTarget;
}

/**
 * What every other stack of a region builds on: the VPC, the region's customer-managed key, the
 * alarm topic, the access-log bucket and the files bucket. The secondary region's foundation
 * deploys first because its files bucket is the replication destination of the primary's.
 */
export class FoundationStack extends RegionalStack {
  public readonly vpc: ec2.IVpc;
  public readonly encryptionKey: kms.Key;
  public readonly alarmTopic: sns.ITopic;
  /** What verify-deployment delivers through EventBridge (eventbridge-encrypted-delivery). */
  public readonly deliveryCanary: DeliveryCanary;
  public readonly accessLogBucket: s3.Bucket;
  public readonly filesBucket: s3.Bucket;
  public readonly events: PlatformEventBus;
  /** The region's AWS Backup vault; present with cross-region backups (production posture). */
  public readonly backupVault?: backup.BackupVault;

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, props);
    const { names, role } = props;

    const network = new TradingNetwork(this, 'Network', {
      vpcName: names.vpc(role),
      availabilityZones: props.availabilityZones,
      cidr: props.vpcCidr,
      flowLogGroup: new logs.LogGroup(this, 'FlowLogGroup', { logGroupName: names.logGroup('vpc-flow-logs', role) }),
    });
    this.vpc = network.vpc;
    new AwsServiceEndpoints(this, 'ServiceEndpoints', {
      vpc: this.vpc,
      clientCidr: network.cidr,
      namePrefix: names.vpc(role),
      securityGroupName: names.securityGroup('aws-endpoints', role),
    });

    this.encryptionKey = new kms.Key(this, 'DataKey', {
      alias: names.kmsAlias(role),
      description: `Trading DR ${role} region: Aurora, DynamoDB, S3, Secrets Manager replica, SNS`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Grants on this key exist only for AWS services using it for this platform (Aurora, DynamoDB,
    // AWS Backup copies): AWS Control Tower control CT.KMS.PR.3 asks for this deny, and every grant
    // the platform makes is created by a service on a caller's behalf. `kms:GrantIsForAWSResource`
    // allows CreateGrant "only when an AWS service that is integrated with AWS KMS sends the request
    // on the principal's behalf" (AWS KMS Developer Guide, *Controlling access to grants*);
    // `aws:PrincipalIsAWSService` is true when a service principal calls with its own credentials
    // (IAM User Guide, *AWS global condition context keys*).
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );

    const alarmTopic = new AlarmTopic(this, 'Alarms', { topicName: names.alarmTopic(role), encryptionKey: this.encryptionKey });
    this.alarmTopic = alarmTopic.topic;
    // The master secret is break-glass (only the one-off bootstrap task reads it): every read in
    // this region, of the secret or its replica, pages.
    new SecretReadAlarm(this, 'MasterSecretReads', {
      secretName: names.databaseSecret(),
      ruleName: names.eventRule('master-secret-reads'),
      alarmTopic,
    });

    const accessLogs = new AccessLogBucket(this, 'AccessLogBucket', {
      bucketName: names.bucket('access-logs', this.account, this.region),
      auditTrail: this.protection.retainRecords,
      expiration: Duration.days(this.protection.retainRecords ? 400 : 90),
    });
    this.accessLogBucket = accessLogs.bucket;

    this.filesBucket = new ReplicatedBucket(this, 'Files', {
      bucketName: names.bucket('trading-files', this.account, this.region),
      encryptionKey: this.encryptionKey,
      serverAccessLogsBucket: this.accessLogBucket,
      replicateTo: props.replicateFilesTo && {
        bucket: s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
          bucketName: names.bucket('trading-files', this.account, props.replicateFilesTo.region),
          region: props.replicateFilesTo.region,
        }),
        region: props.replicateFilesTo.region,
        encryptionKey: kms.Key.fromKeyArn(this, 'ReplicaKey', props.replicateFilesTo.encryptionKeyArn),
        roleName: names.iamRole('s3-replication', role),
      },
      retainOnDelete: this.protection.retainRecords,
    }).bucket;
    if (!props.replicateFilesTo) {
      acknowledgeCompliance(
        this.filesBucket,
        'S3BucketReplicationEnabled',
        BOTH_COMPLIANCE_PACKS,
        "The standby's files bucket replicates back to the primary's through the SecondaryData stack's FilesReplicationToPrimary (Custom::BucketReplication), applied once both buckets exist; this template cannot name a destination that does not exist yet.",
      );
    }
    // On deletion the files bucket (whose own emptying writes access-log records) goes before the
    // access-log bucket is emptied.
    if (accessLogs.emptier) this.filesBucket.node.addDependency(accessLogs.emptier);

    this.events = new PlatformEventBus(this, 'Events', {
      eventBusName: names.eventBus(),
      ruleName: names.eventRule('platform-events'),
      queueName: names.queue('events', role),
      deadLetterQueueName: names.queue('events-dlq', role),
      encryptionKey: this.encryptionKey,
      // The replication role is created later (EventRouting stack); its name is deterministic.
      replicationRoleArn: this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: names.iamRole('events-replication', 'primary') }),
    });

    this.deliveryCanary = new DeliveryCanary(this, 'DeliveryCanary', {
      eventBus: this.events.eventBus,
      encryptionKey: this.encryptionKey,
      ruleName: names.eventRule('delivery-canary'),
      topicName: names.canaryTopic(role),
      queueName: names.queue('delivery-canary', role),
      readbackQueueName: names.queue('delivery-canary-readback', role),
    });

    if (this.protection.crossRegionBackups) {
      // Here rather than beside the plans: both foundations deploy before either data stack, so
      // each vault exists before the other region's plan first copies into it. It keeps its
      // recovery points on stack deletion (CloudFormation cannot delete a vault that holds any).
      this.backupVault = new backup.BackupVault(this, 'BackupVault', {
        backupVaultName: names.backupVault(role),
        encryptionKey: this.encryptionKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    new CfnOutput(this, 'PrivateSubnetIds', {
      value: this.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds.join(','),
      description: 'Subnets of the service tasks; npm run db-bootstrap runs its one-off task there',
    });
    new CfnOutput(this, 'FilesBucketName', { value: this.filesBucket.bucketName, description: `Files bucket of the ${role} region` });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: `Every alarm of the ${role} region notifies this topic: subscribe the pager here`,
    });
  }
}
