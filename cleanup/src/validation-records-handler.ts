/**
 * CloudFormation custom resource `Custom::AcmValidationRecords` (see validation-records.ts):
 * - `Action=publish`, next to a regional certificate: on Create and Update, publishes the records
 *   ACM gives the certificate tagged `TagValue`; on Delete, nothing (the record outlives it).
 * - `Action=remove-on-delete`, in the stack that owns the zone: on Delete, removes the validation
 *   records of `DomainName`; on Create and Update, nothing.
 */
import {
  ACMClient,
  CertificateStatus,
  DescribeCertificateCommand,
  KeyAlgorithm,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CustomResourceEvent, describeError, LambdaContext, putResponse, Responder, responseBody, systemClock } from './custom-resource';
import {
  CertificatePort,
  CertificateView,
  Clock,
  publishValidationRecords,
  removeValidationRecords,
  VALIDATION_RECORD_TTL_SECONDS,
  ValidationRecord,
  ZonePort,
} from './validation-records';

export type ValidationRecordsEvent = CustomResourceEvent<{
  readonly Action?: string;
  readonly HostedZoneId?: string;
  readonly DomainName?: string;
  readonly TagValue?: string;
}>;

/** ACM through the SDK. Without `Includes.keyTypes` ACM lists RSA_2048 certificates only (API Reference, *ListCertificates*). */
export function sdkCertificatePort(acm: Pick<ACMClient, 'send'>): CertificatePort {
  return {
    async certificatesFor(domainName) {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await acm.send(
          new ListCertificatesCommand({
            CertificateStatuses: [CertificateStatus.PENDING_VALIDATION, CertificateStatus.ISSUED],
            Includes: { keyTypes: Object.values(KeyAlgorithm) },
            NextToken: nextToken,
          }),
        );
        for (const summary of page.CertificateSummaryList ?? [])
          if (summary.DomainName === domainName && summary.CertificateArn) arns.push(summary.CertificateArn);
        nextToken = page.NextToken;
      } while (nextToken);
      const views: CertificateView[] = [];
      for (const arn of arns) {
        const { Certificate: certificate } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
        const { Tags: tags } = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
        views.push({
          arn,
          status: certificate?.Status ?? 'UNKNOWN',
          tags: Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
          records: (certificate?.DomainValidationOptions ?? []).flatMap((option) =>
            option.ResourceRecord?.Name && option.ResourceRecord.Value ? [{ name: option.ResourceRecord.Name, value: option.ResourceRecord.Value }] : [],
          ),
        });
      }
      return views;
    },
  };
}

/** Route 53 through the SDK. */
export function sdkZonePort(route53: Route53Client): ZonePort {
  const change = async (zoneId: string, action: 'UPSERT' | 'DELETE', records: readonly ValidationRecord[]) => {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Comment: `ACM validation records (${action.toLowerCase()})`,
          Changes: records.map((record) => ({
            Action: action,
            ResourceRecordSet: {
              Name: record.name,
              Type: 'CNAME',
              TTL: record.ttl ?? VALIDATION_RECORD_TTL_SECONDS,
              ResourceRecords: [{ Value: record.value }],
            },
          })),
        },
      }),
    );
  };
  return {
    upsertCnames: (zoneId, records) => change(zoneId, 'UPSERT', records),
    deleteCnames: (zoneId, records) => change(zoneId, 'DELETE', records),
    async listCnames(zoneId) {
      const records: ValidationRecord[] = [];
      let start: { name?: string; type?: string; identifier?: string } = {};
      for (;;) {
        const page = await route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as never,
            StartRecordIdentifier: start.identifier,
          }),
        );
        for (const set of page.ResourceRecordSets ?? []) {
          if (set.Type !== 'CNAME' || !set.Name) continue;
          for (const value of set.ResourceRecords ?? []) if (value.Value) records.push({ name: set.Name, value: value.Value, ttl: set.TTL });
        }
        if (!page.IsTruncated) return records;
        // A page can end between records of one name with set identifiers (the weighted records).
        start = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
      }
    },
  };
}

/** The handler, with its I/O passed in. */
export async function handleValidationRecordsEvent(
  event: ValidationRecordsEvent,
  context: LambdaContext,
  ports: { readonly acm: CertificatePort; readonly zone: ZonePort; readonly clock: Clock },
  respond: Responder,
): Promise<void> {
  const { Action: action = '', HostedZoneId: zoneId = '', DomainName: domainName = '', TagValue: tagValue = '' } = event.ResourceProperties;
  const physicalResourceId = [action, zoneId, domainName, tagValue].filter(Boolean).join(':');
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = '';
  try {
    if (action === 'publish' && event.RequestType !== 'Delete') {
      reason = await publishValidationRecords(ports.acm, ports.zone, { zoneId, domainName, tagValue }, ports.clock, {
        // Leave a minute to answer CloudFormation before Lambda stops the run.
        deadlineMs: context.getRemainingTimeInMillis() - 60_000,
        pollMs: 10_000,
        untaggedAfterMs: 90_000,
      });
    } else if (action === 'remove-on-delete' && event.RequestType === 'Delete') {
      reason = await removeValidationRecords(ports.zone, zoneId, domainName);
    } else if (action !== 'publish' && action !== 'remove-on-delete') {
      throw new Error(`Action must be publish or remove-on-delete, not ${JSON.stringify(action)}`);
    }
  } catch (error) {
    status = 'FAILED';
    reason = `${domainName}: ${describeError(error)} (log stream ${context.logStreamName})`;
  }
  process.stdout.write(`${event.RequestType} ${action} ${status} ${reason}\n`);
  await respond(
    event.ResponseURL,
    responseBody(event, status, reason, event.RequestType === 'Delete' ? (event.PhysicalResourceId ?? physicalResourceId) : physicalResourceId),
  );
}

let ports: { acm: CertificatePort; zone: ZonePort; clock: Clock } | undefined;

export async function handler(event: ValidationRecordsEvent, context: LambdaContext): Promise<void> {
  ports ??= { acm: sdkCertificatePort(new ACMClient({})), zone: sdkZonePort(new Route53Client({})), clock: systemClock };
  await handleValidationRecordsEvent(event, context, ports, putResponse);
}
