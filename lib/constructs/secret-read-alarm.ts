import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { AlarmTopic, EVENTBRIDGE_PRINCIPAL } from './alarm-topic';

export interface SecretReadAlarmProps {
  /** Name of the secret (its replica in another region keeps the name). */
  readonly secretName: string;
  readonly ruleName: string;
  /** The region's alarm topic; it must be in the same stack, so that its policies admit the rule. */
  readonly alarmTopic: AlarmTopic;
}

/**
 * Notifies the region's alarm topic of every read of a break-glass secret in this region
 * (`GetSecretValue` by any principal, the secret named by name or by ARN).
 *
 * - Secrets Manager calls reach EventBridge as CloudTrail events with detail-type "AWS API Call via
 *   CloudTrail" (Secrets Manager User Guide, *AWS CloudTrail entries for Secrets Manager*), which
 *   needs "a trail that is currently logging management or data events" (CloudTrail User Guide,
 *   *CloudTrail supported services and integrations*): the account's (or organization's) trail
 *   with read management events is a prerequisite (README, Prerequisites).
 * - `GetSecretValue` is a read-only management event, which a rule matches only in the state
 *   `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` (EventBridge User Guide, *Receiving read-only
 *   management events from AWS services*).
 * - The topic is encrypted with a customer-managed key, so its key and its policy admit EventBridge
 *   for this rule only (EventBridge User Guide, *Amazon SNS permissions*; `AlarmTopic.admitPublisher`).
 */
export class SecretReadAlarm extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SecretReadAlarmProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Secrets Manager appends a hyphen and six random characters to a secret's ARN.
    const secretArnPrefix = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: props.secretName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.ruleName,
      description: `Every read of the break-glass secret ${props.secretName} in ${stack.region}`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['GetSecretValue'],
          requestParameters: { secretId: [{ prefix: props.secretName }, { prefix: secretArnPrefix }] },
        },
      },
    });
    // The L2 rule has only ENABLED and DISABLED; read-only CloudTrail events need this third state.
    (this.rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    // L1 target: the L2 SnsTopic target would also grant EventBridge the topic's key for every rule
    // of every account's events; here the key and the topic admit this one rule only, by its name
    // (a reference would be circular: the rule already depends on the key through the topic).
    const ruleArn = stack.formatArn({ service: 'events', resource: 'rule', resourceName: props.ruleName });
    (this.rule.node.defaultChild as events.CfnRule).targets = [
      {
        id: 'AlarmTopic',
        arn: props.alarmTopic.topic.topicArn,
        inputTransformer: {
          inputPathsMap: { reader: '$.detail.userIdentity.arn', time: '$.detail.eventTime', sourceIp: '$.detail.sourceIPAddress' },
          inputTemplate: `"ALARM: break-glass secret ${props.secretName} read in ${stack.region} by <reader> at <time> from <sourceIp>"`,
        },
      },
    ];
    props.alarmTopic.admitPublisher('AllowSecretReadAlarmToPublish', EVENTBRIDGE_PRINCIPAL, ruleArn);
  }
}
