/**
 * Reachability between the places that matter for a failover. The two VPCs are not connected, so
 * private addresses (Aurora endpoints) are reachable only from inside their own region; public
 * endpoints (load balancers) are reachable from the internet (clients, Route 53 checkers) and from
 * the other region unless a fault cuts the path.
 * Limits: latency is drawn per call from a small range; packet loss is all-or-nothing per path.
 */
import { Random } from '../random';

/**
 * Where a connection starts: a region's VPC or Lambda, the public internet (clients), or Route 53's
 * health checkers (on the internet too, from Route 53's published address ranges, which a firewall
 * can single out).
 */
export type Origin = string | 'internet' | 'route53-checkers';

/** The origin of Route 53's health checks. */
export const ROUTE53_CHECKERS: Origin = 'route53-checkers';

export class Network {
  private readonly downRegions = new Set<string>();
  /** Regions whose paths to and from the other region are cut (the internet still reaches them). */
  private readonly isolatedPairs = new Set<string>();
  /** Public endpoints of a region that refuse Route 53's checkers (a firewall change), by region. */
  private readonly checkersBlocked = new Set<string>();

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

  /** Blocks (or unblocks) Route 53's checkers at the public endpoints of `region`; clients still get through. */
  public setCheckersBlocked(region: string, blocked: boolean): void {
    if (blocked) this.checkersBlocked.add(region);
    else this.checkersBlocked.delete(region);
  }

  /** Whether a public endpoint in `region` can be reached from `origin`. */
  public reachesPublic(origin: Origin, region: string): boolean {
    if (!this.regionUp(region)) return false;
    if (origin === ROUTE53_CHECKERS) return !this.checkersBlocked.has(region);
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
