import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpProbe } from '../src/http-probe';

/** A local HTTPS server presenting a certificate for app.trading.test only, like an ALB with the app's certificate. */
let server: https.Server;
let url: string;
let caFile: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=app.trading.test',
      '-addext',
      'subjectAltName=DNS:app.trading.test',
    ],
    { stdio: 'ignore' },
  );
  caFile = cert;
  server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    res.writeHead(req.headers.host === 'app.trading.test' ? 200 : 421).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
  // Trust the test certificate the way the Lambda trusts the public CA chain.
  https.globalAgent.options.ca = fs.readFileSync(caFile);
});

afterAll(() => {
  server.close();
  delete https.globalAgent.options.ca;
});

test('dialling the load balancer with the application name as SNI and Host verifies the certificate and reaches the app', async () => {
  await expect(httpProbe(url, { signal: AbortSignal.timeout(2000), serverName: 'app.trading.test' })).resolves.toEqual({ status: 200 });
});

test('without the application name the certificate does not match: the probe fails instead of passing silently', async () => {
  await expect(httpProbe(url, { signal: AbortSignal.timeout(2000) })).rejects.toThrow(/altnames|ERR_TLS_CERT_ALTNAME_INVALID|IP: 127.0.0.1 is not in the cert/);
  await expect(httpProbe(url, { signal: AbortSignal.timeout(2000), serverName: 'other.trading.test' })).rejects.toThrow(/other.trading.test/);
});
