import { ArnFormat, CfnOutput } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ApplicationCertificate } from '../constructs/acm-validation-records';
import { DatabaseBootstrapTask } from '../constructs/database-bootstrap-task';
import { DatabaseVerifyTask } from '../constructs/database-verify-task';
import { LoadBalancerFirewall } from '../constructs/load-balancer-firewall';
import { TradingService } from '../constructs/trading-service';
import { DeploymentRole, PlatformNames } from '../naming';
import { acknowledgeWildcardResource } from '../nag';
import { WorkloadConfig, WorkloadSource } from '../workload';
import { workloadImage } from '../workload-image';
import { RegionalStack, RegionalStackProps } from './regional-stack';

/** The database role the service logs in as: it reads and inserts orders (service/src/bootstrap.ts). */
export const DATABASE_APPLICATION_USER = 'trading_app';
/** The database role the writer's migrations run as: it owns the tables. */
export const DATABASE_MIGRATION_USER = 'trading_migrator';
/** The database role verify-deployment's write canary logs in as: it may touch the canary table only. */
export const DATABASE_CANARY_USER = 'trading_canary';

/** How the service reaches the Aurora cluster of its own region. */
export interface ServiceDatabase {
  /** Security group of the cluster; the service gets ingress to it on `port`. */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly port: number;
  /**
   * This region's cluster (writer) endpoint. Active only while the cluster is the global writer: a
   * secondary's writer endpoint does not resolve (AWS Database Blog, *Automate Amazon Aurora Global
   * Database endpoint management*). The service uses it only in the writer role.
   */
  readonly endpoint: string;
  /** This region's reader endpoint: a forwarding secondary reads and forwards writes through it. */
  readonly readerEndpoint: string;
  /**
   * Complete ARN of this region's copy of the master secret (a replica keeps the primary's ARN
   * but for the region). Complete, not by name: ECS cannot resolve a partial ARN whose name ends
   * in a hyphen and six characters, as `secret-trading-db-<suffix>` does for a 6-character suffix
   * (aws/aws-cdk#18555).
   */
  readonly secretArn: string;
  readonly databaseName: string;
  /** Global cluster whose membership tells the service its cluster's current role. */
  readonly globalClusterIdentifier: string;
  /** This region's cluster: readiness requires it to be the writer or to forward writes. */
  readonly clusterIdentifier: string;
  /** The other region of the global cluster. */
  readonly peerRegion: string;
  /** The cluster's resource id (`cluster-...`): IAM database authentication names it in `rds-db:connect`. */
  readonly clusterResourceId: string;
}

/** Where the service publishes platform events. */
export interface ServiceEvents {
  /** Name of the bus, identical in every region. */
  readonly eventBusName: string;
  /** Id of the EventBridge global endpoint over the buses. */
  readonly endpointId: string;
  /** Regions holding the bus: the endpoint may route to either. */
  readonly busRegions: string[];
}

export interface ServiceStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  readonly role: DeploymentRole;
  readonly vpc: ec2.IVpc;
  /** The reference trading service's image: the one-off database bootstrap task always runs it. */
  readonly image: ecs.ContainerImage;
  /** The container the service runs. @default - the reference trading service with its defaults */
  readonly workload?: WorkloadConfig;
  /** Region's key: it encrypts the secret (replica), the session table replica and the files bucket. */
  readonly encryptionKey: kms.IKey;
  readonly accessLogBucket: s3.IBucket;
  readonly database: ServiceDatabase;
  readonly sessionTableName: string;
  readonly events: ServiceEvents;
  /** An issued certificate for the HTTPS listener. @default - `requestedCertificate`, or HTTP only */
  readonly certificateArn?: string;
  /** A certificate this stack requests, validated through the zone. @default - `certificateArn`, or HTTP only */
  readonly requestedCertificate?: RequestedCertificate;
}

/** A DNS-validated certificate the stack requests (see {@link ApplicationCertificate}). */
export interface RequestedCertificate {
  readonly domainName: string;
  /** The public zone of `domainName`: a string, because it lives in another stack, in the primary region. */
  readonly hostedZoneId: string;
}

/** The trading service of one region behind its load balancer, wired to the region's data stores. */
export class ServiceStack extends RegionalStack {
  public readonly trading: TradingService;
  public readonly databaseBootstrap: DatabaseBootstrapTask;
  /** verify-deployment's in-VPC database checks. */
  public readonly databaseVerify: DatabaseVerifyTask;
  /** The files bucket of this region, named deterministically by the foundation stack. */
  public readonly filesBucketName: string;
  /** The web ACL in front of the load balancer. */
  public readonly firewall: LoadBalancerFirewall;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { names, role, database } = props;
    this.filesBucketName = names.bucket('trading-files', this.account, this.region);

