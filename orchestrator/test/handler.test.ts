import { configFromEnvironment, trafficCheckFromEnvironment } from '../src/handler';

const complete = {
  GLOBAL_CLUSTER_ID: 'aurora-trading-global-dev',
  SECONDARY_CLUSTER_ARN: 'arn:aws:rds:us-west-2:123456789012:cluster:aurora-trading-secondary-dev',
  PRIMARY_READINESS_URL: 'https://alb-primary.us-east-1.elb.amazonaws.com/ready',
  SECONDARY_READINESS_URL: 'https://alb-secondary.us-west-2.elb.amazonaws.com/ready',
  PAUSE_PARAMETER: '/trading-dr/dev/failover/paused',
  PROBE_COUNT: '3',
  PROBE_INTERVAL_SECONDS: '20',
  PROBE_TIMEOUT_SECONDS: '5',
  PROMOTION_TIMEOUT_SECONDS: '300',
  PROBE_WINDOW_SECONDS: '100',
  TRAFFIC_WAIT_SECONDS: '60',
  PROBE_STATE_PARAMETER: '/trading-dr/dev/failover/probe-streak',
  EVENT_BUS_NAME: 'bus-trading-events-dev',
  NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:us-west-2:123456789012:sns-trading-alarms-secondary-dev',
  APPLICATION_HOST_NAME: 'app.trading.example.net',
  NAME_SERVERS: 'ns-1.awsdns-00.org, ns-2.awsdns-01.net',
  SECONDARY_LB_DNS_NAME: 'alb-secondary.us-west-2.elb.amazonaws.com',
};

test('the Lambda environment becomes the orchestrator configuration, in milliseconds', () => {
  expect(configFromEnvironment(complete)).toMatchObject({
    probeCount: 3,
    probeIntervalMs: 20_000,
    probeTimeoutMs: 5_000,
    promotionTimeoutMs: 300_000,
    probeWindowMs: 100_000,
    trafficWaitMs: 60_000,
    probeStateParameterName: '/trading-dr/dev/failover/probe-streak',
    // Two intervals plus 120 s: longer than the longest unwatched gap between runs.
    probeStreakMaxAgeMs: 160_000,
    // Not set: no floor, and the veto takes the probes' timeout.
    minimumOutageMs: 0,
    vetoTimeoutMs: undefined,
  });
  expect(trafficCheckFromEnvironment(complete).nameServers).toEqual(['ns-1.awsdns-00.org', 'ns-2.awsdns-01.net']);
});

test.each([
  ['a missing variable', { GLOBAL_CLUSTER_ID: '' }, 'environment variable GLOBAL_CLUSTER_ID is required'],
  ['a single probe', { PROBE_COUNT: '1' }, 'PROBE_COUNT="1" must be an integer of at least 2'],
  ['a non-numeric interval', { PROBE_INTERVAL_SECONDS: 'soon' }, 'PROBE_INTERVAL_SECONDS="soon"'],
])('%s fails the run loudly', (_name, override, message) => {
  expect(() => configFromEnvironment({ ...complete, ...override })).toThrow(message);
});

test('no name servers: the traffic check cannot be made', () => {
  expect(() => trafficCheckFromEnvironment({ ...complete, NAME_SERVERS: '' })).toThrow('NAME_SERVERS');
});

test('the failover signal comes as a pair of variables, or not at all', () => {
  expect(trafficCheckFromEnvironment(complete).signal).toBeUndefined();
  expect(
    trafficCheckFromEnvironment({ ...complete, SIGNAL_RECORD_NAME: '_failover.app.trading.example.net', SIGNAL_STANDBY_VALUE: 'us-west-2' }).signal,
  ).toEqual({
    recordName: '_failover.app.trading.example.net',
    standbyValue: 'us-west-2',
  });
  expect(() => trafficCheckFromEnvironment({ ...complete, SIGNAL_RECORD_NAME: '_failover.app.trading.example.net' })).toThrow(
    'SIGNAL_RECORD_NAME and SIGNAL_STANDBY_VALUE go together',
  );
});

test('the minimum outage and the veto timeout come from their variables', () => {
  expect(configFromEnvironment({ ...complete, MINIMUM_OUTAGE_SECONDS: '60', VETO_TIMEOUT_SECONDS: '5' })).toMatchObject({
    minimumOutageMs: 60_000,
    vetoTimeoutMs: 5_000,
  });
  expect(() => configFromEnvironment({ ...complete, VETO_TIMEOUT_SECONDS: '0' })).toThrow('VETO_TIMEOUT_SECONDS="0" must be an integer of at least 1');
});
