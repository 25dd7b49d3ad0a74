import { ArnFormat, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AuroraGlobalPrimary } from '../constructs/aurora-global-primary';
import { AuroraGlobalSecondary } from '../constructs/aurora-global-secondary';
import { DatabaseBackup } from '../constructs/database-backup';
import { LateBucketReplication } from '../constructs/late-bucket-replication';
import { FILES_REPLICATION_BACK_RULE_ID } from '../constructs/replicated-bucket';
import { SessionTable } from '../constructs/session-table';
import { DeploymentRole, PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface PrimaryDataStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  readonly encryptionKey: kms.IKey;
  /** The standby region and its key, for the secret replica and the table replica. */
  readonly secondaryRegion: string;
  readonly secondaryEncryptionKeyArn: string;
  /**
   * Name of this region's backup vault, created by the region's Foundation stack. By name, not by
   * reference: an export would block the Foundation update that removes the vault (production → test).
   * @default - none: required with cross-region backups
   */
  readonly backupVaultName?: string;
}

/** Aurora global database with its primary cluster, and the DynamoDB global session table. */
export class PrimaryDataStack extends RegionalStack {
  public readonly database: AuroraGlobalPrimary;
  public readonly sessions: SessionTable;
  /** Present in the production posture. */
  public readonly backup?: DatabaseBackup;

  constructor(scope: Construct, id: string, props: PrimaryDataStackProps) {
    super(scope, id, props);
    const { names } = props;
    const secondaryKey = kms.Key.fromKeyArn(this, 'SecondaryKey', props.secondaryEncryptionKeyArn);

    this.database = new AuroraGlobalPrimary(this, 'Database', {
      vpc: props.vpc,
      globalClusterIdentifier: names.auroraGlobalCluster(),
      clusterIdentifier: names.auroraCluster('primary'),
      writerInstanceIdentifier: names.auroraInstance('primary', 'writer'),
      readerInstanceIdentifier: names.auroraInstance('primary', 'reader'),
      subnetGroupName: names.dbSubnetGroup('primary'),
      securityGroupName: names.securityGroup('trading-db', 'primary'),
      encryptionKey: props.encryptionKey,
      secretName: names.databaseSecret(),
      // The standby reads the credentials in its own region, so it can connect while this one is down.
      secretReplicaRegions: [{ region: props.secondaryRegion, encryptionKey: secondaryKey }],
      deletionProtection: this.protection.deletionProtection,
    });

    this.sessions = new SessionTable(this, 'Sessions', {
      tableName: names.sessionTable(),
      encryptionKey: props.encryptionKey,
      replicas: [{ region: props.secondaryRegion, encryptionKeyArn: props.secondaryEncryptionKeyArn }],
      deletionProtection: this.protection.deletionProtection,
    });

    if (this.protection.crossRegionBackups) {
      this.backup = regionBackup(this, names, 'primary', props.backupVaultName, props.secondaryRegion, props.secondaryEncryptionKeyArn, props.encryptionKey);
    }

    new CfnOutput(this, 'AuroraGlobalClusterIdentifier', { value: this.database.globalCluster.ref, description: 'Aurora global cluster identifier' });
    new CfnOutput(this, 'SessionTableName', { value: this.sessions.table.tableName, description: 'DynamoDB global table of sessions' });
  }
}

export interface SecondaryDataStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  readonly encryptionKey: kms.IKey;
  /** Identifier of the global cluster created by the primary data stack. */
  readonly globalClusterIdentifier: string;
  readonly alarmTopic: sns.ITopic;
  /** The primary region, where this region's backups are copied (production posture). */
  readonly primaryRegion: string;
  /** The primary region's key: it encrypts the backup copies and the file replicas there. */
  readonly primaryEncryptionKeyArn: string;
  /**
   * Name of this region's backup vault, created by the region's Foundation stack. By name, not by
   * reference: an export would block the Foundation update that removes the vault (production → test).
   * @default - none: required with cross-region backups
   */
  readonly backupVaultName?: string;
  /** @default Duration.seconds(60) */
  readonly replicationLagThreshold?: Duration;
}

/** The secondary Aurora cluster of the global database and its replication-lag alarm. */
export class SecondaryDataStack extends RegionalStack {
  public readonly database: AuroraGlobalSecondary;
  public readonly replicationLagAlarm: cloudwatch.Alarm;
  /** Present in the production posture. */
  public readonly backup?: DatabaseBackup;
  /** The files bucket's replication back to the primary region. */
  public readonly filesReplication: LateBucketReplication;

