import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PlatformConfig, RawPlatformConfig, resolvePlatformConfig } from '../lib/config';
import { NagPack } from 'cdk-nag';
import { platformRulePacks } from '../lib/nag';
import { CONFIG_DIRECTORY, configDirectory, selectEnvironment } from '../lib/environments';
import { createPlatform, PlatformStacks } from '../lib/platform';

/** Feature flags of the real app, so tests synthesize what `cdk synth` synthesizes. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;

export interface SynthesizedPlatform {
  readonly app: App;
  readonly stacks: PlatformStacks;
  readonly allStacks: Stack[];
  /** Templates by stack id (PrimaryNetwork, PrimaryService, SecondaryNetwork, SecondaryService, GlobalTraffic). */
  readonly templates: Record<string, Template>;
}

/** Builds and synthesizes the whole platform once; call it in `beforeAll`. */
export function synthesizePlatform(raw: RawPlatformConfig = {}): SynthesizedPlatform {
  return synthesizeConfig(resolvePlatformConfig(raw));
}

/** Builds and synthesizes a checked-in environment, `config/<name>.json`, as `cdk synth -c config=<name>` does. */
export function synthesizeEnvironment(name: string): SynthesizedPlatform {
  return synthesizeConfig(environmentConfig(name));
}

/** The configuration of a checked-in environment, `config/<name>.json`, as `cdk synth -c config=<name>` selects it. */
export function environmentConfig(name: string): PlatformConfig {
  return selectEnvironment({ context: { config: name }, files: configDirectory(CONFIG_DIRECTORY) }).config;
}

function synthesizeConfig(config: PlatformConfig): SynthesizedPlatform {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  return platformOf(app, createPlatform(app, config));
}

/** The templates of a platform built in `app` (synthesizing it, unless it already was). */
export function platformOf(app: App, stacks: PlatformStacks): SynthesizedPlatform {
  const allStacks = app.node.children.filter((child): child is Stack => Stack.isStack(child));
  const templates: Record<string, Template> = {};
  for (const stack of allStacks) templates[stack.node.id] = Template.fromStack(stack);
  return { app, stacks, allStacks, templates };
}

/** The account that stands for `AWS::AccountId` where a test renders a template's values. */
export const TEST_ACCOUNT = '111122223333';

/**
 * A synthesized value with `Fn::Join` and the account and partition pseudo parameters rendered, as
 * CloudFormation would for `account`; any other intrinsic is an error rather than a guess.
 */
export function renderIntrinsics(value: any, account = TEST_ACCOUNT): any {
  if (Array.isArray(value)) return value.map((item) => renderIntrinsics(item, account));
  if (typeof value !== 'object' || value === null) return value;
  if (value.Ref === 'AWS::AccountId') return account;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value['Fn::Join']) return value['Fn::Join'][1].map((part: any) => renderIntrinsics(part, account)).join(value['Fn::Join'][0]);
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) throw new Error(`cannot render ${JSON.stringify(value)}`);
  return Object.fromEntries(keys.map((key) => [key, renderIntrinsics(value[key], account)]));
}

/** Every resource of every template, with the stack it belongs to. */
export function allResources(platform: SynthesizedPlatform): Array<{ stackId: string; logicalId: string; resource: any }> {
  return Object.entries(platform.templates).flatMap(([stackId, template]) =>
    Object.entries<any>(template.toJSON().Resources ?? {}).map(([logicalId, resource]) => ({ stackId, logicalId, resource })),
  );
}

/** Unacknowledged findings of every rule pack the app runs (AwsSolutions, PCI DSS, NIST 800-53), as `ruleId at path` strings. */
export function nagFindings(stack: Stack): string[] {
  return platformRulePacks().flatMap((pack) => findingsOf(pack, stack));
}

/**
 * Acknowledged findings of every rule pack, as `ruleId at path` strings: each pack run once as
 * shipped and once blind to acknowledgements (cdk-nag 3.0.2 reads them in one private method,
 * `isAcknowledged`; the version is pinned), the difference being what the code acknowledges.
 */
export function acknowledgedNagFindings(stack: Stack): string[] {
  const all = platformRulePacks().flatMap((pack) => {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    return findingsOf(pack, stack);
  });
  const open = new Set(nagFindings(stack));
  return all.filter((finding) => !open.has(finding));
}

function findingsOf(pack: NagPack, stack: Stack): string[] {
  return pack
    .validateScope(stack)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? resource.resourceLogicalId}`),
    );
}

/**
 * Follows a value in a consuming template back to the producing stack's resource: through
 * `Fn::GetStackOutput` (weak), `Fn::ImportValue` (strong) or `Ref` / `Fn::GetAtt` (same stack).
 */
export function resolveIn(platform: SynthesizedPlatform, value: any, consumerStackId: string): { stackId: string; logicalId: string; resource: any } {
  if (value?.['Fn::GetStackOutput']) {
    const { StackName, OutputName } = value['Fn::GetStackOutput'];
    const producer = platform.allStacks.find((stack) => stack.stackName === StackName);
    if (!producer) throw new Error(`no stack named ${StackName}`);
    const output = platform.templates[producer.node.id].toJSON().Outputs[OutputName];
    return resolveIn(platform, output.Value, producer.node.id);
  }
  if (value?.['Fn::ImportValue']) {
    const exportName = value['Fn::ImportValue'];
    for (const stack of platform.allStacks) {
      const outputs = platform.templates[stack.node.id].toJSON().Outputs ?? {};
      const output = Object.values<any>(outputs).find((candidate) => candidate.Export?.Name === exportName);
      if (output) return resolveIn(platform, output.Value, stack.node.id);
    }
    throw new Error(`no stack exports ${exportName}`);
  }
  const logicalId = value?.Ref ?? value?.['Fn::GetAtt']?.[0];
  const resource = platform.templates[consumerStackId].toJSON().Resources[logicalId];
  if (!resource) throw new Error(`cannot resolve ${JSON.stringify(value)} in ${consumerStackId}`);
  return { stackId: consumerStackId, logicalId, resource };
}

/** A tag of a resource, whether the type renders tags as a list of Key/Value pairs or as a map (SSM). */
export function tagValue(resource: any, key: string): string | undefined {
  const tags = resource.Properties?.Tags ?? resource.Properties?.HealthCheckTags ?? [];
  return Array.isArray(tags) ? tags.find((tag: any) => tag.Key === key)?.Value : tags[key];
}

/** The single resource of a type in a template. */
export function onlyResource(template: Template, type: string): { logicalId: string; resource: any } {
  const entries = Object.entries(template.findResources(type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  return { logicalId: entries[0][0], resource: entries[0][1] };
}

/** The trading service's task definition (its container is `app`), beside the one-off bootstrap task's. */
export function appTaskDefinition(template: Template): { logicalId: string; resource: any } {
  const entries = Object.entries(template.findResources('AWS::ECS::TaskDefinition')).filter(([, task]) =>
    task.Properties.ContainerDefinitions.some((container: any) => container.Name === 'app'),
  );
  if (entries.length !== 1) throw new Error(`expected exactly one task definition with an app container, found ${entries.length}`);
  return { logicalId: entries[0][0], resource: entries[0][1] };
}
