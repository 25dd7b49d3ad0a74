import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AlarmTopic } from '../lib/constructs/alarm-topic';
import { SecretReadAlarm } from '../lib/constructs/secret-read-alarm';
import { renderIntrinsics, TEST_ACCOUNT } from './helpers';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from '../orchestrator/test/moto-server';

/**
 * The rule's event pattern, as synthesized, installed on moto's EventBridge (which implements the
 * pattern operators used here, `prefix` included) and fed CloudTrail events shaped like the
 * documented Secrets Manager entries (Secrets Manager User Guide, *AWS CloudTrail entries for
 * Secrets Manager*): what reaches the rule's queue is what would page.
 */
const ACCOUNT = TEST_ACCOUNT;
const REGION = 'us-west-2';
const SECRET = 'secret-trading-db-dev';

let moto: MotoServer;
let events: EventBridgeClient;
let sqs: SQSClient;
let queueUrl: string;
let properties: any;
let resources: any[];

beforeAll(async () => {
  const app = new App();
  const stack = new Stack(app, 'Alarms', { env: { account: ACCOUNT, region: REGION } });
  new SecretReadAlarm(stack, 'Reads', {
    secretName: SECRET,
    ruleName: 'rule-master-secret-reads',
    alarmTopic: new AlarmTopic(stack, 'Alarms', { topicName: 'alarms', encryptionKey: new kms.Key(stack, 'Key') }),
  });
  const template = Template.fromStack(stack).toJSON();
  resources = Object.values<any>(template.Resources);
  properties = resources.find((resource) => resource.Type === 'AWS::Events::Rule').Properties;
  moto = await startMoto();
  const common = { region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS };
  events = new EventBridgeClient(common);
  sqs = new SQSClient(common);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'pages' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  await events.send(new PutRuleCommand({ Name: properties.Name, EventPattern: JSON.stringify(renderIntrinsics(properties.EventPattern)) }));
  await events.send(new PutTargetsCommand({ Rule: properties.Name, Targets: [{ Id: 'pages', Arn: queueArn }] }));
}, 60_000);

afterAll(async () => moto?.stop());

/** Puts a CloudTrail-shaped Secrets Manager event and says whether the rule passed it on. */
async function pages(eventName: string, secretId: string): Promise<boolean> {
  const detail = {
    eventVersion: '1.08',
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/role-db-bootstrap-execution/abc` },
    eventTime: '2026-12-04T10:00:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName,
    awsRegion: REGION,
    sourceIPAddress: '10.0.17.5',
    requestParameters: { secretId },
    responseElements: null,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
  };
  await events.send(
    new PutEventsCommand({ Entries: [{ Source: 'aws.secretsmanager', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail) }] }),
  );
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (received.Messages ?? []).length > 0;
}

test.each([
  ['by its ARN (as the ECS agent reads it for the bootstrap task)', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET}-AbCdEf`],
  ['by its name', SECRET],
])('a read of the secret %s pages', async (_how, secretId) => {
  expect(await pages('GetSecretValue', secretId)).toBe(true);
});

test.each([
  ['a read of another secret', 'GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-secret-AbCdEf`],
  ['a description of the secret (no value read)', 'DescribeSecret', SECRET],
])('%s does not page', async (_what, eventName, secretId) => {
  expect(await pages(eventName, secretId)).toBe(false);
});

test('read-only management events reach the rule: its state admits them, and it notifies the topic with who read it', () => {
  expect(properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  expect(properties.Targets).toHaveLength(1);
  expect(properties.Targets[0].InputTransformer.InputPathsMap).toMatchObject({ reader: '$.detail.userIdentity.arn' });
});

test('the topic admits EventBridge for this one rule only; the key holds the documented statement, with no source condition', () => {
  const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/rule-master-secret-reads`;
  const topicStatements = resources
    .filter((resource) => resource.Type === 'AWS::SNS::TopicPolicy')
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: any) => statement.Principal?.Service === 'events.amazonaws.com');
  expect(topicStatements).toHaveLength(1);
  expect(renderIntrinsics(topicStatements[0].Condition.ArnLike['aws:SourceArn'])).toBe(ruleArn);
  expect(renderIntrinsics(topicStatements[0].Condition.StringEquals['aws:SourceAccount'])).toBe(ACCOUNT);
  // SNS Developer Guide, Key management: "Adding the aws:SourceAccount, aws:SourceArn, and
  // aws:SourceOrgID to a AWS KMS policy is not supported for EventBridge-to-encrypted topics."
  // With them (as before) the page of a secret read would be dropped. What names the topic instead is
  // the encryption context SNS gives its data keys, so the statement admits no other topic or queue.
  const keyStatements = resources
    .find((resource) => resource.Type === 'AWS::KMS::Key')
    .Properties.KeyPolicy.Statement.filter((statement: any) => statement.Principal?.Service === 'events.amazonaws.com');
  expect(keyStatements).toHaveLength(1);
  const [statement] = keyStatements;
  expect({ ...statement, Condition: undefined }).toEqual({
    Sid: 'AllowSecretReadAlarmToPublishToEncryptedTopic',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: undefined,
  });
  expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
  expect(Object.keys(statement.Condition.StringEquals)).toEqual(['kms:EncryptionContext:aws:sns:topicArn']);
  expect(renderIntrinsics(statement.Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn'])).toBe(`arn:aws:sns:${REGION}:${ACCOUNT}:alarms`);
  expect(JSON.stringify(statement.Condition)).not.toMatch(/aws:Source(Account|Arn|OrgID)/);
});
