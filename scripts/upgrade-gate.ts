/**
 * The upgrade gate: would CloudFormation take a deployed release to today's templates? It compares
 * the templates of a release (recorded in `upgrades/releases/`, or downloaded from an account with
 * `aws cloudformation get-template`) with today's synth of the same configuration, and fails on
 * what makes the deploy fail or lose data:
 *
 * - an export a stack of the release imports that today's templates drop or change: CDK deploys the
 *   producer first, and CloudFormation refuses ("After another stack imports an output value, you
 *   can't delete the stack that is exporting the output value or modify the exported output value",
 *   AWS CloudFormation User Guide, *Fn::ImportValue*);
 * - a replacement that cannot succeed (custom physical name, strong import) or a named resource that
 *   moves, by the rules of scripts/replacements.ts (create-only properties from the resource schemas);
 * - a replacement or removal of a stateful resource, unless acknowledged below with a reason.
 *
 * A changed DB cluster parameter group is not a failure but a manual step: static parameters apply
 * only after the instances reboot ("When you associate a new DB cluster parameter group with a
 * running Aurora DB cluster, reboot the DB instances ... for the new DB cluster parameter group and
 * associated settings to take effect", RDS API Reference, *CreateDBClusterParameterGroup*).
 *
 * Hand-written rather than `@aws-cdk/cloudformation-diff`: that package reports changes per stack,
 * but the failures here are across stacks (an import in one, the export in another) and across
 * releases, and its replacement flags come from the same create-only properties used here.
 */
import { movedNamedResources, Replacement, replacedResources, replacementProblems, ResourceSchema, StackTemplate } from './replacements';

/** Resource types whose replacement or removal loses data or breaks what depends on their identity. */
export const STATEFUL_TYPES: readonly string[] = [
  'AWS::RDS::GlobalCluster',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::DynamoDB::GlobalTable',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::Backup::BackupVault',
  'AWS::Route53::HostedZone',
  'AWS::CertificateManager::Certificate',
  // Messages waiting in a queue (the events' dead-letter queue) are lost with it; a topic's email
  // subscriptions must be confirmed again.
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
];

/** A stateful replacement or removal that was reviewed and accepted. */
export interface StatefulAcknowledgement {
  /** The release the change is accepted from (`2e76783`), or `*` for every release. */
  readonly release: string;
  readonly stackId: string;
  readonly logicalId: string;
  /** Why losing or replacing it is acceptable. */
  readonly reason: string;
}

/** Every stateful change accepted on purpose; empty: none is. */
export const STATEFUL_ACKNOWLEDGEMENTS: readonly StatefulAcknowledgement[] = [];

/** What the gate found for one release and configuration. */
export interface UpgradeFindings {
  /** Each names the release, the stack, the resource or export, and why the upgrade fails. */
  readonly failures: string[];
  /** Steps an operator must take by hand after deploying (instance reboots). */
  readonly manualSteps: string[];
}

export interface UpgradeComparison {
  /** How the release is named in messages: `3a13891 (config prod)`. */
  readonly release: string;
  readonly before: StackTemplate[];
  readonly after: StackTemplate[];
  readonly schemasOf: (region: string) => (type: string) => ResourceSchema | undefined;
  /** @default STATEFUL_ACKNOWLEDGEMENTS */
  readonly acknowledgements?: readonly StatefulAcknowledgement[];
}

/** Runs every rule of the gate over one release and today's templates of its configuration. */
export function checkUpgrade(comparison: UpgradeComparison): UpgradeFindings {
  const { release, before, after, schemasOf } = comparison;
  const acknowledged = (stackId: string, logicalId: string) =>
    (comparison.acknowledgements ?? STATEFUL_ACKNOWLEDGEMENTS).some(
      (entry) => (entry.release === '*' || release.startsWith(entry.release)) && entry.stackId === stackId && entry.logicalId === logicalId,
    );
  const failures: string[] = [];
  const fail = (message: string) => failures.push(`${release}: ${message}`);

  for (const problem of importedExportProblems(before, after)) fail(problem);
  const replacements = replacedResources(before, after, schemasOf);
  for (const { replacement, problem } of replacementProblems(before, after, replacements, schemasOf)) {
    fail(`${replacement.stackId}/${replacement.logicalId} (${replacement.type}) is replaced (${replacement.changed.join(', ')}) and ${problem}`);
  }
  for (const moved of movedNamedResources(before, after, schemasOf)) fail(moved);
  for (const replacement of replacements) {
    if (!STATEFUL_TYPES.includes(replacement.type) || acknowledged(replacement.stackId, replacement.logicalId)) continue;
    fail(
      `${replacement.stackId}/${replacement.logicalId} (${replacement.type}) is stateful and would be replaced (${replacement.changed.join(', ')}): its data or identity is lost; acknowledge it in scripts/upgrade-gate.ts only with a reason`,
    );
  }
  for (const old of before) {
    const next = after.find((stack) => stack.stackId === old.stackId);
    for (const [logicalId, resource] of Object.entries<any>(old.template.Resources ?? {})) {
      if (!STATEFUL_TYPES.includes(resource.Type) || acknowledged(old.stackId, logicalId)) continue;
      const kept = next?.template.Resources?.[logicalId];
      if (kept?.Type === resource.Type) continue;
      fail(
        `${old.stackId}/${logicalId} (${resource.Type}) ${removalConsequence(resource, next !== undefined, old.stackId)}; acknowledge it in scripts/upgrade-gate.ts only with a reason`,
      );
    }
  }
  return { failures, manualSteps: rebootSteps(release, before, after, replacements) };
}

