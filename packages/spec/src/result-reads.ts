import { parse } from 'acorn';
import { everyReference, staticKey, type AstNode } from './code-ast.js';
import { templatePathsIn } from './templates.js';

/**
 * Which step results a piece of code or a config can read: all of them, or only those of the
 * listed step ids. The engine hands a step (a condition, a script, an http template) only the
 * results it reads, so the work of launching a step stays in proportion to what it uses instead of
 * growing with everything the execution has produced.
 */
export type ResultReads = { readonly all: true } | { readonly all: false; readonly steps: ReadonlySet<string> };

export const ALL_RESULTS: ResultReads = Object.freeze({ all: true });
export const NO_RESULTS: ResultReads = Object.freeze({ all: false, steps: new Set<string>() });

/**
 * The two names of a scope that are read step by step: `results` (each step's result) and `steps`
 * (what each step reported beside it: an http step's response status and headers). Every function
 * here answers for one of them, `results` unless told otherwise.
 */
export type ReadRoot = 'results' | 'steps';

/** The results read by a JavaScript expression (a condition, a loop's condition or break condition). */
export function expressionResultReads(expression: string, root: ReadRoot = 'results'): ResultReads {
  return codeReads(`(${expression}\n)`, root);
}

/** The results read by a script step's code (the body of an async function). */
export function scriptResultReads(script: string, root: ReadRoot = 'results'): ResultReads {
  return codeReads(`(async function () {\n${script}\n})`, root);
}

/** The results that `{{ results… }}` templates anywhere in `config` read (or `{{ steps… }}` ones). */
export function templateResultReads(config: unknown, root: ReadRoot = 'results'): ResultReads {
  const steps = new Set<string>();
  for (const { path } of templatePathsIn(config)) {
    if (path.root !== root) continue;
    const [first] = path.segments;
    if (typeof first !== 'string') return ALL_RESULTS;
    steps.add(first);
  }
  return steps.size === 0 ? NO_RESULTS : { all: false, steps };
}

/** What several readers read together. */
export function mergeReads(...reads: ResultReads[]): ResultReads {
  const steps = new Set<string>();
  for (const read of reads) {
    if (read.all) return ALL_RESULTS;
    for (const step of read.steps) steps.add(step);
  }
  return steps.size === 0 ? NO_RESULTS : { all: false, steps };
}

/**
 * The steps a script's code names statically (`results.x`, `results["x"]`), whatever else it does
 * with `results`: a step that lists its context (`config.context.results`) still gets these, so
 * `results.x` keeps working beside the dynamic reads the list stands in for.
 */
export function scriptNamedReads(script: string, root: ReadRoot = 'results'): ReadonlySet<string> {
  return codeUses(`(async function () {\n${script}\n})`, root)?.named ?? new Set<string>();
}

/**
 * Reads the code's uses of `results` (or `steps`): `results.x`, `results["x"]` and ``results[`x`]``
 * read step `x`; any other use (`results[name]`, `Object.keys(results)`, `const r = results`,
 * destructuring) reads everything, and so do `eval` and `arguments`, which reach the parameters
 * without naming them. Code that does not parse reads everything: the answer may only ever be too
 * large, never too small.
 */
function codeReads(source: string, root: ReadRoot): ResultReads {
  const uses = codeUses(source, root);
  if (uses === undefined || uses.dynamic) return ALL_RESULTS;
  return uses.named.size === 0 ? NO_RESULTS : { all: false, steps: uses.named };
}

/**
 * Every step the code names statically, and whether it also reads `results` in a way no name can
 * tell (the walk goes on past such a use, so the names are complete either way); undefined when
 * the code does not parse.
 */
function codeUses(source: string, root: ReadRoot): { named: Set<string>; dynamic: boolean } | undefined {
  let program: AstNode;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode;
  } catch {
    return undefined;
  }
  const named = new Set<string>();
  let dynamic = false;
  everyReference(program, (name, parent, field) => {
    if (name === 'eval' || name === 'arguments') dynamic = true;
    if (name !== root) return true;
    const step = parent?.type === 'MemberExpression' && field === 'object' ? staticKey(parent) : undefined;
    if (step === undefined) dynamic = true;
    else named.add(step);
    return true;
  });
  return { named, dynamic };
}

/**
 * What a step type's config reads of the results (or of `steps`): declared by the type's module
 * where it reads more than its templates (`RESULT_READS` in step.ts collects them).
 */
export type ConfigResultReads<C> = (config: C, root: ReadRoot) => ResultReads;
