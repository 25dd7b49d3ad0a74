/**
 * Physical names of the platform, `<resource-type>-<purpose>-<suffix>`.
 *
 * Every name the stacks give a resource comes from here, so the longest environment suffix that
 * keeps every name inside its AWS limit can be derived instead of guessed.
 */

/** Record name of the trading application inside the hosted zone. */
export const APPLICATION_RECORD_NAME = 'app';
/**
 * Record name of the failover signal inside the hosted zone: a TXT record naming the region Route 53
 * would send traffic to, by fast health checks (`FailoverSignal`). It routes no traffic.
 */
export const SIGNAL_RECORD_NAME = `_failover.${APPLICATION_RECORD_NAME}`;

export type DeploymentRole = 'primary' | 'secondary';

/** One kind of name and the AWS limit on its length. */
interface NameRule {
  readonly kind: string;
  readonly maxLength: number;
  readonly render: (names: PlatformNames) => string[];
}

const ROLES: DeploymentRole[] = ['primary', 'secondary'];
/** Longest region code among supported regions, and an account id, for worst-case lengths. */
const LONGEST_REGION = 'ap-southeast-2';
const ACCOUNT_PLACEHOLDER = '123456789012';

export class PlatformNames {
  constructor(public readonly suffix: string) {}

  public stack(layer: string, role?: DeploymentRole): string {
    return ['trading-dr', layer, role, this.suffix].filter(Boolean).join('-');
  }

  public vpc(role: DeploymentRole): string {
    return `vpc-trading-${role}-${this.suffix}`;
  }

  public cluster(role: DeploymentRole): string {
    return `ecs-trading-${role}-${this.suffix}`;
  }

  public service(role: DeploymentRole): string {
    return `svc-trading-${role}-${this.suffix}`;
  }

  public taskFamily(role: DeploymentRole): string {
    return `task-trading-${role}-${this.suffix}`;
  }

  public loadBalancer(role: DeploymentRole): string {
    return `alb-trading-${role}-${this.suffix}`;
  }

  public targetGroup(role: DeploymentRole): string {
    return `tg-trading-${role}-${this.suffix}`;
  }

  public securityGroup(purpose: string, role: DeploymentRole): string {
    return `sg-${purpose}-${role}-${this.suffix}`;
  }

  /** IAM names are account-wide, so they carry the region role too. */
  public iamRole(purpose: string, role: DeploymentRole): string {
    return `role-${purpose}-${role}-${this.suffix}`;
  }

  public logGroup(purpose: string, role: DeploymentRole): string {
    return `/trading-dr/${this.suffix}/${role}/${purpose}`;
  }

  /** S3 names are global: the account and region make them unique. */
  public bucket(purpose: string, account: string, region: string): string {
    return `s3-${purpose}-${account}-${region}-${this.suffix}`;
  }

  /** WAF web ACL: letters, digits, hyphens, underscores; at most 128 characters. */
  public webAcl(role: DeploymentRole): string {
    return `waf-trading-${role}-${this.suffix}`;
  }

  /** WAF delivers to CloudWatch Logs only into log groups named `aws-waf-logs-*` (WAF Developer Guide). */
  public webAclLogGroup(role: DeploymentRole): string {
    return `aws-waf-logs-trading-${role}-${this.suffix}`;
  }

  /** CloudWatch Logs resource policy letting WAF deliver into that log group (10 per account and region). */
  public webAclLogDeliveryPolicy(role: DeploymentRole): string {
    return `waf-log-delivery-trading-${role}-${this.suffix}`;
  }

  public kmsAlias(role: DeploymentRole): string {
    return `alias/trading-dr-${role}-${this.suffix}`;
  }

  public alarmTopic(role: DeploymentRole): string {
    return `sns-trading-alarms-${role}-${this.suffix}`;
  }

  /** The topic verify-deployment's EventBridge canary publishes to: encrypted like the alarm topic, paging no one. */
  public canaryTopic(role: DeploymentRole): string {
    return `sns-trading-delivery-canary-${role}-${this.suffix}`;
  }

  public alarm(purpose: string): string {
    return `alarm-${purpose}-${this.suffix}`;
  }

  /** AWS Backup vault: letters, digits, hyphens; at most 50 characters. */
  public backupVault(role: DeploymentRole): string {
    return `backup-trading-${role}-${this.suffix}`;
  }

  public backupPlan(role: DeploymentRole): string {
    return `backup-plan-trading-${role}-${this.suffix}`;
  }

  /** Aurora identifiers: letters, digits, hyphens; at most 63 characters. */
  public auroraGlobalCluster(): string {
    return `aurora-trading-global-${this.suffix}`;
  }

  public auroraCluster(role: DeploymentRole): string {
    return `aurora-trading-${role}-${this.suffix}`;
  }

  /** Aurora instance, e.g. `writer`, `reader`, `1`. */
  public auroraInstance(role: DeploymentRole, member: string): string {
    return `aurora-trading-${role}-${member}-${this.suffix}`;
  }

