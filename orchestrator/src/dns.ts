/**
 * The DNS adapter of the orchestrator and of verify-deployment: plain lookups, and questions put to
 * given name servers (the hosted zone's authoritative ones), never to a cache.
 */
import { promises as dnsPromises } from 'node:dns';

/** The DNS questions the traffic check asks: a plain lookup, and ones put to given name servers. */
export interface DnsPort {
  resolve4(name: string): Promise<string[]>;
  /** Asks exactly these servers (by address), never a cache. */
  resolve4At(serverAddresses: string[], name: string): Promise<string[]>;
  /** TXT strings of `name` from exactly these servers, each record's chunks joined. */
  resolveTxtAt(serverAddresses: string[], name: string): Promise<string[]>;
}

function resolverAt(serverAddresses: string[]): dnsPromises.Resolver {
  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers(serverAddresses);
  return resolver;
}

export const systemDns: DnsPort = {
  resolve4: (name) => dnsPromises.resolve4(name),
  resolve4At: (serverAddresses, name) => resolverAt(serverAddresses).resolve4(name),
  resolveTxtAt: async (serverAddresses, name) => (await resolverAt(serverAddresses).resolveTxt(name)).map((chunks) => chunks.join('')),
};
