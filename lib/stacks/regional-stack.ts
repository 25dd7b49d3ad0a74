import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface RegionalStackProps extends StackProps {
  /** The zones this stack may use; returned instead of a context lookup. */
  readonly availabilityZones: string[];
}

/**
 * A stack whose availability zones are configuration, not a lookup: with an explicit account,
 * `Stack.availabilityZones` would otherwise need AWS credentials at synth time.
 */
export class RegionalStack extends Stack {
  private readonly pinnedAvailabilityZones: string[];

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    this.pinnedAvailabilityZones = props.availabilityZones;
  }

  public override get availabilityZones(): string[] {
    return this.pinnedAvailabilityZones;
  }
}
