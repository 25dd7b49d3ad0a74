import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { GlobalClusterReader, RegionDatabase, RegionNotWritableError, SqlPort } from '../src/database';
import { systemClock } from '../src/clock';
import { Endpoint, TcpConnector } from '../src/network';

const CLUSTER_ENDPOINT = 'aurora-trading-secondary-dev.cluster-abc.us-west-2.rds.amazonaws.com';
const READER_ENDPOINT = 'aurora-trading-secondary-dev.cluster-ro-abc.us-west-2.rds.amazonaws.com';

type Member = { DBClusterArn: string; IsWriter?: boolean; GlobalWriteForwardingStatus?: string };
const member = (cluster: string, props: Omit<Member, 'DBClusterArn'>): Member => ({ DBClusterArn: `arn:aws:rds:us-west-2:1:cluster:${cluster}`, ...props });

/** RDS answers in order; an Error is thrown instead. Records each request. */
function scripted(inputs: unknown[], ...answers: Array<Error | Member[]>): GlobalClusterReader {
  return {
    send: async (command: DescribeGlobalClustersCommand) => {
      inputs.push(command.input);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return { GlobalClusters: [{ GlobalClusterMembers: answer }], $metadata: {} } as any;
    },
  };
}

/** A network on which only `reachable` hosts accept connections; records every attempt. */
function network(reachable: string[], attempts: Endpoint[] = []): TcpConnector {
  return {
    connect: async (endpoint) => {
      attempts.push(endpoint);
      if (!reachable.includes(endpoint.host)) throw new Error(`getaddrinfo ENOTFOUND ${endpoint.host}`);
    },
  };
}

function database(rds: GlobalClusterReader, tcp: TcpConnector): RegionDatabase {
  return new RegionDatabase({
    rds,
    globalClusterIdentifier: 'aurora-trading-global-dev',
    clusterIdentifier: 'aurora-trading-secondary-dev',
    clusterEndpoint: CLUSTER_ENDPOINT,
    readerEndpoint: READER_ENDPOINT,
    port: 5432,
    tcp,
    clock: systemClock,
    roleReadBudgetMs: 100,
  });
}

describe('which endpoint a region uses in its role', () => {
  test('a forwarding secondary is ready through its reader endpoint, although its writer endpoint does not resolve', async () => {
    // AWS: a secondary cluster's writer endpoint is inactive; forwarded writes go through its readers.
    const attempts: Endpoint[] = [];
    const inputs: unknown[] = [];
    const db = database(
      scripted(inputs, [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'enabled' })]),
      network([READER_ENDPOINT], attempts),
    );
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
    expect(attempts).toEqual([{ host: READER_ENDPOINT, port: 5432 }]);
    expect(inputs).toEqual([{ GlobalClusterIdentifier: 'aurora-trading-global-dev' }]);
    expect(db.role()).toBe('forwarding-secondary');
  });

  test('the writer uses its cluster endpoint, and after a promotion the standby switches to it', async () => {
    const attempts: Endpoint[] = [];
    const db = database(
      scripted(
        [],
        [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'enabled' })],
        [member('aurora-trading-secondary-dev', { IsWriter: true, GlobalWriteForwardingStatus: 'disabled' })],
      ),
      network([READER_ENDPOINT, CLUSTER_ENDPOINT], attempts),
    );
    await db.readinessCheck().check();
    await db.readinessCheck().check();
    expect(attempts.map((endpoint) => endpoint.host)).toEqual([READER_ENDPOINT, CLUSTER_ENDPOINT]);
    expect(db.role()).toBe('writer');
  });

  test('an unreachable endpoint of the current role is not ready, and the message names it', async () => {
    const db = database(scripted([], [member('aurora-trading-secondary-dev', { IsWriter: true })]), network([READER_ENDPOINT]));
    await expect(db.readinessCheck().check()).rejects.toThrow(`writer endpoint ${CLUSTER_ENDPOINT}:5432 unreachable: getaddrinfo ENOTFOUND`);
  });

  test.each([
    [
      'a read-only secondary (old primary that rejoined without forwarding)',
      [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'disabled' })],
      'read-only-secondary',
    ],
    ['a cluster that is not a member', [member('someone-else', { IsWriter: true })], 'detached'],
  ])('%s is not ready and opens no connection', async (_name, members, role) => {
    const attempts: Endpoint[] = [];
    const db = database(scripted([], members), network([READER_ENDPOINT, CLUSTER_ENDPOINT], attempts));
    await expect(db.readinessCheck().check()).rejects.toThrow(`its database is ${role}`);
    expect(attempts).toEqual([]);
  });

  test('an API error keeps the last known role, so throttling never looks like an outage', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const db = database(scripted([], [member('aurora-trading-secondary-dev', { IsWriter: true })], throttled), network([CLUSTER_ENDPOINT]));
    await db.readinessCheck().check();
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
    expect(db.role()).toBe('writer');
  });

  test('a slow or throttled RDS answer never holds readiness past its budget: the last known role is used', async () => {
    const inputs: unknown[] = [];
    let calls = 0;
    const slowAfterFirst: GlobalClusterReader = {
      send: async (command) => {
        inputs.push(command.input);
        // The first answer at once; later ones as late as the SDK's throttling back-off would make them.
        if (calls++ > 0) await new Promise((resolve) => setTimeout(resolve, 2000).unref());
        return { GlobalClusters: [{ GlobalClusterMembers: [member('aurora-trading-secondary-dev', { IsWriter: true })] }], $metadata: {} } as any;
      },
    };
    const db = database(slowAfterFirst, network([CLUSTER_ENDPOINT]));
    await db.readinessCheck().check();
    const started = Date.now();
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('with no role known yet, an API error is not ready', async () => {
    const db = database(scripted([], new Error('AccessDenied')), network([CLUSTER_ENDPOINT]));
    await expect(db.readinessCheck().check()).rejects.toThrow('AccessDenied');
  });
});

