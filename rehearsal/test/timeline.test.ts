import { sharedAssembly } from '../../test/assemblies';
import { readPlatformWiring } from '../src/platform-wiring';
import { RunResult, runScenario } from '../src/run';
import { scenarioNamed } from '../src/scenarios';
import { TimelineEntry, TimelineEvent } from '../src/simulator';
import { foldTimeline, formatTimeline, relativeTime, TimelineLine } from '../src/timeline';
import { Assembly } from '../src/wiring';

/**
 * What `--timeline` printed before this module: every entry, with the actor padded to 14 and the
 * sign in front of the padded time. Each check below also runs on it, to show the check catches the
 * old output's problem and is not vacuous.
 */
function legacyTimeline(result: RunResult): string {
  return (result.timeline ?? [])
    .map((entry) => {
      const relative = (entry.at - result.faultAtMs) / 1000;
      return `${(relative >= 0 ? '+' : '') + relative.toFixed(1).padStart(7)} s  ${entry.actor.padEnd(14)} ${entry.message}\n`;
    })
    .join('');
}

const lines = (text: string): string[] => text.split('\n');
const count = (text: string, pattern: RegExp): number => lines(text).filter((line) => pattern.test(line)).length;

/** The columns at which the printed lines' messages start: one value when the columns are aligned. */
function messageColumns(text: string, messages: readonly string[]): Set<number> {
  const printed = lines(text);
  const columns = new Set<number>();
  let from = 0;
  for (const message of messages) {
    // Lines are printed in order: each message is found at or after the previous one's line.
    while (from < printed.length && !printed[from].endsWith(message)) from++;
    expect(from).toBeLessThan(printed.length);
    columns.add(printed[from].length - message.length);
    from++;
  }
  return columns;
}

/** The columns at which the printed times end (their " s"): one value when the time column is aligned. */
function timeEndColumns(text: string): Set<number> {
  return new Set(
    lines(text)
      .filter((line) => /^\s*[+-]?\s*\d+\.\d s {2}/.test(line))
      .map((line) => line.indexOf(' s  ') + 2),
  );
}

