import { z } from 'zod';
import { WorkflowDefinitionSchema } from './workflow-definition.js';

/** JSON Schema (draft 2020-12) of a definition as authors write it, for editors and linters. */
export function workflowDefinitionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WorkflowDefinitionSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
