import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DnsPort, systemDns } from './dns';
import { httpProbe } from './http-probe';
import { OrchestratorConfig, RunReport, runOnce } from './orchestrator';

export type { DnsPort } from './dns';
export { systemDns } from './dns';

/** Reads and validates the Lambda environment; a bad value fails the run loudly. */
export function configFromEnvironment(env: NodeJS.ProcessEnv): OrchestratorConfig {
  const text = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`environment variable ${key} is required`);
    return value;
  };
  const integer = (key: string, min: number): number => {
    const value = Number(text(key));
    if (!Number.isInteger(value) || value < min) throw new Error(`${key}=${JSON.stringify(env[key])} must be an integer of at least ${min}`);
    return value;
  };
  return {
    globalClusterIdentifier: text('GLOBAL_CLUSTER_ID'),
    secondaryClusterArn: text('SECONDARY_CLUSTER_ARN'),
    primaryReadinessUrl: text('PRIMARY_READINESS_URL'),
    secondaryReadinessUrl: text('SECONDARY_READINESS_URL'),
    pauseParameterName: text('PAUSE_PARAMETER'),
    probeCount: integer('PROBE_COUNT', 2),
    probeIntervalMs: integer('PROBE_INTERVAL_SECONDS', 1) * 1000,
    probeTimeoutMs: integer('PROBE_TIMEOUT_SECONDS', 1) * 1000,
    vetoTimeoutMs: env.VETO_TIMEOUT_SECONDS ? integer('VETO_TIMEOUT_SECONDS', 1) * 1000 : undefined,
    minimumOutageMs: env.MINIMUM_OUTAGE_SECONDS ? integer('MINIMUM_OUTAGE_SECONDS', 0) * 1000 : 0,
    promotionTimeoutMs: integer('PROMOTION_TIMEOUT_SECONDS', 60) * 1000,
    promotionPollMs: 10_000,
    eventBusName: text('EVENT_BUS_NAME'),
    notificationTopicArn: text('NOTIFICATION_TOPIC_ARN'),
    probeWindowMs: integer('PROBE_WINDOW_SECONDS', 0) * 1000,
    trafficWaitMs: integer('TRAFFIC_WAIT_SECONDS', 0) * 1000,
    probeStateParameterName: env.PROBE_STATE_PARAMETER || undefined,
    // A streak survives the longest gap between two runs (a schedule period and the scheduler's 60 s
    // precision, see npm run rto-report), so an outage that began in one run is confirmed in the next
    // without waiting out the minimum outage again; older failures say nothing about now.
    probeStreakMaxAgeMs: integer('PROBE_INTERVAL_SECONDS', 1) * 2000 + 120_000,
  };
}

/** Where the orchestrator reads Route 53's decision: the zone's own name servers, not a cache. */
export interface TrafficCheck {
  readonly applicationHostName: string;
  readonly nameServers: string[];
  readonly secondaryLoadBalancerDnsName: string;
  /** The failover signal (a TXT record naming the region Route 53 would send traffic to), when the platform has one. */
  readonly signal?: { readonly recordName: string; readonly standbyValue: string };
}

export function trafficCheckFromEnvironment(env: NodeJS.ProcessEnv): TrafficCheck {
  const nameServers = (env.NAME_SERVERS ?? '')
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
  if (!env.APPLICATION_HOST_NAME || !env.SECONDARY_LB_DNS_NAME || nameServers.length === 0) {
    throw new Error('APPLICATION_HOST_NAME, SECONDARY_LB_DNS_NAME and NAME_SERVERS are required');
  }
  if (Boolean(env.SIGNAL_RECORD_NAME) !== Boolean(env.SIGNAL_STANDBY_VALUE)) throw new Error('SIGNAL_RECORD_NAME and SIGNAL_STANDBY_VALUE go together');
  return {
    applicationHostName: env.APPLICATION_HOST_NAME,
    nameServers,
    secondaryLoadBalancerDnsName: env.SECONDARY_LB_DNS_NAME,
    ...(env.SIGNAL_RECORD_NAME ? { signal: { recordName: env.SIGNAL_RECORD_NAME, standbyValue: env.SIGNAL_STANDBY_VALUE! } } : {}),
  };
}

/**
 * Asks the zone's authoritative Route 53 servers (global data plane: they answer while us-east-1's
 * control plane is down) whether Route 53 has moved the failover to the secondary: by the failover
 * signal when there is one (its answer names the region), else by whether the application resolves
 * to the secondary load balancer's addresses. Undefined when the question cannot be answered.
 */
export async function authoritativeTrafficOnSecondary(check: TrafficCheck, dns: DnsPort): Promise<boolean | undefined> {
  try {
    const serverAddresses = (await Promise.all(check.nameServers.map((server) => dns.resolve4(server)))).flat();
    if (check.signal) {
      const values = await dns.resolveTxtAt(serverAddresses, check.signal.recordName);
      return values.length > 0 && values.every((value) => value === check.signal!.standbyValue);
    }
    const answers = await dns.resolve4At(serverAddresses, check.applicationHostName);
    const secondary = new Set(await dns.resolve4(check.secondaryLoadBalancerDnsName));
    return answers.length > 0 && answers.every((address) => secondary.has(address));
  } catch {
    return undefined;
  }
}

/** Attempts per call of each client (the SDK's standard retry mode); the rehearsal applies the same. */
export const CLIENT_MAX_ATTEMPTS = { rds: 4, ssm: 4, sns: 3, events: 3 } as const;

/** Clients of the function's region, created on first use (never at import: the rehearsal imports this module). */
let clients: { rds: RDSClient; ssm: SSMClient; sns: SNSClient; events: EventBridgeClient } | undefined;
function systemClients(): NonNullable<typeof clients> {
  const region = process.env.AWS_REGION;
  // A hung call must end (the SDK only warns without throwOnRequestTimeout): the run holds the
  // function's only concurrency slot, and nothing watches the primary while it hangs.
  const requestHandler = { requestTimeout: 5000, throwOnRequestTimeout: true, connectionTimeout: 2000 };
  clients ??= {
    rds: new RDSClient({ region, maxAttempts: CLIENT_MAX_ATTEMPTS.rds, requestHandler }),
    ssm: new SSMClient({ region, maxAttempts: CLIENT_MAX_ATTEMPTS.ssm, requestHandler }),
    sns: new SNSClient({ region, maxAttempts: CLIENT_MAX_ATTEMPTS.sns, requestHandler }),
    events: new EventBridgeClient({ region, maxAttempts: CLIENT_MAX_ATTEMPTS.events, requestHandler }),
  };
  return clients;
}

export async function handler(): Promise<RunReport> {
  return runOnce(configFromEnvironment(process.env), {
    ...systemClients(),
    fetch: (url, init) => httpProbe(url, { ...init, serverName: process.env.PROBE_SERVER_NAME || undefined }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    schedule: (ms, callback) => {
      const timer = setTimeout(callback, ms);
      return () => clearTimeout(timer);
    },
    log: (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
    trafficOnSecondary: () => authoritativeTrafficOnSecondary(trafficCheckFromEnvironment(process.env), systemDns),
  });
}
