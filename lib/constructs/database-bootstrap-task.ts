import { Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { taskExecutionRole } from './task-execution-role';

const BOOTSTRAP_MEMORY_MIB = 512;

export interface DatabaseBootstrapTaskProps {
  /** The service's image: it carries the bootstrap entry point (`dist/bootstrap-cli.js`). */
  readonly image: ecs.ContainerImage;
  readonly family: string;
  readonly executionRoleName: string;
  readonly logGroupName: string;
  /** The master credentials, injected into this task only. */
  readonly masterSecret: secretsmanager.ISecret;
  /** The region's key, which encrypts the secret (replica). */
  readonly secretKey: kms.IKey;
  /** DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_MIGRATION_USER. */
  readonly environment: { [key: string]: string };
}

/**
 * The one-off task that creates the application's database roles with the master credentials
 * (service/src/bootstrap.ts). It runs only when an operator starts it (`npm run db-bootstrap`), in
 * the writer's region, inside the VPC that alone reaches the database. Its execution role is the
 * only principal of the platform that reads the master secret; the service itself logs in with IAM.
 */
export class DatabaseBootstrapTask extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapTaskProps) {
    super(scope, id);
    const executionRole = taskExecutionRole(
      this,
      'ExecutionRole',
      props.executionRoleName,
      'Pulls the image, writes the logs and injects the master secret of the database bootstrap task',
    );
    executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptMasterSecret',
        actions: ['kms:Decrypt'],
        resources: [props.secretKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${props.secretKey.env.region}.amazonaws.com` } },
      }),
    );
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { logGroupName: props.logGroupName });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: 256,
      memoryLimitMiB: BOOTSTRAP_MEMORY_MIB,
      executionRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer('bootstrap', {
      image: props.image,
      essential: true,
      // The one container may use the whole task; an explicit hard limit makes that visible (CT.ECS.PR.7).
      memoryLimitMiB: BOOTSTRAP_MEMORY_MIB,
      user: '1000:1000',
      command: ['node', 'dist/bootstrap-cli.js'],
      environment: props.environment,
      secrets: { DB_MASTER_SECRET: ecs.Secret.fromSecretsManager(props.masterSecret) },
      logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: 'bootstrap' }),
      readonlyRootFilesystem: true,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment carries only the endpoint and the role names; the master credentials arrive through the secrets section from Secrets Manager.',
    });
  }
}
