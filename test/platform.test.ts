import { Match, Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import {
  allResources,
  nagFindings,
  onlyResource as onlyEntry,
  resolveIn,
  synthesizePlatform,
  SynthesizedPlatform,
  tagValue,
  appTaskDefinition,
} from './helpers';

const SUFFIX = 'zq9';
let platform: SynthesizedPlatform;

beforeAll(() => {
  platform = synthesizePlatform({ environmentSuffix: SUFFIX });
});

const REGIONS = [
  { role: 'primary', region: 'us-east-1', network: 'PrimaryFoundation', service: 'PrimaryService' },
  { role: 'secondary', region: 'us-west-2', network: 'SecondaryFoundation', service: 'SecondaryService' },
] as const;

const resolveResource = (value: any, consumerStackId: string) => resolveIn(platform, value, consumerStackId);
const onlyResource = (template: Template, type: string): any => onlyEntry(template, type).resource;

function subnetTypeOf(value: any, stackId: string): string | undefined {
  return tagValue(resolveResource(value, stackId).resource, 'aws-cdk:subnet-type');
}

describe.each(REGIONS)('$role region ($region)', ({ role, region, network, service }) => {
  let networkTemplate: Template;
  let serviceTemplate: Template;
  beforeAll(() => {
    networkTemplate = platform.templates[network];
    serviceTemplate = platform.templates[service];
  });

  test('stacks deploy to the configured region', () => {
    expect(platform.allStacks.find((stack) => stack.node.id === network)!.region).toBe(region);
    expect(platform.allStacks.find((stack) => stack.node.id === service)!.region).toBe(region);
  });

  test('VPC spans exactly the 3 configured AZs with public, private and data subnets in each', () => {
    const subnets = Object.values(networkTemplate.findResources('AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(9);
    const zones = (type: string): string[] =>
      subnets
        .filter((s) => tagValue(s, 'aws-cdk:subnet-type') === type)
        .map((s) => s.Properties.AvailabilityZone)
        .sort();
    const expected = ['a', 'b', 'c'].map((letter) => `${region}${letter}`);
    expect(zones('Public')).toEqual(expected);
    expect(zones('Private')).toEqual(expected);
    expect(zones('Isolated')).toEqual(expected);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test("the VPC uses its own region's private range", () => {
    networkTemplate.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: role === 'primary' ? '10.10.0.0/16' : '10.20.0.0/16' });
  });

  test('one NAT gateway per AZ and flow logs of all traffic', () => {
    networkTemplate.resourceCountIs('AWS::EC2::NatGateway', 3);
    networkTemplate.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });

  test('ECS cluster has Container Insights on', () => {
    serviceTemplate.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: `ecs-trading-${role}-${SUFFIX}`,
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('task: 1 vCPU, 2 GB, Fargate, non-root, read-only root file system, built from the service source', () => {
    const task = appTaskDefinition(serviceTemplate).resource;
    expect(task.Properties).toMatchObject({ Cpu: '1024', Memory: '2048', NetworkMode: 'awsvpc', RequiresCompatibilities: ['FARGATE'] });
    const [container] = task.Properties.ContainerDefinitions;
    expect(container).toMatchObject({ User: '1000:1000', ReadonlyRootFilesystem: true, PortMappings: [{ ContainerPort: 8080 }], StopTimeout: 30 });
    expect(JSON.stringify(container.Image)).toContain('container-assets');
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
  });

  test('service: 2 tasks in private subnets, no public IP, circuit breaker with rollback, never below desired count', () => {
    const ecsService = onlyResource(serviceTemplate, 'AWS::ECS::Service');
    expect(ecsService.Properties).toMatchObject({
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      ServiceName: `svc-trading-${role}-${SUFFIX}`,
      DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
    });
    const vpcConfig = ecsService.Properties.NetworkConfiguration.AwsvpcConfiguration;
    expect(vpcConfig.AssignPublicIp).toBe('DISABLED');
    expect(vpcConfig.Subnets).toHaveLength(3);
    for (const subnet of vpcConfig.Subnets) expect(subnetTypeOf(subnet, service)).toBe('Private');
  });

  test('internet-facing ALB in the public subnets, IP target group with liveness health check', () => {
    const alb = onlyResource(serviceTemplate, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties).toMatchObject({ Scheme: 'internet-facing', Type: 'application', Name: `alb-trading-${role}-${SUFFIX}` });
    expect(alb.Properties.Subnets).toHaveLength(3);
    for (const subnet of alb.Properties.Subnets) expect(subnetTypeOf(subnet, service)).toBe('Public');
    serviceTemplate.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Name: `tg-trading-${role}-${SUFFIX}`,
      TargetType: 'ip',
      Port: 8080,
      HealthCheckPath: '/healthz',
    });
  });

  test('plain HTTP listener forwarding to the service when no certificate is configured', () => {
    const listener = onlyResource(serviceTemplate, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties).toMatchObject({ Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward' }] });
  });

  test('the world reaches only the ALB listener; only the ALB reaches the tasks', () => {
    const groups = serviceTemplate.findResources('AWS::EC2::SecurityGroup');
    const [albSgId] = Object.entries(groups).find(([, sg]) => tagValue(sg, 'Name') === `sg-trading-alb-${role}-${SUFFIX}`)!;
    const [svcSgId] = Object.entries(groups).find(([, sg]) => tagValue(sg, 'Name') === `sg-trading-svc-${role}-${SUFFIX}`)!;

    const ingressFor = (sgId: string): any[] => [
      ...(groups[sgId].Properties.SecurityGroupIngress ?? []),
      ...Object.values(serviceTemplate.findResources('AWS::EC2::SecurityGroupIngress'))
        .map((r) => r.Properties)
        .filter((p) => p.GroupId?.['Fn::GetAtt']?.[0] === sgId),
    ];
    expect(ingressFor(albSgId)).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80, IpProtocol: 'tcp' })]);
    expect(ingressFor(svcSgId)).toEqual([
      expect.objectContaining({ FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [albSgId, 'GroupId'] } }),
    ]);

    // Nothing else in any stack opens the task security group.
    const stray = allResources(platform).filter(({ resource }) => resource.Type === 'AWS::EC2::SecurityGroupIngress' && resource.Properties.CidrIp);
    expect(stray).toEqual([]);
  });

  test('ALB egress goes only to the tasks on the container port', () => {
    const albSg = Object.values(serviceTemplate.findResources('AWS::EC2::SecurityGroup')).find(
      (sg) => tagValue(sg, 'Name') === `sg-trading-alb-${role}-${SUFFIX}`,
    )!;
    const [albSgId] = Object.entries(serviceTemplate.findResources('AWS::EC2::SecurityGroup')).find(([, sg]) => sg === albSg)!;
    const egress = Object.values(serviceTemplate.findResources('AWS::EC2::SecurityGroupEgress'))
      .map((r) => r.Properties)
      .filter((p) => p.GroupId['Fn::GetAtt']?.[0] === albSgId);
    expect(egress).toEqual([expect.objectContaining({ FromPort: 8080, ToPort: 8080, DestinationSecurityGroupId: expect.anything() })]);
    expect(albSg.Properties.SecurityGroupEgress ?? []).toEqual([]);
  });

  test('execution role only pulls the image and writes logs', () => {
    const roles = serviceTemplate.findResources('AWS::IAM::Role');
    const [execRoleId] = Object.entries(roles).find(([, r]) => r.Properties.RoleName === `role-trading-exec-${role}-${SUFFIX}`)!;
    const policies = Object.values(serviceTemplate.findResources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: any) => r.Ref === execRoleId));
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat())).sort();
    expect(actions).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  test('ALB access logs go to an encrypted, TLS-only, destroyable bucket', () => {
    const alb = onlyResource(serviceTemplate, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.LoadBalancerAttributes).toEqual(expect.arrayContaining([{ Key: 'access_logs.s3.enabled', Value: 'true' }]));
    expect(resolveResource(alb.Properties.LoadBalancerAttributes.find((a: any) => a.Key === 'access_logs.s3.bucket').Value, service).stackId).toBe(network);
    const logBucket = Object.values(networkTemplate.findResources('AWS::S3::Bucket')).find((b) =>
      JSON.stringify(b.Properties.BucketName).includes('s3-access-logs-'),
    )!;
    expect(JSON.stringify(logBucket.Properties.BucketName)).toContain(`-${region}-${SUFFIX}`);
    networkTemplate.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    networkTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    // The files bucket empties itself with CDK's handler; the log bucket with the emptier, which copes with late deliveries.
    networkTemplate.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    networkTemplate.resourceCountIs('Custom::BucketEmptier', 1);
    // The load balancer writes under alb/AWSLogs/<account>/ as its region's log-delivery principal.
    const logBucketId = Object.entries(networkTemplate.findResources('AWS::S3::Bucket')).find(([, b]) => b === logBucket)![0];
    const logPolicy = Object.values(networkTemplate.findResources('AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === logBucketId)!;
    const albWrite = logPolicy.Properties.PolicyDocument.Statement.find(
      (st: any) => st.Effect === 'Allow' && [st.Action].flat().includes('s3:PutObject') && JSON.stringify(st.Resource).includes('/alb/AWSLogs/'),
    );
    expect(albWrite).toBeDefined();
    expect(JSON.stringify(albWrite.Principal)).toMatch(/elasticloadbalancing|:iam::\d{12}:root/);
  });

  test('output: DNS name of the ALB', () => {
    const outputs = serviceTemplate.toJSON().Outputs;
    expect(outputs.LoadBalancerDnsName.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TradingLoadBalancer/), 'DNSName'] });
  });
});

