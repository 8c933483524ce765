import { z } from 'zod';
import { StepIdSchema } from '../ids.js';

/**
 * `config.context.results` of a script or agent step: the steps whose results it is given, by id.
 * Each id must name a step of the workflow (checked with the graph, `contextReferenceProblems`);
 * an id listed twice is refused here, at the entry that repeats it.
 */
export const ContextResultsSchema = z.array(StepIdSchema).superRefine((ids, ctx) => {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `lists step "${id}" twice` });
    seen.add(id);
  });
});
