import * as path from 'node:path';
import { CustomResource, DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { customResourceFunction } from './custom-resource-function';
import { EMPTY_ON_DELETE_TAG } from '../../cleanup/src/bucket-emptier';
import { acknowledgeCompliance, acknowledgeGuard, acknowledgeWildcardResource, BOTH_COMPLIANCE_PACKS, skipCheckov } from '../nag';

const SSE_S3_ONLY =
  'Both deliveries into this bucket require SSE-S3: S3 server access logs support only SSE-S3 on the destination bucket, and load balancer access logs only SSE-S3 (see the class comment for the sources).';
const LOGS_ITS_OWN_ACCESS =
  'This bucket receives the access logs of the load balancer and the files bucket; logging its own access would need another bucket logging the next one.';

const EMPTIER_ENTRY = path.join(__dirname, '..', '..', 'cleanup', 'src', 'handler.ts');

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** How long log objects are kept. @default Duration.days(90) */
  readonly expiration?: Duration;
  /**
   * Keep the bucket as a tamper-evident audit trail: versioned, object versions undeletable except
   * by the lifecycle rule, and retained by `cdk destroy`. When false, the bucket empties and deletes
   * itself on `cdk destroy`, even while late log deliveries arrive.
   * @default false
   */
  readonly auditTrail?: boolean;
  /** Name of the emptier function (test posture only). @default - generated */
  readonly emptierFunctionName?: string;
}

/**
 * The bucket for load balancer access logs and S3 server access logs. Both deliveries require
 * SSE-S3: "Default server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is
 * not supported" (S3 User Guide, *Enabling Amazon S3 server access logging*); "The only server-side
 * encryption option that's supported is Amazon S3-managed keys (SSE-S3)" (ALB User Guide, *Enable
 * access logs for your Application Load Balancer*). S3 server access logs cannot target a bucket
 * with Object Lock ("S3 buckets with Object Lock can't be used as destination buckets for server
 * access logs", S3 User Guide, *Managing Object Lock*): tamper evidence comes from versioning and a
 * deny on deleting versions.
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: s3.Bucket;
  /** The custom resource that empties and deletes the bucket on `cdk destroy`; absent for an audit trail. */
  public readonly emptier?: CustomResource;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const auditTrail = props.auditTrail ?? false;
    const expiration = props.expiration ?? Duration.days(90);

    // Id `Default` keeps the logical ids of the bucket and its policy as they were before this
    // construct wrapped them: a new logical id would replace a bucket with a custom name.
    this.bucket = new s3.Bucket(this, 'Default', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: auditTrail,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration,
          noncurrentVersionExpiration: auditTrail ? expiration : undefined,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: auditTrail ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: LOGS_ITS_OWN_ACCESS });
    acknowledgeCompliance(this.bucket, 'S3DefaultEncryptionKMS', BOTH_COMPLIANCE_PACKS, SSE_S3_ONLY);
    acknowledgeCompliance(
      this.bucket,
      'S3BucketReplicationEnabled',
      BOTH_COMPLIANCE_PACKS,
      "Accepted trade-off (README, Security review): a region's access logs stay in that region; losing the region loses them. Copying them would need a second destination per region that itself cannot log to a bucket.",
    );
    acknowledgeGuard(this.bucket, 's3_bucket_default_encryption_kms_check', SSE_S3_ONLY);
    acknowledgeGuard(this.bucket, 's3_bucket_logging_enabled_check', LOGS_ITS_OWN_ACCESS);
    skipCheckov(this.bucket, 'CKV_AWS_18', LOGS_ITS_OWN_ACCESS);
    acknowledgeGuard(
      this.bucket,
      's3_event_notifications_enabled_check',
      'Nothing consumes events of log deliveries; readers query the logs when investigating, and lifecycle expiry needs no notification.',
    );
    acknowledgeGuard(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      "S3 server access logs cannot be delivered to a bucket with Object Lock (S3 User Guide, Managing Object Lock); tamper evidence comes from versioning and the bucket policy's deny on deleting versions.",
    );
    if (!auditTrail) {
      const destroyable =
        'Test posture only: the bucket must empty and delete itself on cdk destroy; the production posture versions it as a tamper-evident audit trail.';
      acknowledgeCompliance(this.bucket, 'S3BucketVersioningEnabled', BOTH_COMPLIANCE_PACKS, destroyable);
      acknowledgeGuard(this.bucket, 's3_bucket_versioning_enabled_check', destroyable);
      skipCheckov(this.bucket, 'CKV_AWS_21', destroyable);
    }

    if (auditTrail) {
      // "If you want to block users or accounts from removing or deleting objects from your bucket,
      // you must deny them permissions for ... s3:DeleteObject, s3:DeleteObjectVersion,
      // s3:PutLifecycleConfiguration" (S3 User Guide, lifecycle configuration): lifecycle expiry is
      // done by S3 itself, not a request this policy sees. DeleteObject stays allowed: on a versioned
      // bucket it only adds a delete marker, and the versions remain.
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyErasingLogHistory',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:DeleteObjectVersion'],
          resources: [this.bucket.arnForObjects('*')],
        }),
      );
      // Retention and versioning change only through a reviewed deployment: the CloudFormation
      // execution role of the CDK bootstrap may, no one else (the stack's own updates would fail).
      const synthesizer = Stack.of(this).synthesizer;
      const deployRole = synthesizer instanceof DefaultStackSynthesizer ? synthesizer.cloudFormationExecutionRoleArn : undefined;
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyShorteningLogHistory',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutLifecycleConfiguration', 's3:PutBucketVersioning'],
          resources: [this.bucket.bucketArn],
          // The synthesizer's ARN carries ${AWS::Partition} placeholders for the CLI; Fn::Sub renders them here.
          conditions: deployRole ? { ArnNotEquals: { 'aws:PrincipalArn': Fn.sub(deployRole) } } : undefined,
        }),
      );
      return;
    }

    const emptierFunction = customResourceFunction(this, {
      functionId: 'EmptierFunction',
      logGroupId: 'EmptierLogGroup',
      functionName: props.emptierFunctionName,
      description: `Empties and deletes ${props.bucketName} on stack deletion, also while late log deliveries arrive`,
      entry: EMPTIER_ENTRY,
      timeout: Duration.minutes(15),
    });
    emptierFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EmptyAndDeleteThisBucket',
        actions: [
          's3:GetBucketTagging',
          's3:ListBucketVersions',
          's3:ListBucket',
          's3:DeleteBucket',
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
          's3:DeleteObject',
          's3:DeleteObjectVersion',
        ],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );
    acknowledgeWildcardResource(
      emptierFunction.role!.node.findChild('DefaultPolicy'),
      this.bucket.arnForObjects('*'),
      'The emptier deletes every object of this one bucket, whose keys are written by the log deliveries.',
    );

    Tags.of(this.bucket).add(EMPTY_ON_DELETE_TAG, 'true');
    this.emptier = new CustomResource(this, 'Emptier', {
      serviceToken: emptierFunction.functionArn,
      resourceType: 'Custom::BucketEmptier',
      properties: { BucketName: this.bucket.bucketName },
    });
    // The bucket policy goes first on deletion: once it is gone no log delivery is allowed in,
    // and the emptier then empties and deletes a bucket that nothing can write to any more.
    this.bucket.policy!.node.addDependency(this.emptier);
    // The function needs its permissions and its log group for the whole of the deletion.
    this.emptier.node.addDependency(emptierFunction.role!.node.findChild('DefaultPolicy'));
  }
}
