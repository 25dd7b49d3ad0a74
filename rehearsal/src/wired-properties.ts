/**
 * The template properties the rehearsal reads, how its models use each, and the properties it
 * deliberately ignores with the reason (issue 23, item 1). `name` is how the models' messages name
 * the property; rehearsal/test/wired-properties.test.ts wires each one wrong and expects a scenario
 * to fail with that name in its message. The README prints both lists.
 */

export interface WiredProperty {
  /** The CloudFormation resource type (or what the property belongs to). */
  readonly resource: string;
  /** The property as the models' messages name it. */
  readonly name: string;
  /** What the model does with it. */
  readonly use: string;
}

export interface IgnoredProperty {
  readonly resource: string;
  readonly name: string;
  readonly reason: string;
}

const HEALTH_CHECK = 'AWS::Route53::HealthCheck';
const RECORD = 'AWS::Route53::RecordSet';
const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
const TARGET_GROUP = 'AWS::ElasticLoadBalancingV2::TargetGroup';
const SERVICE = 'AWS::ECS::Service';
const CONTAINER = 'AWS::ECS::TaskDefinition (container environment)';
const FUNCTION = 'AWS::Lambda::Function (orchestrator)';
const ORCHESTRATOR = 'AWS::Lambda::Function (orchestrator environment)';

