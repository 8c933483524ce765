import { z } from 'zod';
import { VersionSchema, WorkflowIdSchema } from '../ids.js';
import { noSecrets } from '../secrets.js';

/**
 * A `workflow` step runs another workflow of the same namespace as a child execution and succeeds
 * with the child's results (see docs/architecture.md, Child executions).
 */
export const WorkflowConfigSchema = z.strictObject({
  /** The child's workflow, in this execution's namespace. */
  workflowId: WorkflowIdSchema,
  /** The child's version; absent: the latest registered when the step starts. */
  version: VersionSchema.optional(),
  /** The child's variables; templates are resolved when the step starts, like any step's config. */
  variables: z.record(z.string(), z.unknown()).optional(),
});

export type WorkflowConfig = z.infer<typeof WorkflowConfigSchema>;

/**
 * The coordinator resolves a child's variables and stores them with the child execution, and
 * PostgreSQL holds no secret values: a secret would have to be resolved where none exists.
 */
export const WORKFLOW_SECRETS = noSecrets('a child workflow runs with variables the coordinator stores, and coordinators never hold secrets');
