import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TradingNetwork } from '../constructs/trading-network';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface NetworkStackProps extends RegionalStackProps {
  readonly vpcName: string;
  readonly flowLogGroupName: string;
}

/** The VPC of one region. Kept apart so data and compute stacks can both build on it. */
export class NetworkStack extends RegionalStack {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.vpc = new TradingNetwork(this, 'Network', {
      vpcName: props.vpcName,
      availabilityZones: props.availabilityZones,
      flowLogGroup: new logs.LogGroup(this, 'FlowLogGroup', { logGroupName: props.flowLogGroupName }),
    }).vpc;
  }
}
