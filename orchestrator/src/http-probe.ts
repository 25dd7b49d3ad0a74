import * as http from 'node:http';
import * as https from 'node:https';

/**
 * GETs a readiness URL on a load balancer and returns its status. With `serverName`, TLS is
 * negotiated and verified for that name (SNI) and sent as the Host header: the certificate covers
 * the application's name, not the load balancer's DNS name that is dialled.
 */
export function httpProbe(url: string, init: { signal: AbortSignal; serverName?: string }): Promise<{ status: number }> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        host: target.hostname,
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers: init.serverName ? { Host: init.serverName } : undefined,
        servername: init.serverName,
        signal: init.signal,
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
