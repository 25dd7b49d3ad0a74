import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface TaggedSecurityGroupProps {
  readonly vpc: ec2.IVpc;
  /** Shown as the group's Name tag. */
  readonly name: string;
  readonly description: string;
}

/**
 * A security group with no egress unless added, named through its Name tag rather than
 * `GroupName`: a fixed GroupName blocks replacement (a description change replaces the group, and
 * CloudFormation cannot create the new one under the same name), and EC2 rejects names starting
 * with `sg-`.
 */
export function taggedSecurityGroup(scope: Construct, id: string, props: TaggedSecurityGroupProps): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { vpc: props.vpc, description: props.description, allowAllOutbound: false });
  Tags.of(group).add('Name', props.name);
  return group;
}
