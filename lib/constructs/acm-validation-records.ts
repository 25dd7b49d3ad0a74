import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { CustomResource, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { VALIDATION_TAG } from '../../cleanup/src/validation-records';
import { acknowledgeWildcardResource } from '../nag';
import { customResourceFunction } from './custom-resource-function';

const HANDLER_ENTRY = path.join(__dirname, '..', '..', 'cleanup', 'src', 'validation-records-handler.ts');
const RESOURCE_TYPE = 'Custom::AcmValidationRecords';
/** ACM computes a new certificate's record within seconds; the rest is the margin for CloudFormation's tagging. */
const HANDLER_TIMEOUT = Duration.minutes(10);

/** The record names an ACM validation CNAME of `domainName` can have, as IAM compares them (normalized: lower case, no final dot). */
function validationRecordNames(domainName: string): string {
  return `_*.${domainName.toLowerCase().replace(/\.$/, '')}`;
}

/** Names deeper than one label under `domainName`: IAM's `*` also matches dots, so these are excluded explicitly. */
function deeperRecordNames(domainName: string): string {
  return `_*.*.${domainName.toLowerCase().replace(/\.$/, '')}`;
}

/**
 * The handler of one {@link RESOURCE_TYPE} resource, allowed to change only the ACM validation
 * CNAMEs of `domainName` in `zone`, with `action` ("Using IAM policy conditions for fine-grained
 * access control", Route 53 Developer Guide: the record-name, type and action condition keys).
 */
function validationRecordsFunction(scope: Construct, zone: route53.IHostedZone, domainName: string, action: 'UPSERT' | 'DELETE', description: string) {
  const fn = customResourceFunction(scope, {
    functionId: 'Function',
    logGroupId: 'LogGroup',
    description,
    entry: HANDLER_ENTRY,
    timeout: HANDLER_TIMEOUT,
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: action === 'UPSERT' ? 'PublishValidationRecords' : 'RemoveValidationRecords',
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [zone.hostedZoneArn],
      conditions: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          'route53:ChangeResourceRecordSetsActions': [action],
        },
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [validationRecordNames(domainName)] },
        'ForAllValues:StringNotLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [deeperRecordNames(domainName)] },
      },
    }),
  );
  return fn;
}

export interface ApplicationCertificateProps {
  /** The name the certificate is for (`app.<domainName>`). */
  readonly domainName: string;
  /** The public zone of that name, where its validation record is published. */
  readonly hostedZone: route53.IHostedZone;
}

/**
 * A DNS-validated ACM certificate of this region whose validation record it publishes but never
 * owns (cleanup/src/validation-records.ts says why): CloudFormation holds the certificate until ACM
 * issues it, while the publisher, deliberately not dependent on it, finds it by its tag and writes
 * the record. Destroying the region deletes the certificate and leaves the record, which the other
 * region's certificate renews with; the stack that owns the zone removes it
 * ({@link ValidationRecordCleanup}).
 */
export class ApplicationCertificate extends Construct {
  public readonly certificate: acm.Certificate;
  public readonly publisher: CustomResource;

  constructor(scope: Construct, id: string, props: ApplicationCertificateProps) {
    super(scope, id);
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      // No zone: a zone here would have CloudFormation write the record, inside this certificate's lifecycle.
      validation: acm.CertificateValidation.fromDns(),
      keyAlgorithm: acm.KeyAlgorithm.RSA_2048,
    });
    // Unique per stack and per certificate request: any replacement (its create-only properties
    // change) gets a new tag, so the publisher runs again and waits for the new certificate.
    const cfnCertificate = this.certificate.node.defaultChild as acm.CfnCertificate;
    const request = Stack.of(this).resolve({
      domainName: cfnCertificate.domainName,
      subjectAlternativeNames: cfnCertificate.subjectAlternativeNames,
      keyAlgorithm: cfnCertificate.keyAlgorithm,
      validationMethod: cfnCertificate.validationMethod,
      domainValidationOptions: cfnCertificate.domainValidationOptions,
      certificateAuthorityArn: cfnCertificate.certificateAuthorityArn,
    });
    const tagValue = `${Stack.of(this).stackName}:${createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 12)}`;
    Tags.of(this.certificate).add(VALIDATION_TAG, tagValue);

    const fn = validationRecordsFunction(this, props.hostedZone, props.domainName, 'UPSERT', `Publishes the ACM validation record of ${props.domainName}`);
    fn.addToRolePolicy(
      // ListCertificates supports no resource-level permission (Service Authorization Reference, ACM).
      new iam.PolicyStatement({ sid: 'ListCertificates', actions: ['acm:ListCertificates'], resources: ['*'] }),
    );
    // The region's certificates, not this one by ARN: a reference to it would make the publisher
    // wait for the very certificate it lets ACM validate (a deadlock).
    const certificatesOfRegion = Stack.of(this).formatArn({ service: 'acm', resource: 'certificate', resourceName: '*' });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCertificates',
        actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
        resources: [certificatesOfRegion],
      }),
    );
    const policy = fn.role!.node.findChild('DefaultPolicy');
    acknowledgeWildcardResource(policy, '*', 'acm:ListCertificates supports no resource-level permission; it lists, never changes, certificates.');
    acknowledgeWildcardResource(
      policy,
      certificatesOfRegion,
      "Read-only calls on the region's certificates: naming this certificate would make the publisher wait for the certificate it lets ACM validate (a deadlock).",
    );
    this.publisher = new CustomResource(this, 'ValidationRecords', {
      serviceToken: fn.functionArn,
      resourceType: RESOURCE_TYPE,
      serviceTimeout: HANDLER_TIMEOUT.plus(Duration.minutes(1)),
      properties: { Action: 'publish', HostedZoneId: props.hostedZone.hostedZoneId, DomainName: props.domainName, TagValue: tagValue },
    });
    this.publisher.node.addDependency(fn.role!.node.findChild('DefaultPolicy'));
  }
}

export interface ValidationRecordCleanupProps {
  /** The name whose certificates' validation records are removed. */
  readonly domainName: string;
  /** The zone the platform created, which cannot be deleted while the records remain. */
  readonly hostedZone: route53.IHostedZone;
}

/**
 * Removes the ACM validation records of `domainName` when its stack, the zone's owner, is deleted:
 * after every regional certificate is gone and before the zone itself, which Route 53 refuses to
 * delete while it holds records other than its NS and SOA (API Reference, *DeleteHostedZone*,
 * `HostedZoneNotEmpty`).
 */
export class ValidationRecordCleanup extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ValidationRecordCleanupProps) {
    super(scope, id);
    const fn = validationRecordsFunction(
      this,
      props.hostedZone,
      props.domainName,
      'DELETE',
      `Removes the ACM validation records of ${props.domainName} before the zone`,
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ListTheRecords', actions: ['route53:ListResourceRecordSets'], resources: [props.hostedZone.hostedZoneArn] }),
    );
    this.resource = new CustomResource(this, 'ValidationRecords', {
      serviceToken: fn.functionArn,
      resourceType: RESOURCE_TYPE,
      serviceTimeout: HANDLER_TIMEOUT.plus(Duration.minutes(1)),
      // The zone id makes this resource depend on the zone, so CloudFormation deletes it first.
      properties: { Action: 'remove-on-delete', HostedZoneId: props.hostedZone.hostedZoneId, DomainName: props.domainName },
    });
    this.resource.node.addDependency(fn.role!.node.findChild('DefaultPolicy'));
  }
}