describe('global traffic management', () => {
  let dns: Template;
  beforeAll(() => {
    dns = platform.templates.GlobalTraffic;
  });

  test('hosted zone for the domain, output with its id', () => {
    dns.hasResourceProperties('AWS::Route53::HostedZone', { Name: `trading-${SUFFIX}.example.com.` });
    const [zoneId] = Object.keys(dns.findResources('AWS::Route53::HostedZone'));
    expect(dns.toJSON().Outputs.HostedZoneId.Value).toEqual({ Ref: zoneId });
  });

  test("two readiness health checks per region on that region's ALB: routing (30 s, threshold 2) and signal (10 s, threshold 3)", () => {
    const checks = Object.values(dns.findResources('AWS::Route53::HealthCheck'));
    expect(checks).toHaveLength(4);
    const byName = Object.fromEntries(checks.map((check) => [tagValue(check, 'Name'), check.Properties.HealthCheckConfig]));
    for (const { role, service } of REGIONS) {
      for (const [purpose, pace] of [
        ['trading', { RequestInterval: 30, FailureThreshold: 2 }],
        ['signal', { RequestInterval: 10, FailureThreshold: 3 }],
      ] as const) {
        const config = byName[`hc-${purpose}-${role}-${SUFFIX}`];
        expect(config).toMatchObject({ Type: 'HTTP', Port: 80, ResourcePath: '/ready', ...pace });
        const target = resolveResource(config.FullyQualifiedDomainName, 'GlobalTraffic');
        expect(target.stackId).toBe(service);
        expect(target.resource.Type).toBe('AWS::ElasticLoadBalancingV2::LoadBalancer');
      }
    }
  });

  test('the failover signal: weighted TXT records 100/0 naming each region, with the signal checks, routing no traffic', () => {
    const records = Object.values(dns.findResources('AWS::Route53::RecordSet', { Properties: { Type: 'TXT' } }));
    expect(records).toHaveLength(2);
    const checks = dns.findResources('AWS::Route53::HealthCheck');
    const expected = { primary: { weight: 100, region: 'us-east-1' }, secondary: { weight: 0, region: 'us-west-2' } };
    for (const { role } of REGIONS) {
      const record = records.find((r) => r.Properties.SetIdentifier === role)!.Properties;
      expect(record).toMatchObject({
        Name: `_failover.app.trading-${SUFFIX}.example.com.`,
        Weight: expected[role].weight,
        ResourceRecords: [`"${expected[role].region}"`],
        TTL: '10',
      });
      expect(tagValue(checks[record.HealthCheckId.Ref], 'Name')).toBe(`hc-signal-${role}-${SUFFIX}`);
    }
    // The orchestrator reads exactly that name, and knows which answer means the standby.
    const orchestrator = Object.values(platform.templates.FailoverAutomation.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment?.Variables?.GLOBAL_CLUSTER_ID,
    )!;
    expect(orchestrator.Properties.Environment.Variables).toMatchObject({
      SIGNAL_RECORD_NAME: `_failover.app.trading-${SUFFIX}.example.com`,
      SIGNAL_STANDBY_VALUE: 'us-west-2',
    });
  });

  test("weighted alias records 100 (primary) / 0 (secondary), each with its own region's health check", () => {
    const records = Object.values(dns.findResources('AWS::Route53::RecordSet', { Properties: { Type: 'A' } }));
    expect(records).toHaveLength(2);
    const checks = dns.findResources('AWS::Route53::HealthCheck');
    const expected = { primary: 100, secondary: 0 };
    for (const { role, service } of REGIONS) {
      const record = records.find((r) => r.Properties.SetIdentifier === role)!.Properties;
      expect(record).toMatchObject({ Name: `app.trading-${SUFFIX}.example.com.`, Type: 'A', Weight: expected[role] });
      expect(tagValue(checks[record.HealthCheckId.Ref], 'Name')).toBe(`hc-trading-${role}-${SUFFIX}`);
      expect(resolveResource(record.AliasTarget.HostedZoneId, 'GlobalTraffic').stackId).toBe(service);
    }
  });

  test('cross-region values travel as CloudFormation stack-output references, not literals', () => {
    const text = JSON.stringify(dns.toJSON().Resources);
    expect(text).toContain('"Fn::GetStackOutput":{"StackName":"trading-dr-service-secondary-zq9","Region":"us-west-2"');
    expect(text).not.toMatch(/elb\.amazonaws\.com/);
  });
});

