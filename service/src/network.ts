import * as net from 'node:net';

/** Where a TCP peer listens. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The one network operation readiness needs: open a TCP connection and close it again. A narrow
 * port (FoundationDB's `INetwork` idea) so the rehearsal answers with its DNS and reachability
 * models instead of the machine's network.
 */
export interface TcpConnector {
  connect(endpoint: Endpoint): Promise<void>;
}

export const systemTcp: TcpConnector = {
  connect: ({ host, port }) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => {
        socket.destroy();
        reject(error);
      });
    }),
};
