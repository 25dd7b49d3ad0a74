/**
 * The orchestrator's DNS adapter against a real (local, UDP) name server, and the traffic check's
 * reading of the failover signal. The server answers as Route 53's authoritative servers do for the
 * records the platform creates: A records, and TXT records (one string, or several chunks).
 */
import * as dgram from 'node:dgram';
import { authoritativeTrafficOnSecondary, DnsPort, systemDns, TrafficCheck } from '../src/handler';

/** A name server answering from a fixed table; counts the questions it was asked. */
async function nameServer(table: Record<string, { A?: string[]; TXT?: string[][] }>): Promise<{ address: string; asked: string[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (query, peer) => {
    // Header (12 bytes), then the question: labels, type, class.
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString('ascii'));
      offset += query[offset] + 1;
    }
    const questionEnd = offset + 5;
    const type = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    asked.push(`${type === 16 ? 'TXT' : 'A'} ${name}`);
    const entry = table[name];
    const answers: Buffer[] =
      type === 16
        ? (entry?.TXT ?? []).map((chunks) => Buffer.concat(chunks.map((chunk) => Buffer.concat([Buffer.from([chunk.length]), Buffer.from(chunk, 'ascii')]))))
        : (entry?.A ?? []).map((address) => Buffer.from(address.split('.').map(Number)));
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(entry ? 0x8400 : 0x8403, 2); // response, authoritative; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((data) => {
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0); // the question's name
      record.writeUInt16BE(type, 2);
      record.writeUInt16BE(1, 4);
      record.writeUInt32BE(10, 6);
      record.writeUInt16BE(data.length, 10);
      return Buffer.concat([record, data]);
    });
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, asked, close: () => socket.close() };
}

describe("the orchestrator's DNS adapter (node:dns against a real name server)", () => {
  test('TXT answers come from exactly the given servers, each record’s chunks joined', async () => {
    const server = await nameServer({ '_failover.app.trading.example.net': { TXT: [['us-west-2'], ['us-', 'east-1']] } });
    try {
      expect(await systemDns.resolveTxtAt([server.address], '_failover.app.trading.example.net')).toEqual(['us-west-2', 'us-east-1']);
      expect(server.asked).toEqual(['TXT _failover.app.trading.example.net']);
      await expect(systemDns.resolveTxtAt([server.address], 'nothing.trading.example.net')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    } finally {
      server.close();
    }
  });

  test('A answers from the given servers', async () => {
    const server = await nameServer({ 'app.trading.example.net': { A: ['203.0.113.7'] } });
    try {
      expect(await systemDns.resolve4At([server.address], 'app.trading.example.net')).toEqual(['203.0.113.7']);
    } finally {
      server.close();
    }
  });
});

describe('the traffic check reads the failover signal when the platform has one', () => {
  const base: TrafficCheck = {
    applicationHostName: 'app.trading.example.net',
    nameServers: ['ns-1.awsdns-00.org'],
    secondaryLoadBalancerDnsName: 'alb-secondary.us-west-2.elb.amazonaws.com',
  };
  const withSignal: TrafficCheck = { ...base, signal: { recordName: '_failover.app.trading.example.net', standbyValue: 'us-west-2' } };

  /** A DNS port whose signal answers `signal` and whose application name resolves to the primary's address. */
  function dns(signal: string[] | Error): DnsPort & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      resolve4: async (name) => (name === base.secondaryLoadBalancerDnsName ? ['198.51.100.2'] : ['192.0.2.53']),
      resolve4At: async (_servers, name) => {
        asked.push(`A ${name}`);
        return ['198.51.100.1'];
      },
      resolveTxtAt: async (servers, name) => {
        asked.push(`TXT ${name} at ${servers.join(',')}`);
        if (signal instanceof Error) throw signal;
        return signal;
      },
    };
  }

  test('the standby is named: the failover has moved, whatever the application name still answers', async () => {
    const port = dns(['us-west-2']);
    expect(await authoritativeTrafficOnSecondary(withSignal, port)).toBe(true);
    expect(port.asked).toEqual(['TXT _failover.app.trading.example.net at 192.0.2.53']);
  });

  test('the primary named, nothing, or no answer at all: not moved, or unknown', async () => {
    expect(await authoritativeTrafficOnSecondary(withSignal, dns(['us-east-1']))).toBe(false);
    expect(await authoritativeTrafficOnSecondary(withSignal, dns([]))).toBe(false);
    expect(await authoritativeTrafficOnSecondary(withSignal, dns(Object.assign(new Error('queryTxt ETIMEOUT'), { code: 'ETIMEOUT' })))).toBeUndefined();
  });

  test('without a signal, the application name’s own answer decides, as before', async () => {
    const port = dns(['us-west-2']);
    expect(await authoritativeTrafficOnSecondary(base, port)).toBe(false);
    expect(port.asked).toEqual(['A app.trading.example.net']);
  });
});
