import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from '../../orchestrator/test/moto-server';
import { systemClock } from '../src/clock';
import {
  ConfirmationBucket,
  ORDER_ACCEPTED,
  SESSION_EXPIRY_ATTRIBUTE,
  SESSION_KEY_ATTRIBUTE,
  SESSION_LIFETIME_SECONDS,
  TraderSessions,
} from '../src/follow-up-targets';
import { buildService, createPgSqlPort, readEnvironment, ServiceCore } from '../src/main';
import { Order } from '../src/orders';
import { bootstrapLocalRoles, RdsPostgres, startRdsPostgres } from './support/rds-postgres';

/**
 * The follow-up targets with the real AWS SDK clients against moto (S3, DynamoDB, EventBridge with a
 * rule into SQS), and the whole path as `main` builds it: an order accepted through the order API
 * on PostgreSQL 16 gets its confirmation, session and event from the started relay.
 */
const REGION = 'us-east-1';
const BUCKET = 'trading-files-123456789012-us-east-1-dev';
const TABLE = 'trading-sessions-dev';
const BUS = 'bus-trading-events-dev';
let moto: MotoServer;
let postgres: RdsPostgres;
let s3: S3Client;
let dynamoDb: DynamoDBClient;
let eventBridge: EventBridgeClient;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  [moto, postgres] = await Promise.all([startMoto(), startRdsPostgres()]);
  const common = { region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS };
  s3 = new S3Client({ ...common, forcePathStyle: true });
  dynamoDb = new DynamoDBClient(common);
  eventBridge = new EventBridgeClient(common);
  sqs = new SQSClient(common);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await dynamoDb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: SESSION_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: SESSION_KEY_ATTRIBUTE, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await eventBridge.send(new CreateEventBusCommand({ Name: BUS }));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'order-events' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  await eventBridge.send(new PutRuleCommand({ Name: 'orders', EventBusName: BUS, EventPattern: JSON.stringify({ 'detail-type': [ORDER_ACCEPTED] }) }));
  await eventBridge.send(new PutTargetsCommand({ Rule: 'orders', EventBusName: BUS, Targets: [{ Id: 'queue', Arn: queueArn }] }));
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  await postgres?.stop();
});

function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: '6f1d3c1e-8f0a-4b7e-9a63-0d6f3f7e2a11',
    status: 'accepted',
    region: 'us-west-2',
    acceptedAt: '2026-11-25T14:03:07.123Z',
    traderId: 'trader-7',
    symbol: 'ACME',
    side: 'sell',
    quantity: 300,
    limitPrice: '101.2500',
    ...overrides,
  };
}

async function session(traderId: string): Promise<Record<string, any> | undefined> {
  const item = await dynamoDb.send(new GetItemCommand({ TableName: TABLE, Key: { [SESSION_KEY_ATTRIBUTE]: { S: TraderSessions.sessionId(traderId) } } }));
  return item.Item;
}

describe('the targets against moto', () => {
  test('a confirmation is a JSON object at a key that follows from the order; storing it again keeps the key', async () => {
    const target = new ConfirmationBucket(BUCKET, s3, REGION);
    const accepted = order();
    expect(ConfirmationBucket.key(accepted)).toBe('confirmations/2026/11/25/6f1d3c1e-8f0a-4b7e-9a63-0d6f3f7e2a11.json');
    await target.store(accepted);
    await target.store(accepted);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: ConfirmationBucket.key(accepted) }));
    expect(object.ContentType).toBe('application/json');
    expect(JSON.parse(await object.Body!.transformToString())).toEqual({ type: 'TradeConfirmation', order: accepted, confirmedIn: REGION });
  });

  test("a session keeps the trader's newest order: an older or repeated delivery does not move it back", async () => {
    const sessions = new TraderSessions(TABLE, dynamoDb, 'us-west-2');
    const newer = order({ traderId: 'trader-s', orderId: '00000000-0000-4000-8000-0000000000b2', acceptedAt: '2026-11-25T14:00:02.000Z' });
    const older = order({ traderId: 'trader-s', orderId: '00000000-0000-4000-8000-0000000000b1', acceptedAt: '2026-11-25T14:00:01.000Z' });
    await sessions.recordOrder(newer);
    await sessions.recordOrder(older);
    await sessions.recordOrder(newer);
    const item = await session('trader-s');
    expect(item).toMatchObject({
      traderId: { S: 'trader-s' },
      lastOrderId: { S: newer.orderId },
      lastOrderAt: { S: newer.acceptedAt },
      lastRegion: { S: 'us-west-2' },
      [SESSION_EXPIRY_ATTRIBUTE]: { N: String(Date.parse(newer.acceptedAt) / 1000 + SESSION_LIFETIME_SECONDS) },
    });
  });

  test('a session store that refuses the write fails the follow-up (it is retried), not silently', async () => {
    const sessions = new TraderSessions('no-such-table', dynamoDb, REGION);
    await expect(sessions.recordOrder(order())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('the service as main builds it', () => {
  let core: ServiceCore;

  beforeAll(async () => {
    // The bootstrap's roles with local passwords, over TLS verified against the test server's CA.
    const roles = await bootstrapLocalRoles(postgres);
    const environment = readEnvironment({
      AWS_REGION: REGION,
      ...postgres.serviceEnvironment(roles.user, roles.password, roles.migrationUser),
      EVENT_BUS_NAME: BUS,
      FILES_BUCKET: BUCKET,
      SESSIONS_TABLE: TABLE,
    });
    core = buildService(environment, {
      clock: systemClock,
      tcp: { connect: async () => undefined },
      log: () => undefined,
      rds: () => ({ send: () => Promise.reject(new Error('no global cluster here')) }),
      eventBridge: () => eventBridge,
      s3: () => s3,
      dynamoDb: () => dynamoDb,
      sql: (access, region, log) => createPgSqlPort(access, region, log, [postgres.ca]),
    });
    await core.migrate();
    core.followUps!.start();
  });
  afterAll(async () => core?.close());

  test('an accepted order gets its confirmation, its session and one OrderAccepted event', async () => {
    const created = await core.orders!.create(
      'moto-order-1',
      JSON.stringify({ traderId: 'trader-m', symbol: 'ACME', side: 'buy', quantity: 5, limitPrice: '7.25' }),
    );
    expect(created.status).toBe(201);
    const accepted = created.body as Order;

    const events: any[] = [];
    const deadline = Date.now() + 10_000;
    while (events.length === 0 && Date.now() < deadline) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      events.push(...(received.Messages ?? []).map((message) => JSON.parse(message.Body!)));
    }
    expect(events).toEqual([
      expect.objectContaining({
        source: 'trading.platform',
        'detail-type': ORDER_ACCEPTED,
        detail: { orderId: accepted.orderId, order: accepted, publishedFrom: REGION },
      }),
    ]);
    await waitFor(async () => (await session('trader-m'))?.lastOrderId?.S === accepted.orderId);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: ConfirmationBucket.key(accepted) }));
    expect(JSON.parse(await object.Body!.transformToString()).order).toEqual(accepted);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
