/**
 * What CloudFormation would replace when an environment moves from one configuration to another,
 * and whether each replacement can succeed. The rules come from the resource schemas that ship
 * with cfn-lint (`createOnlyProperties`: a change replaces the resource). A resource has a custom
 * physical name when the template sets its writable `primaryIdentifier` or a create-only name
 * property of its own (`BucketName`, `TopicName`, `GroupName`, a load balancer's `Name`); a
 * replacement that keeps the name fails, because CloudFormation creates the new resource first.
 *
 * Not followed: replacements that cascade (a create-only property that refers to a replaced
 * resource), and resources that leave the template.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** cfn-lint's schemas in the project's virtual environment, whatever the Python minor version. */
function schemaDir(): string {
  const lib = path.join(__dirname, '..', '.venv', 'lib');
  const python = fs.existsSync(lib) ? fs.readdirSync(lib).find((entry) => entry.startsWith('python')) : undefined;
  return path.join(lib, python ?? 'python3', 'site-packages', 'cfnlint', 'data', 'schemas');
}

export interface ResourceSchema {
  readonly createOnlyProperties?: string[];
  readonly primaryIdentifier?: string[];
  readonly readOnlyProperties?: string[];
}

/** Resource schemas of one region, by type, read from the cfn-lint installation (npm run setup:python). */
export function loadSchemas(region: string): (type: string) => ResourceSchema | undefined {
  const directory = schemaDir();
  const providerFile = path.join(directory, 'providers', `${region}.json`);
  if (!fs.existsSync(providerFile)) throw new Error(`no cfn-lint schemas at ${providerFile}: run npm run setup:python`);
  const provider: Record<string, string> = JSON.parse(fs.readFileSync(providerFile, 'utf8'));
  const cache = new Map<string, ResourceSchema>();
  return (type) => {
    const file = provider[type];
    if (!file) return undefined;
    if (!cache.has(file)) cache.set(file, JSON.parse(fs.readFileSync(path.join(directory, 'resources', `${file}.json`), 'utf8')));
    return cache.get(file);
  };
}

/** One synthesized stack as the analysis needs it. */
export interface StackTemplate {
  readonly stackId: string;
  readonly stackName: string;
  readonly region: string;
  readonly template: { Resources?: Record<string, any>; Outputs?: Record<string, any> };
}

export interface Replacement {
  readonly stackId: string;
  readonly logicalId: string;
  readonly type: string;
  /** The create-only properties whose values differ. */
  readonly changed: string[];
}

export interface ReplacementProblem {
  readonly replacement: Replacement;
  readonly problem: string;
}

/** Values at a schema JSON pointer such as `/properties/HealthCheckConfig/Type` (`*` spans arrays). */
function valuesAt(properties: unknown, pointer: string): unknown[] {
  const parts = pointer
    .replace(/^\/properties\/?/, '')
    .split('/')
    .filter(Boolean);
  let current: unknown[] = [properties];
  for (const part of parts) {
    current = current.flatMap((value) => {
      if (value === null || typeof value !== 'object') return [undefined];
      if (part === '*') return Array.isArray(value) ? value : [undefined];
      return [(value as Record<string, unknown>)[part]];
    });
  }
  return current;
}

/** Resources of `before` that `after` replaces: a create-only property changed. */
export function replacedResources(
  before: StackTemplate[],
  after: StackTemplate[],
  schemasOf: (region: string) => (type: string) => ResourceSchema | undefined,
): Replacement[] {
  const replacements: Replacement[] = [];
  for (const old of before) {
    const next = after.find((candidate) => candidate.stackId === old.stackId);
    if (!next) continue;
    const schemas = schemasOf(old.region);
    for (const [logicalId, resource] of Object.entries<any>(old.template.Resources ?? {})) {
      const updated = next.template.Resources?.[logicalId];
      if (!updated || updated.Type !== resource.Type) continue;
      const createOnly = schemas(resource.Type)?.createOnlyProperties ?? [];
      const changed = createOnly.filter(
        (pointer) => JSON.stringify(valuesAt(resource.Properties ?? {}, pointer)) !== JSON.stringify(valuesAt(updated.Properties ?? {}, pointer)),
      );
      if (changed.length > 0) replacements.push({ stackId: old.stackId, logicalId, type: resource.Type, changed });
    }
  }
  return replacements;
}

/** Whether a value mentions `logicalId` through `Ref` or `Fn::GetAtt`. */
function mentions(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => mentions(item, logicalId));
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (record.Ref === logicalId) return true;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[0] === logicalId) return true;
  return Object.values(record).some((item) => mentions(item, logicalId));
}

function collect(value: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((item) => collect(item, key, found));
  else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
      if (name === key) found.push(item);
      collect(item, key, found);
    }
  }
  return found;
}

/**
 * The replacements that fail or go wrong: the resource has a custom physical name; another stack
 * imports a value of it (`Fn::ImportValue`: the export cannot change while in use); or another
 * stack reads it weakly (`Fn::GetStackOutput`) but its own template does not change, so it is not
 * updated and keeps the old value.
 */
