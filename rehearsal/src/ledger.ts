/** Writes by time, run-length encoded: many rows share one instant (clients write on the second). */
export class Ledger {
  private times: number[] = [];
  private counts: number[] = [];
  private sum = 0;

  public add(time: number, rows: number): void {
    if (rows <= 0) return;
    const last = this.times.length - 1;
    if (last >= 0 && this.times[last] === time) this.counts[last] += rows;
    else {
      this.times.push(time);
      this.counts.push(rows);
    }
    this.sum += rows;
  }

  public get total(): number {
    return this.sum;
  }

  /** Rows whose time satisfies `predicate`. */
  public count(predicate: (time: number) => boolean): number {
    let rows = 0;
    for (let index = 0; index < this.times.length; index++) if (predicate(this.times[index])) rows += this.counts[index];
    return rows;
  }

  /** The first time at or after `time` with rows. */
  public firstAtOrAfter(time: number): number | undefined {
    return this.times.find((candidate) => candidate >= time);
  }

  /** A copy holding only the rows up to and including `time`. */
  public upTo(time: number): Ledger {
    const copy = new Ledger();
    for (let index = 0; index < this.times.length && this.times[index] <= time; index++) copy.add(this.times[index], this.counts[index]);
    return copy;
  }

  public replaceWith(other: Ledger): void {
    this.times = [...other.times];
    this.counts = [...other.counts];
    this.sum = other.sum;
  }

  public clear(): void {
    this.replaceWith(new Ledger());
  }
}
