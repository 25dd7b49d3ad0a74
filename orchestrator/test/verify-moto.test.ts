/**
 * verify-deployment's EventBridge canary against moto, where moto implements the behaviour: a rule
 * on a custom bus delivering to an SQS queue, and the EventBridge and SQS wire protocols the check
 * speaks. moto 5.2.5 delivers no EventBridge event to an SNS target (`NotImplementedError` in
 * moto/events/models.py) and enforces no KMS key policy: the topic leg and the refused key are the
 * hand-written fake's (verify.test.ts). Here a rule without its queue target fails the queue leg.
 */
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DELIVERY_CANARY_DETAIL_TYPE, DELIVERY_CANARY_SOURCE } from '../src/delivery-canary';
import { CHECKS, verifyDeployment, VerifyPorts } from '../src/verify';
import { TARGET } from './verify-target';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from './moto-server';

const CHECK = CHECKS.find((check) => check.name === 'eventbridge-encrypted-delivery')!;
let moto: MotoServer;
const client = <T>(Client: new (config: any) => T, region: string): T => new Client({ endpoint: moto.endpoint, region, credentials: MOTO_CREDENTIALS });

/** What the DeliveryCanary construct deploys in a region, made with the same names through moto's API. */
async function deployCanary(region: string, role: string, withQueueTarget: boolean): Promise<void> {
  const events = client(EventBridgeClient, region);
  const sqs = client(SQSClient, region);
  const sns = client(SNSClient, region);
  await events.send(new CreateEventBusCommand({ Name: 'bus-trading-events-prod' }));
  const queueArn = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  };
  const queue = await queueArn(`sqs-trading-delivery-canary-${role}-prod`);
  const readback = await queueArn(`sqs-trading-delivery-canary-readback-${role}-prod`);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `sns-trading-delivery-canary-${role}-prod` }));
  // The read-back queue's subscription, as deployed; with no topic target nothing reaches it here.
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: readback, Attributes: { RawMessageDelivery: 'true' } }));
  await events.send(
    new PutRuleCommand({
      Name: 'rule-trading-delivery-canary-prod',
      EventBusName: 'bus-trading-events-prod',
      EventPattern: JSON.stringify({ source: [DELIVERY_CANARY_SOURCE], 'detail-type': [DELIVERY_CANARY_DETAIL_TYPE] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'rule-trading-delivery-canary-prod',
      EventBusName: 'bus-trading-events-prod',
      // The topic target is left out: moto cannot deliver to it (see above).
      Targets: [{ Id: 'Queue', Arn: withQueueTarget ? queue : await queueArn(`sqs-elsewhere-${role}`) }],
    }),
  );
}

function ports(): VerifyPorts {
  const regional =
    <T>(Client: new (config: any) => T) =>
    (region: string) =>
      client(Client, region) as any;
  let nonce = 0;
  return {
    eventbridge: regional(EventBridgeClient),
    sqs: regional(SQSClient),
    nonce: () => `moto-nonce-${++nonce}`,
    // Short long-polls: a missing leg costs seconds here, not a minute.
    canaryPolling: { polls: 2, waitSeconds: 1 },
  } as unknown as VerifyPorts;
}

beforeAll(async () => {
  moto = await startMoto();
  await deployCanary('us-east-1', 'primary', true);
  await deployCanary('us-west-2', 'secondary', false);
}, 60_000);
afterAll(async () => moto?.stop());

test("the real SDK requests of the canary check: the primary's queue leg is read back; the secondary's rule without its queue target is named", async () => {
  const [result] = await verifyDeployment(TARGET, ports(), [CHECK]);
  expect(result.status).toBe('fail');
  const problems = result.detail.split('; ');
  expect(problems).toEqual([
    expect.stringMatching(/^us-east-1: no canary reached the encrypted topic sns-trading-delivery-canary-primary-prod/),
    expect.stringMatching(/^us-west-2: no canary reached the encrypted queue sqs-trading-delivery-canary-secondary-prod/),
    expect.stringMatching(/^us-west-2: no canary reached the encrypted topic sns-trading-delivery-canary-secondary-prod/),
  ]);
}, 60_000);
