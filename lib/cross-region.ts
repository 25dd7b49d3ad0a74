import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';

/**
 * Makes a value of `producer` readable from stacks in other regions: the producer gets an output
 * with a fixed logical id, and the returned token reads it with `Fn::GetStackOutput` when the
 * consuming stack deploys.
 *
 * Only cross-region consumers use it. Same-region consumers take the construct itself and get a
 * strong reference (`Fn::ImportValue`), which CloudFormation keeps consistent. A weak reference
 * is resolved at deploy time only, so consumers must be redeployed (`--force`) when the value
 * changes. Callers add the stack dependency, with its reason.
 */
export function crossRegionValue(producer: Stack, outputId: string, value: string): string {
  if (!producer.node.tryFindChild(outputId)) {
    new CfnOutput(producer, outputId, { value, description: 'Read from another region with Fn::GetStackOutput' });
  }
  return Fn.getStackOutput(producer.stackName, outputId, producer.region);
}
