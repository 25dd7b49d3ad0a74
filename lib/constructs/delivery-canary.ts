import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeCompliance, acknowledgeGuard, BOTH_COMPLIANCE_PACKS, skipCheckov } from '../nag';
import { AlarmTopic, EVENTBRIDGE_PRINCIPAL } from './alarm-topic';
import { EncryptedQueueTarget } from './platform-event-bus';
import { DELIVERY_CANARY_DETAIL_TYPE, DELIVERY_CANARY_SOURCE } from '../../orchestrator/src/delivery-canary';

export interface DeliveryCanaryProps {
  /** The platform bus of the region: the canary rule lives on it, as the platform rule does. */
  readonly eventBus: events.IEventBus;
  /** The region's data key, which encrypts the alarm topic and the events queues. */
  readonly encryptionKey: kms.Key;
  readonly ruleName: string;
  readonly topicName: string;
  readonly queueName: string;
  /** Receives the canary topic's deliveries, so that the check can read them back. */
  readonly readbackQueueName: string;
}

/**
 * What verify-deployment delivers through EventBridge to prove that EventBridge may use the
 * region's key: a topic and a queue encrypted with the same key, admitted by the same code as the
 * real targets (the topic is an {@link AlarmTopic}, admitted by `admitPublisher`; the queue is an
 * {@link EncryptedQueueTarget} on the same bus, whose key statement `PlatformEventBus` grants every
 * rule of the bus). A canary event pages no one: the topic's only subscriber is a read-back queue.
 * Its rule matches only `source` {@link DELIVERY_CANARY_SOURCE}, which the platform rule's
 * `trading.` prefix does not.
 */
export class DeliveryCanary extends Construct {
  public readonly rule: events.Rule;
  public readonly topic: AlarmTopic;
  public readonly queue: sqs.Queue;
  public readonly readbackQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeliveryCanaryProps) {
    super(scope, id);
    this.topic = new AlarmTopic(this, 'Topic', {
      topicName: props.topicName,
      encryptionKey: props.encryptionKey,
      displayName: 'Trading DR delivery canary (verify-deployment)',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // SQS-managed encryption: the leg from the topic to this queue is plumbing for the read-back,
    // not part of what is proven, and must not add a statement to the data key's policy.
    this.readbackQueue = new sqs.Queue(this, 'ReadbackQueue', {
      queueName: props.readbackQueueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic.topic.addSubscription(new subscriptions.SqsSubscription(this.readbackQueue, { rawMessageDelivery: true }));
    for (const queue of [this.queue, this.readbackQueue]) {
      const noDeadLetters =
        'A canary queue: the check reads each message once within minutes and the queue keeps them an hour; a failed delivery is what the check reports.';
      acknowledgeGuard(queue, 'sqs_dlq_check', noDeadLetters);
      acknowledgeCompliance(queue, 'SQSQueueDLQ', BOTH_COMPLIANCE_PACKS, noDeadLetters);
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: noDeadLetters });
    }
    skipCheckov(
      this.readbackQueue,
      'CKV_AWS_27',
      'Encrypted with SQS-managed keys on purpose: it holds copies of canary events only, and a KMS key would need another statement in the data key policy.',
    );

    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.ruleName,
      eventBus: props.eventBus,
      description: 'verify-deployment canary events, to the encrypted canary topic and queue',
      eventPattern: { source: [DELIVERY_CANARY_SOURCE], detailType: [DELIVERY_CANARY_DETAIL_TYPE] },
    });
    this.rule.addTarget(new EncryptedQueueTarget(this.queue, undefined, { retryAttempts: 2, maxEventAge: Duration.minutes(10) }));
    // By name, as SecretReadAlarm does: a reference to the rule in the key policy would be circular.
    const ruleArn = Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${props.eventBus.eventBusName}/${props.ruleName}` });
    this.rule.addTarget(new CanaryTopicTarget(this.topic, ruleArn));
  }
}

/** The topic as the rule's target, admitted exactly as the secret-read alarm's topic is. */
class CanaryTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: AlarmTopic,
    private readonly ruleArn: string,
  ) {}

  public bind(): events.RuleTargetConfig {
    this.topic.admitPublisher('AllowDeliveryCanaryToPublish', EVENTBRIDGE_PRINCIPAL, this.ruleArn);
    return { arn: this.topic.topic.topicArn };
  }
}
