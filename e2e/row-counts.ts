import pg from 'pg';

/** The tables a request can write to; a refused request must leave every one of them as it was. */
export const WRITTEN_TABLES = ['workflow_definitions', 'workflow_executions', 'step_runs', 'workflow_logs'] as const;

export type RowCounts = Record<(typeof WRITTEN_TABLES)[number], number>;

/** A connection to a cluster's database that counts the rows of {@link WRITTEN_TABLES} in one query. */
export async function rowCounter(databaseUrl: string): Promise<{ counts(): Promise<RowCounts>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const query = `select ${WRITTEN_TABLES.map((table) => `(select count(*)::int from ${table}) as ${table}`).join(', ')}`;
  return {
    async counts() {
      const { rows } = await client.query(query);
      return rows[0] as RowCounts;
    },
    close: () => client.end(),
  };
}