export function replacementProblems(
  before: StackTemplate[],
  after: StackTemplate[],
  replacements: Replacement[],
  schemasOf: (region: string) => (type: string) => ResourceSchema | undefined,
): ReplacementProblem[] {
  const problems: ReplacementProblem[] = [];
  for (const replacement of replacements) {
    const producer = before.find((stack) => stack.stackId === replacement.stackId)!;
    const resource = producer.template.Resources![replacement.logicalId];
    const schema = schemasOf(producer.region)(replacement.type);
    const updated = after.find((stack) => stack.stackId === replacement.stackId)!.template.Resources![replacement.logicalId];
    const keptName = nameProperties(replacement.type, schema).filter((pointer) => {
      const value = JSON.stringify(valuesAt(resource.Properties ?? {}, pointer));
      return (
        valuesAt(resource.Properties ?? {}, pointer).some((item) => item !== undefined) && value === JSON.stringify(valuesAt(updated.Properties ?? {}, pointer))
      );
    });
    if (keptName.length > 0) {
      problems.push({
        replacement,
        problem: `keeps its custom physical name (${keptName.join(', ')}): CloudFormation creates the replacement first, and the name is taken`,
      });
    }
    for (const [outputId, output] of Object.entries<any>(producer.template.Outputs ?? {})) {
      if (!mentions(output.Value, replacement.logicalId)) continue;
      const exportName = output.Export?.Name;
      for (const consumer of before) {
        if (consumer.stackId === producer.stackId) continue;
        const imports = collect(consumer.template, 'Fn::ImportValue');
        if (exportName !== undefined && imports.some((name) => JSON.stringify(name) === JSON.stringify(exportName))) {
          problems.push({
            replacement,
            problem: `is imported by ${consumer.stackId} (Fn::ImportValue of output ${outputId}): the export cannot change while in use`,
          });
        }
        // The reading resource itself must change: that is what makes CloudFormation update it.
        const next = after.find((stack) => stack.stackId === consumer.stackId)?.template.Resources ?? {};
        for (const [readerId, reader] of Object.entries<any>(consumer.template.Resources ?? {})) {
          const reads = (collect(reader, 'Fn::GetStackOutput') as Array<{ StackName?: string; OutputName?: string }>).some(
            (read) => read.StackName === producer.stackName && read.OutputName === outputId,
          );
          if (reads && JSON.stringify(reader) === JSON.stringify(next[readerId])) {
            problems.push({
              replacement,
              problem: `is read weakly by ${consumer.stackId}/${readerId} (Fn::GetStackOutput of ${outputId}), which does not change: it would keep the old value`,
            });
          }
        }
      }
    }
  }
  return problems;
}

/**
 * Resources that move to a new logical id (or another stack of the region) but keep their custom
 * name: CloudFormation creates the new one before it deletes the old, so the name is taken.
 */
export function movedNamedResources(
  before: StackTemplate[],
  after: StackTemplate[],
  schemasOf: (region: string) => (type: string) => ResourceSchema | undefined,
): string[] {
  const named = (stacks: StackTemplate[]) =>
    stacks.flatMap((stack) =>
      Object.entries<any>(stack.template.Resources ?? {}).flatMap(([logicalId, resource]) => {
        // The same notion of a custom name as for replacements (nameProperties), set in this template.
        const set = nameProperties(resource.Type, schemasOf(stack.region)(resource.Type)).filter((pointer) =>
          valuesAt(resource.Properties ?? {}, pointer).some((value) => value !== undefined),
        );
        const name = set.map((pointer) => JSON.stringify(valuesAt(resource.Properties ?? {}, pointer))).join('|');
        return set.length > 0 ? [{ key: `${stack.region} ${resource.Type} ${name}`, at: `${stack.stackId}/${logicalId}` }] : [];
      }),
    );
  const old = new Map(named(before).map((entry) => [entry.key, entry.at]));
  return named(after)
    .filter((entry) => old.has(entry.key) && old.get(entry.key) !== entry.at)
    .map((entry) => `${entry.key} moves from ${old.get(entry.key)} to ${entry.at}: the new resource is created while the old one still holds the name`);
}

/**
 * The properties that give a resource of `type` its custom physical name: its writable primary
 * identifier, and create-only properties named after the type (`Name`, `<Type>Name`,
 * `<Type>Identifier`, for example `GroupName` of a security group or `TopicName` of a topic).
 */
export function nameProperties(type: string, schema: ResourceSchema | undefined): string[] {
  const readOnly = schema?.readOnlyProperties ?? [];
  const shortType = (type.split('::')[2] ?? '').toLowerCase();
  const ownName = (schema?.createOnlyProperties ?? []).filter((pointer) => {
    const property = pointer.replace(/^\/properties\//, '');
    if (property.includes('/')) return false;
    const stem = property.replace(/(Name|Identifier)$/, '');
    return property !== stem && (stem === '' || shortType.endsWith(stem.toLowerCase()));
  });
  // A composite identifier with a read-only part (an ARN) is assigned by AWS, not a name.
  const primary = schema?.primaryIdentifier ?? [];
  const namedByPrimary = primary.every((pointer) => !readOnly.includes(pointer)) ? primary : [];
  return [...new Set([...namedByPrimary, ...ownName])].filter((pointer) => !readOnly.includes(pointer));
}
