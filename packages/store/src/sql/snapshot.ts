import { jsonLiteral } from './literal.js';

/** Copies an execution's stored state into a snapshot (as a statement of a multi-statement round trip). */
export function snapshotSql(executionId: string, kind: 'manual' | 'auto' | 'restore'): string {
  return `insert into workflow_snapshots (execution_id, kind, status, state, created_at)
          select id, ${jsonLiteral(kind)} #>> '{}', status, af_execution_state(id, state), date_trunc('milliseconds', clock_timestamp())
            from workflow_executions where id = (${jsonLiteral(executionId)} #>> '{}')::uuid`;
}