    const workload = props.workload;
    this.trading = new TradingService(this, 'Trading', {
      vpc: props.vpc,
      image: workload ? workloadImage(this, workload, props.image) : props.image,
      containerPort: workload?.port,
      livenessPath: workload?.livenessPath,
      cpu: workload?.cpu,
      memoryLimitMiB: workload?.memoryMiB,
      desiredCount: workload?.desiredCount,
      // The container check runs node inside the image: only the reference image is known to have it.
      containerHealthCheck: !workload || workload.source === WorkloadSource.REFERENCE,
      clusterName: names.cluster(role),
      serviceName: names.service(role),
      taskFamily: names.taskFamily(role),
      loadBalancerName: names.loadBalancer(role),
      targetGroupName: names.targetGroup(role),
      loadBalancerSecurityGroupName: names.securityGroup('trading-alb', role),
      serviceSecurityGroupName: names.securityGroup('trading-svc', role),
      taskRoleName: names.iamRole('trading-task', role),
      executionRoleName: names.iamRole('trading-exec', role),
      logGroupName: names.logGroup('trading-service', role),
      accessLogBucket: props.accessLogBucket,
      deletionProtection: this.protection.deletionProtection,
      certificate: this.certificate(props),
      environment: {
        REGION_ROLE: role,
        ENVIRONMENT_SUFFIX: names.suffix,
        DB_HOST: database.endpoint,
        DB_READER_HOST: database.readerEndpoint,
        DB_PORT: String(database.port),
        DB_NAME: database.databaseName,
        DB_GLOBAL_CLUSTER_ID: database.globalClusterIdentifier,
        DB_CLUSTER_ID: database.clusterIdentifier,
        // Asked for the role when this region's RDS API fails (service/src/database.ts, peerRds).
        DB_PEER_REGION: database.peerRegion,
        // The service logs in with IAM tokens as the application role, over TLS verified against
        // the RDS CA bundle; the master secret is the bootstrap task's alone.
        DB_USER: DATABASE_APPLICATION_USER,
        DB_MIGRATION_USER: DATABASE_MIGRATION_USER,
        // Named so that the migrations grant it the canary table (if the bootstrap created it).
        DB_CANARY_USER: DATABASE_CANARY_USER,
        DB_AUTH: 'iam',
        DB_TLS: 'verify-full',
        DB_WRITE_FORWARD_CONSISTENCY: 'session',
        SESSIONS_TABLE: props.sessionTableName,
        FILES_BUCKET: this.filesBucketName,
        EVENT_BUS_NAME: props.events.eventBusName,
        EVENT_ENDPOINT_ID: props.events.endpointId,
      },
    });
    this.firewall = new LoadBalancerFirewall(this, 'Firewall', {
      loadBalancer: this.trading.loadBalancer,
      webAclName: names.webAcl(role),
      logGroupName: names.webAclLogGroup(role),
      logResourcePolicyName: names.webAclLogDeliveryPolicy(role),
    });
    const taskRole = this.trading.taskRole;
    // The monitoring stacks imported the port-80 listener's ARN before they read the load balancer's
    // (see MonitoringStack). The export stays so that stacks deployed before that change can still
    // be updated: CloudFormation refuses to remove an export in use.
    this.exportValue(this.trading.httpListener.listenerArn);
    // Release 2e76783's Monitoring stacks import the target group's full name and, over HTTPS, the
    // HTTPS listener's ARN from here. The Service stacks deploy first, and CloudFormation refuses to
    // delete an export another stack imports (Fn::ImportValue), so an upgrade from 2e76783 would roll
    // back. They stay until no supported release imports them: remove them together with 2e76783's
    // entries in upgrades/releases.json, and `npm run check-upgrade` proves nothing still needs them.
    this.exportValue(this.trading.targetGroup.targetGroupFullName);
    if (this.trading.httpsListener) this.exportValue(this.trading.httpsListener.listenerArn);

    // Ingress on the database group is created here, in the consumer, so the data stack never
    // references the service stack (which would be a cycle).
    this.trading.serviceSecurityGroup.connections.allowTo(database.securityGroup, ec2.Port.tcp(database.port), 'Trading tasks to Aurora');

    this.grantDataAccess(taskRole, props);

