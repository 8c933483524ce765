import type { CompiledWorkflow } from '@agentic-flow/engine';
import { missingVariableProblems, missingVariables, requiredVariables, type RequiredVariable } from '@agentic-flow/spec';
import { DomainError } from '../errors/domain-error.js';

/**
 * An execution asked for without variables its workflow's templates need: started, it would fail
 * `TEMPLATE` mid-run, after the steps before the template had run. Refused before anything is
 * written, with one problem per variable.
 */
export class MissingVariablesError extends DomainError<'MISSING_VARIABLES'> {
  constructor(
    readonly workflow: { id: string; version: string },
    readonly missing: readonly RequiredVariable[],
  ) {
    const names = missing.map((variable) => variable.name).join(', ');
    super(
      'MISSING_VARIABLES',
      `workflow "${workflow.id}" version "${workflow.version}" needs variables it was not given: ${names}. Its templates read them and the definition supplies none of them; pass them in variables`,
      { problems: missingVariableProblems(missing) },
    );
    this.name = 'MissingVariablesError';
  }
}

// Per compiled workflow (immutable, cached by the registry): a start walks the templates once per version, not per call.
const required = new WeakMap<CompiledWorkflow, RequiredVariable[]>();

/** Throws {@link MissingVariablesError} unless `variables` holds every variable `workflow` requires (`requiredVariables`). */
export function assertRequiredVariables(workflow: CompiledWorkflow, variables: Record<string, unknown>): void {
  let needed = required.get(workflow);
  if (needed === undefined) required.set(workflow, (needed = requiredVariables(workflow.definition)));
  const missing = missingVariables(needed, variables);
  if (missing.length > 0) throw new MissingVariablesError(workflow.definition, missing);
}