  public dbSubnetGroup(role: DeploymentRole): string {
    return `dbsubnet-trading-${role}-${this.suffix}`;
  }

  public databaseSecret(): string {
    return `secret-trading-db-${this.suffix}`;
  }

  public sessionTable(): string {
    return `ddb-trading-sessions-${this.suffix}`;
  }

  /** The same name in both regions: a global endpoint requires it. */
  public eventBus(): string {
    return `bus-trading-events-${this.suffix}`;
  }

  public eventRule(purpose: string): string {
    return `rule-trading-${purpose}-${this.suffix}`;
  }

  public queue(purpose: string, role: DeploymentRole): string {
    return `sqs-trading-${purpose}-${role}-${this.suffix}`;
  }

  public eventEndpoint(): string {
    return `endpoint-trading-events-${this.suffix}`;
  }

  public schedule(purpose: string): string {
    return `schedule-trading-${purpose}-${this.suffix}`;
  }

  public lambdaFunction(purpose: string): string {
    return `fn-trading-${purpose}-${this.suffix}`;
  }

  /** SSM parameters of the platform live under one path per environment. */
  public parameter(name: string): string {
    return `/trading-dr/${this.suffix}/${name}`;
  }

  public dashboard(role: DeploymentRole): string {
    return `trading-dr-${role}-${this.suffix}`;
  }

  public healthCheck(role: DeploymentRole, purpose = 'trading'): string {
    return `hc-${purpose}-${role}-${this.suffix}`;
  }
}

/** The names whose limits bound the suffix. Names with limits of 128+ characters are not listed. */
export const NAME_RULES: readonly NameRule[] = [
  { kind: 'CloudFormation stack', maxLength: 128, render: (n) => ROLES.map((r) => n.stack('network', r)) },
  { kind: 'Application Load Balancer', maxLength: 32, render: (n) => ROLES.map((r) => n.loadBalancer(r)) },
  { kind: 'target group', maxLength: 32, render: (n) => ROLES.map((r) => n.targetGroup(r)) },
  { kind: 'IAM role', maxLength: 64, render: (n) => ROLES.flatMap((r) => [n.iamRole('trading-task', r), n.iamRole('trading-exec', r)]) },
  {
    kind: 'S3 bucket',
    maxLength: 63,
    render: (n) => ['access-logs', 'trading-files'].map((purpose) => n.bucket(purpose, ACCOUNT_PLACEHOLDER, LONGEST_REGION)),
  },
  { kind: 'Aurora cluster identifier', maxLength: 63, render: (n) => [n.auroraGlobalCluster(), ...ROLES.map((r) => n.auroraCluster(r))] },
  { kind: 'Aurora instance identifier', maxLength: 63, render: (n) => ROLES.map((r) => n.auroraInstance(r, 'reader')) },
  { kind: 'IAM role (replication)', maxLength: 64, render: (n) => [n.iamRole('s3-replication', 'primary')] },
  { kind: 'EventBridge endpoint', maxLength: 64, render: (n) => [n.eventEndpoint()] },
  { kind: 'EventBridge rule', maxLength: 64, render: (n) => [n.eventRule('platform-events'), n.eventRule('master-secret-reads')] },
  { kind: 'Scheduler schedule', maxLength: 64, render: (n) => [n.schedule('events-heartbeat')] },
  { kind: 'SQS queue', maxLength: 80, render: (n) => ROLES.flatMap((r) => [n.queue('events', r), n.queue('events-dlq', r)]) },
  { kind: 'IAM role (events)', maxLength: 64, render: (n) => [n.iamRole('events-replication', 'primary'), n.iamRole('events-heartbeat', 'primary')] },
  { kind: 'Lambda function', maxLength: 64, render: (n) => [n.lambdaFunction('failover-orchestrator')] },
  { kind: 'IAM role (failover)', maxLength: 64, render: (n) => [n.iamRole('failover', 'secondary'), n.iamRole('failover-schedule', 'secondary')] },
  { kind: 'AWS Backup vault', maxLength: 50, render: (n) => ROLES.map((r) => n.backupVault(r)) },
  { kind: 'AWS Backup plan', maxLength: 50, render: (n) => ROLES.map((r) => n.backupPlan(r)) },
  { kind: 'KMS alias', maxLength: 256, render: (n) => ROLES.map((r) => n.kmsAlias(r)) },
  { kind: 'SNS topic', maxLength: 256, render: (n) => ROLES.map((r) => n.alarmTopic(r)) },
  { kind: 'security group', maxLength: 255, render: (n) => ROLES.map((r) => n.securityGroup('trading-alb', r)) },
];

/** The longest environment suffix for which every rendered name fits its limit. */
export function maxEnvironmentSuffixLength(): number {
  const probe = new PlatformNames('');
  return Math.min(...NAME_RULES.flatMap((rule) => rule.render(probe).map((name) => rule.maxLength - name.length)));
}
