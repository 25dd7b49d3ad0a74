import { CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagPack, NagPackProps, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/**
 * The cdk-nag rule packs every synth runs (`bin/`) and the tests assert clean: AwsSolutions and the
 * two compliance packs a bank's review reads. Pass `scope` to write acknowledgements into the
 * templates' `cdk_nag` metadata, where auditors find them next to each resource.
 */
export function platformRulePacks(scope?: IConstruct, props?: NagPackProps): NagPack[] {
  // One pack with the scope is enough: it adds the aspect that writes every pack's acknowledgements.
  return [new AwsSolutionsChecks(scope, props), new PCIDSS321Checks(undefined, props), new NIST80053R5Checks(undefined, props)];
}

/**
 * A policy-validation plugin whose every unacknowledged finding fails the synth. aws-cdk-lib 2.276
 * re-derives a plugin's success from the findings' severities once any of its findings is
 * acknowledged; cdk-nag reports WARN-level rules as `warning`, and the Guard plugin sets no severity
 * at all, so without this one acknowledgement would let every other finding through.
 */
export function blockingPlugin(plugin: IPolicyValidationPlugin): IPolicyValidationPlugin {
  return {
    name: plugin.name,
    version: plugin.version,
    ruleIds: plugin.ruleIds,
    validate: (context: IPolicyValidationContext): PolicyValidationPluginReport => {
      const report = plugin.validate(context);
      return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })) };
    },
  };
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource of a policy.
 *
 * cdk-nag 3 names each finding after the resource as rendered in the template, so the id must be
 * computed from the same value; `resource` must not hold cross-stack references (they are
 * rewritten later in synthesis).
 */
export function acknowledgeWildcardResource(policy: IConstruct, resource: string, reason: string): void {
  const rendered = renderForNag(Stack.of(policy).resolve(resource));
  Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason });
}

/** Renders a resolved value the way cdk-nag does in finding ids: `{ Ref: X }` becomes `<X>`. */
function renderForNag(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
  if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(renderForNag).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}

/**
 * The compliance rule packs the app runs beside AwsSolutions on every synth. cdk-nag 3.0.2 still
 * follows PCI DSS 3.2.1; the README maps each accepted finding to its PCI DSS v4.0.1 requirement.
 */
export enum CompliancePack {
  PCI_DSS_321 = 'PCI.DSS.321',
  NIST_800_53_R5 = 'NIST.800.53.R5',
}

/**
 * Acknowledges one rule of the compliance packs on a construct and everything below it, with the
 * reason the review reads. `rule` is the pack-independent suffix, for example `LambdaDLQ`.
 */
export function acknowledgeCompliance(construct: IConstruct, rule: string, packs: CompliancePack[], reason: string): void {
  if (packs.length === 0) throw new Error(`acknowledgeCompliance(${rule}) names no rule pack`);
  for (const pack of packs) Validations.of(construct).acknowledge({ id: `${pack}-${rule}`, reason });
}

/** Why a resource of the test posture goes without deletion protection, in every scanner. */
export const NO_DELETION_PROTECTION_IN_TEST_POSTURE =
  'Deletion protection is off in the test posture only, by requirement: a test environment must be removable with cdk destroy.';

/** Both compliance packs, for rules they share. */
export const BOTH_COMPLIANCE_PACKS: CompliancePack[] = [CompliancePack.PCI_DSS_321, CompliancePack.NIST_800_53_R5];

/** Name under which `@cdklabs/cdk-validator-cfnguard` reports its findings (the check command runs it). */
export const GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/**
 * Acknowledges one CloudFormation Guard rule (Control Tower proactive controls) on a construct and
 * everything below it. `rule` is the Guard rule name, for example `sqs_dlq_check`, which the plugin
 * reports; aws-cdk-lib matches it under the plugin's namespace.
 */
export function acknowledgeGuard(construct: IConstruct, rule: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: `${GUARD_PLUGIN_NAME}::${rule}`, reason });
}

/**
 * Skips one checkov check on the construct's CloudFormation resource through the resource's
 * `Metadata.checkov.skip`, which checkov reads with its comment. Skips of one resource accumulate.
 */
export function skipCheckov(construct: IConstruct, checkId: string, comment: string): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`skipCheckov(${checkId}): ${construct.node.path} has no CloudFormation resource to carry the skip`);
  }
  const skips: Array<{ id: string; comment: string }> = resource.getMetadata('checkov')?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...skips.filter((skip) => skip.id !== checkId), { id: checkId, comment }] });
}

/**
 * Acknowledges, in every scanner, the Lambda findings of a function that CloudFormation alone
 * invokes, once per create, update or delete of a custom resource: CloudFormation waits for its
 * answer and fails the stack operation when it does not come, so a dead-letter queue would hold
 * nothing to act on, a concurrency reservation would protect nothing, and a VPC would only add NAT
 * gateways to the path of a call to a public AWS API.
 */
export function acknowledgeCustomResourceHandler(fn: IConstruct): void {
  const what = 'Custom-resource handler invoked only by CloudFormation during a stack operation, which reports its failure';
  const outsideVpc = `${what}; it calls only public AWS APIs, so a VPC would add the NAT gateways to its path and nothing else.`;
  const noQueue = `${what} and retries it; a dead-letter queue would hold events nobody replays.`;
  const noReservation = `${what}; it runs a handful of times per deployment, so a reservation would only take concurrency from the account.`;
  acknowledgeCompliance(fn, 'LambdaInsideVPC', BOTH_COMPLIANCE_PACKS, outsideVpc);
  acknowledgeCompliance(fn, 'LambdaDLQ', [CompliancePack.NIST_800_53_R5], noQueue);
  acknowledgeCompliance(fn, 'LambdaConcurrency', [CompliancePack.NIST_800_53_R5], noReservation);
  acknowledgeGuard(fn, 'lambda_inside_vpc_check', outsideVpc);
  skipCheckov(fn, 'CKV_AWS_117', outsideVpc);
  skipCheckov(fn, 'CKV_AWS_116', noQueue);
  skipCheckov(fn, 'CKV_AWS_115', noReservation);
}

/**
 * Acknowledges the findings of CDK's own custom-resource provider `providerId` (for example
 * `Custom::VpcRestrictDefaultSGCustomResourceProvider`), a stack-level singleton whose handler is a
 * plain `AWS::Lambda::Function` resource named `Handler`.
 */
export function acknowledgeCdkProviderHandler(scope: IConstruct, providerId: string): void {
  const provider = Stack.of(scope).node.tryFindChild(providerId);
  if (!provider) throw new Error(`no ${providerId} in ${Stack.of(scope).node.path}: CDK has renamed its provider`);
  acknowledgeCustomResourceHandler(provider.node.findChild('Handler'));
}
