import { assemblyStacks, readTemplate } from '../scripts/assembly-stacks';
import { sharedAssembly } from './assemblies';

/**
 * verify-deployment's in-VPC database task, read from the real synth of config/prod.json: it holds
 * no secret, and its role may log in as the canary role of its own cluster only.
 */
describe.each(['PrimaryService', 'SecondaryService'])('%s: the database verify task', (stackId) => {
  let resources: Record<string, any>;
  let outputs: Record<string, any>;
  beforeAll(() => {
    const dir = sharedAssembly('prod');
    const template = readTemplate(
      dir,
      assemblyStacks(dir).find((stack) => stack.stackId === stackId)!,
    );
    resources = template.Resources;
    outputs = template.Outputs;
  });
  const taskDefinition = () =>
    Object.entries(resources).find(([id, resource]) => resource.Type === 'AWS::ECS::TaskDefinition' && id.startsWith('DatabaseVerify'))!;

  test('runs the verify entry point of the service image, with endpoints and role names and no secret', () => {
    const [, definition] = taskDefinition();
    const [container] = definition.Properties.ContainerDefinitions;
    expect(container.Command).toEqual(['node', 'dist/verify-database-cli.js']);
    expect(container.Secrets).toBeUndefined();
    expect(container.Environment.map((entry: any) => entry.Name)).not.toContain('DB_USER');
    expect(Object.fromEntries(container.Environment.map((entry: any) => [entry.Name, entry.Value]))).toMatchObject({
      DB_CANARY_USER: 'trading_canary',
      AWS_REGION: stackId === 'PrimaryService' ? 'us-east-1' : 'us-west-2',
    });
    expect(outputs.DatabaseVerifyTaskDefinition.Value).toEqual({ Ref: taskDefinition()[0] });
  });

  test('its task role may connect as trading_canary of this cluster, and do nothing else (not as the application: it reads and writes orders)', () => {
    const roleId = taskDefinition()[1].Properties.TaskRoleArn['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((role: any) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('rds-db:connect');
    const users = [statements[0].Resource].flat().map((arn: any) => JSON.stringify(arn).match(/\/(trading_\w+)"/)?.[1]);
    expect(users).toEqual(['trading_canary']);
  });
});