function exportsOf(stacks: StackTemplate[]): Map<string, { stackId: string; value: string }> {
  return new Map(
    stacks.flatMap((stack) =>
      Object.values<any>(stack.template.Outputs ?? {})
        .filter((output) => output.Export?.Name !== undefined)
        .map((output) => [JSON.stringify(output.Export.Name), { stackId: stack.stackId, value: JSON.stringify(output.Value) }] as const),
    ),
  );
}

function importsOf(stack: StackTemplate): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (key === 'Fn::ImportValue') found.add(JSON.stringify(item));
        walk(item);
      }
    }
  };
  walk(stack.template);
  return found;
}

/** Exports imported by a stack of `before` that the producer in `after` drops or gives another value. */
export function importedExportProblems(before: StackTemplate[], after: StackTemplate[]): string[] {
  const old = exportsOf(before);
  const next = exportsOf(after);
  const problems: string[] = [];
  for (const [name, producer] of old) {
    const consumers = before.filter((stack) => stack.stackId !== producer.stackId && importsOf(stack).has(name)).map((stack) => stack.stackId);
    if (consumers.length === 0) continue;
    const kept = next.get(name);
    if (kept === undefined) {
      problems.push(
        `${producer.stackId} no longer exports ${name}, which ${consumers.join(', ')} import${consumers.length === 1 ? 's' : ''} in the release: ${producer.stackId} deploys first and CloudFormation refuses to delete an export in use (keep it with Stack.exportValue until no supported release imports it)`,
      );
    } else if (kept.value !== producer.value) {
      problems.push(
        `${producer.stackId} exports ${name} with another value (${kept.value}, was ${producer.value}), which ${consumers.join(', ')} import${consumers.length === 1 ? 's' : ''}: CloudFormation refuses to modify an export in use`,
      );
    }
  }
  return problems;
}

/**
 * What happens to a stateful resource that leaves: removed from a template, CloudFormation deletes
 * it on the update (or keeps a snapshot, or orphans it, by its DeletionPolicy); in a stack that left
 * the app, `cdk deploy` does nothing to it, and destroying that stack later does the same.
 */
function removalConsequence(resource: any, stackKept: boolean, stackId: string): string {
  const policy = resource.DeletionPolicy ?? 'Delete';
  const fate =
    policy === 'Retain' || policy === 'RetainExceptOnCreate'
      ? 'is orphaned (DeletionPolicy Retain): it stays, outside any stack'
      : policy === 'Snapshot'
        ? 'is deleted, with a final snapshot (DeletionPolicy Snapshot)'
        : 'is deleted';
  return stackKept
    ? `leaves the template: on the update it ${fate}`
    : `is in ${stackId}, which is no longer in the app: cdk deploy leaves that stack in place, and destroying it ${fate.replace(/^is /, 'means it is ')}`;
}

/** DB cluster parameter groups whose parameters change, or clusters given another (or a replaced) group: reboot after deploying. */
function rebootSteps(release: string, before: StackTemplate[], after: StackTemplate[], replacements: readonly Replacement[]): string[] {
  const steps: string[] = [];
  for (const old of before) {
    const next = after.find((stack) => stack.stackId === old.stackId);
    for (const [logicalId, resource] of Object.entries<any>(old.template.Resources ?? {})) {
      const updated = next?.template.Resources?.[logicalId];
      if (!updated) continue;
      const changedGroup =
        resource.Type === 'AWS::RDS::DBClusterParameterGroup' &&
        JSON.stringify(resource.Properties?.Parameters) !== JSON.stringify(updated.Properties?.Parameters);
      const groupRef = updated.Properties?.DBClusterParameterGroupName?.Ref;
      // A replaced group keeps the same Ref but is a new group to the cluster (Description and Family are create-only).
      const replacedGroup =
        groupRef !== undefined && replacements.some((replacement) => replacement.stackId === old.stackId && replacement.logicalId === groupRef);
      const otherGroup =
        resource.Type === 'AWS::RDS::DBCluster' &&
        (replacedGroup || JSON.stringify(resource.Properties?.DBClusterParameterGroupName) !== JSON.stringify(updated.Properties?.DBClusterParameterGroupName));
      if (changedGroup || otherGroup) {
        steps.push(
          `${release}: ${old.stackId}/${logicalId} (${resource.Type}) ${changedGroup ? 'changes its parameters' : replacedGroup ? 'gets a replaced parameter group' : 'is given another parameter group'}: static parameters apply only after a reboot; pause the orchestrator, reboot the readers, then the writer, resume (docs: upgrades needing a reboot)`,
        );
      }
    }
  }
  return steps;
}
