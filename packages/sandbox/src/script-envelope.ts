import type { SandboxError, SandboxErrorCode } from './errors.js';
import { BOOTSTRAP_FILENAME, SCRIPT_FILENAME } from './script-bootstrap.js';
import type { RawScriptRunResult, ScriptLogEntry } from './script-types.js';
import { positionInStack, userStack } from './stack-trace.js';

export interface SettleOptions {
  maxLogEntries: number;
  code: string;
}

/** Codes the isolate side may report; anything else it claims is treated as a plain script error. */
const ISOLATE_CODES = new Set<SandboxErrorCode>(['SCRIPT_ERROR', 'MODULE_NOT_ALLOWED', 'OUTPUT_NOT_SERIALIZABLE', 'OUTPUT_TOO_LARGE']);

/**
 * Turns what the bootstrap's `run` returned into a result. The envelope comes from an isolate that
 * user code controls, so every field is checked rather than trusted; the worst a forged envelope can
 * do is pick the script's own output, which the script could do anyway. The output stays JSON text:
 * `finishRun` checks its size and nesting before parsing it.
 */
export function settleEnvelope(envelope: unknown, logs: ScriptLogEntry[], options: SettleOptions): RawScriptRunResult {
  if (typeof envelope !== 'object' || envelope === null) {
    return { ok: false, error: { code: 'SCRIPT_ERROR', message: 'the script tampered with the sandbox' }, logs };
  }
  const fields = envelope as Record<string, unknown>;
  const dropped = typeof fields['dropped'] === 'number' ? fields['dropped'] : 0;
  if (dropped > 0) {
    logs.push({ level: 'warn', message: `${dropped} more console messages were dropped (limit: ${options.maxLogEntries} per run)`, at: Date.now() });
  }
  if (fields['ok'] === true) return settleSuccess(fields, logs);
  const claimed = fields['code'] as SandboxErrorCode;
  const code = ISOLATE_CODES.has(claimed) ? claimed : 'SCRIPT_ERROR';
  const message = typeof fields['message'] === 'string' ? fields['message'] : 'the script failed';
  const stack = typeof fields['stack'] === 'string' ? userStack(fields['stack'], [BOOTSTRAP_FILENAME], SCRIPT_FILENAME) : undefined;
  const details: Record<string, unknown> = {};
  if (typeof fields['name'] === 'string' && code === 'SCRIPT_ERROR') details['name'] = fields['name'];
  const position = positionInStack(stack, SCRIPT_FILENAME);
  if (position !== undefined && position.line <= options.code.split('\n').length) {
    details['line'] = position.line;
    details['column'] = position.column;
  }
  // For an output that is not JSON the stack only shows sandbox internals; the line (if any) says it all.
  if (stack !== undefined && code !== 'OUTPUT_NOT_SERIALIZABLE' && code !== 'OUTPUT_TOO_LARGE') details['stack'] = stack;
  const error: SandboxError = Object.keys(details).length > 0 ? { code, message, details } : { code, message };
  return { ok: false, error, logs };
}

function settleSuccess(fields: Record<string, unknown>, logs: ScriptLogEntry[]): RawScriptRunResult {
  const json = fields['json'];
  if (typeof json !== 'string') return { ok: false, error: { code: 'OUTPUT_NOT_SERIALIZABLE', message: 'the script returned no output' }, logs };
  const entries = Array.isArray(fields['variables']) ? (fields['variables'] as unknown[]) : [];
  const variableJson: Array<[string, string]> = [];
  for (const entry of entries) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string') variableJson.push([entry[0], entry[1]]);
  }
  return { ok: true, outputJson: json, variableJson, logs };
}
