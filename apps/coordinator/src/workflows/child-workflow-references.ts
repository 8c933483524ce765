import type { Problem, WorkflowDefinition } from '@agentic-flow/spec';
import { findDefinition, type DbExecutor } from '@agentic-flow/store';

/**
 * The problems of a definition's `workflow` steps that name a workflow (or a version of one) its
 * namespace does not have. A step naming the definition itself is allowed without a lookup (the
 * definition may not exist yet: this registration creates it), unless it pins another version of
 * it, which must exist. Run-time starts check again (`WORKFLOW_NOT_FOUND`): a child may be deleted.
 */
export async function childWorkflowProblems(db: DbExecutor, namespace: string, definition: WorkflowDefinition): Promise<Problem[]> {
  const problems: Problem[] = [];
  const known = new Map<string, boolean>();
  const exists = async (id: string, version?: string) => {
    const key = `${id}@${version ?? ''}`;
    let found = known.get(key);
    if (found === undefined) {
      found = (await findDefinition(db, namespace, id, version)) !== undefined;
      known.set(key, found);
    }
    return found;
  };
  for (const [i, step] of definition.steps.entries()) {
    if (step.type !== 'workflow') continue;
    const { workflowId, version } = step.config;
    if (workflowId === definition.id && (version === undefined || version === definition.version)) continue;
    if (workflowId !== definition.id && !(await exists(workflowId))) {
      problems.push({ path: `$.steps[${i}].config.workflowId`, message: `workflow "${workflowId}" does not exist in namespace "${namespace}"` });
    } else if (version !== undefined && !(await exists(workflowId, version))) {
      problems.push({ path: `$.steps[${i}].config.version`, message: `workflow "${workflowId}" has no version "${version}" in namespace "${namespace}"` });
    }
  }
  return problems;
}
