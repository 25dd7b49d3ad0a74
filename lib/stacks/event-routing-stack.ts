import { CfnOutput } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EventBusHeartbeat } from '../constructs/event-bus-heartbeat';
import { EventGlobalEndpoint } from '../constructs/event-global-endpoint';
import { PlatformNames } from '../naming';
import { RegionalStack, RegionalStackProps } from './regional-stack';

export interface EventRoutingStackProps extends RegionalStackProps {
  readonly names: PlatformNames;
  /** The primary region's platform bus and its rule (this stack's region). */
  readonly eventBus: events.IEventBus;
  readonly platformRule: events.IRule;
  readonly alarmTopic: sns.ITopic;
  readonly secondaryRegion: string;
}

/** The EventBridge global endpoint over both regions' buses, and the heartbeat that steers it. */
export class EventRoutingStack extends RegionalStack {
  public readonly heartbeat: EventBusHeartbeat;
  public readonly globalEndpoint: EventGlobalEndpoint;

  constructor(scope: Construct, id: string, props: EventRoutingStackProps) {
    super(scope, id, props);
    const { names } = props;

    this.heartbeat = new EventBusHeartbeat(this, 'Heartbeat', {
      eventBus: props.eventBus,
      rule: props.platformRule,
      scheduleName: names.schedule('events-heartbeat'),
      roleName: names.iamRole('events-heartbeat', 'primary'),
      alarmName: names.alarm('event-bus-heartbeat'),
      alarmTopic: props.alarmTopic,
      healthCheckName: names.healthCheck('primary', 'events'),
    });

    this.globalEndpoint = new EventGlobalEndpoint(this, 'GlobalEndpoint', {
      endpointName: names.eventEndpoint(),
      eventBusName: names.eventBus(),
      secondaryRegion: props.secondaryRegion,
      healthCheck: this.heartbeat.healthCheck,
      replicationRoleName: names.iamRole('events-replication', 'primary'),
    });

    new CfnOutput(this, 'EventBusName', { value: names.eventBus(), description: 'Event bus name, identical in both regions' });
    new CfnOutput(this, 'EventEndpointId', { value: this.globalEndpoint.endpointId, description: 'Global endpoint id for PutEvents (SigV4a)' });
    new CfnOutput(this, 'EventEndpointUrl', { value: this.globalEndpoint.endpoint.attrEndpointUrl, description: 'Global endpoint URL' });
  }
}
