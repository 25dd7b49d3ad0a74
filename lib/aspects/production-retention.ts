import { CfnDeletionPolicy, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Resource types a production environment keeps after `cdk destroy`: the audit trail (log groups,
 * log and files buckets with their policies), the backups (vaults with their recovery points) and the keys without
 * which none of them, nor the final database snapshots, can be read.
 */
export const RETAINED_IN_PRODUCTION: readonly string[] = [
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  // A retained bucket keeps its policy: TLS only, and the access logs' deny on erasing history.
  'AWS::S3::BucketPolicy',
  'AWS::Backup::BackupVault',
];

/** Resource types that leave a final snapshot when deleted or replaced in production. */
export const SNAPSHOT_IN_PRODUCTION: readonly string[] = ['AWS::RDS::DBCluster'];

/**
 * The production counterpart of {@link DestroyableResources}: every resource gets an explicit
 * deletion and update-replace policy, so the list of what survives a `cdk destroy` is exactly
 * {@link RETAINED_IN_PRODUCTION} plus the snapshots of {@link SNAPSHOT_IN_PRODUCTION}, whatever
 * the L2 defaults are.
 */
export class ProductionRetention implements IAspect {
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const type = node.cfnResourceType;
    const policy = RETAINED_IN_PRODUCTION.includes(type)
      ? CfnDeletionPolicy.RETAIN
      : SNAPSHOT_IN_PRODUCTION.includes(type)
        ? CfnDeletionPolicy.SNAPSHOT
        : CfnDeletionPolicy.DELETE;
    node.cfnOptions.deletionPolicy = policy;
    node.cfnOptions.updateReplacePolicy = policy;
  }
}
