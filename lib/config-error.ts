/** How configuration problems are reported: each names the key, the value, where it was set, and the rule, all at once. */

/** One broken rule. */
export interface ConfigProblem {
  /** The key, or `key.member` inside a structured key (`workload.image`). */
  readonly key: string;
  readonly value: unknown;
  readonly rule: string;
  /** Where the value was set: `set in config/<name>.json`, `set by -c <key>`, `default`, `not set`. @default - not named */
  readonly source?: string;
}

/**
 * Thrown for configuration that breaks a rule. It carries every problem found, each naming the
 * key, the value, its source when known, and the rule, so one run reports them all.
 */
export class ConfigError extends Error {
  /** Creates the error for one broken rule. */
  public static of(key: string, value: unknown, rule: string): ConfigError {
    return new ConfigError([{ key, value, rule }]);
  }

  /** Each problem as one line. */
  public readonly problems: readonly string[];

  constructor(public readonly details: readonly ConfigProblem[]) {
    const problems = details.map(describeProblem);
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describeProblem(problem: ConfigProblem): string {
  return `Invalid configuration ${problem.key}=${JSON.stringify(problem.value)}${problem.source ? ` (${problem.source})` : ''}: ${problem.rule}`;
}

/** Collects problems instead of stopping at the first, so an operator fixes a configuration in one pass. */
export class ProblemCollector {
  private readonly problems: ConfigProblem[] = [];

  /** @param sourceOf names where a key's value was set; consulted for every problem without a source. */
  constructor(private readonly sourceOf: (key: string, value: unknown) => string | undefined = () => undefined) {}

  /** @param source where the value was set, when it is not the key's own source. @default - the key's */
  public add(key: string, value: unknown, rule: string, source?: string): void {
    this.push({ key, value, rule, source });
  }

  /** Adds the problems of a {@link ConfigError}; rethrows anything else. */
  public absorb(error: unknown): void {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.details) this.push(problem);
  }

  /** Runs `check`; a {@link ConfigError} it throws is collected and `fallback` returned instead. */
  public attempt<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      this.absorb(error);
      return fallback;
    }
  }

  public get count(): number {
    return this.problems.length;
  }

  /** Throws one {@link ConfigError} naming every problem collected, if there is any. */
  public throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private push(problem: ConfigProblem): void {
    this.problems.push(problem.source === undefined ? { ...problem, source: this.sourceOf(problem.key.split('.')[0], problem.value) } : problem);
  }
}
