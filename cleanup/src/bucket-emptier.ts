/**
 * Empties and deletes a log bucket when its stack is deleted, even while late log deliveries
 * arrive.
 *
 * Why not `autoDeleteObjects`: S3 server access logs are delivered "on a best effort basis … might
 * be delivered long after the request" (S3 User Guide, *Logging requests with server access
 * logging*), and the load balancer delivers every 5 minutes. An object that lands after the one
 * emptying pass makes CloudFormation's DeleteBucket fail with BucketNotEmpty, and the stack ends
 * in DELETE_FAILED (aws/aws-cdk#21776, #16332). So this handler denies new objects, then empties
 * and deletes the bucket itself, emptying again whenever DeleteBucket still finds objects.
 * CloudFormation then finds the bucket gone, which a delete treats as done (resource handler
 * contract: a delete of a missing resource returns NotFound, which CloudFormation accepts).
 */

/**
 * Tag the bucket carries while it should be emptied on deletion. A custom resource also gets a
 * Delete when it merely leaves the template (for example when an environment moves to the
 * production posture), during the update's cleanup, after the bucket was updated. The bucket loses
 * the tag in that update, so the emptier then leaves it alone: CDK's auto-delete handler does the
 * same with `aws-cdk:auto-delete-objects`.
 */
export const EMPTY_ON_DELETE_TAG = 'trading-dr:empty-on-delete';

/** The S3 calls the emptier makes; production backs it with the SDK, tests with moto. */
export interface BucketPort {
  /** The bucket's tags; empty when it has none. */
  tags(bucket: string): Promise<Record<string, string>>;
  /** Adds a statement denying s3:PutObject to everyone; best effort. */
  denyNewObjects(bucket: string): Promise<void>;
  /** One page of object versions and delete markers. */
  listVersions(bucket: string, page?: VersionPage): Promise<{ keys: ObjectVersion[]; next?: VersionPage }>;
  deleteVersions(bucket: string, keys: ObjectVersion[]): Promise<void>;
  deleteBucket(bucket: string): Promise<void>;
}

export interface ObjectVersion {
  readonly key: string;
  readonly versionId?: string;
}

export interface VersionPage {
  readonly keyMarker?: string;
  readonly versionIdMarker?: string;
}

export interface EmptierClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface EmptyAndDeleteOptions {
  /** Give up (and fail the stack deletion, visibly) after this long. */
  readonly deadlineMs: number;
  /** Pause before emptying again when DeleteBucket still found objects. */
  readonly retryDelayMs: number;
}

export type EmptyAndDeleteOutcome = 'deleted' | 'already-gone' | 'kept (not tagged for deletion)';

/** Removes every object version of one page after another; returns how many were removed. */
export async function emptyOnce(port: BucketPort, bucket: string): Promise<number> {
  let removed = 0;
  let page: VersionPage | undefined;
  do {
    const listed = await port.listVersions(bucket, page);
    // DeleteObjects takes at most 1000 keys, the size of one list page.
    if (listed.keys.length > 0) await port.deleteVersions(bucket, listed.keys);
    removed += listed.keys.length;
    page = listed.next;
  } while (page);
  return removed;
}

export async function emptyAndDeleteBucket(
  port: BucketPort,
  bucket: string,
  clock: EmptierClock,
  options: EmptyAndDeleteOptions,
): Promise<EmptyAndDeleteOutcome> {
  const deadline = clock.now() + options.deadlineMs;
  try {
    if ((await port.tags(bucket))[EMPTY_ON_DELETE_TAG] !== 'true') return 'kept (not tagged for deletion)';
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') return 'already-gone';
    throw error;
  }
  try {
    await port.denyNewObjects(bucket);
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') return 'already-gone';
    // Deleting anyway: the loop below copes with late objects, the deny only makes them rarer.
  }
  for (;;) {
    try {
      await emptyOnce(port, bucket);
      await port.deleteBucket(bucket);
      return 'deleted';
    } catch (error) {
      const name = errorName(error);
      if (name === 'NoSuchBucket') return 'already-gone';
      if (name !== 'BucketNotEmpty' || clock.now() + options.retryDelayMs > deadline) throw error;
    }
    await clock.sleep(options.retryDelayMs);
  }
}

function errorName(error: unknown): string {
  return (error as { name?: string; Code?: string })?.name ?? (error as { Code?: string })?.Code ?? '';
}
