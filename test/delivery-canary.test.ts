import { assemblyStacks, readTemplate } from '../scripts/assembly-stacks';
import { DELIVERY_CANARY_SOURCE } from '../orchestrator/src/delivery-canary';
import { renderIntrinsics } from './helpers';
import { sharedAssembly } from './assemblies';

/**
 * The EventBridge canary of verify-deployment (eventbridge-encrypted-delivery) proves the real
 * targets only if it is admitted exactly as they are: same key, statements from the same code.
 * Read from the real synth of config/prod.json.
 */
describe.each(['PrimaryFoundation', 'SecondaryFoundation'])('%s: the delivery canary', (stackId) => {
  let resources: Record<string, any>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  beforeAll(() => {
    const dir = sharedAssembly('prod');
    const stack = assemblyStacks(dir).find((candidate) => candidate.stackId === stackId)!;
    resources = readTemplate(dir, stack).Resources;
  });
  const canaryRule = () => ofType('AWS::Events::Rule').find(([id]) => id.startsWith('DeliveryCanaryRule'))![1];
  const keyStatements = () => ofType('AWS::KMS::Key')[0][1].Properties.KeyPolicy.Statement as any[];

  test('its rule on the platform bus matches only canary events, which the platform rule does not', () => {
    const rule = canaryRule();
    expect(rule.Properties.EventPattern).toEqual({ source: [DELIVERY_CANARY_SOURCE], 'detail-type': ['Delivery canary'] });
    const platformRule = ofType('AWS::Events::Rule').find(([id]) => id.startsWith('EventsPlatformEvents'))![1];
    const prefix = platformRule.Properties.EventPattern.source[0].prefix;
    expect(DELIVERY_CANARY_SOURCE.startsWith(prefix)).toBe(false);
    expect(rule.Properties.EventBusName).toEqual(platformRule.Properties.EventBusName);
  });

  test("the topic's key statement for EventBridge is the alarm topic's, from the same code, for its own topic only (no source condition, as the SNS guide requires)", () => {
    const strip = (statement: any) => ({ ...statement, Sid: undefined, Condition: undefined });
    const alarm = keyStatements().find((statement) => statement.Sid === 'AllowSecretReadAlarmToPublishToEncryptedTopic');
    const canary = keyStatements().find((statement) => statement.Sid === 'AllowDeliveryCanaryToPublishToEncryptedTopic');
    expect(canary).toBeDefined();
    expect(strip(canary)).toEqual(strip(alarm));
    const topicOf = (statement: any) => JSON.stringify(statement.Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn']);
    expect(topicOf(alarm)).toContain('sns-trading-alarms-');
    expect(topicOf(canary)).toContain('sns-trading-delivery-canary-');
  });

  test('no EventBridge statement of the key admits the queues but their own: the canary queue proves that statement alone', () => {
    const others = keyStatements().filter(
      (statement) => statement.Principal?.Service === 'events.amazonaws.com' && statement.Sid !== 'AllowEventBridgeToDeliverToEncryptedQueues',
    );
    for (const statement of others) expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['kms:EncryptionContext:aws:sns:topicArn']);
  });

  test("the queue is admitted by the bus-wide key statement that admits the events queue: the canary rule's ARN matches it", () => {
    const [busWide] = keyStatements().filter((statement) => statement.Sid === 'AllowEventBridgeToDeliverToEncryptedQueues');
    const pattern: string = renderIntrinsics(busWide.Condition.ArnLike['aws:SourceArn']);
    const rule = canaryRule().Properties;
    const region = pattern.split(':')[3];
    const busName = rule.EventBusName.Ref ? resources[rule.EventBusName.Ref].Properties.Name : rule.EventBusName;
    const ruleArn = `arn:aws:events:${region}:111122223333:rule/${busName}/${rule.Name}`;
    expect(new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(ruleArn)).toBe(true);
    const queueKey = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('DeliveryCanaryQueue'))![1].Properties.KmsMasterKeyId;
    const eventsQueueKey = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('EventsQueue'))![1].Properties.KmsMasterKeyId;
    expect(queueKey).toEqual(eventsQueueKey);
  });

  test('a canary pages no one: the canary topic has one subscriber, its read-back queue', () => {
    const topicId = ofType('AWS::SNS::Topic').find(([id]) => id.startsWith('DeliveryCanaryTopic'))![0];
    const subscriptions = ofType('AWS::SNS::Subscription').map(([, subscription]) => subscription.Properties);
    const canary = subscriptions.filter((subscription) => JSON.stringify(subscription.TopicArn).includes(topicId));
    expect(canary).toEqual([expect.objectContaining({ Protocol: 'sqs', RawMessageDelivery: true })]);
    expect(JSON.stringify(canary[0].Endpoint)).toContain('DeliveryCanaryReadbackQueue');
  });
});
