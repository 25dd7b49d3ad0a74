/**
 * The DNS validation records of the platform's ACM certificates, owned by neither certificate.
 *
 * ACM validates a DNS-validated certificate, and renews it, while its CNAME record resolves
 * ("the required CNAME token exists and is accessible in your DNS records", ACM User Guide,
 * *Renewal for domains validated by DNS*). Observed, not documented: ACM gives every certificate
 * for one domain name in an account the same record, in every region (aws-cdk PR #6309, "Different
 * certificates using the same domain name share the same Route 53 record"). If a regional
 * certificate owned the record (CloudFormation's `HostedZoneId` validation option), destroying that
 * region could remove the record the other region renews with; and CloudFormation does not remove
 * it either (cloudformation-coverage-roadmap #837, #1603), which leaves a created zone undeletable.
 * So: each region publishes its certificate's record (UPSERT, idempotent whether or not the regions
 * share it) and never removes it; the stack that owns the zone removes them after everything else.
 */

/** A CNAME that ACM asks for (`DomainValidation.ResourceRecord`). */
export interface ValidationRecord {
  readonly name: string;
  readonly value: string;
  /** As listed (a deletion must repeat it exactly). @default VALIDATION_RECORD_TTL_SECONDS */
  readonly ttl?: number;
}

/** A certificate of the region, as ACM describes it. */
export interface CertificateView {
  readonly arn: string;
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Empty while ACM has not yet computed them (the first seconds after the request). */
  readonly records: readonly ValidationRecord[];
}

/** ACM in one region. */
export interface CertificatePort {
  /** Certificates for `domainName` that await validation or are issued. */
  certificatesFor(domainName: string): Promise<CertificateView[]>;
}

/** One Route 53 hosted zone. */
export interface ZonePort {
  upsertCnames(zoneId: string, records: readonly ValidationRecord[]): Promise<void>;
  /** Every CNAME record set of the zone (all pages). */
  listCnames(zoneId: string): Promise<ValidationRecord[]>;
  deleteCnames(zoneId: string, records: readonly ValidationRecord[]): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Tag the platform puts on each certificate it requests: the publisher finds its certificate by it. */
export const VALIDATION_TAG = 'trading-dr:validation-records';

/** Time to live of a published record: ACM's own guidance is silent; a record that never changes can be cached. */
export const VALIDATION_RECORD_TTL_SECONDS = 300;

/** Values ACM gives its validation CNAMEs: `_<token>.<id>.acm-validations.aws.` */
const ACM_VALIDATION_TARGET = /\.acm-validations\.aws\.?$/;

export interface PublishRequest {
  readonly zoneId: string;
  readonly domainName: string;
  /** Value of {@link VALIDATION_TAG} on the certificate being created (unique per stack and certificate). */
  readonly tagValue: string;
}

/**
 * Waits for the tagged certificate's validation records and publishes them. CloudFormation creates
 * the certificate in parallel and holds it until ACM issues it, which needs these records: so this
 * polls instead of depending on the certificate. A certificate that is already issued (validated by
 * the other region's identical record) is answered too: its records are published again.
 */
export async function publishValidationRecords(
  acm: CertificatePort,
  zone: ZonePort,
  request: PublishRequest,
  clock: Clock,
  timing: { readonly deadlineMs: number; readonly pollMs: number; readonly untaggedAfterMs: number },
): Promise<string> {
  const started = clock.now();
  for (;;) {
    const certificates = await acm.certificatesFor(request.domainName);
    const tagged = certificates.filter((certificate) => certificate.tags[VALIDATION_TAG] === request.tagValue);
    // CloudFormation tags a certificate in a call of its own after requesting it, and AWS documents
    // no order (cloudformation-coverage-roadmap #2308): a certificate still untagged after a while
    // is answered through the pending ones of this exact name, whose records are ours to publish.
    const chosen =
      tagged.length > 0 || clock.now() - started < timing.untaggedAfterMs
        ? tagged
        : certificates.filter((certificate) => certificate.status === 'PENDING_VALIDATION');
    const records = uniqueRecords(chosen.flatMap((certificate) => certificate.records));
    if (records.length > 0) {
      await zone.upsertCnames(request.zoneId, records);
      return `published ${records.map((record) => record.name).join(', ')} for ${chosen.map((certificate) => certificate.arn).join(', ')}${tagged.length > 0 ? '' : ` (untagged: no certificate carried ${VALIDATION_TAG}=${request.tagValue})`}`;
    }
    if (clock.now() - started >= timing.deadlineMs) {
      const seconds = Math.round((clock.now() - started) / 1000);
      throw new Error(
        chosen.length === 0
          ? `no certificate for ${request.domainName} tagged ${VALIDATION_TAG}=${request.tagValue}, nor any awaiting validation, appeared in ${seconds} s`
          : `ACM gave ${chosen.map((certificate) => certificate.arn).join(', ')} no validation record in ${seconds} s`,
      );
    }
    await clock.sleep(timing.pollMs);
  }
}

/**
 * Removes the ACM validation records of `domainName` from the zone: the CNAMEs named
 * `_<token>.<domainName>.` that point into `acm-validations.aws`. Nothing else is touched.
 */
export async function removeValidationRecords(zone: ZonePort, zoneId: string, domainName: string): Promise<string> {
  const suffix = `.${domainName.toLowerCase().replace(/\.$/, '')}.`;
  const stale = (await zone.listCnames(zoneId)).filter((record) => {
    const name = record.name.toLowerCase();
    return isValidationRecordName(name, suffix) && ACM_VALIDATION_TARGET.test(record.value);
  });
  if (stale.length > 0) await zone.deleteCnames(zoneId, stale);
  return stale.length === 0 ? `no validation record of ${domainName} to remove` : `removed ${stale.map((record) => record.name).join(', ')}`;
}

/** `_<token>.` directly under the domain name: ACM's form (the handlers' IAM conditions allow the same). */
function isValidationRecordName(name: string, suffix: string): boolean {
  if (!name.endsWith(suffix)) return false;
  const label = name.slice(0, -suffix.length);
  return label.startsWith('_') && !label.includes('.');
}

function uniqueRecords(records: readonly ValidationRecord[]): ValidationRecord[] {
  const byName = new Map(records.map((record) => [record.name.toLowerCase(), record]));
  return [...byName.values()];
}
