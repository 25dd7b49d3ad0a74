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
}

/** The SNS topic every alarm of a region notifies: KMS-encrypted, TLS-only. */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'Trading DR alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    const alarmArns = Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without this
    // allow CloudWatch alarms are "not authorized to perform: SNS:Publish" (AWS re:Post, *Why didn't
    // I receive an SNS notification for my CloudWatch alarm trigger?*).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account }, ArnLike: { 'aws:SourceArn': alarmArns } },
      }),
    );
    // The key also protects the data stores: CloudWatch may use it only for alarms of this account.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': alarmArns },
        },
      }),
    );
  }
}
