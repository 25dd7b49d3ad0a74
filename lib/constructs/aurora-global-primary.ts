import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeCompliance, acknowledgeGuard, CompliancePack, NO_DELETION_PROTECTION_IN_TEST_POSTURE } from '../nag';
import { taggedSecurityGroup } from './security-group';

/**
 * Engine of both clusters. Aurora PostgreSQL 16 supports global databases, Serverless v2 and
 * global write forwarding in every minor version; both regions must run exactly the same version.
 */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_9;
export const AURORA_ENGINE = 'aurora-postgresql';
export const AURORA_PORT = 5432;

/**
 * Cluster parameters both clusters share. `rds.force_ssl`: "For Aurora PostgreSQL versions 16 and
 * older: The default value is 0 (off)" (Aurora User Guide, *Securing Aurora PostgreSQL data with
 * SSL/TLS*), so TLS is required explicitly; the service verifies the server certificate too.
 */
export const AURORA_CLUSTER_PARAMETERS: { readonly [name: string]: string } = { 'rds.force_ssl': '1' };
export const AURORA_PARAMETER_GROUP_FAMILY = 'aurora-postgresql16';

/**
 * Database telemetry every instance of both clusters carries, identically:
 * - Enhanced Monitoring every 60 s (OS metrics to the `RDSOSMetrics` log group, which RDS creates
 *   itself), through a role that trusts `monitoring.rds.amazonaws.com` with the AWS-managed
 *   `AmazonRDSEnhancedMonitoringRole` policy (Aurora User Guide, *Setting up and enabling Enhanced
 *   Monitoring*);
 * - Performance Insights (the Database Insights standard mode) encrypted with the region's key and
 *   kept 7 days, the retention without extra charge. Its console reached end of life in July 2026;
 *   the API settings (`EnablePerformanceInsights`, `PerformanceInsightsKMSKeyId`) remain.
 */
export const AURORA_MONITORING_INTERVAL = Duration.seconds(60);
export const AURORA_PERFORMANCE_INSIGHTS_RETENTION = rds.PerformanceInsightRetention.DEFAULT;

/** The Enhanced Monitoring role of one cluster's instances. */
export function enhancedMonitoringRole(scope: Construct): iam.Role {
  const role = new iam.Role(scope, 'MonitoringRole', {
    assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
    description: 'RDS Enhanced Monitoring: publishes OS metrics of the Aurora instances to RDSOSMetrics',
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason:
      'The AWS-managed policy the Aurora User Guide prescribes for Enhanced Monitoring; it only lets RDS write the RDSOSMetrics log group, and AWS keeps it in step with the service.',
  });
  return role;
}

/** The cdk-nag findings both clusters of the global database acknowledge, with the same reasons. */
export function acknowledgeAuroraDesignChoices(cluster: IConstruct, deletionProtection: boolean): void {
  if (!deletionProtection) {
    const reason = NO_DELETION_PROTECTION_IN_TEST_POSTURE;
    Validations.of(cluster).acknowledge({ id: 'AwsSolutions-RDS10', reason });
    acknowledgeCompliance(cluster, 'RDSInstanceDeletionProtectionEnabled', [CompliancePack.NIST_800_53_R5], reason);
    acknowledgeGuard(cluster, 'rds_cluster_deletion_protection_enabled_check', reason);
  }
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      'The standard PostgreSQL port is kept for client compatibility; access is limited by security group to the trading tasks of the region, not by port obscurity.',
  });
}

/**
 * Acknowledges the backup-plan finding of Aurora instances: AWS Backup protects an Aurora cluster as
 * a whole (cluster snapshots), so a plan selects the cluster, never its instances.
 */
export function acknowledgeAuroraInstanceBackups(instance: IConstruct): void {
  acknowledgeCompliance(
    instance,
    'RDSInBackupPlan',
    [CompliancePack.NIST_800_53_R5],
    "Aurora is backed up per cluster (AWS Backup takes cluster snapshots; instances hold no storage of their own). The production posture selects this instance's cluster in the region's daily backup plan with a cross-region copy; the test posture keeps Aurora's automated backups only.",
  );
}

export interface AuroraGlobalPrimaryProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the DB subnet group; one per AZ. @default - the VPC's isolated subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly globalClusterIdentifier: string;
  readonly clusterIdentifier: string;
  readonly writerInstanceIdentifier: string;
  readonly readerInstanceIdentifier: string;
  readonly subnetGroupName: string;
  /** Name tag of the cluster's security group. */
  readonly securityGroupName: string;
  /** Customer-managed key of this region, for storage and the secret. */
  readonly encryptionKey: kms.IKey;
  readonly secretName: string;
  /** Regions (with their own keys) that get a read replica of the credentials secret. */
  readonly secretReplicaRegions: secretsmanager.ReplicaRegion[];
  /** @default 0.5 */
  readonly minCapacity?: number;
  /** @default 8 */
  readonly maxCapacity?: number;
  /** @default 'trading' */
  readonly databaseName?: string;
  /** @default Duration.days(7) */
  readonly backupRetention?: Duration;
  /**
   * Deletion protection on the global cluster and the primary cluster, and a final snapshot when
   * the cluster is deleted.
   * @default false
   */
  readonly deletionProtection?: boolean;
}

