import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeGuard } from '../nag';

export interface PlatformEventBusProps {
  /** Must be identical in every region that a global endpoint spans. */
  readonly eventBusName: string;
  readonly ruleName: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** Region's customer-managed key for the queues; EventBridge is allowed to use it. */
  readonly encryptionKey: kms.Key;
  /** Event sources routed to the queue are those starting with this prefix. @default 'trading.' */
  readonly sourcePrefix?: string;
  /**
   * ARN of the role that EventBridge global-endpoint replication uses. The bus policy lets exactly
   * this principal put events; it is matched by condition, so the role may be created later.
   * @default - no replication statement
   */
  readonly replicationRoleArn?: string;
}

/**
 * The platform's custom event bus in one region, with a rule that delivers every platform event
 * to an encrypted queue (with a dead-letter queue for failed deliveries), so that an event is
 * observable in whichever region it lands.
 */
export class PlatformEventBus extends Construct {
  public readonly eventBus: events.EventBus;
  public readonly rule: events.Rule;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PlatformEventBusProps) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName, description: 'Trading platform events' });

    // SQS with a customer-managed key: EventBridge must be allowed to use the key to deliver. SQS
    // Developer Guide, *Amazon SQS key management*, "Configure AWS KMS permissions with confused
    // deputy protection": "When using SSE enabled Amazon SQS queues, the following services support
    // aws:SourceArn: Amazon SNS, Amazon S3, CloudWatch Events, ..." (CloudWatch Events is
    // EventBridge). aws:SourceAccount is not on that list, and the rule ARN already fixes the
    // account, so only aws:SourceArn constrains the statement. (SNS topics differ: see AlarmTopic.)
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToDeliverToEncryptedQueues',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${props.eventBusName}/*` }) },
        },
      }),
    );
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeGuard(
      this.deadLetterQueue,
      'sqs_dlq_check',
      'This is the dead-letter queue of the events queue and of the rule target; a dead-letter queue of its own would only move the same messages once more.',
    );
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.rule = new events.Rule(this, 'PlatformEvents', {
      ruleName: props.ruleName,
      eventBus: this.eventBus,
      description: 'Every trading platform event, to the region’s platform-events queue',
      eventPattern: { source: events.Match.prefix(props.sourcePrefix ?? 'trading.') },
    });
    this.rule.addTarget(new EncryptedQueueTarget(this.queue, this.deadLetterQueue, { retryAttempts: 8, maxEventAge: Duration.hours(2) }));

    if (props.replicationRoleArn) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowGlobalEndpointReplication',
          principals: [new iam.AccountRootPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
          conditions: { ArnEquals: { 'aws:PrincipalArn': props.replicationRoleArn } },
        }),
      );
    }
  }
}

/**
 * A queue with a dead-letter queue as the rule's target. Not `targets.SqsQueue`: for a queue with a
 * customer-managed key it grants events.amazonaws.com encrypt and decrypt on the whole key with only
 * an account condition, and this key also protects Aurora, DynamoDB, S3 and the database secret.
 * Here both queue policies admit only this rule (`aws:SourceArn`), and the key statement of
 * `PlatformEventBus` admits only rules of this bus, with the two actions an AWS service needs to send
 * to a queue encrypted with a customer managed key, `kms:GenerateDataKey` and `kms:Decrypt` (SQS
 * Developer Guide, *Amazon SQS key management*, "Configure AWS KMS permissions for AWS services").
 */
export class EncryptedQueueTarget implements events.IRuleTarget {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly deadLetterQueue: sqs.IQueue | undefined,
    private readonly options: { readonly retryAttempts: number; readonly maxEventAge: Duration },
  ) {}

  public bind(rule: events.IRule): events.RuleTargetConfig {
    for (const [sid, queue] of [
      ['DeliverFromPlatformRule', this.queue],
      ...(this.deadLetterQueue ? [['DeadLettersFromPlatformRule', this.deadLetterQueue] as const] : []),
    ] as const) {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      );
    }
    return {
      arn: this.queue.queueArn,
      targetResource: this.queue,
      deadLetterConfig: this.deadLetterQueue ? { arn: this.deadLetterQueue.queueArn } : undefined,
      retryPolicy: { maximumRetryAttempts: this.options.retryAttempts, maximumEventAgeInSeconds: this.options.maxEventAge.toSeconds() },
    };
  }
}
