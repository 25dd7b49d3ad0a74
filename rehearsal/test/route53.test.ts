import { aggregateHealthy, CheckerState, chooseWeighted, HealthCheck, probePasses, ROUTE53 } from '../src/aws/route53';
import { Random } from '../src/random';
import { Simulator } from '../src/simulator';

describe('Route 53 health checker rules (Developer Guide, "How Route 53 determines whether a health check is healthy")', () => {
  test.each([
    [8, 1, false], // 12.5 %
    [8, 2, true], // 25 %
    [50, 9, false], // exactly 18 %: "18% of health checkers or fewer" is unhealthy
    [50, 10, true], // 20 %
    [16, 16, true],
    [16, 0, false],
  ])('with %i checkers of which %i say healthy, the endpoint is healthy: %s', (checkers, healthy, expected) => {
    const verdicts = Array.from({ length: checkers }, (_, index) => index < healthy);
    expect(aggregateHealthy(verdicts)).toBe(expected);
  });

  test('an HTTP(S) probe passes only with a connection within 4 s and a 2xx/3xx status within 2 s after it', () => {
    expect(probePasses({ connectMs: 100, status: 200, answerMs: 10 })).toBe(true);
    expect(probePasses({ connectMs: 100, status: 302, answerMs: 10 })).toBe(true);
    expect(probePasses({ connectMs: 100, status: 404, answerMs: 10 })).toBe(false);
    expect(probePasses({ connectMs: 100, status: 503, answerMs: 10 })).toBe(false);
    expect(probePasses({ connectMs: ROUTE53.connectTimeoutMs + 1, status: 200, answerMs: 10 })).toBe(false);
    expect(probePasses({ connectMs: 100, status: 200, answerMs: ROUTE53.answerTimeoutMs + 1 })).toBe(false);
    expect(probePasses({})).toBe(false);
  });

  test('a checker starts healthy and changes its verdict only after failure-threshold consecutive results', () => {
    const checker = new CheckerState(2);
    expect(checker.healthy).toBe(true);
    checker.record(false);
    expect(checker.healthy).toBe(true);
    checker.record(true);
    checker.record(false);
    expect(checker.healthy).toBe(true);
    checker.record(false);
    expect(checker.healthy).toBe(false);
    checker.record(true);
    expect(checker.healthy).toBe(false);
    checker.record(true);
    expect(checker.healthy).toBe(true);
  });

  test('a dead endpoint turns unhealthy within one interval plus threshold x (interval + 4 s connect timeout) of the failure', async () => {
    const sim = new Simulator(1);
    let up = true;
    const check = new HealthCheck(sim, new Random(2), {
      name: 'hc',
      requestIntervalSeconds: 30,
      failureThreshold: 2,
      checkerCount: 8,
      inverted: false,
      probe: async () => (up ? { connectMs: 50, status: 200, answerMs: 5 } : {}),
    });
    await sim.run(120_000);
    expect(check.healthy()).toBe(true);
    up = false;
    let unhealthyAt: number | undefined;
    for (let t = 120_000; t <= 300_000 && unhealthyAt === undefined; t += 1000) {
      await sim.run(t);
      if (!check.healthy()) unhealthyAt = t;
    }
    expect(unhealthyAt).toBeDefined();
    // Each checker: up to one interval (+ the last good probe's answer) before its first failing probe, then the threshold.
    expect(unhealthyAt! - 120_000).toBeLessThanOrEqual(30_000 + 2 * (30_000 + ROUTE53.connectTimeoutMs) + 1000);
    check.stop();
  });
});

describe('weighted routing (Developer Guide, "How Route 53 chooses records when health checking is configured")', () => {
  const random = new Random(7);
  const primary = (healthy: boolean) => ({ id: 'primary', weight: 100, healthy });
  const secondary = (healthy: boolean) => ({ id: 'secondary', weight: 0, healthy });

  test('healthy non-zero weights are answered; zero-weight records are not', () => {
    for (let i = 0; i < 100; i++) expect(chooseWeighted([primary(true), secondary(true)], random).id).toBe('primary');
  });

  test('zero-weight records are answered once every non-zero record is unhealthy', () => {
    for (let i = 0; i < 100; i++) expect(chooseWeighted([primary(false), secondary(true)], random).id).toBe('secondary');
  });

  test('when every record is unhealthy Route 53 fails open and answers by weight: the weight-100 record', () => {
    for (let i = 0; i < 100; i++) expect(chooseWeighted([primary(false), secondary(false)], random).id).toBe('primary');
  });

  test('non-zero weights share the answers in proportion', () => {
    const records = [
      { id: 'a', weight: 3, healthy: true },
      { id: 'b', weight: 1, healthy: true },
    ];
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) counts[chooseWeighted(records, random).id]++;
    expect(counts.a / 4000).toBeGreaterThan(0.7);
    expect(counts.a / 4000).toBeLessThan(0.8);
  });
});