/**
 * The writer side of an Aurora global database: the global cluster, and the primary Aurora
 * Serverless v2 cluster (writer plus a reader in another AZ) that joins it.
 *
 * The global cluster is defined by engine and version, and the cluster joins it through
 * `GlobalClusterIdentifier`: CloudFormation then deletes the cluster (detaching it first) before
 * the global cluster, which a global cluster created from a source cluster does not guarantee.
 */
export class AuroraGlobalPrimary extends Construct {
  public readonly globalCluster: rds.CfnGlobalCluster;
  public readonly cluster: rds.DatabaseCluster;
  public readonly secret: secretsmanager.ISecret;
  public readonly securityGroup: ec2.SecurityGroup;
  /** Database created in the cluster, for clients. */
  public readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AuroraGlobalPrimaryProps) {
    super(scope, id);
    this.databaseName = props.databaseName ?? 'trading';
    const deletionProtection = props.deletionProtection ?? false;
    const zones = props.vpc.availabilityZones;
    if (zones.length < 2) throw new Error('AuroraGlobalPrimary needs a VPC with at least 2 availability zones for the reader');

    // L1: the L2 DatabaseCluster has no global-cluster support (aws/aws-cdk#22212).
    this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
      globalClusterIdentifier: props.globalClusterIdentifier,
      engine: AURORA_ENGINE,
      engineVersion: AURORA_ENGINE_VERSION.auroraPostgresFullVersion,
      storageEncrypted: true,
      deletionProtection,
    });

    this.securityGroup = taggedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      name: props.securityGroupName,
      description: 'Aurora primary: reachable only from the trading tasks of this region',
    });

    // RDS creates its log group on first export, without retention: create it first, with one.
    const postgresLog = new logs.LogGroup(this, 'PostgresLogGroup', { logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql` });

    // Per instance, as on the secondary's instances (its cluster is L1), so both clusters read alike.
    const performanceInsights = {
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.encryptionKey,
      performanceInsightRetention: AURORA_PERFORMANCE_INSIGHTS_RETENTION,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      clusterIdentifier: props.clusterIdentifier,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      subnetGroup: new rds.SubnetGroup(this, 'SubnetGroup', {
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        subnetGroupName: props.subnetGroupName,
        description: 'Aurora primary: isolated subnets of every AZ',
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      securityGroups: [this.securityGroup],
      port: AURORA_PORT,
      defaultDatabaseName: this.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('trading_admin', {
        secretName: props.secretName,
        encryptionKey: props.encryptionKey,
        replicaRegions: props.secretReplicaRegions,
      }),
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      serverlessV2MinCapacity: props.minCapacity ?? 0.5,
      serverlessV2MaxCapacity: props.maxCapacity ?? 8,
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        instanceIdentifier: props.writerInstanceIdentifier,
        availabilityZone: zones[0],
        publiclyAccessible: false,
        ...performanceInsights,
      }),
      readers: [
        rds.ClusterInstance.serverlessV2('Reader', {
          instanceIdentifier: props.readerInstanceIdentifier,
          availabilityZone: zones[1],
          scaleWithWriter: true,
          publiclyAccessible: false,
          ...performanceInsights,
        }),
      ],
      iamAuthentication: true,
      monitoringInterval: AURORA_MONITORING_INTERVAL,
      monitoringRole: enhancedMonitoringRole(this),
      parameterGroup: new rds.ParameterGroup(this, 'ParameterGroup', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
        description: `Aurora ${props.clusterIdentifier}: TLS required`,
        parameters: { ...AURORA_CLUSTER_PARAMETERS },
      }),
      backup: { retention: props.backupRetention ?? Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    this.cluster.node.addDependency(postgresLog);
    (this.cluster.node.defaultChild as rds.CfnDBCluster).globalClusterIdentifier = this.globalCluster.ref;
    this.secret = this.cluster.secret!;

    acknowledgeAuroraDesignChoices(this.cluster, deletionProtection);
    for (const instance of [this.cluster.node.findChild('Writer'), this.cluster.node.findChild('Reader')]) acknowledgeAuroraInstanceBackups(instance);
    Validations.of(this.cluster).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'The writer and the reader are placed in two different configured zones, so that losing one zone keeps a promotable instance; the zones come from the configuration, never from a lookup.',
    });
    const noRotation =
      'Break-glass instead of rotation: only the one-off bootstrap task reads it, every read in either region pages (SecretReadAlarm), and the service logs in with IAM. Secrets Manager-managed master passwords are not supported for global clusters.';
    Validations.of(this.cluster).acknowledge({ id: 'AwsSolutions-SMG4', reason: noRotation });
    acknowledgeCompliance(this.cluster.node.findChild('Secret'), 'SecretsManagerRotationEnabled', [CompliancePack.NIST_800_53_R5], noRotation);
  }
}
