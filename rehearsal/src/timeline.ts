/**
 * The timeline of one rehearsal run as `npm run rehearse -- --scenario <name> --seed <n> --timeline`
 * prints it: a header naming the columns, one aligned line per event, and the run's outcome.
 *
 * Repetition is folded by the entries' structured `event`, never by their wording:
 * - a crowd event (every client's resolver moving to a region, every client's first acknowledged
 *   write) is one line at its first occurrence, with its first and last time and how many of the
 *   clients took part;
 * - consecutive runs of a scheduled function that changed nothing and decided the same (the
 *   orchestrator confirming a steady state every minute) are one line.
 * Neither reaches across the fault: a line placed before it never speaks of what came after.
 */
import { RunResult } from './run';
import { TimelineEntry } from './simulator';

/** One printed line of the timeline, before its columns are laid out. */
export interface TimelineLine {
  readonly at: number;
  readonly actor: string;
  readonly message: string;
}

/** Time relative to the fault, signed, in seconds: "+66.7 s", "-142.1 s". */
export function relativeTime(at: number, faultAtMs: number): string {
  const seconds = (at - faultAtMs) / 1000;
  return `${seconds >= 0 ? '+' : ''}${seconds.toFixed(1)} s`;
}

interface CrowdFold {
  readonly kind: 'crowd';
  readonly first: TimelineEntry;
  readonly crowd: string;
  readonly of: number;
  readonly members: Set<number>;
  lastAt: number;
}

interface IdleFold {
  readonly kind: 'idle';
  readonly first: TimelineEntry;
  /** The decision every run of the fold gave: a new one (the steady state changed) starts a new fold. */
  readonly decision: string;
  readonly runs: Set<number>;
  lastAt: number;
}

type Slot = TimelineEntry | CrowdFold | IdleFold;

/**
 * The decision of each idle run, by actor and run id: a run whose entries are its start and an idle
 * decision, on one side of the fault (a run that saw the fault land is worth its own lines).
 */
function idleRuns(entries: readonly TimelineEntry[]): Map<string, string> {
  const idle = new Map<string, string>();
  const busy = new Set<string>();
  const sideOf = new Map<string, number>();
  let side = 0;
  for (const { actor, event } of entries) {
    if (event?.kind === 'fault') side++;
    if (event?.kind !== 'run-start' && event?.kind !== 'run-decision' && event?.kind !== 'run-end') continue;
    const key = runKey(actor, event.run);
    if ((sideOf.get(key) ?? side) !== side) busy.add(key);
    sideOf.set(key, side);
    if (event.kind === 'run-decision' && event.idle) idle.set(key, event.decision);
    else if (event.kind !== 'run-start') busy.add(key);
  }
  for (const key of busy) idle.delete(key);
  return idle;
}

function runKey(actor: string, run: number): string {
  return `${actor}\u0000${run}`;
}

/** The timeline's lines with crowd events and idle runs folded, in the order of the entries. */
export function foldTimeline(entries: readonly TimelineEntry[], faultAtMs: number): TimelineLine[] {
  const idle = idleRuns(entries);
  const slots: Slot[] = [];
  // Folds still taking entries: crowd events by actor and crowd, idle stretches by actor.
  const openCrowds = new Map<string, CrowdFold>();
  const openIdle = new Map<string, IdleFold>();
  // An idle run's later entries join the fold its start joined, even when that fold has closed.
  const foldOfRun = new Map<string, IdleFold>();
  for (const entry of entries) {
    const event = entry.event;
    if (event?.kind === 'fault') {
      openCrowds.clear();
      openIdle.clear();
      slots.push(entry);
    } else if (event?.kind === 'crowd') {
      const key = `${entry.actor}\u0000${event.crowd}`;
      let fold = openCrowds.get(key);
      // A member doing it again (a client flapping back) starts the crowd event anew.
      if (fold?.members.has(event.member)) fold = undefined;
      if (!fold) {
        fold = { kind: 'crowd', first: entry, crowd: event.crowd, of: event.of, members: new Set(), lastAt: entry.at };
        openCrowds.set(key, fold);
        slots.push(fold);
      }
      fold.members.add(event.member);
      fold.lastAt = entry.at;
    } else if (event?.kind === 'run-start' || event?.kind === 'run-decision' || event?.kind === 'run-end') {
      const key = runKey(entry.actor, event.run);
      const decision = idle.get(key);
      if (decision === undefined) {
        // A run that did something ends the stretch of idle ones.
        openIdle.delete(entry.actor);
        slots.push(entry);
        continue;
      }
      let fold = foldOfRun.get(key) ?? openIdle.get(entry.actor);
      if (fold?.decision !== decision) {
        fold = { kind: 'idle', first: entry, decision, runs: new Set(), lastAt: entry.at };
        openIdle.set(entry.actor, fold);
        slots.push(fold);
      }
      foldOfRun.set(key, fold);
      fold.runs.add(event.run);
      fold.lastAt = Math.max(fold.lastAt, entry.at);
    } else slots.push(entry);
  }
  return slots.map((slot) => lineOf(slot, faultAtMs));
}

