import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CONFIG_DIRECTORY, configDirectory, selectEnvironment } from '../lib/environments';
import { createPlatform } from '../lib/platform';
import { checkov, CheckovResult, GuardedSynthesis, guardedSynth } from './scanners';

/**
 * The independent scanners of a bank's review over the templates of both postures: CloudFormation
 * Guard with the AWS Control Tower proactive rules and checkov. Every finding is fixed or
 * acknowledged beside its resource; the acknowledged ones are counted here and listed in the
 * README's table of accepted trade-offs.
 */
const POSTURES: Record<string, string> = { production: 'prod', test: 'dev' };
const guard: Record<string, GuardedSynthesis> = {};
const checkovResults: Record<string, CheckovResult> = {};

beforeAll(async () => {
  const scans: Array<Promise<void>> = [];
  for (const [posture, environment] of Object.entries(POSTURES)) {
    guard[posture] = guardedSynth((app) =>
      createPlatform(app, selectEnvironment({ context: { config: environment }, files: configDirectory(CONFIG_DIRECTORY) }).config),
    );
    // checkov of one posture runs while the next one synthesizes.
    scans.push(checkov(guard[posture].outdir).then((result) => void (checkovResults[posture] = result)));
  }
  await Promise.all(scans);
}, 120_000);

afterAll(() => {
  for (const synthesis of Object.values(guard)) fs.rmSync(synthesis.outdir, { recursive: true, force: true });
});

const ACKNOWLEDGED_GUARD_FINDINGS: Record<string, Record<string, number>> = {
  production: {
    cloudwatch_log_group_encrypted_check: 10,
    elbv2_logging_enabled_check: 2,
    lambda_inside_vpc_check: 4,
    s3_bucket_default_encryption_kms_check: 2,
    s3_bucket_logging_enabled_check: 2,
    s3_bucket_object_lock_enabled_check: 4,
    s3_event_notifications_enabled_check: 4,
    sqs_dlq_check: 2,
  },
  test: {
    alb_http_to_https_redirection_check: 2,
    cloudwatch_log_group_encrypted_check: 10,
    cloudwatch_log_group_retention_period_check: 18,
    elbv2_deletion_protection_enabled_check: 2,
    elbv2_logging_enabled_check: 2,
    lambda_inside_vpc_check: 8,
    rds_cluster_deletion_protection_enabled_check: 2,
    s3_bucket_default_encryption_kms_check: 2,
    s3_bucket_logging_enabled_check: 2,
    s3_bucket_object_lock_enabled_check: 4,
    s3_bucket_versioning_enabled_check: 2,
    s3_event_notifications_enabled_check: 4,
    sqs_dlq_check: 2,
  },
};

const SKIPPED_CHECKOV_CHECKS: Record<string, Record<string, number>> = {
  production: { CKV_AWS_115: 3, CKV_AWS_116: 4, CKV_AWS_117: 4, CKV_AWS_173: 1, CKV_AWS_18: 2, CKV_AWS_260: 2 },
  test: { CKV_AWS_103: 2, CKV_AWS_115: 7, CKV_AWS_116: 8, CKV_AWS_117: 8, CKV_AWS_173: 3, CKV_AWS_18: 2, CKV_AWS_2: 2, CKV_AWS_21: 2, CKV_AWS_260: 2 },
};

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const acceptedTradeOffs = README.slice(README.indexOf('### Accepted trade-offs'), README.indexOf('\n## ', README.indexOf('### Accepted trade-offs')));

describe.each(Object.keys(POSTURES))('%s posture', (posture) => {
  test('CloudFormation Guard (Control Tower rules): no unacknowledged finding, and the synth passes', () => {
    expect(guard[posture].findings).toEqual([]);
    expect(guard[posture].error).toBeUndefined();
  });

  test('Guard: the acknowledged findings are exactly the counted ones, each rule listed in the README table', () => {
    expect(guard[posture].acknowledged).toEqual(ACKNOWLEDGED_GUARD_FINDINGS[posture]);
    for (const rule of Object.keys(guard[posture].acknowledged))
      expect({ rule, inReadme: acceptedTradeOffs.includes(`\`${rule}\``) }).toEqual({ rule, inReadme: true });
  });

  test('checkov: every template parsed and scanned, no failed check', () => {
    expect(checkovResults[posture].parsingErrors).toBe(0);
    expect(checkovResults[posture].resourceCount).toBeGreaterThan(250);
    expect(checkovResults[posture].failed).toEqual([]);
  });

  test('checkov: the skipped checks are exactly the counted ones, each with a specific comment and listed in the README table', () => {
    expect(checkovResults[posture].skipped).toEqual(SKIPPED_CHECKOV_CHECKS[posture]);
    for (const comment of checkovResults[posture].skipComments) expect(comment.length).toBeGreaterThanOrEqual(60);
    for (const id of Object.keys(checkovResults[posture].skipped))
      expect({ id, inReadme: acceptedTradeOffs.includes(`\`${id}\``) }).toEqual({ id, inReadme: true });
  });
});

describe('a deliberately weakened template fails both scanners with their messages', () => {
  let weakened: GuardedSynthesis;
  let weakenedCheckov: CheckovResult;
  beforeAll(async () => {
    // A log group whose encryption an escape hatch removed, as a careless change would.
    weakened = guardedSynth((app) => {
      const stack = new Stack(app, 'Weakened', { env: { account: '111122223333', region: 'us-east-1' } });
      new logs.LogGroup(stack, 'Unencrypted', { logGroupName: 'weakened', retention: logs.RetentionDays.ONE_YEAR });
    });
    weakenedCheckov = await checkov(weakened.outdir);
  }, 60_000);
  afterAll(() => fs.rmSync(weakened.outdir, { recursive: true, force: true }));

  test('Guard fails the synth, naming the rule, the control and the construct', () => {
    expect(weakened.findings).toEqual(['cloudwatch_log_group_encrypted_check at Weakened/Unencrypted/Resource']);
    expect(weakened.error).toMatch(/CT\.CLOUDWATCH\.PR\.3/);
    expect(weakened.error).toMatch(/Weakened\/Unencrypted/);
  });

  test('checkov fails the check, naming the check and the resource', () => {
    expect(weakenedCheckov.failed).toEqual([expect.stringMatching(/^CKV_AWS_158 \(.*KMS.*\) at Weakened\.template\.json: AWS::Logs::LogGroup\.Unencrypted/)]);
  });
});
