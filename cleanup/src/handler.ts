/**
 * CloudFormation custom resource `Custom::BucketEmptier`: on Delete, empties and deletes the
 * bucket named by `BucketName` (see bucket-emptier.ts). Create and Update do nothing.
 */
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BucketPort, emptyAndDeleteBucket } from './bucket-emptier';
import { CustomResourceEvent as BaseEvent, describeError, LambdaContext, putResponse, Responder, responseBody, systemClock } from './custom-resource';

export type { LambdaContext, Responder } from './custom-resource';

/** The emptier's request. */
export type CustomResourceEvent = BaseEvent<{ readonly BucketName?: string }>;

/**
 * S3 through the SDK; the production side of {@link BucketPort}. Without `pageSize` S3 pages by its own
 * default ("By default, the action returns up to 1,000 key names", S3 API Reference,
 * *ListObjectVersions*, `MaxKeys`); a test asks for smaller pages to cross pages with fewer objects.
 */
export function sdkBucketPort(s3: S3Client, pageSize?: number): BucketPort {
  return {
    async tags(bucket) {
      try {
        const output = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
        return Object.fromEntries((output.TagSet ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchTagSet') return {};
        throw error;
      }
    },
    async denyNewObjects(bucket) {
      let policy: { Version: string; Statement: unknown[] } = { Version: '2012-10-17', Statement: [] };
      try {
        const current = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
        if (current.Policy) policy = JSON.parse(current.Policy);
      } catch (error) {
        if ((error as { name?: string }).name !== 'NoSuchBucketPolicy') throw error;
      }
      policy.Statement.push({
        Sid: 'DenyNewObjectsWhileDeleting',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      });
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    },
    async listVersions(bucket, page) {
      const output = await s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: page?.keyMarker, VersionIdMarker: page?.versionIdMarker, MaxKeys: pageSize }),
      );
      const keys = [...(output.Versions ?? []), ...(output.DeleteMarkers ?? [])].map((entry) => ({ key: entry.Key!, versionId: entry.VersionId }));
      return { keys, next: output.IsTruncated ? { keyMarker: output.NextKeyMarker, versionIdMarker: output.NextVersionIdMarker } : undefined };
    },
    async deleteVersions(bucket, keys) {
      const output = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((entry) => ({ Key: entry.key, VersionId: entry.versionId })), Quiet: true } }),
      );
      if (output.Errors?.length)
        throw new Error(`could not delete ${output.Errors.length} objects of ${bucket}: ${output.Errors[0].Code} ${output.Errors[0].Message}`);
    },
    async deleteBucket(bucket) {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
  };
}

/** The handler, with its I/O passed in. */
export async function handleEvent(event: CustomResourceEvent, context: LambdaContext, port: BucketPort, respond: Responder): Promise<void> {
  const bucket = event.ResourceProperties.BucketName ?? '';
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = '';
  try {
    if (event.RequestType === 'Delete' && bucket !== '') {
      const outcome = await emptyAndDeleteBucket(port, bucket, systemClock, {
        // Leave a minute to answer CloudFormation before Lambda stops the run.
        deadlineMs: context.getRemainingTimeInMillis() - 60_000,
        retryDelayMs: 10_000,
      });
      reason = `bucket ${bucket}: ${outcome}`;
    }
  } catch (error) {
    status = 'FAILED';
    reason = `bucket ${bucket}: ${describeError(error)} (log stream ${context.logStreamName})`;
  }
  process.stdout.write(`${event.RequestType} ${status} ${reason}\n`);
  // A new bucket name is a new physical resource: CloudFormation then deletes the old one
  // through this handler, with the old properties, instead of deleting the bucket unaided.
  const physicalResourceId = event.RequestType === 'Delete' ? (event.PhysicalResourceId ?? bucket) : bucket;
  await respond(event.ResponseURL, responseBody(event, status, reason, physicalResourceId));
}

let port: BucketPort | undefined;

export async function handler(event: CustomResourceEvent, context: LambdaContext): Promise<void> {
  port ??= sdkBucketPort(new S3Client({}));
  await handleEvent(event, context, port, putResponse);
}
