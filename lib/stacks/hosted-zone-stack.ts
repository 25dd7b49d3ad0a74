import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { ValidationRecordCleanup } from '../constructs/acm-validation-records';
import { PlatformNames } from '../naming';

export interface HostedZoneStackProps extends StackProps {
  readonly names: PlatformNames;
  /** The zone's name (the configuration's `domainName`). */
  readonly domainName: string;
  /** The name the regional certificates are for, whose validation records this stack removes last. */
  readonly certificateDomainName: string;
}

/**
 * The public hosted zone of a new environment whose certificates the platform requests: it has to
 * exist, and the domain be delegated to it, before ACM can validate the certificates the load
 * balancers' HTTPS listeners need. So it deploys before them (after the foundation stacks, whose
 * key encrypts its handler's log group) and is destroyed after every stack that requests a
 * certificate, removing their shared validation records on its way out.
 */
export class HostedZoneStack extends Stack {
  public readonly hostedZone: route53.PublicHostedZone;
  public readonly nameServers: string[];

  constructor(scope: Construct, id: string, props: HostedZoneStackProps) {
    super(scope, id, props);
    this.hostedZone = new route53.PublicHostedZone(this, 'HostedZone', {
      zoneName: props.domainName,
      comment: `Trading DR platform (${props.names.suffix})`,
    });
    this.nameServers = this.hostedZone.hostedZoneNameServers!;
    new ValidationRecordCleanup(this, 'CertificateValidationRecords', { hostedZone: this.hostedZone, domainName: props.certificateDomainName });

    new CfnOutput(this, 'HostedZoneId', { value: this.hostedZone.hostedZoneId, description: 'Route 53 hosted zone id' });
    new CfnOutput(this, 'HostedZoneNameServers', {
      value: Fn.join(',', this.nameServers),
      description: 'Delegate the domain to these name servers before the other stacks deploy: ACM validates the certificates through them',
    });
  }
}