describe('timeline of a real run (primary-region-lost, seed 7)', () => {
  let result: RunResult;
  let text: string;
  let legacy: string;
  let entries: readonly TimelineEntry[];

  beforeAll(async () => {
    const wiring = readPlatformWiring(Assembly.fromDirectory(sharedAssembly('dev')));
    result = await runScenario(wiring, scenarioNamed('primary-region-lost')!, 7, { timeline: true });
    entries = result.timeline!;
    text = formatTimeline(result);
    legacy = legacyTimeline(result);
  });

  test('a header explains the columns, and its column titles sit over the columns', () => {
    const header = /^\s*time {2}actor\s+event$/;
    expect(count(text, header)).toBe(1);
    expect(text).toMatch(/time\s+seconds from the fault/);
    expect(text).toMatch(/actor\s+who saw or did it/);
    expect(text).toMatch(/event\s+what happened/);
    const titles = lines(text).find((line) => header.test(line))!;
    const folded = foldTimeline(entries, result.faultAtMs);
    expect(
      messageColumns(
        text,
        folded.map((line) => line.message),
      ),
    ).toEqual(new Set([titles.indexOf('event')]));
    expect(count(legacy, header)).toBe(0);
  });

  test('columns are aligned: every message starts at the same column, every time ends at the same column', () => {
    const folded = foldTimeline(entries, result.faultAtMs);
    expect(
      messageColumns(
        text,
        folded.map((line) => line.message),
      ).size,
    ).toBe(1);
    expect(timeEndColumns(text).size).toBe(1);
    // The old output: "service us-east-1" overflowed the actor column, and "+" went before the padding.
    expect(
      messageColumns(
        legacy,
        entries.map((entry) => entry.message),
      ).size,
    ).toBeGreaterThan(1);
    expect(timeEndColumns(legacy).size).toBeGreaterThan(1);
  });

  test("the clients' resolvers moving to the standby are one line: first and last time, and how many", () => {
    expect(count(text, /now resolves the application to/)).toBeLessThanOrEqual(3);
    expect(count(legacy, /now resolves the application to/)).toBe(50);
    const moves = entries.filter((entry) => entry.event?.kind === 'crowd' && entry.event.crowd === 'clients resolving to us-west-2');
    expect(moves).toHaveLength(50);
    const [first, last] = [moves[0].at, moves[moves.length - 1].at].map((at) => relativeTime(at, result.faultAtMs));
    expect(text).toContain(`clients resolving to us-west-2: first at ${first}, all 50 by ${last}`);
  });

  test("the clients' first acknowledged writes after the fault are one line", () => {
    expect(text).toMatch(/clients with a write acknowledged after the fault: first at \+\d+\.\d s, all 50 by \+\d+\.\d s/);
    expect(count(text, /: first acknowledged write after the fault \(via/)).toBe(0);
    expect(count(legacy, /: first acknowledged write after the fault \(via/)).toBe(50);
  });

  test("the orchestrator's idle runs after the promotion are one line", () => {
    const idle = /orchestrator\s+(\d+) idle runs from \+\d+\.\d s to \+\d+\.\d s \(decision already-promoted\)$/;
    const folded = lines(text).filter((line) => idle.test(line));
    expect(folded).toHaveLength(1);
    expect(Number(idle.exec(folded[0])![1])).toBeGreaterThanOrEqual(10);
    expect(count(text, /decision already-promoted:/)).toBe(0);
    expect(count(text, /orchestrator\s+run \d+ starts/)).toBeLessThanOrEqual(3);
    // Before: a start line and a decision line for every run.
    expect(count(legacy, /decision already-promoted:/)).toBeGreaterThanOrEqual(10);
    expect(count(legacy, /orchestrator\s+run \d+ starts/)).toBeGreaterThanOrEqual(10);
  });

  test('lines say when Route 53 answered the standby and when the first write was acknowledged after the fault, in causal order', () => {
    const printed = lines(text);
    const index = (pattern: RegExp): number => {
      const found = printed.filter((line) => pattern.test(line));
      expect(found).toHaveLength(1);
      return printed.indexOf(found[0]);
    };
    const fault = index(/rehearsal\s+fault: primary-region-lost$/);
    const unhealthy = index(/health check primary is now UNHEALTHY$/);
    const standby = index(
      /route53\s+Route 53 answers the standby \(us-west-2\) for app\.trading-dev\.example\.com, first to (client \d+'s resolver|the orchestrator)$/,
    );
    const writer = index(/aurora-trading-secondary-dev is the writer/);
    const acknowledged = index(/clients\s+first acknowledged write after the fault: client \d+ via us-west-2$/);
    expect(fault).toBeLessThan(unhealthy);
    expect(unhealthy).toBeLessThan(standby);
    expect(standby).toBeLessThan(writer);
    expect(writer).toBeLessThan(acknowledged);
    const at = (pattern: RegExp): number => entries.find((entry) => pattern.test(entry.message))!.at;
    expect(at(/^Route 53 answers the standby/)).toBeGreaterThan(result.faultAtMs);
    expect(at(/^first acknowledged write after the fault/)).toBeGreaterThan(result.faultAtMs);
  });

  test("the run's outcome follows the timeline", () => {
    expect(text.endsWith('\n')).toBe(true);
    expect(lines(text).at(-2)).toMatch(
      /^primary-region-lost seed 7: writes back after \d+\.\d s \(worst client\), traffic after \d+\.\d s; 1 failover\(s\), 0 acknowledged writes lost \(bound \d+\), \d+ page\(s\)$/,
    );
    expect(text).not.toContain('FAILED');
  });

  test('recording the timeline changes nothing in the run', async () => {
    const wiring = readPlatformWiring(Assembly.fromDirectory(sharedAssembly('dev')));
    const untraced = await runScenario(wiring, scenarioNamed('primary-region-lost')!, 7);
    expect(untraced).toEqual({ ...result, timeline: undefined });
  });
});

describe('folding', () => {
  const FAULT = 100_000;
  const entry = (seconds: number, actor: string, message: string, event?: TimelineEvent): TimelineEntry => ({
    at: FAULT + seconds * 1000,
    actor,
    message,
    ...(event ? { event } : {}),
  });
  const moved = (seconds: number, client: number, region = 'west', of = 4): TimelineEntry =>
    entry(seconds, 'resolver', `client ${client} to ${region}`, { kind: 'crowd', crowd: `clients to ${region}`, member: client, of });
  const fault = entry(0, 'rehearsal', 'fault', { kind: 'fault' });
  const run = (start: number, end: number, id: number, decision: string, idle: boolean): TimelineEntry[] => [
    entry(start, 'orchestrator', `run ${id} starts`, { kind: 'run-start', run: id }),
    entry(end, 'orchestrator', `decision ${decision}`, { kind: 'run-decision', run: id, decision, idle }),
  ];
  const fold = (entries: TimelineEntry[]): string[] => foldTimeline(entries, FAULT).map((line: TimelineLine) => `${line.actor}: ${line.message}`);

  test('a crowd event is one line at its first occurrence, with first and last time and how many of the crowd', () => {
    expect(fold([fault, moved(1, 2), entry(1.5, 'aurora', 'writer'), moved(2, 1), moved(3, 4), moved(4, 3)])).toEqual([
      'rehearsal: fault',
      'resolver: clients to west: first at +1.0 s, all 4 by +4.0 s',
      'aurora: writer',
    ]);
    expect(fold([fault, moved(1, 2), moved(2, 1), moved(3, 4)])).toEqual(['rehearsal: fault', 'resolver: clients to west: first at +1.0 s, 3 of 4 by +3.0 s']);
  });

  test('a crowd of one keeps its own line', () => {
    expect(fold([fault, moved(1, 2), moved(5, 3, 'east')])).toEqual(['rehearsal: fault', 'resolver: client 2 to west', 'resolver: client 3 to east']);
  });

  test('a member doing it again starts the crowd event anew (clients flapping between regions)', () => {
    const flapping = [fault, moved(1, 1), moved(2, 2), moved(3, 1, 'east'), moved(4, 2, 'east'), moved(5, 1), moved(6, 2)];
    expect(fold(flapping)).toEqual([
      'rehearsal: fault',
      'resolver: clients to west: first at +1.0 s, 2 of 4 by +2.0 s',
      'resolver: clients to east: first at +3.0 s, 2 of 4 by +4.0 s',
      'resolver: clients to west: first at +5.0 s, 2 of 4 by +6.0 s',
    ]);
  });

  test('folding follows the structured event, not the wording', () => {
    const reworded = [fault, moved(1, 1), entry(2, 'resolver', 'client 2 to west'), moved(3, 3)];
    reworded[3] = { ...reworded[3], message: 'the resolver of client 3 now answers west' };
    expect(fold(reworded)).toEqual(['rehearsal: fault', 'resolver: clients to west: first at +1.0 s, 2 of 4 by +3.0 s', 'resolver: client 2 to west']);
  });

  test('no fold reaches across the fault', () => {
    expect(fold([moved(-3, 1), moved(-2, 2), fault, moved(1, 3), moved(2, 4)])).toEqual([
      'resolver: clients to west: first at -3.0 s, 2 of 4 by -2.0 s',
      'rehearsal: fault',
      'resolver: clients to west: first at +1.0 s, 2 of 4 by +2.0 s',
    ]);
    // A run that saw the fault land keeps its lines; the idle runs on either side fold apart.
    const runs = [...run(-100, -90, 1, 'primary-answers', true), ...run(-30, 20, 2, 'primary-answers', true), ...run(40, 45, 3, 'primary-answers', true)];
    runs.splice(3, 0, fault);
    expect(fold(runs)).toEqual([
      'orchestrator: 1 idle run from -100.0 s to -90.0 s (decision primary-answers)',
      'orchestrator: run 2 starts',
      'rehearsal: fault',
      'orchestrator: decision primary-answers',
      'orchestrator: 1 idle run from +40.0 s to +45.0 s (decision primary-answers)',
    ]);
  });

  test('consecutive idle runs with the same decision are one line; a run that acts, or a new decision, ends the stretch', () => {
    const entries = [
      fault,
      ...run(10, 12, 1, 'too-few-probes', false),
      ...run(60, 70, 2, 'already-promoted', true),
      entry(80, 'pager', 'paged'),
      ...run(120, 121, 3, 'already-promoted', true),
      ...run(180, 181, 4, 'already-promoted', true),
      ...run(240, 241, 5, 'paused', true),
      ...run(300, 301, 6, 'paused', true),
      ...run(360, 361, 7, 'failover-in-progress', false),
      ...run(420, 421, 8, 'paused', true),
      entry(480, 'orchestrator', 'run 9 starts', { kind: 'run-start', run: 9 }),
      entry(490, 'orchestrator', 'run 9 timed out', { kind: 'run-end', run: 9 }),
    ];
    expect(fold(entries)).toEqual([
      'rehearsal: fault',
      'orchestrator: run 1 starts',
      'orchestrator: decision too-few-probes',
      'orchestrator: 3 idle runs from +60.0 s to +181.0 s (decision already-promoted)',
      'pager: paged',
      'orchestrator: 2 idle runs from +240.0 s to +301.0 s (decision paused)',
      'orchestrator: run 7 starts',
      'orchestrator: decision failover-in-progress',
      'orchestrator: 1 idle run from +420.0 s to +421.0 s (decision paused)',
      'orchestrator: run 9 starts',
      'orchestrator: run 9 timed out',
    ]);
  });

  test('the formatted timeline: header, columns sized to the widest actor, outcome and failures', () => {
    const result: RunResult = {
      scenario: 'made-up',
      seed: 3,
      faultAtMs: FAULT,
      writeRecoveryMs: [1000, 2500],
      trafficRecoveryMs: [500, 700],
      failovers: 1,
      switchovers: 0,
      promotionRequestsAfterFaultS: [],
      pages: 1,
      decisions: {},
      acknowledged: 10,
      lostWrites: 0,
      lossBound: 0,
      violations: ['t=1.0 s: something broke'],
      misses: ['expected exactly one promotion, saw 0'],
      timeline: [entry(-100.2, 'ecs', 'task started'), fault, entry(1, 'a much longer actor', 'x'), moved(2, 1), moved(3, 2)],
    };
    expect(formatTimeline(result).split('\n').slice(6)).toEqual([
      '    time  actor                event',
      '-100.2 s  ecs                  task started',
      '  +0.0 s  rehearsal            fault',
      '  +1.0 s  a much longer actor  x',
      '  +2.0 s  resolver             clients to west: first at +2.0 s, 2 of 4 by +3.0 s',
      '',
      'made-up seed 3: writes back after 2.5 s (worst client), traffic after 0.7 s; 1 failover(s), 0 acknowledged writes lost (bound 0), 1 page(s)',
      'FAILED: t=1.0 s: something broke',
      'FAILED: expected exactly one promotion, saw 0',
      '',
    ]);
  });
});
