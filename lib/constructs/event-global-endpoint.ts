import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../nag';

export interface EventGlobalEndpointProps {
  readonly endpointName: string;
  /** Name of the bus, identical in both regions. */
  readonly eventBusName: string;
  /** Region whose bus takes events while the health check is healthy: this stack's region. */
  readonly secondaryRegion: string;
  /** Healthy while the primary region's bus takes events. */
  readonly healthCheck: route53.IHealthCheck;
  readonly replicationRoleName: string;
}

/**
 * An EventBridge global endpoint over the same-named bus in two regions: events go to this
 * region's bus while the health check is healthy and to the secondary's otherwise, and are
 * replicated to the other bus so that either region holds them.
 *
 * L1: aws-cdk-lib has no L2 for global endpoints.
 */
export class EventGlobalEndpoint extends Construct {
  public readonly endpoint: events.CfnEndpoint;
  public readonly replicationRole: iam.Role;

  constructor(scope: Construct, id: string, props: EventGlobalEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const regions = [stack.region, props.secondaryRegion];
    const busArn = (region: string): string => stack.formatArn({ service: 'events', region, resource: 'event-bus', resourceName: props.eventBusName });
    const managedRulesArn = (region: string): string =>
      stack.formatArn({ service: 'events', region, resource: 'rule', resourceName: `${props.eventBusName}/GlobalEndpointManagedRule-*` });

    this.replicationRole = new iam.Role(this, 'ReplicationRole', {
      roleName: props.replicationRoleName,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Replicates events between the ${props.eventBusName} buses of the global endpoint`,
    });
    const policy = new iam.Policy(this, 'ReplicationPolicy', {
      statements: [
        new iam.PolicyStatement({ sid: 'PutEventsOnBothBuses', actions: ['events:PutEvents'], resources: regions.map(busArn) }),
        new iam.PolicyStatement({
          sid: 'ManageReplicationRules',
          actions: ['events:PutRule', 'events:PutTargets', 'events:DeleteRule', 'events:RemoveTargets'],
          resources: regions.map(managedRulesArn),
        }),
        new iam.PolicyStatement({
          sid: 'PassRoleToReplicationRules',
          actions: ['iam:PassRole'],
          resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: props.replicationRoleName })],
          conditions: { StringLike: { 'iam:PassedToService': 'events.amazonaws.com' } },
        }),
      ],
    });
    this.replicationRole.attachInlinePolicy(policy);
    for (const region of regions) {
      acknowledgeWildcardResource(
        policy,
        managedRulesArn(region),
        'EventBridge names the replication rules it creates GlobalEndpointManagedRule-<random>; the pattern matches only those rules on the platform bus.',
      );
    }

    this.endpoint = new events.CfnEndpoint(this, 'Endpoint', {
      name: props.endpointName,
      description: 'Trading platform events: primary region while healthy, replicated to the secondary',
      eventBuses: regions.map((region) => ({ eventBusArn: busArn(region) })),
      routingConfig: {
        failoverConfig: {
          primary: { healthCheck: `arn:${stack.partition}:route53:::healthcheck/${props.healthCheck.healthCheckId}` },
          secondary: { route: props.secondaryRegion },
        },
      },
      replicationConfig: { state: 'ENABLED' },
      roleArn: this.replicationRole.roleArn,
    });
    // The endpoint uses the role as it is created: its policy (attached separately) must exist first.
    this.endpoint.node.addDependency(policy);
  }

  public get endpointId(): string {
    return this.endpoint.attrEndpointId;
  }
}
