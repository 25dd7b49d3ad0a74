import { EventBridgeClient, PutEventsCommand, PutEventsCommandInput, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
// Registers the JavaScript SigV4a signer: PutEvents with an EndpointId must be signed with SigV4a.
import '@aws-sdk/signature-v4a';

/** The part of the EventBridge client the publisher uses (a seam for tests). */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

export interface EventPublisherOptions {
  /** Bus name, identical in every region. */
  readonly eventBusName: string;
  /** `source` of every event, e.g. `trading.platform`. */
  readonly source: string;
  /** Global endpoint id. @default - publish to the regional bus only */
  readonly endpointId?: string;
  /** Client for the global endpoint (SigV4a) and for the regional bus. */
  readonly client: PutEventsSender;
  readonly log?: (entry: Record<string, unknown>) => void;
}

export type PublishRoute = 'global-endpoint' | 'regional-bus';

/**
 * Publishes platform events through the EventBridge global endpoint, and falls back to the bus of
 * the service's own region when the endpoint call fails. The endpoint needs about 6-7 minutes to
 * fail over on its own; during that window the fallback keeps events flowing into a live region.
 */
export class EventPublisher {
  constructor(private readonly options: EventPublisherOptions) {}

  public async publish(detailType: string, detail: Record<string, unknown>): Promise<PublishRoute> {
    const entry = { EventBusName: this.options.eventBusName, Source: this.options.source, DetailType: detailType, Detail: JSON.stringify(detail) };
    if (this.options.endpointId) {
      try {
        await this.put({ EndpointId: this.options.endpointId, Entries: [entry] });
        return 'global-endpoint';
      } catch (error) {
        this.options.log?.({ level: 'warn', msg: 'global endpoint publish failed, using the regional bus', detailType, error: describe(error) });
      }
    }
    await this.put({ Entries: [entry] });
    return 'regional-bus';
  }

  private async put(input: PutEventsCommandInput): Promise<void> {
    const output = await this.options.client.send(new PutEventsCommand(input));
    if ((output.FailedEntryCount ?? 0) > 0) {
      const failure = output.Entries?.find((result) => result.ErrorCode);
      throw new Error(`PutEvents rejected the event: ${failure?.ErrorCode ?? 'unknown'} ${failure?.ErrorMessage ?? ''}`.trim());
    }
  }
}

/** A client in the service's region; with an EndpointId, the SDK routes to the global endpoint. */
export function createEventBridgeClient(region: string): EventBridgeClient {
  return new EventBridgeClient({ region, maxAttempts: 2 });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
