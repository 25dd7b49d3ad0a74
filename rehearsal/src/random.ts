/**
 * Seeded pseudo-random numbers (sfc32). One seed decides everything in a rehearsal run (the
 * TigerBeetle VOPR rule): every model draws from a generator forked from the run's root, so a
 * printed seed replays the run exactly.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the 128-bit state.
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  public uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  public float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  public uniform(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Integer in [0, n). */
  public int(n: number): number {
    return Math.floor(this.float() * n);
  }

  public chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** An independent generator, so that adding draws in one model never shifts another's. */
  public fork(): Random {
    return new Random(this.uint32());
  }
}