describe('app-wide guarantees', () => {
  test('stack order: foundations, data, events, services, DNS, monitoring; no cycles', () => {
    const deps = (id: string): string[] =>
      platform.allStacks
        .find((s) => s.node.id === id)!
        .dependencies.map((d) => d.node.id)
        .sort();
    expect(deps('SecondaryFoundation')).toEqual([]);
    expect(deps('PrimaryFoundation')).toEqual(['SecondaryFoundation']);
    expect(deps('PrimaryData')).toEqual(['PrimaryFoundation', 'SecondaryFoundation']);
    expect(deps('SecondaryData')).toEqual(['PrimaryData', 'PrimaryFoundation', 'SecondaryFoundation']);
    expect(deps('EventRouting')).toEqual(['PrimaryFoundation', 'SecondaryFoundation']);
    expect(deps('PrimaryService')).toEqual(['EventRouting', 'PrimaryData', 'PrimaryFoundation']);
    expect(deps('SecondaryService')).toEqual(['EventRouting', 'PrimaryData', 'SecondaryData', 'SecondaryFoundation']);
    expect(deps('GlobalTraffic')).toEqual(['PrimaryService', 'SecondaryService']);
    expect(deps('PrimaryMonitoring')).toEqual(['EventRouting', 'GlobalTraffic', 'PrimaryFoundation', 'PrimaryService']);
    expect(deps('SecondaryMonitoring')).toEqual(['EventRouting', 'GlobalTraffic', 'SecondaryData', 'SecondaryFoundation', 'SecondaryService']);
  });

  test('every named resource carries the environment suffix', () => {
    const nameKeys = ['ClusterName', 'ServiceName', 'Family', 'Name', 'GroupName', 'RoleName', 'LogGroupName', 'BucketName'];
    const named = allResources(platform).flatMap(({ stackId, logicalId, resource }) => {
      const nameTag = tagValue(resource, 'Name');
      const isReference = (value: any): boolean => typeof value === 'object' && ('Ref' in value || 'Fn::GetAtt' in value);
      // `Family` names an ECS task family; on a parameter group it is the engine family. A VPC
      // endpoint's `ServiceName` is the AWS service it reaches (its Name tag names it).
      const values = nameKeys
        .filter((key) => key !== 'Family' || resource.Type === 'AWS::ECS::TaskDefinition')
        .filter((key) => key !== 'ServiceName' || resource.Type !== 'AWS::EC2::VPCEndpoint')
        .map((key) => resource.Properties?.[key])
        .concat(nameTag)
        .filter((value) => value !== undefined && !isReference(value));
      return values.map((value) => ({ at: `${stackId}/${logicalId}`, value: JSON.stringify(value) }));
    });
    expect(named.length).toBeGreaterThan(20);
    for (const { at, value } of named) expect({ at, hasSuffix: value.includes(SUFFIX) }).toEqual({ at, hasSuffix: true });
    for (const stack of platform.allStacks) expect(stack.stackName).toMatch(new RegExp(`^trading-dr-.*-${SUFFIX}$`));
  });

  test('every log group has the configured retention (7 days by default) and every Lambda an explicit log group', () => {
    const resources = allResources(platform);
    const logGroups = resources.filter(({ resource }) => resource.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(6);
    for (const { logicalId, resource } of logGroups) expect({ logicalId, days: resource.Properties.RetentionInDays }).toEqual({ logicalId, days: 7 });
    const functions = resources.filter(({ resource }) => resource.Type === 'AWS::Lambda::Function');
    for (const { logicalId, resource } of functions)
      expect({ logicalId, logGroup: resource.Properties.LoggingConfig?.LogGroup }).toEqual({ logicalId, logGroup: { Ref: expect.any(String) } });
  });

  test('no Retain or Snapshot deletion / update-replace policy anywhere', () => {
    const retained = allResources(platform).filter(({ resource }) =>
      [resource.DeletionPolicy, resource.UpdateReplacePolicy].some((policy) => policy !== undefined && policy !== 'Delete'),
    );
    expect(retained.map(({ stackId, logicalId }) => `${stackId}/${logicalId}`)).toEqual([]);
    // Deletion protection would block `cdk destroy` as surely as Retain.
    for (const { resource } of allResources(platform).filter(({ resource }) => resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      expect(resource.Properties.LoadBalancerAttributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
    }
  });

  test('no GuardDuty detector', () => {
    expect(allResources(platform).filter(({ resource }) => resource.Type.startsWith('AWS::GuardDuty::'))).toEqual([]);
  });

  test('cdk-nag AwsSolutions, PCI DSS and NIST 800-53: no unacknowledged finding in any stack', () => {
    for (const stack of platform.allStacks) expect({ stack: stack.node.id, findings: nagFindings(stack) }).toEqual({ stack: stack.node.id, findings: [] });
  });

  test('every cdk-nag acknowledgement carries a specific reason', () => {
    const acknowledgements = platform.app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries<any>(entry.data).map(([id, value]) => ({ id, reason: typeof value === 'string' ? value : value?.reason }))),
      );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) {
      expect({ id, specific: typeof reason === 'string' && reason.length >= 60 }).toEqual({ id, specific: true });
    }
  });
});

