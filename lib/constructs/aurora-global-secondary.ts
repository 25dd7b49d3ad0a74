import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { DrMetrics } from '../metrics';
import { taggedSecurityGroup } from './security-group';
import {
  acknowledgeAuroraDesignChoices,
  acknowledgeAuroraInstanceBackups,
  AURORA_CLUSTER_PARAMETERS,
  AURORA_ENGINE,
  AURORA_ENGINE_VERSION,
  AURORA_MONITORING_INTERVAL,
  AURORA_PARAMETER_GROUP_FAMILY,
  AURORA_PERFORMANCE_INSIGHTS_RETENTION,
  AURORA_PORT,
  enhancedMonitoringRole,
} from './aurora-global-primary';

export interface AuroraGlobalSecondaryProps {
  readonly vpc: ec2.IVpc;
  /** @default - the VPC's isolated subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Identifier of the global cluster to join; its primary must be available. */
  readonly globalClusterIdentifier: string;
  readonly clusterIdentifier: string;
  readonly subnetGroupName: string;
  /** Name tag of the cluster's security group. */
  readonly securityGroupName: string;
  /** Customer-managed key of THIS region: a secondary cannot use the primary region's key. */
  readonly encryptionKey: kms.IKey;
  /** One Serverless v2 instance per identifier; the first becomes the writer on promotion. */
  readonly instanceIdentifiers: string[];
  /** @default 0.5 */
  readonly minCapacity?: number;
  /** @default 8 */
  readonly maxCapacity?: number;
  /** Deletion protection on the cluster, and a final snapshot when it is deleted. @default false */
  readonly deletionProtection?: boolean;
}

/**
 * A read-only secondary cluster of an Aurora global database, with global write forwarding.
 *
 * L1 because the L2 `DatabaseCluster` always sets master credentials, which a cluster that joins a
 * global database must not have ("Cannot specify password for cross region replication cluster").
 */
export class AuroraGlobalSecondary extends Construct {
  public readonly cluster: rds.CfnDBCluster;
  public readonly instances: rds.CfnDBInstance[] = [];
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: AuroraGlobalSecondaryProps) {
    super(scope, id);
    if (props.instanceIdentifiers.length < 1 || props.instanceIdentifiers.length > 15) {
      throw new Error(`a secondary cluster needs 1 to 15 instances, got ${props.instanceIdentifiers.length}`);
    }
    this.clusterIdentifier = props.clusterIdentifier;
    const deletionProtection = props.deletionProtection ?? false;

    this.securityGroup = taggedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      name: props.securityGroupName,
      description: 'Aurora secondary: reachable only from the trading tasks of this region',
    });
    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      subnetGroupName: props.subnetGroupName,
      description: 'Aurora secondary: isolated subnets of every AZ',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const postgresLog = new logs.LogGroup(this, 'PostgresLogGroup', { logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql` });

    const parameterGroup = new rds.CfnDBClusterParameterGroup(this, 'ParameterGroup', {
      family: AURORA_PARAMETER_GROUP_FAMILY,
      description: `Aurora ${props.clusterIdentifier}: TLS required`,
      parameters: { ...AURORA_CLUSTER_PARAMETERS },
    });
    this.cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterParameterGroupName: parameterGroup.ref,
      dbClusterIdentifier: props.clusterIdentifier,
      globalClusterIdentifier: props.globalClusterIdentifier,
      engine: AURORA_ENGINE,
      engineVersion: AURORA_ENGINE_VERSION.auroraPostgresFullVersion,
      enableGlobalWriteForwarding: true,
      dbSubnetGroupName: subnetGroup.subnetGroupName,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      port: AURORA_PORT,
      storageEncrypted: true,
      kmsKeyId: props.encryptionKey.keyArn,
      serverlessV2ScalingConfiguration: { minCapacity: props.minCapacity ?? 0.5, maxCapacity: props.maxCapacity ?? 8 },
      enableIamDatabaseAuthentication: true,
      enableCloudwatchLogsExports: ['postgresql'],
      backupRetentionPeriod: 7,
      copyTagsToSnapshot: true,
      deletionProtection,
    });
    // CloudFormation detaches a secondary from its global cluster before deleting it, so the final
    // snapshot is of a standalone cluster (aws-cloudformation-resource-providers-rds, DeleteHandler).
    this.cluster.applyRemovalPolicy(deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);
    this.cluster.node.addDependency(postgresLog);
    acknowledgeAuroraDesignChoices(this.cluster, deletionProtection);

    const monitoringRole = enhancedMonitoringRole(this);
    props.instanceIdentifiers.forEach((instanceIdentifier, index) => {
      const instance = new rds.CfnDBInstance(this, `Instance${index + 1}`, {
        dbClusterIdentifier: this.cluster.ref,
        dbInstanceIdentifier: instanceIdentifier,
        dbInstanceClass: 'db.serverless',
        engine: AURORA_ENGINE,
        publiclyAccessible: false,
        promotionTier: index,
        monitoringInterval: AURORA_MONITORING_INTERVAL.toSeconds(),
        monitoringRoleArn: monitoringRole.roleArn,
        enablePerformanceInsights: true,
        performanceInsightsKmsKeyId: props.encryptionKey.keyArn,
        performanceInsightsRetentionPeriod: AURORA_PERFORMANCE_INSIGHTS_RETENTION,
      });
      instance.applyRemovalPolicy(RemovalPolicy.DESTROY);
      acknowledgeAuroraInstanceBackups(instance);
      this.instances.push(instance);
    });
  }

  /**
   * Cluster (writer) endpoint: inactive until this cluster is promoted ("All secondary Regions also
   * have writer endpoints, but they're inactive": AWS Database Blog, *Automate Amazon Aurora Global
   * Database endpoint management*).
   */
  public get endpoint(): string {
    return this.cluster.attrEndpointAddress;
  }

  /** Reader endpoint: active while the cluster has an instance; forwarded writes go through it. */
  public get readerEndpoint(): string {
    return this.cluster.attrReadEndpointAddress;
  }

  /**
   * Lag of storage-level replication from the primary, in milliseconds. Aurora publishes it for the
   * SECONDARY cluster, in the secondary's region.
   */
  public metricReplicationLag(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return DrMetrics.auroraReplicationLag(this.clusterIdentifier, Stack.of(this).region).with(options);
  }
}
