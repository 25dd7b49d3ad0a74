/**
 * The AWS SDK's standard retry mode, applied to simulated API calls exactly where the production
 * clients have it (their `maxAttempts` are exported by the code that builds them). Source: the retry
 * strategy of the SDK this project installs (`@smithy/core`, submodule `retry`: `Retry.delay()` 50 ms,
 * `Retry.throttlingDelay()` 1000 ms, `computeNextBackoffDelay(i) = random() * min(base * 2^i, 20 s)`
 * with i the retries so far), the standard mode of the AWS SDKs and Tools Reference Guide, *Retry
 * behavior* (exponential backoff with jitter, throttling errors retried).
 * Limits: the client-side retry quota (token bucket) and Retry-After hints are not modelled.
 */
import { Random } from '../random';
import { Simulator } from '../simulator';

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException']);
const TRANSIENT_NAMES = new Set(['ServiceUnavailable', 'InternalFailure']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED']);

/** Base of the exponential back-off: throttling waits longer than transient errors. */
export const SDK_RETRY_BASE_MS = { throttling: 1000, transient: 50 } as const;

function retryBase(error: unknown): number | undefined {
  const name = (error as { name?: string })?.name ?? '';
  const code = (error as { code?: string })?.code ?? '';
  if (THROTTLING.has(name)) return SDK_RETRY_BASE_MS.throttling;
  if (TRANSIENT_NAMES.has(name) || TRANSIENT_CODES.has(code)) return SDK_RETRY_BASE_MS.transient;
  return undefined;
}

export function isRetryable(error: unknown): boolean {
  return retryBase(error) !== undefined;
}

export async function withStandardRetries<T>(sim: Simulator, random: Random, maxAttempts: number, call: () => Promise<T>): Promise<T> {
  for (let retries = 0; ; retries++) {
    try {
      return await call();
    } catch (error) {
      const base = retryBase(error);
      if (retries + 1 >= maxAttempts || base === undefined) throw error;
      await sim.sleep(random.float() * Math.min(base * 2 ** retries, 20_000));
    }
  }
}

/**
 * The API operation an SDK command object stands for (`DescribeGlobalClustersCommand` →
 * `DescribeGlobalClusters`), read from its class name: the service and the orchestrator each
 * install their own copy of the SDK, so `instanceof` cannot tell. A bundle holding several copies
 * renames the classes of all but one (esbuild: `DescribeGlobalClustersCommand2`), hence the digits.
 */
export function operationName(command: { constructor: { name: string } }): string {
  const className = command.constructor.name;
  let operation = OPERATIONS.get(className);
  if (operation === undefined) {
    const match = /^(\w+?)Command\d*$/.exec(className);
    if (!match) throw new Error(`not an AWS SDK command: ${className}`);
    OPERATIONS.set(className, (operation = match[1]));
  }
  return operation;
}

const OPERATIONS = new Map<string, string>();