/*
 * Resources that use an IAM role while they are created must wait for the role's policies, not only
 * the role: CloudFormation creates an inline or attached policy as a separate resource, and a
 * resource that starts using the role before it exists fails (or starts tasks that cannot start).
 */
describe('creation order of role users', () => {
  /** Logical ids of the policies attached to a role (by `Ref`) in the same stack. */
  function policiesOf(stackId: string, roleLogicalId: string): string[] {
    return allResources(platform)
      .filter(({ stackId: id, resource }) => id === stackId && resource.Type === 'AWS::IAM::Policy')
      .filter(({ resource }) => (resource.Properties.Roles ?? []).some((role: any) => role.Ref === roleLogicalId))
      .map(({ logicalId }) => logicalId);
  }

  function roleOf(value: any): string | undefined {
    return value?.['Fn::GetAtt']?.[1] === 'Arn' ? value['Fn::GetAtt'][0] : undefined;
  }

  /** Every (resource, role) pair where the resource uses the role at creation. */
  function usesOfRoles(): Array<{ stackId: string; logicalId: string; type: string; role: string; dependsOn: string[] }> {
    const uses: Array<{ stackId: string; logicalId: string; type: string; role: string; dependsOn: string[] }> = [];
    for (const { stackId, logicalId, resource } of allResources(platform)) {
      const dependsOn: string[] = [resource.DependsOn ?? []].flat();
      const roles: Array<string | undefined> = [];
      if (resource.Type === 'AWS::Events::Endpoint') roles.push(roleOf(resource.Properties.RoleArn));
      if (resource.Type === 'AWS::Scheduler::Schedule') roles.push(roleOf(resource.Properties.Target.RoleArn));
      if (resource.Type === 'AWS::EC2::FlowLog') roles.push(roleOf(resource.Properties.DeliverLogsPermissionArn));
      if (resource.Type === 'AWS::ECS::Service') {
        const taskDefinition = platform.templates[stackId].toJSON().Resources[resource.Properties.TaskDefinition.Ref];
        roles.push(roleOf(taskDefinition.Properties.TaskRoleArn), roleOf(taskDefinition.Properties.ExecutionRoleArn));
      }
      for (const role of roles) if (role) uses.push({ stackId, logicalId, type: resource.Type, role, dependsOn });
    }
    return uses;
  }

  test('the global endpoint, both schedules, both services and both flow logs use roles at creation (the check below covers them)', () => {
    const types = usesOfRoles().map((use) => use.type);
    expect(types.filter((type) => type === 'AWS::Events::Endpoint')).toHaveLength(1);
    expect(types.filter((type) => type === 'AWS::Scheduler::Schedule')).toHaveLength(2);
    expect(types.filter((type) => type === 'AWS::ECS::Service')).toHaveLength(4);
    expect(types.filter((type) => type === 'AWS::EC2::FlowLog')).toHaveLength(2);
  });

  test('the one exception is stated: the files bucket cannot wait for its replication policy', () => {
    // The policy names the bucket, so a dependency would be a cycle; replication starts with the first
    // object written after the deploy, when the stack has created the policy.
    const bucket = allResources(platform).find(
      ({ stackId, resource }) => stackId === 'PrimaryFoundation' && resource.Type === 'AWS::S3::Bucket' && resource.Properties.ReplicationConfiguration,
    )!;
    const policies = policiesOf('PrimaryFoundation', roleOf(bucket.resource.Properties.ReplicationConfiguration.Role)!);
    expect(policies.length).toBeGreaterThan(0);
    expect(JSON.stringify(platform.templates.PrimaryFoundation.toJSON().Resources[policies[0]])).toContain(bucket.logicalId);
  });

  test('each of them depends on every policy of the role it uses', () => {
    const missing = usesOfRoles().flatMap((use) =>
      policiesOf(use.stackId, use.role)
        .filter((policy) => !use.dependsOn.includes(policy))
        .map((policy) => `${use.stackId}/${use.logicalId} (${use.type}) does not wait for ${policy} of ${use.role}`),
    );
    expect(missing).toEqual([]);
  });
});
