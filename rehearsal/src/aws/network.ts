/**
 * Reachability between the places that matter for a failover. The two VPCs are not connected, so
 * private addresses (Aurora endpoints) are reachable only from inside their own region; public
 * endpoints (load balancers) are reachable from the internet (clients, Route 53 checkers) and from
 * the other region unless a fault cuts the path.
 * Limits: latency is drawn per call from a small range; packet loss is all-or-nothing per path.
 */
import { Random } from '../random';

/** Where a connection starts: a region's VPC or Lambda, or the public internet. */
export type Origin = string | 'internet';

export class Network {
  private readonly downRegions = new Set<string>();
  /** Regions whose paths to and from the other region are cut (the internet still reaches them). */
  private readonly isolatedPairs = new Set<string>();

  constructor(private readonly random: Random) {}

  public setRegionDown(region: string, down: boolean): void {
    if (down) this.downRegions.add(region);
    else this.downRegions.delete(region);
  }

  public regionUp(region: string): boolean {
    return !this.downRegions.has(region);
  }

  /** Cuts (or restores) every path between two regions, including Aurora's cross-region traffic. */
  public setPartitioned(a: string, b: string, partitioned: boolean): void {
    const key = [a, b].sort().join('|');
    if (partitioned) this.isolatedPairs.add(key);
    else this.isolatedPairs.delete(key);
  }

  public partitioned(a: string, b: string): boolean {
    // Asked on every forwarded write: no key to build while nothing is cut.
    return this.isolatedPairs.size > 0 && this.isolatedPairs.has([a, b].sort().join('|'));
  }

  /** Whether a public endpoint in `region` can be reached from `origin`. */
  public reachesPublic(origin: Origin, region: string): boolean {
    if (!this.regionUp(region)) return false;
    if (origin === 'internet') return true;
    return this.regionUp(origin) && !this.partitioned(origin, region);
  }

  /** Private addresses: only from inside the same region. */
  public reachesPrivate(origin: Origin, region: string): boolean {
    return origin === region && this.regionUp(region);
  }

  /** Whether two regions' AWS services can talk (Aurora storage replication, write forwarding, fencing). */
  public regionsConnected(a: string, b: string): boolean {
    return this.regionUp(a) && this.regionUp(b) && !this.partitioned(a, b);
  }

  /** One-way latency for a connection set-up, in ms. */
  public latencyMs(origin: Origin, region: string): number {
    return origin === region ? this.random.uniform(1, 3) : this.random.uniform(20, 80);
  }
}
