import { DescribeGlobalClustersCommand } from '@aws-sdk/client-rds';
import { GlobalClusterReader, RegionDatabase, RegionNotWritableError, SqlPort } from '../src/database';
import { Clock, systemClock } from '../src/clock';
import { Endpoint, TcpConnector } from '../src/network';

const CLUSTER_ENDPOINT = 'aurora-trading-secondary-dev.cluster-abc.us-west-2.rds.amazonaws.com';
const READER_ENDPOINT = 'aurora-trading-secondary-dev.cluster-ro-abc.us-west-2.rds.amazonaws.com';

type Member = { DBClusterArn: string; IsWriter?: boolean; GlobalWriteForwardingStatus?: string };
const member = (cluster: string, props: Omit<Member, 'DBClusterArn'>): Member => ({ DBClusterArn: `arn:aws:rds:us-west-2:1:cluster:${cluster}`, ...props });

type FailoverState = { Status: string; FromDbClusterArn: string; ToDbClusterArn: string; IsDataLossAllowed: boolean };
/** A global cluster as DescribeGlobalClusters returns it, with a writer change under way. */
type ClusterAnswer = { members: Member[]; failover: FailoverState };

/** RDS answers in order; an Error is thrown instead. Records each request. */
function scripted(inputs: unknown[], ...answers: Array<Error | Member[] | ClusterAnswer>): GlobalClusterReader {
  return {
    send: async (command: DescribeGlobalClustersCommand) => {
      inputs.push(command.input);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      const { members, failover } = Array.isArray(answer) ? { members: answer, failover: undefined } : answer!;
      return { GlobalClusters: [{ GlobalClusterMembers: members, FailoverState: failover }], $metadata: {} } as any;
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

/** A clock the test moves by hand. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, schedule: () => () => undefined, advance: (ms) => void (now += ms) };
}

function database(rds: GlobalClusterReader, tcp: TcpConnector, clock: Clock = systemClock, peerRds?: GlobalClusterReader): RegionDatabase {
  return new RegionDatabase({
    peerRds,
    peerRegion: peerRds ? 'us-east-1' : undefined,
    rds,
    globalClusterIdentifier: 'aurora-trading-global-dev',
    clusterIdentifier: 'aurora-trading-secondary-dev',
    clusterEndpoint: CLUSTER_ENDPOINT,
    readerEndpoint: READER_ENDPOINT,
    port: 5432,
    tcp,
    clock,
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
        [member('aurora-trading-secondary-dev', { IsWriter: true, GlobalWriteForwardingStatus: 'disabled' })],
      ),
      network([READER_ENDPOINT, CLUSTER_ENDPOINT], attempts),
    );
    await db.readinessCheck().check();
    // This run starts the read that learns of the promotion, and answers with the role it knew.
    await db.readinessCheck().check();
    await new Promise((resolve) => setImmediate(resolve));
    await db.readinessCheck().check();
    expect(attempts.map((endpoint) => endpoint.host)).toEqual([READER_ENDPOINT, READER_ENDPOINT, CLUSTER_ENDPOINT]);
    expect(db.role()).toBe('writer');
  });

  describe('a standby being promoted (FailoverState names it ToDbClusterArn) stays ready, whatever its forwarding status reads', () => {
    // AWS documents nothing about GlobalWriteForwardingStatus during a failover: the pessimistic reading is `disabled`.
    const failover = (status: string, to = 'aurora-trading-secondary-dev', isDataLossAllowed = true): ClusterAnswer => ({
      members: [
        member('aurora-trading-primary-dev', { IsWriter: true }),
        member('aurora-trading-secondary-dev', { IsWriter: false, GlobalWriteForwardingStatus: 'disabled' }),
      ],
      failover: {
        Status: status,
        FromDbClusterArn: 'arn:aws:rds:us-east-1:1:cluster:aurora-trading-primary-dev',
        ToDbClusterArn: `arn:aws:rds:us-west-2:1:cluster:${to}`,
        IsDataLossAllowed: isDataLossAllowed,
      },
    });

    test.each(['pending', 'failing-over'])('%s: ready through the reader endpoint, and takes no write until it is the writer', async (status) => {
      const attempts: Endpoint[] = [];
      const db = database(scripted([], failover(status)), network([READER_ENDPOINT], attempts));
      await expect(db.readinessCheck().check()).resolves.toBeUndefined();
      expect(db.role()).toBe('promoting');
      expect(attempts).toEqual([{ host: READER_ENDPOINT, port: 5432 }]);
      const sql = { execute: jest.fn() };
      await expect(db.write(sql, 'INSERT 1', [])).rejects.toThrow('this region cannot take writes: its database is promoting');
      expect(sql.execute).not.toHaveBeenCalled();
    });

    test('cancelling: back to what the forwarding status says (here: not writable, not ready)', async () => {
      const db = database(scripted([], failover('cancelling')), network([READER_ENDPOINT, CLUSTER_ENDPOINT]));
      await expect(db.readinessCheck().check()).rejects.toThrow('its database is read-only-secondary');
    });

    test.each(['pending', 'switching-over'])(
      'a switchover (%s, no data loss: a planned failback) is not: the writer keeps the traffic until the switch',
      async (status) => {
        const db = database(scripted([], failover(status, 'aurora-trading-secondary-dev', false)), network([READER_ENDPOINT]));
        await expect(db.readinessCheck().check()).rejects.toThrow('its database is read-only-secondary');
      },
    );

    test('the writer a failover moves away from (FromDbClusterArn) is demoting: not ready, and it takes no write that the failover may lose', async () => {
      const attempts: Endpoint[] = [];
      const demoted = database(
        scripted([], {
          members: [member('aurora-trading-secondary-dev', { IsWriter: true }), member('aurora-trading-primary-dev', { IsWriter: false })],
          failover: {
            Status: 'failing-over',
            FromDbClusterArn: 'arn:aws:rds:us-west-2:1:cluster:aurora-trading-secondary-dev',
            ToDbClusterArn: 'arn:aws:rds:us-east-1:1:cluster:aurora-trading-primary-dev',
            IsDataLossAllowed: true,
          },
        }),
        network([READER_ENDPOINT, CLUSTER_ENDPOINT], attempts),
      );
      await expect(demoted.readinessCheck().check()).rejects.toThrow('its database is demoting');
      expect(attempts).toEqual([]);
      const sql = { execute: jest.fn() };
      await expect(demoted.write(sql, 'INSERT 1', [])).rejects.toThrow('its database is demoting');
      expect(sql.execute).not.toHaveBeenCalled();
    });

    test("another cluster's promotion is not this one's", async () => {
      const db = database(scripted([], failover('failing-over', 'aurora-trading-third-dev')), network([READER_ENDPOINT]));
      await expect(db.readinessCheck().check()).rejects.toThrow('its database is read-only-secondary');
    });
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
  ])('%s is not ready and opens no connection', async (name, members, role) => {
    const attempts: Endpoint[] = [];
    const db = database(scripted([], members), network([READER_ENDPOINT, CLUSTER_ENDPOINT], attempts));
    await expect(db.readinessCheck().check()).rejects.toThrow(`its database is ${role}`);
    expect(attempts).toEqual([]);
    if (name.includes('not a member')) {
      // A wiring fault, named with both settings and the members found.
      await expect(db.readinessCheck().check()).rejects.toThrow(
        'cluster aurora-trading-secondary-dev (DB_CLUSTER_ID) is not a member of aurora-trading-global-dev (DB_GLOBAL_CLUSTER_ID), whose members are arn:',
      );
    }
  });

  describe("when this region's RDS API fails, the other region's answers", () => {
    const apiDown = () => Object.assign(new Error('Service Unavailable'), { name: 'InternalFailure' });

    test('a task that never read its role (started during the outage) learns it from the peer, and serves', async () => {
      const peerInputs: unknown[] = [];
      const db = database(
        scripted([], apiDown()),
        network([CLUSTER_ENDPOINT]),
        systemClock,
        scripted(peerInputs, [member('aurora-trading-secondary-dev', { IsWriter: true })]),
      );
      await expect(db.readinessCheck().check()).resolves.toBeUndefined();
      expect(db.role()).toBe('writer');
      expect(peerInputs).toEqual([{ GlobalClusterIdentifier: 'aurora-trading-global-dev' }]);
    });

    test("an old primary whose own region still shows it as the writer takes the peer's fresher view when its API fails", async () => {
      const db = database(
        scripted([], [member('aurora-trading-secondary-dev', { IsWriter: true })], apiDown()),
        network([READER_ENDPOINT, CLUSTER_ENDPOINT]),
        systemClock,
        scripted([], [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'disabled' })]),
      );
      await db.readinessCheck().check();
      await db.refreshRole();
      expect(db.role()).toBe('read-only-secondary');
    });

    test('both APIs failing: a known role is kept, an unknown one is not guessed', async () => {
      const known = database(
        scripted([], [member('aurora-trading-secondary-dev', { IsWriter: true })], apiDown()),
        network([CLUSTER_ENDPOINT]),
        systemClock,
        scripted([], apiDown()),
      );
      await known.readinessCheck().check();
      await known.refreshRole();
      expect(known.role()).toBe('writer');
      const unknown = database(scripted([], apiDown()), network([CLUSTER_ENDPOINT]), systemClock, scripted([], apiDown()));
      // Both failures are named, and the setting that chose the peer: an operator reading the log knows where to look.
      await expect(unknown.readinessCheck().check()).rejects.toThrow(
        'the RDS API failed here (Service Unavailable) and in the peer region us-east-1 (DB_PEER_REGION): Service Unavailable',
      );
      expect(unknown.role()).toBeUndefined();
    });
  });

  test('an API error keeps the last known role, so throttling never looks like an outage', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const db = database(scripted([], [member('aurora-trading-secondary-dev', { IsWriter: true })], throttled), network([CLUSTER_ENDPOINT]));
    await db.readinessCheck().check();
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
    expect(db.role()).toBe('writer');
  });

  test('once a role is known, readiness never waits for RDS: a hung or throttled read keeps the last known role', async () => {
    let calls = 0;
    const hangsAfterFirst: GlobalClusterReader = {
      send: () => {
        if (calls++ > 0) return new Promise(() => undefined);
        return Promise.resolve({
          GlobalClusters: [{ GlobalClusterMembers: [member('aurora-trading-secondary-dev', { IsWriter: true })] }],
          $metadata: {},
        } as any);
      },
    };
    const db = database(hangsAfterFirst, network([CLUSTER_ENDPOINT]));
    await db.readinessCheck().check();
    // Resolving at all proves it: the read it started never answers.
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
    expect(db.role()).toBe('writer');
  });

  test('a read that hangs is abandoned after its limit: the next one learns the new role', async () => {
    const clock = manualClock();
    let calls = 0;
    const rds: GlobalClusterReader = {
      send: () => {
        calls++;
        if (calls === 2) return new Promise(() => undefined);
        const writer = calls > 2;
        return Promise.resolve({
          GlobalClusters: [
            { GlobalClusterMembers: [member('aurora-trading-secondary-dev', writer ? { IsWriter: true } : { GlobalWriteForwardingStatus: 'enabled' })] },
          ],
          $metadata: {},
        } as any);
      },
    };
    const db = database(rds, network([]), clock);
    await db.refreshRole();
    void db.refreshRole();
    void db.refreshRole(); // joins the hung read
    expect(calls).toBe(2);
    clock.advance(10_001);
    expect(await db.refreshRole()).toBe('writer');
    expect(calls).toBe(3);
  });

  test('a task that has never read its role is not ready until it has one', async () => {
    const db = database(scripted([], new Error('Rate exceeded'), [member('aurora-trading-secondary-dev', { IsWriter: true })]), network([CLUSTER_ENDPOINT]));
    await expect(db.readinessCheck().check()).rejects.toThrow('Rate exceeded');
    await expect(db.readinessCheck().check()).resolves.toBeUndefined();
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

  test('a write refused as a read-only secondary does not re-read the role: only a promotion changes by itself', async () => {
    const inputs: unknown[] = [];
    const db = database(scripted(inputs, [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'disabled' })]), network([]));
    await db.refreshRole();
    await expect(db.write(recordingSql([]), 'INSERT 1', [])).rejects.toThrow('read-only-secondary');
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(1);
  });

  /** A forwarding standby (role read once) whose next role read says it was promoted. */
  async function promotedStandby(inputs: unknown[], rereadAfterFailureMs?: number, clock: Clock = systemClock): Promise<RegionDatabase> {
    const member2 = member('aurora-trading-secondary-dev', { IsWriter: true });
    const db = new RegionDatabase({
      rds: scripted(inputs, [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'enabled' })], [member2], [member2], [member2]),
      globalClusterIdentifier: 'aurora-trading-global-dev',
      clusterIdentifier: 'aurora-trading-secondary-dev',
      clusterEndpoint: CLUSTER_ENDPOINT,
      readerEndpoint: READER_ENDPOINT,
      port: 5432,
      tcp: network([]),
      clock,
      roleRereadAfterFailureMs: rereadAfterFailureMs,
    });
    await db.refreshRole();
    return db;
  }

  test('failed writes at the same moment share one role read', async () => {
    const inputs: unknown[] = [];
    const db = await promotedStandby(inputs, 0);
    const failing = recordingSql([], new Error('connection reset'));
    await Promise.all(Array.from({ length: 20 }, () => db.write(failing, 'INSERT 1', []).catch(() => undefined)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
  });

  test('failed writes re-read the role at most once a second', async () => {
    const inputs: unknown[] = [];
    const clock = manualClock();
    const db = await promotedStandby(inputs, undefined, clock);
    const failing = recordingSql([], new Error('connection reset'));
    for (let i = 0; i < 5; i++) {
      await db.write(failing, 'INSERT 1', []).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(inputs).toHaveLength(2);
    clock.advance(1000);
    await db.write(failing, 'INSERT 1', []).catch(() => undefined);
    expect(inputs).toHaveLength(3);
  });

  test('a failed write re-reads the role, so the next write uses the endpoint of the new role', async () => {
    const inputs: unknown[] = [];
    const db = await promotedStandby(inputs);
    await expect(db.write(recordingSql([], new Error('cannot execute INSERT in a read-only transaction')), 'INSERT 1', [])).rejects.toThrow('read-only');
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
    expect(db.role()).toBe('writer');
  });

  test('a write refused in a role that cannot write (promoting) re-reads the role: the promoted region writes on the next request', async () => {
    const inputs: unknown[] = [];
    const promoting = {
      Status: 'failing-over',
      IsDataLossAllowed: true,
      ToDbClusterArn: `arn:aws:rds:us-west-2:123456789012:cluster:aurora-trading-secondary-dev`,
    };
    const writer = member('aurora-trading-secondary-dev', { IsWriter: true });
    const rds = {
      send: async (command: any) => {
        inputs.push(command.input);
        return inputs.length === 1
          ? {
              GlobalClusters: [
                { FailoverState: promoting, GlobalClusterMembers: [member('aurora-trading-secondary-dev', { GlobalWriteForwardingStatus: 'disabled' })] },
              ],
              $metadata: {},
            }
          : { GlobalClusters: [{ GlobalClusterMembers: [writer] }], $metadata: {} };
      },
    } as GlobalClusterReader;
    const db = database(rds, network([]));
    await db.refreshRole();
    expect(db.role()).toBe('promoting');
    await expect(db.write(recordingSql([]), 'INSERT 1', [])).rejects.toThrow('its database is promoting');
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
    expect(db.role()).toBe('writer');
  });

  test('an adapter that throws instead of rejecting is a failed write too: rejected, and the role re-read', async () => {
    const inputs: unknown[] = [];
    const db = await promotedStandby(inputs);
    const throwing = {
      execute: (): Promise<never> => {
        throw new Error('connection terminated');
      },
    };
    await expect(db.write(throwing, 'INSERT 1', [])).rejects.toThrow('connection terminated');
    await new Promise((resolve) => setImmediate(resolve));
    expect(inputs).toHaveLength(2);
    expect(db.role()).toBe('writer');
  });
});
