import { ACMClient, DeleteCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { MOTO_CREDENTIALS, MotoServer, startMoto } from '../../orchestrator/test/moto-server';
import { CustomResourceEvent } from '../src/custom-resource';
import {
  CertificatePort,
  CertificateView,
  publishValidationRecords,
  removeValidationRecords,
  VALIDATION_TAG,
  ValidationRecord,
  ZonePort,
} from '../src/validation-records';
import { handleValidationRecordsEvent, sdkCertificatePort, sdkZonePort, ValidationRecordsEvent } from '../src/validation-records-handler';

const DOMAIN = 'app.trading.example.com';

/**
 * The real ACM and Route 53 adapters against moto. moto gives every certificate for one name the
 * same validation record in every region, which is the observed AWS behaviour this design is for.
 */
describe('against moto: two regions, one zone', () => {
  let moto: MotoServer;
  let route53: Route53Client;
  let zoneId: string;
  const acm = (region: string) => new ACMClient({ endpoint: moto.endpoint, region, credentials: MOTO_CREDENTIALS });

  beforeAll(async () => {
    moto = await startMoto();
    route53 = new Route53Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS });
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'trading.example.com', CallerReference: 'test' }));
    zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    // Records of the owner's that the removal must leave alone.
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: 'CREATE', ResourceRecordSet: { Name: 'www.trading.example.com', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: DOMAIN }] } },
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: '_abc.other.trading.example.com',
                Type: 'CNAME',
                TTL: 60,
                ResourceRecords: [{ Value: '_x.y.acm-validations.aws.' }],
              },
            },
          ],
        },
      }),
    );
  });
  afterAll(async () => moto.stop());

  const cnames = async () =>
    ((await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [])
      .filter((set) => set.Type === 'CNAME')
      .map((set) => set.Name)
      .sort();

  const event = (requestType: 'Create' | 'Delete', properties: Record<string, string>): ValidationRecordsEvent => ({
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/x',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'ValidationRecords',
    PhysicalResourceId: requestType === 'Delete' ? 'previous' : undefined,
    ResourceProperties: properties,
  });
  const context = { getRemainingTimeInMillis: () => 120_000, logStreamName: 'log' };
  const answers: Array<{ Status: string; Reason: string }> = [];
  const respond = async (_url: string, body: string) => void answers.push(JSON.parse(body));
  const ports = (region: string) => ({
    acm: sdkCertificatePort(acm(region)),
    zone: sdkZonePort(route53),
    clock: { now: () => Date.now(), sleep: () => Promise.resolve() },
  });

  test('each region publishes its certificate record; destroying one region leaves the record the other renews with; the zone owner removes it last', async () => {
    const arns: Record<string, string> = {};
    for (const region of ['us-east-1', 'us-west-2']) {
      const requested = await acm(region).send(
        new RequestCertificateCommand({ DomainName: DOMAIN, ValidationMethod: 'DNS', Tags: [{ Key: VALIDATION_TAG, Value: `${region}-stack` }] }),
      );
      arns[region] = requested.CertificateArn!;
      await handleValidationRecordsEvent(
        event('Create', { Action: 'publish', HostedZoneId: zoneId, DomainName: DOMAIN, TagValue: `${region}-stack` }),
        context,
        ports(region),
        respond,
      );
      expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringContaining(arns[region]) });
    }
    const validation = (await cnames()).filter((name) => name!.endsWith(`.${DOMAIN}.`));
    expect(validation).toHaveLength(1);

    // The secondary region is destroyed: its certificate goes, its publisher's Delete changes nothing.
    await acm('us-west-2').send(new DeleteCertificateCommand({ CertificateArn: arns['us-west-2'] }));
    await handleValidationRecordsEvent(
      event('Delete', { Action: 'publish', HostedZoneId: zoneId, DomainName: DOMAIN, TagValue: 'us-west-2-stack' }),
      context,
      ports('us-west-2'),
      respond,
    );
    expect(answers.at(-1)!.Status).toBe('SUCCESS');
    expect(await cnames()).toEqual(expect.arrayContaining(validation));

    // The zone's stack goes last: only the application's validation records are removed.
    await handleValidationRecordsEvent(
      event('Delete', { Action: 'remove-on-delete', HostedZoneId: zoneId, DomainName: DOMAIN }),
      context,
      ports('us-east-1'),
      respond,
    );
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', Reason: `removed ${validation[0]}` });
    expect(await cnames()).toEqual(['_abc.other.trading.example.com.', 'www.trading.example.com.']);
  });

  test('a publisher whose certificate never appears fails the resource with the tag it looked for', async () => {
    await handleValidationRecordsEvent(
      event('Create', { Action: 'publish', HostedZoneId: zoneId, DomainName: DOMAIN, TagValue: 'nobody' }),
      { getRemainingTimeInMillis: () => 60_000, logStreamName: 'log-7' },
      ports('us-east-1'),
      respond,
    );
    expect(answers.at(-1)).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(
        new RegExp(`no certificate for ${DOMAIN} tagged ${VALIDATION_TAG}=nobody, nor any awaiting validation, appeared in \\d+ s .*log-7`),
      ),
    });
  });
});

