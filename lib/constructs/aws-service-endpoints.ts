import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { taggedSecurityGroup } from './security-group';

export interface AwsServiceEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** The range allowed to reach the interface endpoints over HTTPS, as a literal CIDR: the VPC's. */
  readonly clientCidr: string;
  /** Prefix of the endpoints' Name tags: `<namePrefix>-<service>`. */
  readonly namePrefix: string;
  /** Name tag of the interface endpoints' security group. */
  readonly securityGroupName: string;
  /** Subnets of the interface endpoints and route tables of the gateway endpoints. @default - the VPC's private subnets with egress */
  readonly subnets?: ec2.SubnetSelection;
}

/** Interface endpoints of the AWS APIs the tasks call, by construct id. */
const INTERFACE_ENDPOINT_SERVICES: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
  ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
  ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
  ['Rds', ec2.InterfaceVpcEndpointAwsService.RDS],
  ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
  ['Events', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE],
];

/**
 * The AWS APIs the trading tasks call, each reached through a VPC endpoint of its region rather
 * than the NAT gateways, so that this traffic never leaves the AWS network:
 *
 * - ECR (`ecr.api`, `ecr.dkr`) and S3: "Amazon ECS tasks hosted on Fargate using platform version
 *   1.4.0 or later require both Amazon ECR VPC endpoints and the Amazon S3 gateway endpoints"
 *   (ECR User Guide, *Amazon ECR interface VPC endpoints (AWS PrivateLink)*): image layers are in S3.
 * - CloudWatch Logs (the `awslogs` driver), Secrets Manager ("To allow your tasks to pull sensitive
 *   data from Secrets Manager, you must create the interface VPC endpoints for Secrets Manager",
 *   ECS Developer Guide), the RDS API (`com.amazonaws.<region>.rds`), STS (regional: calls to the
 *   global `sts.amazonaws.com` do not use it, IAM User Guide) and EventBridge
 *   (`com.amazonaws.<region>.events`).
 * - DynamoDB and S3 data: gateway endpoints on the private subnets' route tables.
 *
 * Interface endpoints resolve the services' regional names to private addresses (private DNS).
 * What still needs the NAT gateways: `PutEvents` through the global endpoint, whose host name
 * (`<endpoint id>.endpoint.events.amazonaws.com`) a regional interface endpoint does not serve (the
 * EventBridge guide documents no VPC endpoint for global endpoints), and anything the workload
 * itself calls outside AWS.
 */
export class AwsServiceEndpoints extends Construct {
  /** Admits HTTPS from inside the VPC to the interface endpoints. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: AwsServiceEndpointsProps) {
    super(scope, id);
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.securityGroup = taggedSecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      name: props.securityGroupName,
      description: 'VPC interface endpoints of AWS APIs: HTTPS from inside the VPC',
    });
    this.securityGroup.addIngressRule(ec2.Peer.ipv4(props.clientCidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
    for (const [endpointId, service] of INTERFACE_ENDPOINT_SERVICES) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, endpointId, {
        vpc: props.vpc,
        service,
        subnets,
        securityGroups: [this.securityGroup],
        privateDnsEnabled: true,
        open: false,
      });
      Tags.of(endpoint).add('Name', `${props.namePrefix}-${service.shortName}`);
    }
    for (const [endpointId, service] of [
      ['S3', ec2.GatewayVpcEndpointAwsService.S3],
      ['DynamoDb', ec2.GatewayVpcEndpointAwsService.DYNAMODB],
    ] as const) {
      const endpoint = new ec2.GatewayVpcEndpoint(this, endpointId, { vpc: props.vpc, service, subnets: [subnets] });
      Tags.of(endpoint).add('Name', `${props.namePrefix}-${endpointId.toLowerCase()}`);
    }
  }
}
