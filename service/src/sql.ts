/** What the order store and the migrator need from a database, whatever carries it. */

export interface SqlResult {
  readonly rowCount: number;
  readonly rows: readonly Record<string, unknown>[];
}

/** Runs one statement. Production: a pool on the endpoint of the region's role; tests: a local PostgreSQL. */
export interface SqlExecutor {
  execute(statement: string, parameters?: readonly unknown[]): Promise<SqlResult>;
}

/** Anything with node-postgres' `query` (a `Pool`, a `Client`, a `PoolClient`). */
export interface PgQueryable {
  query(statement: string, parameters?: unknown[]): Promise<{ rowCount: number | null; rows: Record<string, unknown>[] }>;
}

export function pgExecutor(queryable: PgQueryable): SqlExecutor {
  return {
    execute: async (statement, parameters = []) => {
      const result = await queryable.query(statement, [...parameters]);
      return { rowCount: result.rowCount ?? 0, rows: result.rows };
    },
  };
}
