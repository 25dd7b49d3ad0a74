import { ClusterRole, decide, Observations, ProbeResult } from '../src/decision';

const up: ProbeResult = { ok: true };
const down = (reason = 'timeout after 3000 ms'): ProbeResult => ({ ok: false, reason });
const policy = { requiredConsecutiveFailures: 4 };

function observations(overrides: Partial<Observations> = {}): Observations {
  return {
    paused: false,
    primaryProbes: [down(), down(), down(), down()],
    secondaryProbe: up,
    secondaryClusterRole: 'replica',
    trafficOnSecondary: true,
    ...overrides,
  };
}

describe('failover decision', () => {
  test('a confirmed outage (every probe failed, secondary healthy, cluster replicating) promotes', () => {
    const decision = decide(observations(), policy);
    expect(decision).toMatchObject({ action: 'promote-secondary', reason: 'primary-outage-confirmed' });
    expect(decision.detail).toContain('4 consecutive failed probes');
  });

  test.each([
    ['a single blip', [down(), up]],
    ['flapping', [down(), up, down(), up]],
    ['recovery at the last probe', [down(), down(), down(), up]],
    ['only the first probe answered', [up]],
  ])('%s never promotes: any answer from the primary vetoes (split-brain guard)', (_name, probes) => {
    expect(decide(observations({ primaryProbes: probes }), policy)).toMatchObject({ action: 'none', reason: 'primary-answers' });
  });

  test('fewer failures than the window requires do not promote', () => {
    expect(decide(observations({ primaryProbes: [down(), down(), down()] }), policy)).toMatchObject({ action: 'none', reason: 'too-few-probes' });
  });

  test('enough failures that span less than the minimum outage do not promote (an in-region database failover)', () => {
    const floor = { ...policy, minimumOutageMs: 60_000 };
    const short = decide(observations({ outageSpanMs: 45_000 }), floor);
    expect(short).toMatchObject({ action: 'none', reason: 'too-few-probes' });
    expect(short.detail).toBe('the primary has failed every probe for 45 s of the 60 s required');
    expect(decide(observations({ outageSpanMs: 60_000 }), floor)).toMatchObject({ action: 'promote-secondary' });
    // Without a span (no failures observed over time), the floor is never met.
    expect(decide(observations(), floor)).toMatchObject({ reason: 'too-few-probes' });
  });

  test('partial failure: an unhealthy secondary blocks promotion even when the primary is down', () => {
    const decision = decide(observations({ secondaryProbe: down('HTTP 503') }), policy);
    expect(decision).toMatchObject({ action: 'none', reason: 'secondary-unhealthy' });
    expect(decision.detail).toContain('HTTP 503');
  });

  test.each([
    ['still answers with the primary', false],
    ['cannot be read', undefined],
  ])('Route 53 %s: no promotion, the writer follows the traffic', (_name, traffic) => {
    expect(decide(observations({ trafficOnSecondary: traffic }), policy)).toMatchObject({ action: 'none', reason: 'traffic-not-moved' });
  });

  test('the operator pause wins over everything', () => {
    expect(decide(observations({ paused: true }), policy)).toMatchObject({ action: 'none', reason: 'paused' });
  });

  test.each<[ClusterRole, string]>([
    ['writer', 'already-promoted'],
    ['transitioning', 'failover-in-progress'],
    ['unknown', 'cluster-state-unknown'],
  ])('cluster role %s: no promotion (%s), so repeated runs never fail over twice or flap back', (role, reason) => {
    expect(decide(observations({ secondaryClusterRole: role }), policy)).toMatchObject({ action: 'none', reason });
  });

  test('repeated invocation after a promotion is a no-op even with the primary still down', () => {
    const first = decide(observations(), policy);
    const second = decide(observations({ secondaryClusterRole: 'writer' }), policy);
    expect([first.action, second.action]).toEqual(['promote-secondary', 'none']);
  });

  test('a recovered primary after promotion does not trigger anything (no automatic flap back)', () => {
    expect(decide(observations({ secondaryClusterRole: 'writer', primaryProbes: [up] }), policy)).toMatchObject({ action: 'none', reason: 'already-promoted' });
  });

  test('a policy that a single failure could satisfy is rejected', () => {
    expect(() => decide(observations(), { requiredConsecutiveFailures: 1 })).toThrow(/at least 2/);
  });
});
