import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeCdkProviderHandler, acknowledgeGuard, acknowledgeWildcardResource } from '../nag';

/** Id of the replication rule; S3 replication metrics are dimensioned by it. */
export const FILES_REPLICATION_RULE_ID = 'replicate-all-to-standby';
/** Id of the rule that replicates the standby's files bucket back to the primary's. */
export const FILES_REPLICATION_BACK_RULE_ID = 'replicate-all-to-primary';

/** Where a {@link ReplicatedBucket} copies its objects. */
export interface BucketReplicationTarget {
  /** Versioned bucket in another region; it must exist before the rule is created. */
  readonly bucket: s3.IBucket;
  readonly region: string;
  /** KMS key of the destination bucket, in the destination's region. */
  readonly encryptionKey: kms.IKey;
  /** Name of the replication role (IAM names are account-wide). */
  readonly roleName: string;
}

export interface ReplicatedBucketProps {
  readonly bucketName: string;
  readonly encryptionKey: kms.IKey;
  /** Bucket for S3 server access logs (SSE-S3). */
  readonly serverAccessLogsBucket: s3.IBucket;
  /**
   * Replicate every object, deletion marker and tag to this target with Replication Time Control.
   * @default - no replication (for example, the destination bucket itself)
   */
  readonly replicateTo?: BucketReplicationTarget;
  /** @default Duration.days(30) */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Keep the bucket and its objects on `cdk destroy` (records a firm must keep). When false the
   * bucket empties itself and is deleted.
   * @default false
   */
  readonly retainOnDelete?: boolean;
}

/**
 * A versioned, KMS-encrypted, private, TLS-only bucket that empties itself on destroy and can
 * replicate across regions with S3 Replication Time Control (15-minute SLA) and its metrics.
 */
export class ReplicatedBucket extends Construct {
  public readonly bucket: s3.Bucket;
  /** Present when the bucket replicates. */
  public readonly replicationRole?: iam.Role;

  constructor(scope: Construct, id: string, props: ReplicatedBucketProps) {
    super(scope, id);

    const target = props.replicateTo;
    if (target) {
      this.replicationRole = new iam.Role(this, 'ReplicationRole', {
        roleName: target.roleName,
        assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
        description: `Replicates ${props.bucketName} to its cross-region copy`,
      });
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: `s3/${props.bucketName}/`,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retainOnDelete,
      replicationRole: this.replicationRole,
      replicationRules: target
        ? [
            {
              id: FILES_REPLICATION_RULE_ID,
              destination: target.bucket,
              kmsKey: target.encryptionKey,
              sseKmsEncryptedObjects: true,
              deleteMarkerReplication: true,
              replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
              metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
              priority: 0,
              filter: {},
            },
          ]
        : undefined,
    });

    if (target && this.replicationRole) {
      grantReplication(this, this.replicationRole, this.bucket, props.encryptionKey, target);
    }
    if (!props.retainOnDelete) acknowledgeCdkProviderHandler(this, 'Custom::S3AutoDeleteObjectsCustomResourceProvider');
    acknowledgeGuard(
      this.bucket,
      's3_event_notifications_enabled_check',
      'The service writes and reads these objects itself and follows each one up through its outbox relay; no consumer needs S3 event notifications.',
    );
    acknowledgeGuard(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      "Accepted trade-off (README, Security review): versioning and cross-region replication keep every version; Object Lock needs a retention mode and period from the firm's records policy, and would make a test environment impossible to destroy.",
    );
  }
}

/**
 * Gives `role` exactly the permissions S3 replication of KMS-encrypted objects from `source` (in
 * the role's stack's region) to `target` needs, as an inline policy created in `scope`. The L2
 * adds none to a role it did not create, and the role it would create has no predictable name.
 */
export function grantReplication(scope: Construct, role: iam.IRole, source: s3.IBucket, sourceKey: kms.IKey, target: BucketReplicationTarget): iam.Policy {
  const sourceRegion = Stack.of(scope).region;
  const policy = new iam.Policy(scope, 'ReplicationPolicy', {
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadReplicationConfiguration',
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [source.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadSourceVersions',
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: [source.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'WriteReplicas',
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: [target.bucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptSourceObjects',
        actions: ['kms:Decrypt'],
        resources: [sourceKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${sourceRegion}.amazonaws.com` } },
      }),
      new iam.PolicyStatement({
        sid: 'EncryptReplicas',
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [target.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${target.region}.amazonaws.com` } },
      }),
    ],
  });
  role.attachInlinePolicy(policy);
  const reason = 'Replication acts on every object version of one bucket; the wildcard covers object keys only, never other buckets.';
  acknowledgeWildcardResource(policy, source.arnForObjects('*'), reason);
  acknowledgeWildcardResource(policy, target.bucket.arnForObjects('*'), reason);
  return policy;
}
