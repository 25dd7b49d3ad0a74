import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceHandler } from '../nag';
import { BucketReplicationTarget, grantReplication } from './replicated-bucket';

export interface LateBucketReplicationProps {
  /** The source bucket, in this stack's region, created (versioned) by an earlier stack. */
  readonly bucket: s3.IBucket;
  /** Key of the source bucket. */
  readonly encryptionKey: kms.IKey;
  readonly replicateTo: BucketReplicationTarget;
  /** Id of the replication rule; S3 replication metrics are dimensioned by it. */
  readonly ruleId: string;
  /** Log group of the function that applies the rule (its retention comes from the app's policy). */
  readonly logGroupName: string;
}

/**
 * Cross-region replication with Replication Time Control for a bucket whose destination did not
 * exist when the bucket was created: the second direction of two-way replication.
 *
 * "The destination bucket or buckets must already exist" when a `ReplicationConfiguration` is
 * created (CloudFormation User Guide, `AWS::S3::Bucket` ReplicationConfiguration), and two-way
 * replication is "a replication rule from the source bucket ... Then, a second replication rule
 * from the bucket containing the replicas ... to the source bucket" (S3 User Guide, *Replicating
 * metadata changes with replica modification sync*). Each bucket must therefore exist before the
 * other's rule: the first direction is a bucket property (ReplicatedBucket), this one is applied by
 * a custom resource with `PutBucketReplication` in a stack deployed after both buckets, and removed
 * with `DeleteBucketReplication` when that stack is deleted (AWS DevOps Blog, *Use AWS
 * CloudFormation to Automate the Creation of an S3 Bucket with Cross-Region Replication Enabled*,
 * names a custom resource as one of the two ways).
 *
 * The source bucket's own template must never state a `ReplicationConfiguration`: the two would
 * overwrite each other (a test asserts it). S3 does not replicate replicas again ("By default,
 * Amazon S3 doesn't replicate ... objects in the source bucket that are replicas that were created
 * by another replication rule", S3 User Guide, *What does Amazon S3 replicate?*), so the two
 * directions make no loop.
 */
export class LateBucketReplication extends Construct {
  public readonly replicationRole: iam.Role;

  constructor(scope: Construct, id: string, props: LateBucketReplicationProps) {
    super(scope, id);
    const target = props.replicateTo;
    this.replicationRole = new iam.Role(this, 'ReplicationRole', {
      roleName: target.roleName,
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Replicates ${props.bucket.bucketName} to its cross-region copy`,
    });
    const policy = grantReplication(this, this.replicationRole, props.bucket, props.encryptionKey, target);

    const bucket = { Bucket: props.bucket.bucketName };
    const apply: cr.AwsSdkCall = {
      service: 'S3',
      action: 'PutBucketReplication',
      parameters: {
        ...bucket,
        ReplicationConfiguration: {
          Role: this.replicationRole.roleArn,
          Rules: [
            {
              ID: props.ruleId,
              Priority: 0,
              Status: 'Enabled',
              Filter: { Prefix: '' },
              DeleteMarkerReplication: { Status: 'Enabled' },
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
              Destination: {
                Bucket: target.bucket.bucketArn,
                EncryptionConfiguration: { ReplicaKmsKeyID: target.encryptionKey.keyArn },
                ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
                Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
              },
            },
          ],
        },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${props.bucket.bucketName}/${props.ruleId}`),
    };
    const rule = new cr.AwsCustomResource(this, 'Rule', {
      resourceType: 'Custom::BucketReplication',
      onCreate: apply,
      onUpdate: apply,
      onDelete: { service: 'S3', action: 'DeleteBucketReplication', parameters: bucket, ignoreErrorCodesMatching: 'NoSuchBucket' },
      // PutBucketReplication and DeleteBucketReplication both need s3:PutReplicationConfiguration
      // (S3 API Reference); passing the role to S3 needs iam:PassRole on it.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['s3:PutReplicationConfiguration'], resources: [props.bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.replicationRole.roleArn] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'LogGroup', { logGroupName: props.logGroupName, removalPolicy: RemovalPolicy.DESTROY }),
    });
    // S3 checks the role when the rule is applied; it must hold its permissions from the start.
    rule.node.addDependency(policy);
    // The acknowledgement goes on the stack's singleton function role, which grantPrincipal is.
    acknowledgeCustomResourceHandler((rule.grantPrincipal as iam.Role).node.scope!);
    Validations.of(rule.grantPrincipal as iam.Role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The AWS managed basic execution policy lets the custom resource's function write its own log group; it grants nothing on data.",
    });
  }
}
