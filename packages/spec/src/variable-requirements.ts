import { formatPath, type Problem } from './problem.js';
import { isControlStepType } from './step.js';
import { templatePathsIn } from './templates.js';
import { scriptVariableWrites } from './variable-writes.js';
import type { WorkflowDefinition } from './workflow-definition.js';

/** Where a template reads a variable: its step, the JSON path of the string holding it, the template as written. */
export interface VariableUse {
  /** `variables` (a default or a script could supply it) or `input` (only the start can). */
  root: 'variables' | 'input';
  stepId: string;
  path: string;
  template: string;
}

/** A variable the definition's templates read and nothing in the definition supplies: an execution must be started with it. */
export interface RequiredVariable {
  name: string;
  /** Every such read, in definition order. */
  usedAt: VariableUse[];
}

/**
 * The variables an execution of `definition` must be started with, because a template reads them
 * and nothing else can supply them: without one, the step holding the template would fail
 * `TEMPLATE` mid-run, after the steps before it had run (and done what they do).
 *
 * - `{{ variables.x… }}` is supplied by the definition's default for `x` (`variables`) or by a
 *   script's `setVariable("x", …)` — with a script that may set any variable (a computed name), by
 *   that script, so no `variables` read is required then.
 * - `{{ input.x… }}` reads only what the start was given: nothing in the definition supplies it.
 *
 * The template language has no default of its own (a template is a path, never code), so a
 * template cannot guard itself: the default goes in the definition's `variables`. Expressions and
 * scripts read `variables` as code that may guard itself (`variables.x ?? 10`), and are not
 * counted. Only work steps' configs hold templates (control steps hold expressions).
 *
 * @example
 * requiredVariables(definition); // [{ name: 'apiUrl', usedAt: [{ root: 'variables', stepId: 'fetch', path: '$.steps[0].config.url', template: 'variables.apiUrl' }] }]
 */
export function requiredVariables(definition: WorkflowDefinition): RequiredVariable[] {
  const set = new Set<string>();
  let setsAny = false;
  for (const step of definition.steps) {
    if (step.type !== 'script') continue;
    const writes = scriptVariableWrites(step.config.script);
    if (writes.any) setsAny = true;
    else for (const name of writes.names) set.add(name);
  }
  const required = new Map<string, VariableUse[]>();
  definition.steps.forEach((step, index) => {
    if (isControlStepType(step.type)) return;
    for (const { at, path } of templatePathsIn(step.config, ['steps', index, 'config'])) {
      if (path.root !== 'variables' && path.root !== 'input') continue;
      const [first] = path.segments;
      // `{{ variables }}` reads the whole object, which always exists.
      if (first === undefined) continue;
      const name = String(first);
      if (path.root === 'variables' && (setsAny || Object.hasOwn(definition.variables, name) || set.has(name))) continue;
      const uses = required.get(name) ?? [];
      uses.push({ root: path.root, stepId: step.id, path: formatPath(at), template: path.source });
      required.set(name, uses);
    }
  });
  return [...required].map(([name, usedAt]) => ({ name, usedAt }));
}

/** The required variables that `given` (the start's variables) lacks. */
export function missingVariables(required: readonly RequiredVariable[], given: Record<string, unknown>): RequiredVariable[] {
  return required.filter((variable) => !Object.hasOwn(given, variable.name));
}

/** Uses listed in a problem's message, at most; the rest are counted. */
const MAX_LISTED_USES = 5;

/**
 * One problem per missing variable, at its place in the start request's body (`$.body.variables.x`),
 * saying where it is read and why nothing else supplies it.
 */
export function missingVariableProblems(missing: readonly RequiredVariable[]): Problem[] {
  return missing.map(({ name, usedAt }) => {
    const listed = usedAt.slice(0, MAX_LISTED_USES).map((use) => `{{ ${use.template} }} at ${use.path} (step "${use.stepId}")`);
    const more = usedAt.length > MAX_LISTED_USES ? ` and ${usedAt.length - MAX_LISTED_USES} more` : '';
    const roots = new Set(usedAt.map((use) => use.root));
    const why = [
      ...(roots.has('variables') ? ['the definition has no default for it in variables, and no script sets it'] : []),
      ...(roots.has('input') ? ['input holds only the variables an execution is started with'] : []),
    ].join('; ');
    return { path: formatPath(['body', 'variables', name]), message: `is required: read by ${listed.join(', ')}${more}; ${why}` };
  });
}
