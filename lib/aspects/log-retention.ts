import { CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { PRODUCTION_MIN_LOG_RETENTION_DAYS } from '../config';
import { acknowledgeGuard } from '../nag';

/**
 * Gives every log group in scope the configured retention, including the ones CDK creates on its
 * own, and gives every Lambda function (custom-resource providers too) an explicit log group, so
 * that no function can create a never-expiring `/aws/lambda/...` group at run time.
 */
export class LogRetentionPolicy implements IAspect {
  constructor(private readonly retentionDays: number) {}

  public visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) {
      this.retain(node);
      return;
    }
    if (node instanceof lambda.CfnFunction) {
      if (node.loggingConfig === undefined) {
        node.loggingConfig = { logGroup: this.logGroupFor(node).ref };
      }
      return;
    }
    // Custom-resource providers are plain CfnResources of the Lambda type.
    if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::Lambda::Function' && !hasLoggingConfig(node)) {
      node.addPropertyOverride('LoggingConfig.LogGroup', this.logGroupFor(node).ref);
    }
  }

  private logGroupFor(fn: CfnResource): logs.CfnLogGroup {
    // The function's Ref to the group makes CloudFormation create the group first.
    const group = new logs.CfnLogGroup(fn.node.scope ?? Stack.of(fn), `${fn.node.id}LogGroup`);
    this.retain(group);
    return group;
  }

  private retain(group: logs.CfnLogGroup): void {
    group.retentionInDays = this.retentionDays;
    if (this.retentionDays < PRODUCTION_MIN_LOG_RETENTION_DAYS) {
      acknowledgeGuard(
        group,
        'cloudwatch_log_group_retention_period_check',
        `Test posture: logs are kept ${this.retentionDays} days; the production posture refuses to synthesize with less than ${PRODUCTION_MIN_LOG_RETENTION_DAYS} (config validation).`,
      );
    }
  }
}

function hasLoggingConfig(resource: CfnResource): boolean {
  const properties = Stack.of(resource).resolve((resource as unknown as { _cfnProperties: Record<string, unknown> })._cfnProperties);
  const overrides = Stack.of(resource).resolve((resource as unknown as { rawOverrides: Record<string, any> }).rawOverrides);
  return properties?.LoggingConfig !== undefined || overrides?.Properties?.LoggingConfig !== undefined;
}
