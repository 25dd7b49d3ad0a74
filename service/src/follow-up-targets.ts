/**
 * Where an accepted order's follow-ups land, each behind the one SDK call it makes (a `send` seam:
 * the production client, a moto-backed client in tests, an in-process fake in the benchmark).
 * Every target is idempotent, because the relay delivers at least once.
 */
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand, UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, PutObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { EventPublisher } from './events';
import { Order } from './orders';

/** The part of the S3 client a confirmation needs. */
export interface PutObjectSender {
  send(command: PutObjectCommand): Promise<PutObjectCommandOutput>;
}

/** The part of the DynamoDB client a session update needs. */
export interface UpdateItemSender {
  send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
}

/** Prefix of every trade confirmation in the files bucket. */
export const CONFIRMATION_PREFIX = 'confirmations/';

/**
 * Trade confirmations as objects in the region's files bucket, one per order at a key that follows
 * from the order alone: a repeated delivery writes the same key again, which in a versioned bucket
 * "results in a new object version" (S3 User Guide, *Retaining multiple versions of objects with S3
 * Versioning*) of the same content, so a reader of the key sees the same confirmation.
 */
export class ConfirmationBucket {
  /** `confirmations/YYYY/MM/DD/<orderId>.json`, by the day the order was accepted (UTC). */
  public static key(order: Order): string {
    return `${CONFIRMATION_PREFIX}${order.acceptedAt.slice(0, 10).replaceAll('-', '/')}/${order.orderId}.json`;
  }

  constructor(
    private readonly bucketName: string,
    private readonly client: PutObjectSender,
    /** Region that writes the confirmation (the writer's), recorded in it. */
    private readonly region: string,
  ) {}

  public async store(order: Order): Promise<void> {
    // Encrypted by the bucket's default (its region's KMS key); the bucket policy refuses plain HTTP.
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: ConfirmationBucket.key(order),
        Body: JSON.stringify({ type: 'TradeConfirmation', order, confirmedIn: this.region }),
        ContentType: 'application/json',
      }),
    );
  }
}

/** Partition key of the session table (lib/constructs/session-table.ts; a test compares the template). */
export const SESSION_KEY_ATTRIBUTE = 'sessionId';
/** Expiry attribute of the session table, epoch seconds (DynamoDB TTL). */
export const SESSION_EXPIRY_ATTRIBUTE = 'expiresAt';
/**
 * A trader's session lives this long after the trader's newest order. DynamoDB TTL reads the expiry
 * as a Number in Unix epoch seconds (DynamoDB Developer Guide, *Using time to live (TTL)*).
 */
export const SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

/**
 * A trader's session in the DynamoDB global table, through the replica of the service's own region:
 * the trader's newest order and where it was accepted, what a trading screen resumes from in
 * either region. The update is conditional on being newer, so a late or repeated delivery never
 * moves a session back. Between regions, replication resolves concurrent writes as last writer
 * wins (DynamoDB Developer Guide, *How DynamoDB global tables work*).
 */
export class TraderSessions {
  public static sessionId(traderId: string): string {
    return `trader#${traderId}`;
  }

  constructor(
    private readonly tableName: string,
    private readonly client: UpdateItemSender,
    private readonly region: string,
  ) {}

  public async recordOrder(order: Order): Promise<void> {
    const acceptedAtSeconds = Math.floor(Date.parse(order.acceptedAt) / 1000);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [SESSION_KEY_ATTRIBUTE]: { S: TraderSessions.sessionId(order.traderId) } },
          UpdateExpression: 'SET traderId = :trader, lastOrderId = :order, lastOrderAt = :at, lastSymbol = :symbol, lastRegion = :region, #expiry = :expiry',
          // ISO-8601 UTC times of one format compare as strings in time order.
          ConditionExpression: 'attribute_not_exists(lastOrderAt) OR lastOrderAt <= :at',
          ExpressionAttributeNames: { '#expiry': SESSION_EXPIRY_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':trader': { S: order.traderId },
            ':order': { S: order.orderId },
            ':at': { S: order.acceptedAt },
            ':symbol': { S: order.symbol },
            ':region': { S: this.region },
            ':expiry': { N: String(acceptedAtSeconds + SESSION_LIFETIME_SECONDS) },
          },
        }),
      );
    } catch (error) {
      // A newer order is already recorded: this delivery has nothing to add.
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }
}

/** Detail type of the event that follows every accepted order. */
export const ORDER_ACCEPTED = 'OrderAccepted';

/**
 * `OrderAccepted` through the event publisher (global endpoint, regional bus as fallback). The relay
 * may publish an order's event twice (a task that dies before recording it), and EventBridge retries
 * a target that fails ("retries sending the event for 24 hours and up to 185 times", EventBridge
 * User Guide, *How EventBridge retries delivering events*): consumers deduplicate by `orderId`.
 */
export function orderAcceptedPublisher(publisher: EventPublisher, region: string): (order: Order) => Promise<void> {
  return async (order) => {
    await publisher.publish(ORDER_ACCEPTED, { orderId: order.orderId, order, publishedFrom: region });
  };
}

/** SDK clients of the service's region; a few attempts, because the relay retries on its own. */
export function createS3Client(region: string): S3Client {
  return new S3Client({ region, maxAttempts: 3 });
}

export function createDynamoDbClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 3 });
}
