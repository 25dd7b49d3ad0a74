import { IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { acknowledgeCompliance, BOTH_COMPLIANCE_PACKS } from '../nag';

/**
 * Acknowledges the compliance packs' IAMNoInlinePolicy finding on an `AWS::IAM::Policy` only while
 * that policy is bound to exactly one role of its own stack and to no user or group.
 *
 * The packs flag every `AWS::IAM::Policy`, which is how CDK's grants express a role's permissions.
 * The IAM User Guide (*Managed policies and inline policies*) recommends inline policies exactly
 * "if you want to maintain a strict one-to-one relationship between a policy and the identity that
 * it's applied to"; a customer-managed policy would be a second, attachable identity to audit. A
 * policy shared between identities loses that property and stays a finding.
 */
export class SingleRolePolicies implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) return;
    const stack = Stack.of(node);
    const roles: unknown[] = stack.resolve(node.roles) ?? [];
    const users: unknown[] = stack.resolve(node.users) ?? [];
    const groups: unknown[] = stack.resolve(node.groups) ?? [];
    const boundToOneRoleOfThisStack = roles.length === 1 && users.length === 0 && groups.length === 0 && isSameStackRef(roles[0]);
    if (!boundToOneRoleOfThisStack) return;
    acknowledgeCompliance(
      node,
      'IAMNoInlinePolicy',
      BOTH_COMPLIANCE_PACKS,
      'Bound to exactly one role created in the same stack (one-to-one, as the IAM User Guide recommends inline policies for); it is created, changed and deleted with that role and cannot be attached to any other identity.',
    );
  }
}

function isSameStackRef(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { Ref?: unknown }).Ref === 'string';
}
