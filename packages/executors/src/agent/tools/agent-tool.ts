import type { LogLevel, StepContext } from '../../step-executor.js';
import type { ToolSpec } from '../provider.js';

/** What a tool gets besides its arguments. */
export interface ToolRunContext {
  /** Aborted when the step times out or is cancelled: a long tool must stop then. */
  signal: AbortSignal;
  /** Goes to the execution's logs with the step's result. */
  log(level: LogLevel, message: string): void;
  /** What the agent may see: `results` and `variables` filtered by the step's `context`, plus `input` and `execution`. */
  context: StepContext;
  /** The agent step's job, for tools that run as a sub-step (the http and script tools). */
  step: { stepRunId: string; stepId: string; executionId: string; attempt: number };
  /** Milliseconds left before the step's `timeout`. */
  remainingMs(): number;
  /**
   * This call's `Idempotency-Key` (`ToolCallKeys`): distinct for each call of the run, the same for
   * the same call when the step runs again. Tools with side effects send it (the http tool as the
   * header, the script tool as the script's `idempotencyKey`). Undefined when the step has none.
   */
  idempotencyKey?: string | undefined;
}

/**
 * A tool an agent can call. The model sees `spec`; `run` receives arguments that are a JSON object
 * valid against `spec.parameters` (the loop checks both) and returns a string or any JSON value,
 * which goes back to the model as the tool's result. A thrown error goes back as an error result:
 * the model may recover from it, the step does not fail.
 */
export interface AgentTool {
  spec: ToolSpec;
  run(args: Record<string, unknown>, context: ToolRunContext): unknown;
  /** Releases what the tool holds (HTTP pools, isolates) when the worker stops. */
  close?(): Promise<void>;
}