export const WIRED_PROPERTIES: readonly WiredProperty[] = [
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.Type', use: "the checkers' protocol, to the listener on the probed port" },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.FullyQualifiedDomainName', use: 'the load balancer the checkers connect to' },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.Port', use: 'the listener the checkers connect to' },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.ResourcePath', use: 'the path the service answers (404 for one it does not serve)' },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.RequestInterval', use: "each checker's pace (10 or 30 s, as Route 53 accepts)" },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.FailureThreshold', use: 'consecutive results a checker needs to change its verdict' },
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.Inverted', use: 'inverts the aggregate status' },
  { resource: RECORD, name: 'RecordSet.Name', use: 'the one weighted group the clients and the orchestrator resolve' },
  { resource: RECORD, name: 'RecordSet.Weight', use: "Route 53's weighted choice among healthy records" },
  { resource: RECORD, name: 'RecordSet.HealthCheckId', use: "the record's health; a record without one is always healthy" },
  { resource: RECORD, name: 'RecordSet.ResourceRecords', use: "a failover signal record's value (the region it names); a CNAME's target" },
  { resource: RECORD, name: 'AliasTarget.DNSName', use: 'the load balancer a client reaches (TTL: the target’s 60 s)' },
  { resource: LISTENER, name: 'Listener.Port', use: 'which listener a request on a port reaches (none: the connection times out)' },
  { resource: LISTENER, name: 'Listener.Protocol', use: 'HTTP to an HTTPS listener: 400; HTTPS to an HTTP one: no handshake' },
  { resource: LISTENER, name: 'Listener.DefaultActions', use: 'forward to the target group, or answer a redirect or fixed status' },
  { resource: TARGET_GROUP, name: 'TargetGroup.Protocol', use: 'the protocol to the targets (they serve plain HTTP)' },
  { resource: TARGET_GROUP, name: 'TargetGroup.HealthCheckPath', use: 'the path each target is judged by' },
  { resource: TARGET_GROUP, name: 'HealthCheckPort', use: 'the port each target is judged on (traffic-port: its registered port)' },
  { resource: TARGET_GROUP, name: 'Matcher.HttpCode', use: 'the answers that count as healthy' },
  { resource: SERVICE, name: 'DesiredCount', use: 'tasks started, and replaced when they stop' },
  { resource: SERVICE, name: 'LoadBalancers.ContainerPort', use: 'the port ECS registers each task on' },
  { resource: CONTAINER, name: 'PORT', use: 'the port the service listens on' },
  { resource: CONTAINER, name: 'DB_HOST', use: "the writer endpoint the service resolves (the Aurora model's endpoint rules)" },
  { resource: CONTAINER, name: 'DB_READER_HOST', use: 'the reader endpoint a forwarding secondary writes through' },
  { resource: CONTAINER, name: 'DB_PORT', use: "the port the service connects to (the cluster's Port)" },
  { resource: CONTAINER, name: 'DB_GLOBAL_CLUSTER_ID', use: 'the global cluster whose members the service reads its role from' },
  { resource: CONTAINER, name: 'DB_CLUSTER_ID', use: "which member is the service's own" },
  { resource: CONTAINER, name: 'DB_PEER_REGION', use: 'the RDS API asked when the own region’s fails' },
  { resource: 'AWS::Scheduler::Schedule', name: 'ScheduleExpression', use: "the orchestrator's period (rate expressions)" },
  { resource: FUNCTION, name: 'ReservedConcurrentExecutions', use: 'concurrent runs; throttled events retried up to their maximum age' },
  { resource: FUNCTION, name: 'Timeout', use: "a run's environment discarded at the timeout" },
  { resource: ORCHESTRATOR, name: 'GLOBAL_CLUSTER_ID', use: 'the global cluster it reads and fails over' },
  { resource: ORCHESTRATOR, name: 'SECONDARY_CLUSTER_ARN', use: 'the cluster it promotes' },
  { resource: ORCHESTRATOR, name: 'PRIMARY_READINESS_URL', use: 'its probe of the primary (protocol, port, path through the load balancer)' },
  { resource: ORCHESTRATOR, name: 'SECONDARY_READINESS_URL', use: 'its probe of the standby' },
  { resource: ORCHESTRATOR, name: 'PAUSE_PARAMETER', use: 'the switch an operator sets (the stack creates it)' },
  { resource: ORCHESTRATOR, name: 'PROBE_COUNT', use: 'probes per run' },
  { resource: ORCHESTRATOR, name: 'PROBE_INTERVAL_SECONDS', use: 'the gap between probes' },
  { resource: ORCHESTRATOR, name: 'PROBE_TIMEOUT_SECONDS', use: "a probe's timeout" },
  { resource: ORCHESTRATOR, name: 'PROBE_WINDOW_SECONDS', use: 'how long failed probes must span' },
  { resource: ORCHESTRATOR, name: 'PROBE_STATE_PARAMETER', use: 'where the streak of failed probes is kept between runs' },
  { resource: ORCHESTRATOR, name: 'NAME_SERVERS', use: "the zone's name servers it asks" },
  { resource: ORCHESTRATOR, name: 'VETO_TIMEOUT_SECONDS', use: 'how long the veto probe waits for a slow primary' },
  { resource: ORCHESTRATOR, name: 'MINIMUM_OUTAGE_SECONDS', use: 'how long the primary must fail every probe before a promotion' },
  { resource: ORCHESTRATOR, name: 'SIGNAL_RECORD_NAME', use: 'the failover signal it asks the zone for' },
  { resource: ORCHESTRATOR, name: 'SIGNAL_STANDBY_VALUE', use: "the signal's answer that means Route 53 moved to the standby" },
  { resource: ORCHESTRATOR, name: 'NOTIFICATION_TOPIC_ARN', use: 'where it pages (the stack creates the topic)' },
  { resource: 'AWS::RDS::GlobalCluster', name: 'GlobalCluster.GlobalClusterIdentifier', use: 'the global cluster RDS answers for' },
  { resource: 'AWS::RDS::DBCluster', name: 'DBCluster.DBClusterIdentifier', use: "the member's identity (endpoints, ARN)" },
  { resource: 'AWS::RDS::DBCluster', name: 'DBCluster.Port', use: 'the port its endpoints accept connections on (default 5432)' },
  { resource: 'AWS::RDS::DBCluster', name: 'DBCluster.GlobalClusterIdentifier', use: 'membership of the global cluster' },
  {
    resource: 'AWS::RDS::DBCluster',
    name: 'DBCluster.MasterUsername',
    use: 'a cluster with master credentials creates the global writer; one without joins as a secondary',
  },
  { resource: 'AWS::RDS::DBCluster', name: 'DBCluster.EnableGlobalWriteForwarding', use: 'whether a secondary forwards writes' },
  { resource: 'AWS::RDS::DBInstance', name: 'AWS::RDS::DBInstance', use: 'a cluster without an instance answers nothing' },
];

const NOT_MODELLED_SERVICE =
  'the rehearsal runs the order path only: events, sessions and files are not modelled (verify-deployment and the moto tests check them)';
const NO_LOGIN = 'the simulated SQL adapter does not log in: db-bootstrap and the database-iam-login check of verify-deployment prove the login on AWS';

