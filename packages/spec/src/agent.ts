import { z } from 'zod';

/**
 * What agent steps share across the queue: token usage, transcripts, and the plan a coordinator
 * agent returns. Workers produce them, the engine and the coordinator read them.
 */

export const TokenUsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  /** In US dollars, when the provider's prices are configured. */
  costUsd: z.number().min(0).optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

export const ToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Parsed JSON arguments, or the raw text when the model sent something that does not parse. */
  arguments: z.unknown(),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

/** One message of an agent's conversation, as stored and returned by the API. */
export const TranscriptEntrySchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string(), at: z.number() }),
  z.object({ role: z.literal('user'), content: z.string(), at: z.number() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    toolCalls: z.array(ToolCallSchema).optional(),
    usage: TokenUsageSchema.optional(),
    model: z.string().optional(),
    at: z.number(),
  }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), name: z.string(), content: z.string(), isError: z.boolean().optional(), at: z.number() }),
]);
export type TranscriptEntry = z.infer<typeof TranscriptEntrySchema>;

/** What an agent step run reports besides its output or error. */
export const AgentRunRecordSchema = z.object({
  provider: z.string(),
  model: z.string(),
  usage: TokenUsageSchema,
  transcript: z.array(TranscriptEntrySchema),
});
export type AgentRunRecord = z.infer<typeof AgentRunRecordSchema>;

/** The structured output a coordinator agent's planning call must produce. */
export const AgentPlanSchema = z.strictObject({
  subtasks: z
    .array(
      z.strictObject({
        /** What this subtask must achieve; an executor agent receives it as its goal. */
        goal: z.string().min(1),
        /** The tools it needs: a subset of the coordinator step's capabilities (all of them when omitted). */
        capabilities: z.array(z.string().min(1)).optional(),
      }),
    )
    .min(1, 'a plan needs at least one subtask'),
});
export type AgentPlan = z.infer<typeof AgentPlanSchema>;

/**
 * The phases of an agent-task job, set by the engine in the job's config:
 * - absent: an executor agent (or a coordinator's subtask, which is one);
 * - `plan`: a coordinator agent's planning call, whose output is `{ plan: AgentPlan }`;
 * - `synthesize`: the coordinator's final call over its subtasks' outputs (`subtasks` in the config).
 */
export const AGENT_PHASES = ['plan', 'synthesize'] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

/** A subtask's outcome as the synthesis job receives it. */
export interface SubtaskOutcome {
  goal: string;
  output: unknown;
}
