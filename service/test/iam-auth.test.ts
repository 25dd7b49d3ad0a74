import { iamTokenProvider } from '../src/iam-auth';

describe('IAM authentication tokens', () => {
  beforeAll(() => {
    jest.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout'] });
  });
  afterAll(() => jest.useRealTimers());

  test('a token is a presigned connect request for the endpoint, port, user and region, valid 15 minutes', async () => {
    const token = await iamTokenProvider({
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    })({ host: 'aurora-trading-secondary-dev.cluster-ro-abc.us-west-2.rds.amazonaws.com', port: 5432 }, 'trading_app');
    const url = new URL(`https://${token}`);
    expect({
      host: url.host,
      action: url.searchParams.get('Action'),
      user: url.searchParams.get('DBUser'),
      credential: url.searchParams.get('X-Amz-Credential'),
      date: url.searchParams.get('X-Amz-Date'),
      expires: url.searchParams.get('X-Amz-Expires'),
    }).toEqual({
      host: 'aurora-trading-secondary-dev.cluster-ro-abc.us-west-2.rds.amazonaws.com:5432',
      action: 'connect',
      user: 'trading_app',
      credential: 'AKIDEXAMPLE/20261125/us-west-2/rds-db/aws4_request',
      date: '20261125T120000Z',
      expires: '900',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
