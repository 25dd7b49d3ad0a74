import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  PutBucketTaggingCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from '../../orchestrator/test/moto-server';
import { BucketPort, EMPTY_ON_DELETE_TAG, emptyAndDeleteBucket, emptyOnce } from '../src/bucket-emptier';
import { CustomResourceEvent, handleEvent, sdkBucketPort } from '../src/handler';

/**
 * The real S3 adapter against moto (the S3 wire protocol), with a log delivery that lands one
 * object right after an emptying pass: the race that leaves a log bucket in DELETE_FAILED.
 */
let moto: MotoServer;
let s3: S3Client;
let bucketCount = 0;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
});
afterAll(async () => moto.stop());

async function logBucket(objects: number, versioned = false, tagged = true): Promise<string> {
  const bucket = `access-logs-${++bucketCount}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (tagged) await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: EMPTY_ON_DELETE_TAG, Value: 'true' }] } }));
  if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  const writeObject = async (index: number) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `alb/log-${index}.gz`, Body: 'x' }));
    if (versioned) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `alb/log-${index}.gz`, Body: 'y' }));
    // A delete without a version id leaves a delete marker, which DeleteBucket also counts.
    if (versioned) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `alb/log-${index}.gz` }));
  };
  // Objects side by side (each one's versions in order): one at a time, 400 versioned objects took 12 s.
  const indexes = Array.from({ length: objects }, (_, index) => index);
  for (let start = 0; start < objects; start += 20) await Promise.all(indexes.slice(start, start + 20).map(writeObject));
  return bucket;
}

async function exists(bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}

/**
 * The SDK adapter, with `deliveries` late log objects, each landing right after an emptying pass
 * deleted a page. They model deliveries the deny statement cannot stop (authorized before it, or
 * landing while CloudFormation removes the bucket policy), so the deny is left out here.
 */
function withLateDeliveries(port: BucketPort, deliveries: number): BucketPort {
  let pending = deliveries;
  return {
    ...port,
    denyNewObjects: async () => undefined,
    async deleteVersions(bucket, keys) {
      await port.deleteVersions(bucket, keys);
      if (pending > 0) {
        pending--;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `s3/late-${pending}.log`, Body: 'late' }));
      }
    },
  };
}

const instantClock = { now: () => 0, sleep: async () => undefined };

test('one emptying pass then DeleteBucket fails with BucketNotEmpty when a log lands in between (the bug)', async () => {
  const bucket = await logBucket(3);
  const port = withLateDeliveries(sdkBucketPort(s3), 1);
  await emptyOnce(port, bucket);
  await expect(port.deleteBucket(bucket)).rejects.toMatchObject({ name: 'BucketNotEmpty' });
});

test('the deny statement refuses new objects and keeps the bucket policy it found', async () => {
  const bucket = await logBucket(1);
  const existing = {
    Sid: 'AllowLogDelivery',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `arn:aws:s3:::${bucket}/*`,
  };
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [existing] }) }));
  await sdkBucketPort(s3).denyNewObjects(bucket);
  const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
  expect(policy.Statement.map((statement: { Sid: string; Effect: string }) => `${statement.Sid}:${statement.Effect}`)).toEqual([
    'AllowLogDelivery:Allow',
    'DenyNewObjectsWhileDeleting:Deny',
  ]);
  await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'late.log', Body: 'late' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
});

test('the emptier deletes the bucket although logs keep landing after each pass', async () => {
  const bucket = await logBucket(3);
  const outcome = await emptyAndDeleteBucket(withLateDeliveries(sdkBucketPort(s3), 3), bucket, instantClock, { deadlineMs: 60_000, retryDelayMs: 1 });
  expect({ outcome, exists: await exists(bucket) }).toEqual({ outcome: 'deleted', exists: false });
});

test('every version and delete marker of a versioned bucket is removed, over several list pages', async () => {
  // 120 objects of three versions each over pages of 100 keys: four pages, the last one partial.
  const bucket = await logBucket(120, true);
  const port = sdkBucketPort(s3, 100);
  const first = await port.listVersions(bucket);
  expect({ page: first.keys.length, more: first.next !== undefined }).toEqual({ page: 100, more: true });
  expect(await emptyAndDeleteBucket(port, bucket, instantClock, { deadlineMs: 60_000, retryDelayMs: 1 })).toBe('deleted');
  expect(await exists(bucket)).toBe(false);
});

test("the production adapter asks for S3's own page size (1,000 keys, its maximum)", async () => {
  const sent: any[] = [];
  const recorder = {
    send: async (command: any) => {
      sent.push(command.input);
      return {};
    },
  } as unknown as S3Client;
  await sdkBucketPort(recorder).listVersions('logs');
  expect(sent).toEqual([expect.objectContaining({ Bucket: 'logs' })]);
  expect(sent[0].MaxKeys).toBeUndefined();
});

test('a bucket without the tag is kept: the custom resource left the template in an update, the stack is not being deleted', async () => {
  const bucket = await logBucket(2, false, false);
  expect(await emptyAndDeleteBucket(sdkBucketPort(s3), bucket, instantClock, { deadlineMs: 60_000, retryDelayMs: 1 })).toBe('kept (not tagged for deletion)');
  expect(await exists(bucket)).toBe(true);
  expect((await sdkBucketPort(s3).listVersions(bucket)).keys).toHaveLength(2);
  await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'still-delivered.log', Body: 'x' }))).resolves.toBeDefined();
});

test('a bucket already gone is success, so a retried stack deletion completes', async () => {
  expect(await emptyAndDeleteBucket(sdkBucketPort(s3), 'never-created', instantClock, { deadlineMs: 1000, retryDelayMs: 1 })).toBe('already-gone');
});

test('past its deadline the emptier fails, and the custom resource answers FAILED with the reason', async () => {
  const bucket = await logBucket(1);
  let time = 0;
  const clock = { now: () => time, sleep: async (ms: number) => void (time += ms) };
  await expect(
    emptyAndDeleteBucket(withLateDeliveries(sdkBucketPort(s3), 100), bucket, clock, { deadlineMs: 30_000, retryDelayMs: 10_000 }),
  ).rejects.toMatchObject({
    name: 'BucketNotEmpty',
  });

  const responses: string[] = [];
  const event: CustomResourceEvent = {
    RequestType: 'Delete',
    ResponseURL: 'https://cloudformation-response.example/x',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'AccessLogEmptier',
    PhysicalResourceId: bucket,
    ResourceProperties: { BucketName: bucket },
  };
  // Less than the minute the handler keeps for its answer: it tries once and reports.
  await handleEvent(
    event,
    { getRemainingTimeInMillis: () => 60_500, logStreamName: 'stream' },
    withLateDeliveries(sdkBucketPort(s3), 100),
    async (_url, body) => {
      responses.push(body);
    },
  );
  expect(JSON.parse(responses[0])).toMatchObject({ Status: 'FAILED', PhysicalResourceId: bucket, Reason: expect.stringMatching(/BucketNotEmpty/) });
});

test('Create and Update answer SUCCESS without touching the bucket', async () => {
  const bucket = await logBucket(1);
  const responses: string[] = [];
  for (const RequestType of ['Create', 'Update'] as const) {
    await handleEvent(
      { RequestType, ResponseURL: 'u', StackId: 's', RequestId: 'r', LogicalResourceId: 'l', ResourceProperties: { BucketName: bucket } },
      { getRemainingTimeInMillis: () => 900_000, logStreamName: 'stream' },
      sdkBucketPort(s3),
      async (_url, body) => void responses.push(body),
    );
  }
  expect(responses.map((body) => JSON.parse(body).Status)).toEqual(['SUCCESS', 'SUCCESS']);
  expect(await exists(bucket)).toBe(true);
});

test('an Update to another bucket name returns the new name as physical id, so CloudFormation deletes the old bucket through the emptier', async () => {
  const responses: string[] = [];
  await handleEvent(
    {
      RequestType: 'Update',
      ResponseURL: 'u',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'l',
      PhysicalResourceId: 'access-logs-old',
      ResourceProperties: { BucketName: 'access-logs-new' },
    },
    { getRemainingTimeInMillis: () => 900_000, logStreamName: 'stream' },
    sdkBucketPort(s3),
    async (_url, body) => void responses.push(body),
  );
  expect(JSON.parse(responses[0])).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'access-logs-new' });
});
