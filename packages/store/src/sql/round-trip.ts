import type pg from 'pg';

/**
 * Sends statements as one simple-protocol query: one round trip, executed in order; without
 * explicit transaction commands PostgreSQL runs them as one transaction. Returns one result per
 * statement.
 */
export async function roundTrip(client: pg.Pool | pg.ClientBase, statements: readonly string[]): Promise<pg.QueryResult[]> {
  if (statements.length === 0) return [];
  const result = (await client.query(statements.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(result) ? result : [result];
}