    const masterSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'MasterSecret', database.secretArn);
    this.databaseBootstrap = new DatabaseBootstrapTask(this, 'DatabaseBootstrap', {
      image: props.image,
      family: `${names.taskFamily(role)}-db-bootstrap`,
      executionRoleName: names.iamRole('db-bootstrap', role),
      logGroupName: names.logGroup('db-bootstrap', role),
      masterSecret,
      secretKey: props.encryptionKey,
      // The cluster endpoint: the bootstrap runs in the writer's region only, where it is active.
      environment: {
        DB_HOST: database.endpoint,
        DB_PORT: String(database.port),
        DB_NAME: database.databaseName,
        DB_USER: DATABASE_APPLICATION_USER,
        DB_MIGRATION_USER: DATABASE_MIGRATION_USER,
        DB_CANARY_USER: DATABASE_CANARY_USER,
      },
    });
    this.databaseVerify = new DatabaseVerifyTask(this, 'DatabaseVerify', {
      image: props.image,
      family: `${names.taskFamily(role)}-db-verify`,
      taskRoleName: names.iamRole('db-verify-task', role),
      executionRoleName: names.iamRole('db-verify', role),
      logGroupName: names.logGroup('db-verify', role),
      clusterResourceId: database.clusterResourceId,
      // Not the application role: whoever may run this task would read and write orders as it.
      databaseUsers: [DATABASE_CANARY_USER],
      environment: {
        DB_HOST: database.endpoint,
        DB_READER_HOST: database.readerEndpoint,
        DB_PORT: String(database.port),
        DB_NAME: database.databaseName,
        DB_CANARY_USER: DATABASE_CANARY_USER,
      },
    });
    new CfnOutput(this, 'DatabaseVerifyTaskDefinition', {
      value: this.databaseVerify.taskDefinition.taskDefinitionArn,
      description: "One-off task of verify-deployment's database checks (IAM login, TLS, write canary)",
    });
    new CfnOutput(this, 'DatabaseBootstrapTaskDefinition', {
      value: this.databaseBootstrap.taskDefinition.taskDefinitionArn,
      description: 'One-off task that creates the database roles (npm run db-bootstrap runs it in the writer region)',
    });
    new CfnOutput(this, 'ServiceSecurityGroupId', {
      value: this.trading.serviceSecurityGroup.securityGroupId,
      description: 'Security group of the service tasks, allowed to reach the database',
    });

    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.trading.loadBalancer.loadBalancerDnsName,
      description: `DNS name of the ${role} region's load balancer`,
    });
    new CfnOutput(this, 'LoadBalancerCanonicalHostedZoneId', {
      value: this.trading.loadBalancer.loadBalancerCanonicalHostedZoneId,
      description: 'Hosted zone of the load balancer, for alias records',
    });
  }

  /**
   * The task role's data permissions, spelled out action by action (the L2 `grant*` helpers add
   * wildcard actions such as `s3:DeleteObject*`), and limited to this region's copies: its secret
   * replica, its table replica, its bucket and its key.
   */
  private grantDataAccess(taskRole: iam.IRole, props: ServiceStackProps): void {
    const tableArn = this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.sessionTableName });
    const bucketArn = this.formatArn({ service: 's3', region: '', account: '', resource: this.filesBucketName });
    const statements = [
      new iam.PolicyStatement({
        sid: 'ConnectAsApplicationRoles',
        actions: ['rds-db:connect'],
        resources: [DATABASE_APPLICATION_USER, DATABASE_MIGRATION_USER].map((user) =>
          this.formatArn({
            service: 'rds-db',
            resource: 'dbuser',
            resourceName: `${props.database.clusterResourceId}/${user}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
      new iam.PolicyStatement({
        sid: 'ReadDatabaseRole',
        actions: ['rds:DescribeGlobalClusters'],
        resources: [`arn:${this.partition}:rds::${this.account}:global-cluster:${props.database.globalClusterIdentifier}`],
      }),
      new iam.PolicyStatement({
        sid: 'ReadWriteSessions',
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        resources: [tableArn],
      }),
      new iam.PolicyStatement({ sid: 'ListFiles', actions: ['s3:ListBucket'], resources: [bucketArn] }),
      new iam.PolicyStatement({ sid: 'ReadWriteFiles', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [`${bucketArn}/*`] }),
      new iam.PolicyStatement({
        sid: 'PublishPlatformEvents',
        actions: ['events:PutEvents'],
        // Through the global endpoint the call lands on either region's bus; the fallback uses the local one.
        resources: props.events.busRegions.map((region) =>
          this.formatArn({ service: 'events', region, resource: 'event-bus', resourceName: props.events.eventBusName }),
        ),
      }),
      new iam.PolicyStatement({
        sid: 'UseRegionKeyThroughDataServices',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': ['dynamodb', 's3'].map((service) => `${service}.${this.region}.amazonaws.com`) } },
      }),
    ];
    const policy = new iam.Policy(this, 'TaskDataPolicy', { statements });
    taskRole.attachInlinePolicy(policy);
    // Tasks read their secret and role as they start: the policy must exist before the service does.
    this.trading.service.node.addDependency(policy);
    acknowledgeWildcardResource(
      policy,
      `${bucketArn}/*`,
      'The service reads and writes arbitrary object keys, but only inside the files bucket of its own region.',
    );
  }

  private certificate(props: ServiceStackProps): acm.ICertificate | undefined {
    if (props.certificateArn && props.requestedCertificate) throw new Error(`${this.node.path}: certificateArn and requestedCertificate exclude each other`);
    if (props.certificateArn) return acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn);
    if (!props.requestedCertificate) return undefined;
    return new ApplicationCertificate(this, 'ApplicationCertificate', {
      domainName: props.requestedCertificate.domainName,
      hostedZone: route53.HostedZone.fromHostedZoneId(this, 'CertificateZone', props.requestedCertificate.hostedZoneId),
    }).certificate;
  }
}
