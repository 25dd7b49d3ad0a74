/**
 * What follows an accepted order, outside the order path: its trade confirmation in the files
 * bucket, its `OrderAccepted` event and the trader's session. The Aurora commit alone gates the
 * acknowledgement; the orders table is the outbox (a NULL `*_at` column marks a follow-up still
 * due), so a follow-up can be late but never lost, and the insert that acknowledges is the same
 * single statement as without follow-ups.
 *
 * The relay runs in the writer's region only. There it leases a batch of due orders with one
 * local `UPDATE ... WHERE order_id IN (SELECT ... FOR UPDATE SKIP LOCKED)`, so tasks never work on
 * the same order at once, does the follow-ups, and records each one done. A secondary would have
 * to forward these statements, and write forwarding supports no `SELECT ... FOR UPDATE` (Aurora
 * User Guide, *Limitations of global write forwarding in Aurora PostgreSQL*); orders accepted
 * through a forwarding standby are in the writer's table and are followed up there. After a
 * failover the promoted region's relay takes over whatever was still due.
 *
 * Delivery is at least once: a task that dies between a follow-up and its record repeats it once
 * the lease runs out. Every target is idempotent or deduplicable by order id
 * (follow-up-targets.ts).
 */
import { Clock } from './clock';
import { Order } from './orders';
import { ORDER_COLUMNS, toOrder } from './order-store';
import { SqlExecutor } from './sql';

/** The follow-ups of an order and the column that records each. */
export const FOLLOW_UP_COLUMNS = {
  confirmation: 'confirmation_stored_at',
  event: 'event_published_at',
  session: 'session_recorded_at',
} as const;

export type FollowUp = keyof typeof FOLLOW_UP_COLUMNS;
const FOLLOW_UPS = Object.keys(FOLLOW_UP_COLUMNS) as FollowUp[];

/** Does one follow-up of an order; resolves when it is durably done. */
export type FollowUpTarget = (order: Order) => Promise<void>;

export interface FollowUpRelayOptions {
  /** Statements through the endpoint of the region's current role. */
  readonly sql: SqlExecutor;
  readonly targets: Readonly<Record<FollowUp, FollowUpTarget>>;
  /** Whether this region's database is the writer now; the relay idles elsewhere. */
  readonly isWriter: () => Promise<boolean>;
  readonly clock: Clock;
  readonly log: (entry: Record<string, unknown>) => void;
  /** Orders leased per round. @default 50 */
  readonly batchSize?: number;
  /** How long a lease holds; a follow-up that failed is retried after it. @default 30 */
  readonly leaseSeconds?: number;
  /** Pause between rounds that found nothing to do (a new order nudges the relay sooner). @default 1000 */
  readonly idleIntervalMs?: number;
  /** Longest pause after failed rounds (doubling from `idleIntervalMs`). @default 15000 */
  readonly maxBackoffMs?: number;
}

/** What one round did. */
export interface RelayRound {
  /** Orders leased. */
  readonly leased: number;
  /** Orders whose follow-ups are now all done. */
  readonly completed: number;
  /** Follow-ups that failed and wait for the lease to run out. */
  readonly failed: number;
}

const DUE = FOLLOW_UPS.map((followUp) => `${FOLLOW_UP_COLUMNS[followUp]} IS NULL`).join(' OR ');

/** Leases up to $1 due orders for $2 seconds, oldest first; no task leases an order another holds. */
const LEASE_DUE_ORDERS = `UPDATE orders SET follow_up_lease_until = now() + make_interval(secs => $2), follow_up_attempts = follow_up_attempts + 1
  WHERE order_id IN (
    SELECT order_id FROM orders
    WHERE (${DUE}) AND (follow_up_lease_until IS NULL OR follow_up_lease_until < now())
    ORDER BY accepted_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED)
  RETURNING ${ORDER_COLUMNS}, ${Object.values(FOLLOW_UP_COLUMNS).join(', ')}, follow_up_attempts`;

/**
 * Records a round in one statement: per order ($1), whether each follow-up is done (one boolean
 * array each, in FOLLOW_UPS order) and the error (the last array). A follow-up already done keeps its first
 * time; a failed order keeps its lease, so it is retried when the lease runs out.
 */
const RECORD_ROUND = `UPDATE orders AS o SET ${FOLLOW_UPS.map(
  (followUp) =>
    `${FOLLOW_UP_COLUMNS[followUp]} = CASE WHEN r.${followUp} THEN coalesce(o.${FOLLOW_UP_COLUMNS[followUp]}, now()) ELSE o.${FOLLOW_UP_COLUMNS[followUp]} END`,
).join(', ')},
    follow_up_error = r.error,
    follow_up_lease_until = CASE WHEN r.error IS NULL THEN NULL ELSE o.follow_up_lease_until END
  FROM unnest($1::uuid[], ${FOLLOW_UPS.map((_, index) => `$${index + 2}::boolean[]`).join(', ')}, $${FOLLOW_UPS.length + 2}::text[])
    AS r(order_id, ${FOLLOW_UPS.join(', ')}, error)
  WHERE o.order_id = r.order_id`;

