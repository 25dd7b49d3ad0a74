import { EventBridgeClient, PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { EventPublisher, PutEventsSender } from '../src/events';

type Outcome = PutEventsCommandOutput | Error;

/** Records every PutEvents input and answers with the next scripted outcome. */
function scriptedSender(...outcomes: Outcome[]): PutEventsSender & { inputs: any[] } {
  const inputs: any[] = [];
  return {
    inputs,
    send: async (command: PutEventsCommand) => {
      inputs.push(command.input);
      const outcome = outcomes.shift() ?? ok();
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

function ok(): PutEventsCommandOutput {
  return { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }], $metadata: {} };
}

const base = { eventBusName: 'bus-trading-events-dev', source: 'trading.platform' };

describe('EventPublisher', () => {
  test('publishes through the global endpoint when one is configured', async () => {
    const sender = scriptedSender(ok());
    const route = await new EventPublisher({ ...base, endpointId: 'abc.veo', client: sender }).publish('ServiceStarted', { version: '1' });
    expect(route).toBe('global-endpoint');
    expect(sender.inputs).toEqual([
      {
        EndpointId: 'abc.veo',
        Entries: [{ EventBusName: 'bus-trading-events-dev', Source: 'trading.platform', DetailType: 'ServiceStarted', Detail: '{"version":"1"}' }],
      },
    ]);
  });

  test('falls back to the regional bus when the endpoint call fails, and says so', async () => {
    const sender = scriptedSender(new Error('connect ETIMEDOUT'), ok());
    const logs: any[] = [];
    const route = await new EventPublisher({ ...base, endpointId: 'abc.veo', client: sender, log: (entry) => logs.push(entry) }).publish('X', {});
    expect(route).toBe('regional-bus');
    expect(sender.inputs[1].EndpointId).toBeUndefined();
    expect(sender.inputs[1].Entries[0].EventBusName).toBe('bus-trading-events-dev');
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/regional bus/), error: 'Error: connect ETIMEDOUT' })]);
  });

  test('a rejected entry (FailedEntryCount > 0) also falls back', async () => {
    const sender = scriptedSender({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }], $metadata: {} }, ok());
    expect(await new EventPublisher({ ...base, endpointId: 'abc.veo', client: sender }).publish('X', {})).toBe('regional-bus');
  });

  test('without an endpoint it publishes to the regional bus only', async () => {
    const sender = scriptedSender(ok());
    expect(await new EventPublisher({ ...base, client: sender }).publish('X', {})).toBe('regional-bus');
    expect(sender.inputs).toHaveLength(1);
    expect(sender.inputs[0].EndpointId).toBeUndefined();
  });

  test('when both routes fail the caller gets the error', async () => {
    const sender = scriptedSender(new Error('endpoint down'), { FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDenied' }], $metadata: {} });
    await expect(new EventPublisher({ ...base, endpointId: 'abc.veo', client: sender }).publish('X', {})).rejects.toThrow(/AccessDenied/);
  });
});

describe('the real AWS SDK client', () => {
  /** Captures the signed HTTP request instead of sending it. */
  function capturingClient(): { client: EventBridgeClient; requests: any[] } {
    const requests: any[] = [];
    const client = new EventBridgeClient({
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: any) => {
          requests.push(request);
          throw new Error('captured');
        },
      } as any,
    });
    return { client, requests };
  }

  test('signs global-endpoint calls with SigV4a and sends them to the endpoint host', async () => {
    const { client, requests } = capturingClient();
    await expect(client.send(new PutEventsCommand({ EndpointId: 'abcde.veo', Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }))).rejects.toThrow(
      'captured',
    );
    expect(requests[0].hostname).toBe('abcde.veo.endpoint.events.amazonaws.com');
    expect(requests[0].headers.authorization).toMatch(/^AWS4-ECDSA-P256-SHA256 /);
    expect(requests[0].headers['x-amz-region-set']).toBe('*');
  });

  test('signs regional calls with plain SigV4 for the local region', async () => {
    const { client, requests } = capturingClient();
    await expect(client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }))).rejects.toThrow('captured');
    expect(requests[0].hostname).toBe('events.us-west-2.amazonaws.com');
    expect(requests[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/events\//);
  });
});
