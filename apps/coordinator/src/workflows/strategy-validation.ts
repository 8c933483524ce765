import { STEP_TYPES, formatPath, isContainerStepType, type Problem, type RecoveryStrategy } from '@agentic-flow/spec';
import type { Database, StrategyKey } from '@agentic-flow/store';
import { sql } from 'drizzle-orm';

const isStepType = (target: string) => (STEP_TYPES as readonly string[]).includes(target);

/**
 * What a `PUT|DELETE /v1/recovery-strategies/:target[?workflowId=…]` names, or why it names nothing:
 * a step type without a workflow is the type's strategy for every workflow of the namespace; with a
 * workflow, `target` is a step id of that workflow. A step id without a workflow is refused: it
 * applied to every workflow that happened to have a step of that id, including ones registered
 * later by someone who never meant it (issue 15).
 */
export function strategyKeyOf(namespace: string, target: string, workflowId: string | undefined): { key: StrategyKey } | { problems: Problem[] } {
  if (workflowId !== undefined) return { key: { namespace, workflowId, target } };
  if (isStepType(target)) return { key: { namespace, workflowId: null, target } };
  return {
    problems: [
      {
        path: '$.query.workflowId',
        message:
          `is required: "${target}" is not a step type (${STEP_TYPES.join(', ')}), and a strategy for a step id applies within one workflow. ` +
          `Pass the workflow it belongs to: ?workflowId=<id> (SDK: registerRecoveryStrategy({ workflowId: '<id>', stepId: '${target}' }, strategy))`,
      },
    ],
  };
}

/**
 * Checks a strategy for `key` against the workflows registered in its namespace. A type-level one
 * may not be an `alternative` or `rollback`: those name steps, which belong to a workflow. A step's
 * must name a workflow of the namespace that has that step (in some version); the steps an
 * `alternative` or `rollback` names must exist in every version of that workflow that has the
 * step, and be neither the step itself nor a parallel or a loop (recovery steps run alone). The
 * engine skips a strategy that cannot act in a version registered later; this catches the mistakes
 * made now.
 */
export async function strategyProblems(db: Database, key: StrategyKey, strategy: RecoveryStrategy): Promise<Problem[]> {
  const { namespace, workflowId, target } = key;
  const named = strategy.type === 'alternative' ? [strategy.alternativeStep] : strategy.type === 'rollback' ? strategy.rollbackSteps : [];
  if (workflowId === null) {
    return named.length === 0
      ? []
      : [
          {
            path: '$.params.target',
            message: `an ${strategy.type} strategy names steps, which belong to a workflow: register it for a step of one workflow ({ workflowId, stepId }), or in the step's onError, not for the step type "${target}"`,
          },
        ];
  }
  const result = await db.execute<{ version: string; steps: Record<string, string> | null }>(sql`
    select version, (select jsonb_object_agg(s->>'id', s->>'type') from jsonb_array_elements(definition->'steps') s) as steps
      from workflow_definitions
     where namespace = ${namespace} and id = ${workflowId}`);
  if (result.rows.length === 0) return [{ path: '$.query.workflowId', message: `workflow "${workflowId}" does not exist in namespace "${namespace}"` }];
  const versions = result.rows.filter((row) => row.steps?.[target] !== undefined);
  if (versions.length === 0) return [{ path: '$.params.target', message: `workflow "${workflowId}" has no step "${target}" in any of its versions` }];
  const problems: Problem[] = [];
  named.forEach((step, index) => {
    const path = formatPath(strategy.type === 'alternative' ? ['body', 'alternativeStep'] : ['body', 'rollbackSteps', index]);
    if (step === target) {
      problems.push({ path, message: `step "${target}" cannot recover itself: name another step` });
      return;
    }
    for (const row of versions) {
      const type = row.steps![step];
      if (type === undefined)
        problems.push({ path, message: `workflow "${workflowId}" version "${row.version}" has a step "${target}" but no step "${step}"` });
      else if (isContainerStepType(type))
        problems.push({
          path,
          message: `step "${step}" of workflow "${workflowId}" version "${row.version}" is a ${type}; a recovery step must be a single step`,
        });
    }
  });
  return problems;
}