export class FollowUpRelay {
  private readonly batchSize: number;
  private readonly leaseSeconds: number;
  private readonly idleIntervalMs: number;
  private readonly maxBackoffMs: number;
  private stopped = true;
  private cancelWait: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private nudgeWakes = false;
  private nudged = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: FollowUpRelayOptions) {
    this.batchSize = options.batchSize ?? 50;
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.idleIntervalMs = options.idleIntervalMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 15_000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`batchSize ${this.batchSize} must be a positive integer`);
    if (!Number.isInteger(this.leaseSeconds) || this.leaseSeconds < 1) throw new Error(`leaseSeconds ${this.leaseSeconds} must be a positive integer`);
  }

  /**
   * One round: lease due orders, do their follow-ups (all of them at once), record what succeeded.
   * Nothing happens outside the writer's region.
   */
  public async runOnce(): Promise<RelayRound> {
    if (!(await this.options.isWriter())) return { leased: 0, completed: 0, failed: 0 };
    const leased = await this.options.sql.execute(LEASE_DUE_ORDERS, [this.batchSize, this.leaseSeconds]);
    // RETURNING keeps no order: start the oldest order's follow-ups first.
    const rows = [...leased.rows].sort((a, b) => Number(a.accepted_at) - Number(b.accepted_at));
    const outcomes = await Promise.all(rows.map((row) => this.followUp(row)));
    if (outcomes.length > 0) {
      const done = (followUp: FollowUp) => outcomes.map((outcome) => outcome.done.has(followUp));
      await this.options.sql.execute(RECORD_ROUND, [
        outcomes.map((outcome) => outcome.orderId),
        ...FOLLOW_UPS.map(done),
        outcomes.map((outcome) => outcome.error ?? null),
      ]);
    }
    const failed = outcomes.reduce((sum, outcome) => sum + outcome.failures, 0);
    return { leased: outcomes.length, completed: outcomes.filter((outcome) => outcome.failures === 0).length, failed };
  }

  private async followUp(row: Record<string, unknown>): Promise<{ orderId: string; done: Set<FollowUp>; failures: number; error?: string }> {
    const order = toOrder(row);
    const done = new Set<FollowUp>(FOLLOW_UPS.filter((followUp) => row[FOLLOW_UP_COLUMNS[followUp]] !== null));
    const due = FOLLOW_UPS.filter((followUp) => !done.has(followUp));
    const results = await Promise.allSettled(due.map((followUp) => this.options.targets[followUp](order)));
    const errors: string[] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') done.add(due[index]);
      else errors.push(`${due[index]}: ${describe(result.reason)}`);
    });
    if (errors.length > 0) {
      this.options.log({
        level: 'warn',
        msg: 'order follow-up failed, retrying after the lease',
        orderId: order.orderId,
        attempts: Number(row.follow_up_attempts),
        retryInSeconds: this.leaseSeconds,
        errors,
      });
    }
    return { orderId: order.orderId, done, failures: errors.length, error: errors.length > 0 ? errors.join('; ').slice(0, 1000) : undefined };
  }

  /** Runs rounds until {@link stop}: at once while a round fills its batch, otherwise after a pause or a nudge. */
  public start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** A new order is due: start the next round without waiting out the pause. Cheap, never blocks. */
  public nudge(): void {
    this.nudged = true;
    if (this.nudgeWakes) this.wake?.();
  }

  /** Stops after the round in progress. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let pauseMs = this.idleIntervalMs;
      try {
        this.nudged = false;
        const round = await this.runOnce();
        failures = 0;
        if (round.leased === this.batchSize) pauseMs = 0;
      } catch (error) {
        // The database is unreachable, demoted or not migrated yet: back off, never crash.
        failures += 1;
        pauseMs = Math.min(this.maxBackoffMs, this.idleIntervalMs * 2 ** failures);
        this.options.log({ level: 'warn', msg: 'order follow-up round failed', error: describe(error), retryInMs: pauseMs });
      }
      if (this.nudged && failures === 0) pauseMs = 0;
      // After failures the back-off holds: a burst of new orders must not hammer a database that is down.
      if (pauseMs > 0 && !this.stopped) await this.pause(pauseMs, failures === 0);
    }
  }

  private pause(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.cancelWait?.();
        this.cancelWait = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.nudgeWakes = wakeable;
      this.cancelWait = this.options.clock.schedule(ms, done);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
