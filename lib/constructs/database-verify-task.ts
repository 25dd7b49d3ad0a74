import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { taskExecutionRole } from './task-execution-role';

const VERIFY_MEMORY_MIB = 512;

export interface DatabaseVerifyTaskProps {
  /** The service's image: it carries the entry point (`dist/verify-database-cli.js`). */
  readonly image: ecs.ContainerImage;
  readonly family: string;
  readonly taskRoleName: string;
  readonly executionRoleName: string;
  readonly logGroupName: string;
  /** The region's cluster resource id (`cluster-...`), which `rds-db:connect` names. */
  readonly clusterResourceId: string;
  /** The roles the task logs in as with IAM tokens (the write canary's, which may touch its table only). */
  readonly databaseUsers: readonly string[];
  /** DB_HOST, DB_READER_HOST, DB_PORT, DB_NAME, DB_CANARY_USER. */
  readonly environment: { [key: string]: string };
}

/**
 * The one-off task `npm run verify-deployment` runs in each region for what only the database can
 * answer (service/src/verify-database.ts): IAM login over TLS, a refused login without TLS, and the
 * write canary. It holds no secret: it logs in with tokens its own task role signs, as the canary
 * role only.
 */
export class DatabaseVerifyTask extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly logGroup: logs.LogGroup;
  /** The container's name (its log stream is `verify/<name>/<task id>`). */
  public readonly containerName = 'verify';

  constructor(scope: Construct, id: string, props: DatabaseVerifyTaskProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const taskRole = new iam.Role(this, 'TaskRole', {
      roleName: props.taskRoleName,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "Logs in to the region's database with IAM tokens as the roles verify-deployment checks",
    });
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ConnectAsCheckedRoles',
        actions: ['rds-db:connect'],
        resources: props.databaseUsers.map((user) =>
          stack.formatArn({
            service: 'rds-db',
            resource: 'dbuser',
            resourceName: `${props.clusterResourceId}/${user}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    const executionRole = taskExecutionRole(this, 'ExecutionRole', props.executionRoleName, 'Pulls the image and writes the logs of the database verify task');
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { logGroupName: props.logGroupName });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: 256,
      memoryLimitMiB: VERIFY_MEMORY_MIB,
      taskRole,
      executionRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer(this.containerName, {
      image: props.image,
      essential: true,
      memoryLimitMiB: VERIFY_MEMORY_MIB,
      user: '1000:1000',
      command: ['node', 'dist/verify-database-cli.js'],
      // The token is signed for this region; explicit rather than left to the platform's variables.
      environment: { ...props.environment, AWS_REGION: stack.region },
      logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: 'verify' }),
      readonlyRootFilesystem: true,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment carries only the endpoints, the region and the role names; the task logs in with IAM tokens and holds no secret.',
    });
  }
}
