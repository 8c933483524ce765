import { contextReferenceProblems } from './context-references.js';
import { analyzeGraph, type WorkflowGraph } from './graph.js';
import { graphViewOf } from './graph-view.js';
import { formatPath, type Problem } from './problem.js';
import { secretReferenceProblems } from './secrets.js';
import { SECRET_POLICIES } from './step.js';
import { TemplateSyntaxError, collectTemplates, parseTemplate } from './templates.js';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from './workflow-definition.js';
import { problemsFromZod } from './zod-problems.js';

export type ValidationResult = { ok: true; definition: WorkflowDefinition; graph: WorkflowGraph } | { ok: false; problems: Problem[] };

/**
 * Validates a workflow definition completely: the schema of every step, the graph rules, the steps
 * a `context.results` names, the syntax of every template, and where secrets are referenced (`secretReferenceProblems`). Reports every problem found, not only the first, each with a JSON path.
 *
 * @example
 * const result = validateDefinition(JSON.parse(text));
 * if (!result.ok) for (const p of result.problems) console.error(`${p.path}: ${p.message}`);
 */
export function validateDefinition(input: unknown): ValidationResult {
  const parsed = WorkflowDefinitionSchema.safeParse(input);
  const problems: Problem[] = parsed.success ? [] : problemsFromZod(parsed.error);

  const analysis = analyzeGraph(graphViewOf(input));
  problems.push(...analysis.problems, ...contextReferenceProblems(input), ...templateProblems(input));

  if (!parsed.success || problems.length > 0) return { ok: false, problems: dedupe(problems) };
  return { ok: true, definition: parsed.data, graph: analysis.graph };
}

function templateProblems(input: unknown): Problem[] {
  if (input === null || typeof input !== 'object' || !Array.isArray((input as { steps?: unknown }).steps)) return [];
  const problems: Problem[] = [];
  (input as { steps: unknown[] }).steps.forEach((step, index) => {
    if (step === null || typeof step !== 'object') return;
    const { type, config } = step as { type?: unknown; config?: unknown };
    for (const { at, text } of collectTemplates(config, ['steps', index, 'config'])) {
      try {
        parseTemplate(text);
      } catch (error) {
        if (!(error instanceof TemplateSyntaxError)) throw error;
        problems.push({ path: formatPath(at), message: error.message });
      }
    }
    const policy = SECRET_POLICIES.get(String(type));
    if (policy) problems.push(...secretReferenceProblems(config, policy, ['steps', index, 'config']));
  });
  return problems;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
