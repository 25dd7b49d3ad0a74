import { Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeCdkProviderHandler, acknowledgeCompliance, BOTH_COMPLIANCE_PACKS } from '../nag';

export interface TradingNetworkProps {
  /** Name tag of the VPC. */
  readonly vpcName: string;
  /**
   * Availability zones to span, given explicitly so that synthesis never needs an AWS lookup.
   */
  readonly availabilityZones: string[];
  /** @default '10.0.0.0/16' */
  readonly cidr?: string;
  /**
   * NAT gateways; one per zone keeps egress working when a zone fails.
   * @default - one per availability zone
   */
  readonly natGateways?: number;
  /** Log group for VPC flow logs. @default - a new log group (retention set by the app's policy) */
  readonly flowLogGroup?: logs.ILogGroup;
}

/**
 * A VPC over the given zones: public subnets for load balancers, private subnets with NAT egress
 * for compute, isolated subnets for databases, and flow logs of all traffic.
 */
export class TradingNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  /** The VPC's IPv4 range, as a literal (the VPC's own attribute is a token until deployment). */
  public readonly cidr: string;

  constructor(scope: Construct, id: string, props: TradingNetworkProps) {
    super(scope, id);
    if (props.availabilityZones.length < 2) {
      throw new Error(`TradingNetwork needs at least 2 availability zones, got ${props.availabilityZones.length}`);
    }

    this.cidr = props.cidr ?? '10.0.0.0/16';
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.vpcName,
      ipAddresses: ec2.IpAddresses.cidr(this.cidr),
      availabilityZones: props.availabilityZones,
      natGateways: props.natGateways ?? props.availabilityZones.length,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
    });

    acknowledgeCdkProviderHandler(this, 'Custom::VpcRestrictDefaultSGCustomResourceProvider');
    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'The zones are named in the configuration on purpose: synthesis must never look them up in an AWS account, and each region is pinned to the three zones the capacity plan was made for.',
    });

    // CDK names subnets (and the route tables and NAT gateways inside them) by construct path;
    // operators look for the VPC's own name in the console.
    const groups: Array<[string, ec2.ISubnet[]]> = [
      ['public', this.vpc.publicSubnets],
      ['private', this.vpc.privateSubnets],
      ['data', this.vpc.isolatedSubnets],
    ];
    for (const [group, subnets] of groups) {
      for (const subnet of subnets) {
        Tags.of(subnet).add('Name', `${props.vpcName}-${group}-${subnet.availabilityZone}`, { priority: 200 });
      }
    }

    // A public subnet is one whose default route leads to the internet gateway (VPC User Guide,
    // *Subnets for your VPC*): the load balancer and the NAT gateways need exactly that route.
    for (const subnet of this.vpc.publicSubnets) {
      acknowledgeCompliance(
        subnet.node.findChild('DefaultRoute'),
        'VPCNoUnrestrictedRouteToIGW',
        BOTH_COMPLIANCE_PACKS,
        'Public subnet: its 0.0.0.0/0 route to the internet gateway is what lets the internet-facing load balancer answer traders and the NAT gateways reach AWS APIs; no task or database runs in it (tasks run in private subnets, databases in isolated ones).',
      );
    }

    const flowLog = new ec2.FlowLog(this.vpc, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      flowLogName: `${props.vpcName}-flow-logs`,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(props.flowLogGroup ?? new logs.LogGroup(this, 'FlowLogGroup')),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    // The flow log delivers with its role from the start: the role's policy first.
    if (flowLog.iamRole) flowLog.node.defaultChild!.node.addDependency(flowLog.iamRole);
  }
}
