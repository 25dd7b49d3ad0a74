import { CfnDeletionPolicy, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Replaces Retain and Snapshot deletion / update-replace policies with Delete, so that
 * `cdk destroy` removes everything, including resources whose L2 construct defaults to Retain
 * (log groups, tables, KMS keys) and resources CDK creates internally.
 */
export class DestroyableResources implements IAspect {
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const options = node.cfnOptions;
    if (options.deletionPolicy !== undefined && options.deletionPolicy !== CfnDeletionPolicy.DELETE) {
      options.deletionPolicy = CfnDeletionPolicy.DELETE;
    }
    if (options.updateReplacePolicy !== undefined && options.updateReplacePolicy !== CfnDeletionPolicy.DELETE) {
      options.updateReplacePolicy = CfnDeletionPolicy.DELETE;
    }
  }
}