  constructor(scope: Construct, id: string, props: SecondaryDataStackProps) {
    super(scope, id, props);
    const { names } = props;

    this.database = new AuroraGlobalSecondary(this, 'Database', {
      vpc: props.vpc,
      globalClusterIdentifier: props.globalClusterIdentifier,
      clusterIdentifier: names.auroraCluster('secondary'),
      instanceIdentifiers: [names.auroraInstance('secondary', '1')],
      subnetGroupName: names.dbSubnetGroup('secondary'),
      securityGroupName: names.securityGroup('trading-db', 'secondary'),
      encryptionKey: props.encryptionKey,
      deletionProtection: this.protection.deletionProtection,
    });

    if (this.protection.crossRegionBackups) {
      this.backup = regionBackup(this, names, 'secondary', props.backupVaultName, props.primaryRegion, props.primaryEncryptionKeyArn, props.encryptionKey);
    }

    // Confirmations written here after a failover must survive the failback: the files bucket
    // replicates back to the primary's. Here, not in the foundation: both buckets exist by now.
    const primaryKey = kms.Key.fromKeyArn(this, 'PrimaryKey', props.primaryEncryptionKeyArn);
    this.filesReplication = new LateBucketReplication(this, 'FilesReplicationToPrimary', {
      bucket: s3.Bucket.fromBucketName(this, 'FilesBucket', names.bucket('trading-files', this.account, this.region)),
      encryptionKey: props.encryptionKey,
      replicateTo: {
        bucket: s3.Bucket.fromBucketAttributes(this, 'PrimaryFilesBucket', {
          bucketName: names.bucket('trading-files', this.account, props.primaryRegion),
          region: props.primaryRegion,
        }),
        region: props.primaryRegion,
        encryptionKey: primaryKey,
        roleName: names.iamRole('s3-replication', 'secondary'),
      },
      ruleId: FILES_REPLICATION_BACK_RULE_ID,
      logGroupName: names.logGroup('files-replication', 'secondary'),
    });

    const threshold = props.replicationLagThreshold ?? Duration.seconds(60);
    this.replicationLagAlarm = new cloudwatch.Alarm(this, 'ReplicationLagAlarm', {
      alarmName: names.alarm('aurora-replication-lag'),
      alarmDescription: `Aurora global replication to ${names.auroraCluster('secondary')} lags more than ${threshold.toSeconds()} s: the recovery point of a failover now would exceed it.`,
      metric: this.database.metricReplicationLag(),
      threshold: threshold.toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No data is not "no lag": it means the cluster stopped reporting (not yet attached, promoted
      // by a failover, primary region gone). The alarm goes to INSUFFICIENT_DATA, which notifies too,
      // instead of staying in ALARM forever after a planned switchover.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const notify = new actions.SnsAction(props.alarmTopic);
    this.replicationLagAlarm.addAlarmAction(notify);
    this.replicationLagAlarm.addOkAction(notify);
    this.replicationLagAlarm.addInsufficientDataAction(notify);
  }
}

/**
 * Each region backs up its own Aurora cluster and its own replica of the session table, and copies
 * every recovery point into the other region. Whichever cluster is the writer, its region takes
 * the snapshot; the global database keeps the other cluster's storage a replica of it.
 */
function regionBackup(
  stack: Stack,
  names: PlatformNames,
  role: DeploymentRole,
  vaultName: string | undefined,
  otherRegion: string,
  otherKeyArn: string,
  key: kms.IKey,
): DatabaseBackup {
  if (!vaultName) throw new Error(`${stack.node.id}: cross-region backups need the name of the region's backup vault`);
  const other: DeploymentRole = role === 'primary' ? 'secondary' : 'primary';
  return new DatabaseBackup(stack, 'Backup', {
    backupVault: backup.BackupVault.fromBackupVaultName(stack, 'BackupVault', vaultName),
    backupPlanName: names.backupPlan(role),
    encryptionKey: key,
    resourceArns: [
      stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: names.auroraCluster(role), arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: names.sessionTable() }),
    ],
    copyToVaultArn: stack.formatArn({
      service: 'backup',
      region: otherRegion,
      resource: 'backup-vault',
      resourceName: names.backupVault(other),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    copyToKeyArn: otherKeyArn,
  });
}
