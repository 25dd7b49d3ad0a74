import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
