import { Arn, ArnFormat, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { acknowledgeGuard } from '../nag';

/**
 * Encrypts every CloudWatch Logs log group in scope with the customer-managed key of its region,
 * CDK's own (custom-resource providers) included, and admits the CloudWatch Logs service to that
 * key for exactly those log groups.
 *
 * The key-policy statement is the one the CloudWatch Logs User Guide gives (*Encrypt log data in
 * CloudWatch Logs using AWS Key Management Service*, step 2): the regional service principal
 * `logs.<region>.amazonaws.com`, scoped by `kms:EncryptionContext:aws:logs:arn`, the log group's ARN
 * that CloudWatch Logs passes as encryption context. Writers (ECS, Lambda, RDS, VPC flow logs, WAF)
 * need no key permission: "After you associate a KMS key with a log group, all newly ingested data
 * for the log group is encrypted using this key" (same page), by CloudWatch Logs itself.
 *
 * Log groups whose name CloudFormation generates are named "using the stack name, logical ID, and
 * a random string" (CloudFormation User Guide, *Name type*), so the stack name ending in `-*`
 * scopes them. Adding `KmsKeyId` to an existing log group is an update without interruption
 * (`AWS::Logs::LogGroup` reference), so existing deployments keep their logs.
 */
export class LogGroupEncryption implements IAspect {
  private readonly arnsByKey = new Map<kms.IKey, Set<string>>();

  /** @param keysByRegion the customer-managed key of each region that holds log groups */
  constructor(private readonly keysByRegion: ReadonlyMap<string, kms.Key>) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup)) return;
    const stack = Stack.of(node);
    const key = this.keysByRegion.get(stack.region);
    if (!key) throw new Error(`LogGroupEncryption: no key for ${stack.region}, the region of ${node.node.path}`);
    node.kmsKeyId = key.keyArn;
    if (Stack.of(key) !== stack) {
      // Guard's rule accepts only a literal ARN or a reference to a key of the same template.
      acknowledgeGuard(
        node,
        'cloudwatch_log_group_encrypted_check',
        `Encrypted with the region key of ${Stack.of(key).stackName}, imported across stacks (Fn::ImportValue), which the rule cannot follow; test/security-controls.test.ts resolves every log group's key.`,
      );
    }
    // An L2 log group without a name holds a lazy physical name that resolves to nothing.
    this.admit(key, logGroupArnPattern(stack, stack.resolve(node.logGroupName)));
  }

  private admit(key: kms.Key, logGroupArn: string): void {
    let arns = this.arnsByKey.get(key);
    if (!arns) {
      arns = new Set();
      this.arnsByKey.set(key, arns);
      const admitted = arns;
      const keyStack = Stack.of(key);
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchLogsForThisPlatformsLogGroups',
          principals: [new iam.ServicePrincipal(`logs.${keyStack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: {
            ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => [...admitted].sort() }) },
          },
        }),
      );
    }
    arns.add(logGroupArn);
  }
}

/** The ARN (or ARN pattern) of a log group, as CloudWatch Logs passes it in the encryption context. */
function logGroupArnPattern(stack: Stack, logGroupName: unknown): string {
  if (logGroupName !== undefined && (typeof logGroupName !== 'string' || Token.isUnresolved(logGroupName))) {
    throw new Error(
      `LogGroupEncryption: log group names must be known at synth time; a log group of ${stack.node.path} is named ${JSON.stringify(logGroupName)}`,
    );
  }
  // Only a generated name needs the stack's name, and only a literal one can be matched.
  if (logGroupName === undefined && Token.isUnresolved(stack.stackName)) {
    throw new Error(`LogGroupEncryption: stack ${stack.node.path} needs an explicit stack name to scope its unnamed log groups`);
  }
  return Arn.format(
    {
      service: 'logs',
      resource: 'log-group',
      resourceName: (logGroupName as string | undefined) ?? `${stack.stackName}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      account: stack.account,
      region: stack.region,
      partition: 'aws',
    },
    stack,
  );
}
