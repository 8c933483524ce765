import { StepErrorSchema } from '@agentic-flow/spec';
import { z } from 'zod';

/**
 * The answer to an expression a coordinator evaluated outside the transaction that asked for it (it
 * took longer than the transaction's budget, or its coordinator went down and the reconciler asked
 * again). It travels on `step-results` like a worker's result and is applied the same way, once:
 * the engine ignores an answer its node no longer waits for (another attempt or iteration, or
 * answered already).
 */
export const ExpressionAnswerSchema = z.object({
  v: z.literal(1),
  kind: z.literal('expression'),
  executionId: z.uuid(),
  key: z.string().min(1),
  purpose: z.enum(['condition', 'loop-condition', 'loop-break']),
  attempt: z.number().int().min(1),
  iteration: z.number().int().min(0).optional(),
  outcome: z.discriminatedUnion('ok', [
    // warning: what the expression read as undefined (the engine logs it once per step instance).
    z.object({ ok: z.literal(true), truthy: z.boolean(), warning: z.string().max(16_384).optional() }),
    z.object({ ok: z.literal(false), error: StepErrorSchema }),
  ]),
});

export type ExpressionAnswer = z.infer<typeof ExpressionAnswerSchema>;
