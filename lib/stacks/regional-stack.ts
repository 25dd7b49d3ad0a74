import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Posture } from '../config';
import { protectionFor, ResourceProtection } from '../protection';

export interface RegionalStackProps extends StackProps {
  /** The zones this stack may use; returned instead of a context lookup. */
  readonly availabilityZones: string[];
  /** What the environment's posture asks of data and traffic resources. @default - the test posture: everything destroyable */
  readonly protection?: ResourceProtection;
}

/**
 * A stack whose availability zones are configuration, not a lookup: with an explicit account,
 * `Stack.availabilityZones` would otherwise need AWS credentials at synth time.
 */
export class RegionalStack extends Stack {
  public readonly protection: ResourceProtection;
  private readonly pinnedAvailabilityZones: string[];

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    this.pinnedAvailabilityZones = props.availabilityZones;
    this.protection = props.protection ?? protectionFor(Posture.TEST);
  }

  public override get availabilityZones(): string[] {
    return this.pinnedAvailabilityZones;
  }
}
