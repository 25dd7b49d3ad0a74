import { App, Aspects, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DestroyableResources } from '../lib/aspects/destroyable';
import { LogGroupEncryption } from '../lib/aspects/log-encryption';
import { LogRetentionPolicy } from '../lib/aspects/log-retention';
import { SingleRolePolicies } from '../lib/aspects/single-role-policies';
import { nagFindings } from './helpers';

function stackWith(build: (stack: Stack) => void, aspect: object): Template {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } });
  build(stack);
  Aspects.of(app).add(aspect as never);
  return Template.fromStack(stack);
}

function cfnFunction(stack: Stack, loggingConfig?: lambda.CfnFunction.LoggingConfigProperty): lambda.CfnFunction {
  return new lambda.CfnFunction(stack, 'Fn', {
    code: { zipFile: 'x' },
    role: 'arn:aws:iam::123456789012:role/x',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    loggingConfig,
  });
}

describe('LogRetentionPolicy', () => {
  test('overrides retention on log groups with none and with another value', () => {
    const template = stackWith((stack) => {
      new logs.LogGroup(stack, 'Unset', { retention: logs.RetentionDays.INFINITE });
      new logs.LogGroup(stack, 'Other', { retention: logs.RetentionDays.ONE_YEAR });
    }, new LogRetentionPolicy(14));
    const days = Object.values(template.findResources('AWS::Logs::LogGroup')).map((group) => group.Properties.RetentionInDays);
    expect(days).toEqual([14, 14]);
  });

  test('gives a Lambda function without a log group its own, with the retention', () => {
    const template = stackWith((stack) => {
      cfnFunction(stack);
    }, new LogRetentionPolicy(3));
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const groupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(template.toJSON().Resources[groupId].Properties.RetentionInDays).toBe(3);
  });

  test('covers custom-resource providers, which are plain CfnResources', () => {
    const template = stackWith((stack) => {
      new CfnResource(stack, 'Provider', { type: 'AWS::Lambda::Function', properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } });
    }, new LogRetentionPolicy(5));
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(template.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref].Properties.RetentionInDays).toBe(5);
  });

  test('leaves a function that already names its log group alone', () => {
    const template = stackWith((stack) => {
      cfnFunction(stack, { logGroup: 'mine' });
    }, new LogRetentionPolicy(3));
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
  });
});

describe('DestroyableResources', () => {
  test('turns Retain and Snapshot into Delete and leaves unset policies unset', () => {
    const template = stackWith((stack) => {
      new s3.Bucket(stack, 'Retained', { removalPolicy: RemovalPolicy.RETAIN });
      new logs.LogGroup(stack, 'Default');
      new CfnResource(stack, 'Snapshotted', { type: 'AWS::RDS::DBCluster' }).applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
      new CfnResource(stack, 'Plain', { type: 'AWS::SNS::Topic' });
    }, new DestroyableResources());
    const resources = template.toJSON().Resources;
    for (const [id, resource] of Object.entries<any>(resources)) {
      if (id.startsWith('Plain')) {
        expect(resource.DeletionPolicy).toBeUndefined();
        expect(resource.UpdateReplacePolicy).toBeUndefined();
      } else {
        expect({ id, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy }).toEqual({ id, deletion: 'Delete', replace: 'Delete' });
      }
    }
  });
});

describe('LogGroupEncryption', () => {
  function encrypted(build: (stack: Stack) => void): { template: Template; keyTemplate: Template } {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env: { region: 'us-east-1', account: '123456789012' }, stackName: 'keys-dev' });
    const key = new kms.Key(keyStack, 'Key');
    const stack = new Stack(app, 'Logs', { env: { region: 'us-east-1', account: '123456789012' }, stackName: 'logs-dev' });
    build(stack);
    Aspects.of(app).add(new LogGroupEncryption(new Map([['us-east-1', key]])));
    return { template: Template.fromStack(stack), keyTemplate: Template.fromStack(keyStack) };
  }

  test('encrypts named and unnamed log groups with the region key, and admits CloudWatch Logs for exactly them', () => {
    const { template, keyTemplate } = encrypted((stack) => {
      new logs.LogGroup(stack, 'Named', { logGroupName: '/trading/app' });
      new logs.LogGroup(stack, 'Unnamed');
    });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.KmsKeyId).toHaveProperty(['Fn::ImportValue']);
    const key = Object.values(keyTemplate.findResources('AWS::KMS::Key'))[0];
    const statement = key.Properties.KeyPolicy.Statement.find((candidate: any) => candidate.Principal?.Service === 'logs.us-east-1.amazonaws.com');
    expect(statement.Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': [
          'arn:aws:logs:us-east-1:123456789012:log-group:/trading/app',
          'arn:aws:logs:us-east-1:123456789012:log-group:logs-dev-*',
        ],
      },
    });
  });

  test('a log group in a region without a key is a synth-time error naming it', () => {
    const app = new App();
    const stack = new Stack(app, 'Elsewhere', { env: { region: 'eu-west-1' } });
    new logs.LogGroup(stack, 'Group');
    Aspects.of(app).add(new LogGroupEncryption(new Map()));
    expect(() => app.synth()).toThrow(/no key for eu-west-1, the region of Elsewhere\/Group/);
  });
});

describe('SingleRolePolicies', () => {
  /** The compliance packs' IAMNoInlinePolicy findings of a stack after the aspect ran. */
  function inlinePolicyFindings(build: (stack: Stack) => void): string[] {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } });
    build(stack);
    Aspects.of(app).add(new SingleRolePolicies());
    Template.fromStack(stack);
    return nagFindings(stack).filter((finding) => finding.includes('IAMNoInlinePolicy'));
  }
  const role = (stack: Stack, id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const statement = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] });

  test('acknowledges a policy bound to exactly one role of its stack', () => {
    expect(inlinePolicyFindings((stack) => role(stack, 'Role').addToPolicy(statement))).toEqual([]);
  });

  test('keeps the finding for a policy shared by two roles, or bound to a role given only by name', () => {
    const findings = inlinePolicyFindings((stack) => {
      new iam.Policy(stack, 'Shared', { statements: [statement], roles: [role(stack, 'One'), role(stack, 'Two')] });
      new iam.Policy(stack, 'ByName', { statements: [statement], roles: [iam.Role.fromRoleName(stack, 'Imported', 'someone-elses-role')] });
    });
    expect(findings).toEqual([
      'PCI.DSS.321-IAMNoInlinePolicy at Test/Shared/Resource',
      'PCI.DSS.321-IAMNoInlinePolicy at Test/ByName/Resource',
      'NIST.800.53.R5-IAMNoInlinePolicy at Test/Shared/Resource',
      'NIST.800.53.R5-IAMNoInlinePolicy at Test/ByName/Resource',
    ]);
  });
});
