import { STEP_TYPES, formatPath, type Problem, type RecoveryStrategy } from '@agentic-flow/spec';
import type { Database } from '@agentic-flow/store';
import { sql } from 'drizzle-orm';

/**
 * Checks a strategy registered in `namespace` for `target` (a step type or a step id) against the
 * workflows registered in that namespace: a step id must exist somewhere; an `alternative` or `rollback` names steps, so it must be
 * registered for a step id, and the steps it names must exist in every workflow that has that step,
 * be neither that step itself nor a parallel or a loop (recovery steps run alone). The engine skips a
 * strategy that cannot act in a workflow registered later; this catches the mistakes made now.
 */
export async function strategyProblems(db: Database, namespace: string, target: string, strategy: RecoveryStrategy): Promise<Problem[]> {
  const isType = (STEP_TYPES as readonly string[]).includes(target);
  const named = strategy.type === 'alternative' ? [strategy.alternativeStep] : strategy.type === 'rollback' ? strategy.rollbackSteps : [];
  if (isType) {
    return named.length === 0
      ? []
      : [{ path: '$.params.target', message: `an ${strategy.type} strategy names steps, which belong to a workflow: register it for a step id, or in the step's onError, not for the step type "${target}"` }];
  }
  const result = await db.execute<{ id: string; version: string; steps: Record<string, string> }>(sql`
    select id, version, (select jsonb_object_agg(s->>'id', s->>'type') from jsonb_array_elements(definition->'steps') s) as steps
      from workflow_definitions
     where namespace = ${namespace} and definition->'steps' @> ${JSON.stringify([{ id: target }])}::jsonb`);
  if (result.rows.length === 0) {
    return [{ path: '$.params.target', message: `"${target}" is neither a step type (${STEP_TYPES.join(', ')}) nor the id of a step in any workflow registered in namespace "${namespace}"` }];
  }
  const problems: Problem[] = [];
  named.forEach((step, index) => {
    const path = formatPath(strategy.type === 'alternative' ? ['body', 'alternativeStep'] : ['body', 'rollbackSteps', index]);
    if (step === target) {
      problems.push({ path, message: `step "${target}" cannot recover itself: name another step` });
      return;
    }
    for (const row of result.rows) {
      const type = row.steps[step];
      if (type === undefined) problems.push({ path, message: `workflow "${row.id}" version "${row.version}" has a step "${target}" but no step "${step}"` });
      else if (type === 'parallel' || type === 'loop') problems.push({ path, message: `step "${step}" of workflow "${row.id}" version "${row.version}" is a ${type}; a recovery step must be a single step` });
    }
  });
  return problems;
}