describe('writes through the region database', () => {
  const recordingSql = (executed: Array<[string, string]>, fail?: Error): SqlPort => ({
    execute: async (endpoint, statement) => {
      executed.push([endpoint.host, statement]);
      if (fail) throw fail;
      return { rowCount: 1 };
    },
  });

  test('go to the endpoint of the last known role', async () => {
    const executed: Array<[string, string]> = [];
    const db = database(scripted([], [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'enabled' })]), network([READER_ENDPOINT]));
    await db.refreshRole();
    await db.write(recordingSql(executed), 'INSERT 1', []);
    expect(executed).toEqual([[READER_ENDPOINT, 'INSERT 1']]);
  });

  test('are refused with a clear error before any role is known or in a read-only role', async () => {
    const db = database(scripted([], [member('aurora-trading-secondary-dev', {})]), network([]));
    await expect(db.write(recordingSql([]), 'INSERT 1', [])).rejects.toBeInstanceOf(RegionNotWritableError);
    await db.refreshRole();
    await expect(db.write(recordingSql([]), 'INSERT 1', [])).rejects.toThrow('its database is read-only-secondary');
  });

  /** A forwarding standby (role read once) whose next role read says it was promoted. */
  async function promotedStandby(inputs: unknown[]): Promise<RegionDatabase> {
    const db = database(
      scripted(
        inputs,
        [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'enabled' })],
        [member('aurora-trading-secondary-dev', { IsWriter: true })],
      ),
      network([]),
    );
    await db.refreshRole();
    return db;
  }

  test('a burst of failed writes re-reads the role once, not once per write', async () => {
    const inputs: unknown[] = [];
    const db = await promotedStandby(inputs);
    const failing = recordingSql([], new Error('connection reset'));
    await Promise.all(Array.from({ length: 20 }, () => db.write(failing, 'INSERT 1', []).catch(() => undefined)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
  });

  test('a failed write re-reads the role, so the next write uses the endpoint of the new role', async () => {
    const inputs: unknown[] = [];
    const db = await promotedStandby(inputs);
    await expect(db.write(recordingSql([], new Error('cannot execute INSERT in a read-only transaction')), 'INSERT 1', [])).rejects.toThrow('read-only');
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
    expect(db.role()).toBe('writer');
  });
});
