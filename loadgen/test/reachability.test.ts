import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { AddressInfo } from 'node:net';
import { checkReachable, nodeReachability, ReachabilityPort, UnreachableTargetError } from '../src/reachability';
import { selfSignedCertificate } from '../../test/support/certificate';
import { closedPort } from '../../test/support/network';

// Fast or failing: a hanging step must not wait for the suite-wide two minutes.
jest.setTimeout(5000);

/** The real network, except that these names resolve to loopback: the machine has no DNS to rely on. */
function localNames(names: Record<string, readonly string[]>, base: ReachabilityPort = nodeReachability()): ReachabilityPort {
  return {
    ...base,
    lookup: async (hostname) => {
      const addresses = names[hostname];
      if (addresses) return addresses;
      // What getaddrinfo gives for a name with no records (RFC 6761 guarantees it for .invalid).
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<UnreachableTargetError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UnreachableTargetError);
  return error as UnreachableTargetError;
}

test('a closed port fails the preflight at once, naming the TCP connect and ECONNREFUSED', async () => {
  const port = await closedPort();
  const started = Date.now();
  const error = await rejection(checkReachable(`http://127.0.0.1:${port}`));
  expect(Date.now() - started).toBeLessThan(2000);
  expect(error.message).toBe(`cannot reach http://127.0.0.1:${port}: TCP connect to 127.0.0.1:${port} failed: connection refused (ECONNREFUSED)`);
  expect(error).toMatchObject({ step: 'connect', errorClass: 'connect-refused' });
});

test('a name that does not resolve fails at the DNS step with the resolver’s code', async () => {
  const error = await rejection(checkReachable('https://app.trading.invalid', { network: localNames({}) }));
  expect(error.message).toBe('cannot reach https://app.trading.invalid: DNS lookup of app.trading.invalid failed: no such host name (ENOTFOUND)');
  expect(error).toMatchObject({ step: 'dns', errorClass: 'dns' });
});

test('a lookup or a connect that never answers times out after the step’s limit, and the port is told to give up', async () => {
  const never: ReachabilityPort = {
    ...nodeReachability(),
    lookup: () => new Promise(() => undefined),
  };
  let started = Date.now();
  const dns = await rejection(checkReachable('https://app.trading.test', { network: never, timeoutMs: 50 }));
  expect(dns.message).toBe('cannot reach https://app.trading.test: DNS lookup of app.trading.test timed out after 50 ms');
  expect(Date.now() - started).toBeLessThan(1000);

  // A black-holed address (203.0.113.0/24 is TEST-NET-3): the SYN is never answered.
  const aborted: boolean[] = [];
  const blackHole: ReachabilityPort = {
    ...localNames({ 'app.trading.test': ['203.0.113.5', '203.0.113.6'] }),
    connect: (_address, _port, signal) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted.push(true);
          reject(signal.reason);
        }),
      ),
  };
  started = Date.now();
  const connect = await rejection(checkReachable('https://app.trading.test', { network: blackHole, timeoutMs: 50 }));
  expect(Date.now() - started).toBeLessThan(1000);
  expect(connect.message).toBe(
    'cannot reach https://app.trading.test: TCP connect to 203.0.113.5:443 timed out after 50 ms; TCP connect to 203.0.113.6:443 timed out after 50 ms',
  );
  expect(connect).toMatchObject({ step: 'connect', errorClass: 'connect-timeout' });
  expect(aborted).toEqual([true, true]);
});

test('an http target that accepts connections passes; with several addresses the first that accepts wins', async () => {
  const server = http.createServer((_req, res) => res.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await expect(checkReachable(`http://127.0.0.1:${port}`)).resolves.toBeUndefined();
    const tried: string[] = [];
    const base = localNames({ 'app.trading.test': ['192.0.2.1', '127.0.0.1'] });
    const network: ReachabilityPort = {
      ...base,
      connect: (address, connectPort, signal) => {
        tried.push(address);
        // 192.0.2.1 (TEST-NET-1) stands for an address that refuses; the real connect proves the rest.
        if (address === '192.0.2.1')
          return Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${address}:${connectPort}`), { code: 'ECONNREFUSED' }));
        return base.connect(address, connectPort, signal);
      },
    };
    await expect(checkReachable(`http://app.trading.test:${port}`, { network })).resolves.toBeUndefined();
    expect(tried).toEqual(['192.0.2.1', '127.0.0.1']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('https', () => {
  const { key, cert } = selfSignedCertificate('app.trading.test');
  const sni: string[] = [];
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    // The SNI callback runs on the ClientHello, before the client can finish and hang up.
    const context = tls.createSecureContext({ key, cert });
    server = https.createServer({ key, cert, SNICallback: (servername, done) => (sni.push(servername), done(null, context)) }, (_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('a certificate the default CA store does not trust fails the TLS step with OpenSSL’s reason', async () => {
    const url = `https://app.trading.test:${port}`;
    const error = await rejection(checkReachable(url, { network: localNames({ 'app.trading.test': ['127.0.0.1'] }) }));
    expect(error.message).toMatch(
      new RegExp(
        `^cannot reach ${url}: TLS handshake with 127\\.0\\.0\\.1:${port} \\(SNI app\\.trading\\.test\\) failed: self-signed certificate.* \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)$`,
      ),
    );
    expect(error).toMatchObject({ step: 'tls', errorClass: 'tls' });
  });

  test('with the certificate trusted, the handshake offers the host name as SNI and passes; another name is refused', async () => {
    const names = { 'app.trading.test': ['127.0.0.1'], 'other.trading.test': ['127.0.0.1'] };
    const network = localNames(names, nodeReachability({ ca: cert }));
    sni.length = 0;
    await expect(checkReachable(`https://app.trading.test:${port}`, { network })).resolves.toBeUndefined();
    expect(sni).toEqual(['app.trading.test']);
    const error = await rejection(checkReachable(`https://other.trading.test:${port}`, { network }));
    expect(error.message).toMatch(/TLS handshake with .* \(SNI other\.trading\.test\) failed: .*other\.trading\.test.* \(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });

  test('a listener that never answers the ClientHello times out at the TLS step', async () => {
    // Reads (and ignores) the ClientHello, so that it sees the preflight hang up.
    const silent = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const error = await rejection(checkReachable(`https://127.0.0.1:${silentPort}`, { timeoutMs: 200 }));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(error.message).toBe(`cannot reach https://127.0.0.1:${silentPort}: TLS handshake with 127.0.0.1:${silentPort} (no SNI) timed out after 200 ms`);
    } finally {
      // Closes only once the preflight's connection is gone: it destroyed its socket on the timeout.
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
