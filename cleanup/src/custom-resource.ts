/** What the CloudFormation custom resources of this folder share: the request, and the answer. */

export interface CustomResourceEvent<Properties = Record<string, string | undefined>> {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Properties;
}

export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly logStreamName: string;
}

/** Sends the custom resource's answer to CloudFormation's pre-signed URL. */
export type Responder = (url: string, body: string) => Promise<void>;

/** The answer's body ("Custom resource response objects", CloudFormation User Guide). */
export function responseBody(event: CustomResourceEvent<unknown>, status: 'SUCCESS' | 'FAILED', reason: string, physicalResourceId: string): string {
  return JSON.stringify({
    Status: status,
    Reason: reason || 'no action',
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
}

/** The production {@link Responder}: an HTTPS PUT with an empty content type, as the pre-signed URL requires. */
export async function putResponse(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation response failed: HTTP ${response.status}`);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export const systemClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) };
