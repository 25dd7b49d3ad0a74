/**
 * Resources that use an IAM role while they are created must wait for the role's policies, not only
 * the role: CloudFormation creates an inline or attached policy as a separate resource, and a
 * resource that starts using the role before it exists fails (or starts tasks that cannot start).
 */
import { allResources, synthesizePlatform, SynthesizedPlatform } from './helpers';

let platform: SynthesizedPlatform;

beforeAll(() => {
  platform = synthesizePlatform({ environmentSuffix: 'order' });
});

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
