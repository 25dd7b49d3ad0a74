import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '../../test/support/certificate';
import { httpProbe } from '../src/http-probe';

/** A local HTTPS server presenting a certificate for app.trading.test only, like an ALB with the app's certificate. */
let server: https.Server;
let url: string;

beforeAll(async () => {
  const { key, cert } = selfSignedCertificate('app.trading.test');
  server = https.createServer({ key, cert }, (req, res) => {
    res.writeHead(req.headers.host === 'app.trading.test' ? 200 : 421).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;
  // Trust the test certificate the way the Lambda trusts the public CA chain.
  https.globalAgent.options.ca = cert;
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
