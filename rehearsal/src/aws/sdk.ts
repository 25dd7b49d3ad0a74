/**
 * The AWS SDK's standard retry mode, applied to simulated API calls exactly where the production
 * clients have it (their `maxAttempts` are exported by the code that builds them). Source: AWS SDKs
 * and Tools Reference Guide, *Retry behavior*: standard mode retries throttling and transient errors
 * up to the maximum attempts, with exponential backoff (base 100 ms doubling per attempt, at most
 * 20 s) and full jitter.
 * Limits: the client-side retry quota (token bucket) is not modelled.
 */
import { Random } from '../random';
import { Simulator } from '../simulator';

const RETRYABLE = new Set(['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure']);

export function isRetryable(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  const code = (error as { code?: string })?.code ?? '';
  return RETRYABLE.has(name) || ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED'].includes(code);
}

export async function withStandardRetries<T>(sim: Simulator, random: Random, maxAttempts: number, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      await sim.sleep(random.uniform(0, Math.min(20_000, 100 * 2 ** attempt)));
    }
  }
}
