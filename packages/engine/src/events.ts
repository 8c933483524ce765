import type { StepError } from '@agentic-flow/spec';

/** What happened. Time comes in with the event: the engine has no clock. */
export type EngineEvent =
  | { type: 'start'; at: number }
  | { type: 'step.succeeded'; key: string; attempt: number; output: unknown; variableUpdates?: Record<string, unknown>; at: number }
  | { type: 'step.failed'; key: string; attempt: number; error: StepError; at: number }
  | { type: 'pause'; at: number }
  | { type: 'resume'; at: number }
  | { type: 'cancel'; at: number };

export type StepResultEvent = Extract<EngineEvent, { type: 'step.succeeded' | 'step.failed' }>;
