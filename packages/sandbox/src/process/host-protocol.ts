import type { RawExpressionResult } from '../expression-evaluator.js';
import type { RawScriptRunInput, RawScriptRunResult } from '../script-types.js';

/** What a sandbox process is set up with: its first message. */
export interface HostSetup {
  /** Operator modules scripts may `require` (name → CommonJS source), beside the built-ins. */
  modules: Record<string, string>;
  maxLogEntries?: number;
  maxLogMessageLength?: number;
  /** The isolate warmed up before the process reports ready (MiB). */
  warmMemoryLimitMb: number;
  /** Heap limit of expression isolates (MiB). */
  expressionMemoryLimitMb: number;
}

/** A script run as it crosses to the process: no signal (cancelling is a message of its own). */
export type HostScriptInput = Omit<RawScriptRunInput, 'signal'>;

export type HostRequest =
  | { type: 'script'; id: number; input: HostScriptInput }
  | { type: 'expression'; id: number; expression: string; scopeJson: string; timeoutMs: number };

/** Parent → process. */
export type HostMessage = { type: 'setup'; setup: HostSetup } | HostRequest | { type: 'cancel'; id: number };

/** Process → parent. `failed`: the sandbox itself threw (a bug), not the code it ran. */
export type HostReply =
  | { type: 'ready' }
  | { type: 'script'; id: number; result: RawScriptRunResult }
  | { type: 'expression'; id: number; result: RawExpressionResult }
  | { type: 'failed'; id: number; message: string };
