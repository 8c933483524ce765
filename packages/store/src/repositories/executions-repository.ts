import type { UsageTotals } from '@agentic-flow/engine';
import type { ExecutionStatus, StepError } from '@agentic-flow/spec';
import { and, desc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { ExecutionRow } from '../rows.js';
import { workflowExecutions } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';
import { InvalidCursorError, decodeCursor, encodeCursor, uuidKey } from './keyset-cursor.js';

/**
 * The execution, when it is in `namespace`: one of another namespace is as good as absent. Only
 * cluster-wide maintenance (the reconciler) passes `undefined`, for any namespace.
 */
export async function findExecution(db: DbExecutor, id: string, namespace: string | undefined): Promise<ExecutionRow | undefined> {
  const [row] = await db
    .select({ ...getTableColumns(workflowExecutions), state: sql<unknown>`af_execution_state(${workflowExecutions.id}, ${workflowExecutions.state})` })
    .from(workflowExecutions)
    .where(inNamespace(id, namespace));
  return row;
}

/**
 * Some of an execution's nodes, by instance key (absent keys left out), wherever they are stored
 * (inline in a small execution's state, rows of a large one's): a page of a 100,000-node execution
 * reads its page's nodes, not the whole state.
 */
export async function findExecutionNodes(db: DbExecutor, id: string, keys: readonly string[]): Promise<Record<string, unknown>> {
  if (keys.length === 0) return {};
  const result = await db.execute<{ nodes: Record<string, unknown> | null }>(sql`
    select case when e.state ? 'nodes'
                then (select jsonb_object_agg(k.key, e.state -> 'nodes' -> k.key)
                        from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) as k(key)
                       where e.state -> 'nodes' ? k.key)
                else (select jsonb_object_agg(n.key, n.node)
                        from execution_nodes n
                       where n.execution_id = e.id and n.key in (select value from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)))
           end as nodes
      from workflow_executions e
     where e.id = ${id}`);
  return result.rows[0]?.nodes ?? {};
}

/** Whether the execution exists in `namespace`, reading nothing of it (its state can be large). */
export async function executionExists(db: DbExecutor, id: string, namespace: string): Promise<boolean> {
  const rows = await db.select({ id: workflowExecutions.id }).from(workflowExecutions).where(inNamespace(id, namespace));
  return rows.length > 0;
}

function inNamespace(id: string, namespace: string | undefined): SQL | undefined {
  return and(eq(workflowExecutions.id, id), namespace === undefined ? undefined : eq(workflowExecutions.namespace, namespace));
}

export type ExecutionSummaryRow = Pick<
  ExecutionRow,
  'id' | 'namespace' | 'workflowId' | 'workflowVersion' | 'status' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt'
>;

const summaryColumns = {
  id: workflowExecutions.id,
  namespace: workflowExecutions.namespace,
  workflowId: workflowExecutions.workflowId,
  workflowVersion: workflowExecutions.workflowVersion,
  status: workflowExecutions.status,
  error: workflowExecutions.error,
  createdAt: workflowExecutions.createdAt,
  startedAt: workflowExecutions.startedAt,
  finishedAt: workflowExecutions.finishedAt,
};

/** A step instance that failed under an `escalate` strategy and waits for a decision. */
export interface EscalationRow {
  stepId: string;
  instanceKey: string;
  attempt: number;
  error: StepError | null;
}

/** An execution without its outputs: what a poll needs, read without the engine state's bulk. */
export interface ExecutionOverviewRow extends ExecutionSummaryRow {
  /** The variables given at execution time (the `variables` column). */
  input: Record<string, unknown>;
  /** The current variables (the state's). */
  variables: Record<string, unknown>;
  usage: UsageTotals | null;
  tokenBudget: number | null;
  escalations: EscalationRow[];
}

/**
 * The execution as {@link findExecution} has it, minus everything that holds outputs: the nodes
 * carry every step's output, so only the state's head (variables, usage, budget) and the escalated
 * nodes (a partial index of `execution_nodes`) are read; nothing of the outputs crosses the wire or
 * gets parsed. A state still holding its nodes inline (from before they had rows) is searched in
 * place, decompressed twice at most: the subquery (kept apart by `offset 0`) computes
 * `state - 'nodes'` and the escalated nodes, the outer query picks fields from those.
 */
export async function findExecutionOverview(db: DbExecutor, id: string, namespace: string): Promise<ExecutionOverviewRow | undefined> {
  const state = workflowExecutions.state;
  const e = db
    .select({
      ...summaryColumns,
      input: workflowExecutions.variables,
      head: sql<Record<string, unknown>>`${state} - 'nodes'`.as('head'),
      // Node rows, found by the partial index of escalated ones; a state still holding its nodes
      // (written before they had rows of their own) is searched in place.
      escalated: sql<{ key: string; value: { stepId: string; attempt: number; error?: StepError } }[]>`case
        when ${state} ? 'nodes' then case
          when jsonb_path_exists(${state}, 'strict $.nodes.* ? (@.status == "escalated")')
          then jsonb_path_query_array(${state}, 'strict $.nodes.keyvalue() ? (@.value.status == "escalated")')
          else '[]'::jsonb end
        else coalesce((select jsonb_agg(jsonb_build_object('key', n.key, 'value', n.node) order by n.key)
                         from execution_nodes n
                        where n.execution_id = ${workflowExecutions.id} and n.escalated), '[]'::jsonb) end`.as('escalated'),
    })
    .from(workflowExecutions)
    .where(inNamespace(id, namespace))
    .offset(0)
    .as('e');
  const [row] = await db
    .select({
      id: e.id,
      namespace: e.namespace,
      workflowId: e.workflowId,
      workflowVersion: e.workflowVersion,
      status: e.status,
      error: e.error,
      createdAt: e.createdAt,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      input: e.input,
      variables: sql<Record<string, unknown>>`${e.head} -> 'variables'`,
      usage: sql<UsageTotals | null>`${e.head} -> 'usage'`,
      tokenBudget: sql<number | null>`${e.head} -> 'tokenBudget'`,
      escalated: e.escalated,
    })
    .from(e);
  if (!row) return undefined;
  const { escalated, ...rest } = row;
  return {
    ...rest,
    escalations: escalated.map(({ key, value }) => ({ stepId: value.stepId, instanceKey: key, attempt: value.attempt, error: value.error ?? null })),
  };
}

export interface ListExecutionsOptions {
  /** Only this namespace's executions. */
  namespace: string;
  workflowId?: string;
  statuses?: readonly ExecutionStatus[];
  limit: number;
  cursor?: string;
}

/**
 * Newest first, keyset-paginated on (created_at, id): each page is one index range scan whatever
 * the page number. Throws {@link InvalidCursorError} for a cursor this API did not return.
 */
export async function listExecutions(db: DbExecutor, options: ListExecutionsOptions): Promise<{ rows: ExecutionSummaryRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [eq(workflowExecutions.namespace, options.namespace)];
  if (options.workflowId !== undefined) conditions.push(eq(workflowExecutions.workflowId, options.workflowId));
  if (options.statuses && options.statuses.length > 0) {
    conditions.push(
      options.statuses.length === 1 ? eq(workflowExecutions.status, options.statuses[0]!) : inArray(workflowExecutions.status, [...options.statuses]),
    );
  }
  if (options.cursor !== undefined) {
    const position = decodeCursor(options.cursor, [uuidKey]);
    if (!position) throw new InvalidCursorError();
    conditions.push(sql`(${workflowExecutions.createdAt}, ${workflowExecutions.id}) < (${position.createdAt}, ${position.keys[0]}::uuid)`);
  }
  const rows = await db
    .select(summaryColumns)
    .from(workflowExecutions)
    .where(and(...conditions))
    .orderBy(desc(workflowExecutions.createdAt), desc(workflowExecutions.id))
    .limit(options.limit + 1);
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor(last.createdAt, [last.id]) : null };
}
