import * as net from 'node:net';
import { AddressInfo } from 'node:net';

/** A port on 127.0.0.1 that nothing listens on: connecting to it is refused (ECONNREFUSED). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
