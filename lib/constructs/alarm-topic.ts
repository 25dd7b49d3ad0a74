import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  readonly topicName: string;
  /**
   * Customer-managed key for the topic. CloudWatch alarms cannot publish to a topic encrypted with
   * the AWS-managed `alias/aws/sns` key, so a key whose policy admits CloudWatch is required.
   */
  readonly encryptionKey: kms.Key;
  /** @default 'Trading DR alarms' */
  readonly displayName?: string;
}

/** EventBridge's service principal, which a KMS key policy may not constrain by source for SNS deliveries. */
export const EVENTBRIDGE_PRINCIPAL = 'events.amazonaws.com';

/** The SNS topic every alarm of a region notifies: KMS-encrypted, TLS-only. */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  private readonly encryptionKey: kms.Key;
  private readonly topicName: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName ?? 'Trading DR alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.encryptionKey = props.encryptionKey;
    this.topicName = props.topicName;
    this.admitPublisher(
      'AllowCloudWatchAlarmsToPublish',
      'cloudwatch.amazonaws.com',
      Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
  }

  /**
   * Lets an AWS service publish to the topic for the sources `sourceArn` matches, in this account:
   * an allow in the topic's own policy, which replaces SNS's default one (`enforceSSL` creates it;
   * without the allow CloudWatch alarms are "not authorized to perform: SNS:Publish", AWS re:Post,
   * *Why didn't I receive an SNS notification for my CloudWatch alarm trigger?*), and an allow in
   * the key's policy to encrypt the messages. `ArnLike` matches each colon-separated part of the ARN
   * case-sensitively, with `*` and `?` as the only wildcards, exactly as `ArnEquals` does (IAM User
   * Guide, *IAM JSON policy elements: Condition operators*, ARN condition operators): a source ARN
   * without wildcards (one EventBridge rule) admits that source alone.
   *
   * The key statement carries the same source conditions, because the key also protects the data
   * stores, except for EventBridge. SNS Developer Guide, *Key management*, "Enable compatibility
   * between event sources from AWS services and encrypted topics": "Adding the aws:SourceAccount,
   * aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for
   * EventBridge-to-encrypted topics." With them, EventBridge's deliveries fail and the page is lost.
   * Its statement instead names this topic by the encryption context SNS gives its data keys
   * (`kms:EncryptionContext:aws:sns:topicArn`, as AWS's own key policy for a service publishing to
   * an encrypted topic does: GameLift FlexMatch Guide, *Set up an SNS topic with server-side
   * encryption*), so that it admits EventBridge to this topic's data keys only, and neither to the
   * queues' (their own statement, `PlatformEventBus`) nor to the data stores'. Whether EventBridge's
   * deliveries carry that context is not documented: verify-deployment's delivery canary
   * (eventbridge-encrypted-delivery), admitted by this same code, answers it against AWS.
   */
  public admitPublisher(sid: string, service: string, sourceArn: string): void {
    const conditions = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account }, ArnLike: { 'aws:SourceArn': sourceArn } };
    // By name: a reference to the topic from its own key's policy would be circular.
    const topicArn = Stack.of(this).formatArn({ service: 'sns', resource: this.topicName, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const eventBridgeConditions = { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } };
    const principals = [new iam.ServicePrincipal(service)];
    this.topic.addToResourcePolicy(new iam.PolicyStatement({ sid, principals, actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions }));
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${sid}ToEncryptedTopic`,
        principals,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: service === EVENTBRIDGE_PRINCIPAL ? eventBridgeConditions : conditions,
      }),
    );
  }
}