export const IGNORED_PROPERTIES: readonly IgnoredProperty[] = [
  { resource: HEALTH_CHECK, name: 'HealthCheckConfig.MeasureLatency', reason: 'latency graphs only; no effect on health' },
  {
    resource: HEALTH_CHECK,
    name: 'HealthCheckConfig.EnableSNI',
    reason: 'Route 53 does not validate certificates, so SNI changes no verdict (the platform does not set it)',
  },
  {
    resource: HEALTH_CHECK,
    name: 'HealthCheckConfig.Regions',
    reason: 'not set by the platform: Route 53 uses its default checker regions, modelled as 8 independent checkers',
  },
  { resource: RECORD, name: 'RecordSet.SetIdentifier', reason: 'a label; the choice depends on weights and health' },
  {
    resource: RECORD,
    name: 'RecordSet.TTL',
    reason: 'the platform’s records are aliases, whose TTL is the load balancer’s 60 s; read when a record is a CNAME',
  },
  { resource: RECORD, name: 'AliasTarget.EvaluateTargetHealth', reason: 'not set by the platform: each record carries its own health check' },
  {
    resource: TARGET_GROUP,
    name: 'HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds, HealthyThresholdCount, UnhealthyThresholdCount',
    reason:
      'target health is judged when asked; ECS replaces an unhealthy task after two 10 s checks: they only delay, by seconds, what a wrong path or port causes at once',
  },
  { resource: TARGET_GROUP, name: 'TargetGroupAttributes', reason: 'deregistration delay and stickiness: no scenario drains tasks mid-request' },
  { resource: SERVICE, name: 'HealthCheckGracePeriodSeconds', reason: 'modelled as the platform’s 60 s; tasks answer the liveness path as soon as they start' },
  { resource: SERVICE, name: 'DeploymentConfiguration', reason: 'no scenario deploys; task replacement is modelled one task at a time' },
  { resource: CONTAINER, name: 'REGION_ROLE, ENVIRONMENT_SUFFIX', reason: 'labels in answers and logs; the role comes from the RDS API' },
  { resource: CONTAINER, name: 'DB_NAME, DB_USER, DB_MIGRATION_USER, DB_CANARY_USER, DB_AUTH, DB_TLS', reason: NO_LOGIN },
  {
    resource: CONTAINER,
    name: 'DB_WRITE_FORWARD_CONSISTENCY',
    reason:
      'read-after-write consistency of forwarded writes is not modelled (a forwarded write commits when the writer does); the RDS-shaped PostgreSQL tests cover the session setting',
  },
  { resource: CONTAINER, name: 'SESSIONS_TABLE, FILES_BUCKET, EVENT_BUS_NAME, EVENT_ENDPOINT_ID', reason: NOT_MODELLED_SERVICE },
  { resource: ORCHESTRATOR, name: 'EVENT_BUS_NAME', reason: 'its events are not routed anywhere in the rehearsal; pages go to SNS, which is modelled' },
  {
    resource: ORCHESTRATOR,
    name: 'APPLICATION_HOST_NAME, SECONDARY_LB_DNS_NAME',
    reason:
      "read only without a failover signal (the platform sets one): the orchestrator then compares the application's answer with the standby's addresses; `npm run rehearse:levers` runs that way as 'without the failover signal'",
  },
  { resource: ORCHESTRATOR, name: 'PROBE_SERVER_NAME', reason: 'TLS server name for HTTPS probes; the rehearsal’s load balancers do not check it' },
  { resource: ORCHESTRATOR, name: 'NODE_OPTIONS', reason: 'runtime flags' },
  {
    resource: ORCHESTRATOR,
    name: 'TRAFFIC_WAIT_SECONDS',
    reason:
      'read by the real code: a run with a confirmed outage goes on this long past its 400 s window while Route 53 has not moved; with runs that long, and blocked failovers paged from inside the run, no scenario’s outcome turns on it (tried 0 and 300)',
  },
  {
    resource: ORCHESTRATOR,
    name: 'PROMOTION_TIMEOUT_SECONDS',
    reason: 'read by the real code: after requesting the promotion a run only waits to report it; no scenario’s outcome turns on it (tried 60 and 600)',
  },
  {
    resource: 'AWS::Lambda::EventInvokeConfig',
    name: 'MaximumEventAgeInSeconds',
    reason:
      'read and modelled: a throttled invocation is retried until this age; no scenario’s outcome turns on it, since the next scheduled run comes within 60 s (tried 21600)',
  },
  { resource: FUNCTION, name: 'MemorySize, Architectures', reason: 'run time is drawn, not derived from the function size' },
  {
    resource: 'AWS::RDS::DBCluster',
    name: 'ServerlessV2ScalingConfiguration',
    reason: 'capacity is not modelled yet: a promoted standby takes the load at once (issue 23, item 2, open)',
  },
  {
    resource: 'AWS::RDS::DBCluster',
    name: 'BackupRetentionPeriod, DeletionProtection, StorageEncrypted, KmsKeyId, EnableIAMDatabaseAuthentication',
    reason: 'no effect on a failover',
  },
];