function lineOf(slot: Slot, faultAtMs: number): TimelineLine {
  if (!('kind' in slot)) return { at: slot.at, actor: slot.actor, message: slot.message };
  const time = (at: number): string => relativeTime(at, faultAtMs);
  const { at, actor } = slot.first;
  if (slot.kind === 'crowd') {
    // One client alone is no crowd: its own line says more (which client).
    if (slot.members.size === 1) return { at, actor, message: slot.first.message };
    const count = slot.members.size === slot.of ? `all ${slot.of}` : `${slot.members.size} of ${slot.of}`;
    return { at, actor, message: `${slot.crowd}: first at ${time(at)}, ${count} by ${time(slot.lastAt)}` };
  }
  const runs = slot.runs.size;
  return { at, actor, message: `${runs} idle run${runs === 1 ? '' : 's'} from ${time(at)} to ${time(slot.lastAt)} (decision ${slot.decision})` };
}

const COLUMN_GAP = '  ';

/**
 * The whole text `--timeline` prints for a run: the header, the folded and aligned timeline, then
 * the run's outcome and every failed check.
 */
export function formatTimeline(result: RunResult): string {
  const faultAtMs = result.faultAtMs;
  const lines = foldTimeline(result.timeline ?? [], faultAtMs);
  const times = lines.map((line) => relativeTime(line.at, faultAtMs));
  const timeWidth = Math.max('time'.length, ...times.map((time) => time.length));
  const actorWidth = Math.max('actor'.length, ...lines.map((line) => line.actor.length));
  const row = (time: string, actor: string, message: string): string =>
    `${time.padStart(timeWidth)}${COLUMN_GAP}${actor.padEnd(actorWidth)}${COLUMN_GAP}${message}`.trimEnd();
  const out = [
    `Timeline of ${result.scenario}, seed ${result.seed}. Columns:`,
    `  time   seconds from the fault (injected ${(faultAtMs / 1000).toFixed(1)} s into the run); negative: before it`,
    '  actor  who saw or did it',
    '  event  what happened; many clients doing the same thing is one line (first, last, how many),',
    '         and consecutive orchestrator runs that changed nothing are one line',
    '',
    row('time', 'actor', 'event'),
    ...lines.map((line, index) => row(times[index], line.actor, line.message)),
  ];
  const worst = (values: number[]): string => (Math.max(...values) / 1000).toFixed(1);
  out.push(
    '',
    `${result.scenario} seed ${result.seed}: writes back after ${worst(result.writeRecoveryMs)} s (worst client), traffic after ${worst(result.trafficRecoveryMs)} s; ` +
      `${result.failovers} failover(s), ${result.lostWrites} acknowledged writes lost (bound ${result.lossBound}), ${result.pages} page(s)`,
  );
  for (const message of [...result.violations, ...result.misses]) out.push(`FAILED: ${message}`);
  return `${out.join('\n')}\n`;
}
