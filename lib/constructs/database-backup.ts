import { Duration, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface DatabaseBackupProps {
  /** This region's vault. It lives in the Foundation stack, so both regions' vaults exist before any plan copies into them. */
  readonly backupVault: backup.IBackupVault;
  readonly backupPlanName: string;
  /** Key of this region, which encrypts the vault's recovery points. */
  readonly encryptionKey: kms.IKey;
  /** ARNs of this region's databases (Aurora cluster, DynamoDB table replica). */
  readonly resourceArns: string[];
  /** The other region's vault, which receives a copy of every recovery point. */
  readonly copyToVaultArn: string;
  /** ARN of the other region's key, which encrypts the copies there. */
  readonly copyToKeyArn: string;
  /** How long recovery points and their copies are kept. @default Duration.days(35) */
  readonly retention?: Duration;
  /** When the daily backup starts (UTC). @default 05:00 UTC */
  readonly schedule?: events.Schedule;
}

/**
 * A daily AWS Backup plan for one region's databases, with every recovery point copied into the
 * other region's vault ("A copy of a backup to another AWS Region is encrypted using the key of
 * the destination vault", AWS Backup Developer Guide, *Encryption for backups*).
 */
export class DatabaseBackup extends Construct {
  public readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: DatabaseBackupProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(35);
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: props.backupPlanName,
      backupVault: props.backupVault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily-with-cross-region-copy',
          scheduleExpression: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '5' }),
          deleteAfter: retention,
          copyActions: [
            {
              destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'CopyTarget', props.copyToVaultArn),
              deleteAfter: retention,
            },
          ],
        }),
      ],
    });
    const selection = this.plan.addSelection('Databases', {
      resources: props.resourceArns.map((arn) => backup.BackupResource.fromArn(arn)),
      allowRestores: false,
    });
    // Copying an Aurora snapshot into the other region re-encrypts it with that region's key.
    selection.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DescribeBothRegionKeys', actions: ['kms:DescribeKey'], resources: [props.encryptionKey.keyArn, props.copyToKeyArn] }),
    );
    // Grants only for AWS services acting for the role (RDS copying the snapshot), never to people.
    selection.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GrantBothRegionKeysToCopies',
        actions: ['kms:CreateGrant'],
        resources: [props.encryptionKey.keyArn, props.copyToKeyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: 'AWS Backup assumes this role to snapshot the databases; the AWS managed backup policy is the documented, maintained permission set for that.',
    });
  }
}