describe('the publisher waits for ACM', () => {
  const zone = (): ZonePort & { upserted: ValidationRecord[][] } => {
    const upserted: ValidationRecord[][] = [];
    return { upserted, upsertCnames: async (_zone, records) => void upserted.push([...records]), listCnames: async () => [], deleteCnames: async () => {} };
  };
  const clock = () => {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms) };
  };
  const certificate = (overrides: Partial<CertificateView>): CertificateView => ({
    arn: 'arn:aws:acm:us-east-1:111122223333:certificate/1',
    status: 'PENDING_VALIDATION',
    tags: { [VALIDATION_TAG]: 'mine' },
    records: [{ name: `_a.${DOMAIN}.`, value: '_b.c.acm-validations.aws.' }],
    ...overrides,
  });
  // Each poll gets the next answer; the last one repeats.
  const acmAnswering = (...answers: CertificateView[][]): CertificatePort => ({
    certificatesFor: async () => (answers.length > 1 ? answers.shift()! : answers[0]),
  });

  test('until the certificate exists and ACM has computed its record, then publishes it once', async () => {
    const target = zone();
    const outcome = await publishValidationRecords(
      acmAnswering([], [certificate({ records: [] })], [certificate({}), certificate({ arn: 'other', tags: {} })]),
      target,
      { zoneId: 'Z1', domainName: DOMAIN, tagValue: 'mine' },
      clock(),
      { deadlineMs: 60_000, pollMs: 10_000, untaggedAfterMs: 90_000 },
    );
    expect(target.upserted).toEqual([[{ name: `_a.${DOMAIN}.`, value: '_b.c.acm-validations.aws.' }]]);
    expect(outcome).toBe(`published _a.${DOMAIN}. for arn:aws:acm:us-east-1:111122223333:certificate/1`);
  });

  test("an issued certificate (validated by the other region's record) is answered too", async () => {
    const target = zone();
    await publishValidationRecords(acmAnswering([certificate({ status: 'ISSUED' })]), target, { zoneId: 'Z1', domainName: DOMAIN, tagValue: 'mine' }, clock(), {
      deadlineMs: 0,
      pollMs: 1,
      untaggedAfterMs: 90_000,
    });
    expect(target.upserted).toHaveLength(1);
  });

  test('a certificate CloudFormation has not tagged yet is answered through the pending certificates of the name, after a grace period', async () => {
    const target = zone();
    const untagged = certificate({ tags: {} });
    const outcome = await publishValidationRecords(acmAnswering([untagged]), target, { zoneId: 'Z1', domainName: DOMAIN, tagValue: 'mine' }, clock(), {
      deadlineMs: 300_000,
      pollMs: 10_000,
      untaggedAfterMs: 90_000,
    });
    expect(target.upserted).toEqual([[untagged.records[0]]]);
    expect(outcome).toContain(`(untagged: no certificate carried ${VALIDATION_TAG}=mine)`);
  });

  test("another stack's issued certificate for the same name is not this publisher's", async () => {
    await expect(
      publishValidationRecords(
        acmAnswering([certificate({ status: 'ISSUED', tags: { [VALIDATION_TAG]: 'theirs' } })]),
        zone(),
        { zoneId: 'Z1', domainName: DOMAIN, tagValue: 'mine' },
        clock(),
        {
          deadlineMs: 300_000,
          pollMs: 10_000,
          untaggedAfterMs: 90_000,
        },
      ),
    ).rejects.toThrow(`no certificate for ${DOMAIN} tagged ${VALIDATION_TAG}=mine, nor any awaiting validation, appeared in 300 s`);
  });

  test('a certificate that never gets a record is named', async () => {
    await expect(
      publishValidationRecords(acmAnswering([certificate({ records: [] })]), zone(), { zoneId: 'Z1', domainName: DOMAIN, tagValue: 'mine' }, clock(), {
        deadlineMs: 20_000,
        pollMs: 10_000,
        untaggedAfterMs: 90_000,
      }),
    ).rejects.toThrow('ACM gave arn:aws:acm:us-east-1:111122223333:certificate/1 no validation record in 20 s');
  });
});

test('the removal takes only `_<token>.<name>.` CNAMEs into acm-validations.aws', async () => {
  const listed: ValidationRecord[] = [
    { name: `_a.${DOMAIN}.`, value: '_b.c.acm-validations.aws.', ttl: 300 },
    { name: `_A2.${DOMAIN.toUpperCase()}.`, value: '_b.c.acm-validations.aws', ttl: 60 },
    { name: `_a.deeper.${DOMAIN}.`, value: '_b.c.acm-validations.aws.' },
    { name: `_a.${DOMAIN}.`.replace('app.', 'app2.'), value: '_b.c.acm-validations.aws.' },
    { name: `_x.${DOMAIN}.`, value: 'somewhere.example.com.' },
    { name: `x_a.${DOMAIN}.`, value: '_b.c.acm-validations.aws.' },
  ];
  const deleted: ValidationRecord[] = [];
  const zone: ZonePort = {
    upsertCnames: async () => {},
    listCnames: async () => listed,
    deleteCnames: async (_zone, records) => void deleted.push(...records),
  };
  await removeValidationRecords(zone, 'Z1', DOMAIN);
  expect(deleted).toEqual(listed.slice(0, 2));
});

test('an unknown action fails the resource instead of doing nothing', async () => {
  const answers: Array<{ Status: string; Reason: string }> = [];
  const noPort = {} as never;
  const event: CustomResourceEvent = {
    RequestType: 'Create',
    ResponseURL: 'u',
    StackId: 's',
    RequestId: 'r',
    LogicalResourceId: 'l',
    ResourceProperties: { Action: 'publsh', DomainName: DOMAIN },
  };
  await handleValidationRecordsEvent(
    event,
    { getRemainingTimeInMillis: () => 1, logStreamName: 'l' },
    { acm: noPort, zone: noPort, clock: noPort },
    async (_u, body) => {
      answers.push(JSON.parse(body));
    },
  );
  expect(answers[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('Action must be publish or remove-on-delete, not "publsh"') });
});
