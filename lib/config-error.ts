/** How configuration problems are reported: each names the key, the value and the rule, all at once. */

/**
 * Thrown for configuration that breaks a rule. It carries every problem found, each naming the
 * key, the value and the rule, so one run reports them all.
 */
export class ConfigError extends Error {
  /** Creates the error for one broken rule. */
  public static of(key: string, value: unknown, rule: string): ConfigError {
    return new ConfigError([describeProblem(key, value, rule)]);
  }

  constructor(public readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeProblem(key: string, value: unknown, rule: string): string {
  return `Invalid configuration ${key}=${JSON.stringify(value)}: ${rule}`;
}

/** Collects problems instead of stopping at the first, so an operator fixes a configuration in one pass. */
export class ProblemCollector {
  private readonly problems: string[] = [];

  public add(key: string, value: unknown, rule: string): void {
    this.problems.push(describeProblem(key, value, rule));
  }

  /** Adds the problems of a {@link ConfigError}; rethrows anything else. */
  public absorb(error: unknown): void {
    if (!(error instanceof ConfigError)) throw error;
    this.problems.push(...error.problems);
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
}
