import type { StepLogEntry, StepOutcome } from '@agentic-flow/executors';
import { stepResultJson, type PreSerializedFields, type StepJob, type StepResultEnvelope } from '@agentic-flow/queue';
import type { StepError } from '@agentic-flow/spec';

/** When a result was made, and by whom. */
export interface ResultStamp {
  startedAt: number;
  finishedAt: number;
  workerId: string;
}

/**
 * The JSON text of a step's result for `step-results`. A succeeded outcome's output and variable
 * updates come as the text the output guard made of them, and go in as they are; the agent record
 * is serialized here, once. May throw (an agent record that cannot be serialized): the processor
 * then reports {@link minimalFailureJson} instead.
 */
export function resultJson(
  job: StepJob,
  outcome: StepOutcome,
  serialized: { outputJson: string | undefined; variableUpdatesJson: string | undefined },
  logs: readonly StepLogEntry[],
  stamp: ResultStamp,
): string {
  const fields: PreSerializedFields = {};
  if (outcome.agent) fields.agent = withoutNulEscapes(JSON.stringify(outcome.agent));
  const base = { ...envelope(job, stamp), logs: logs.map(cleanLog) };
  if (!outcome.ok) return stepResultJson({ ...base, outcome: 'failed', error: outcome.error }, fields);
  if (serialized.outputJson !== undefined) fields.output = serialized.outputJson;
  if (serialized.variableUpdatesJson !== undefined) fields.variableUpdates = serialized.variableUpdatesJson;
  return stepResultJson({ ...base, outcome: 'succeeded', ...(outcome.response ? { response: outcome.response } : {}) }, fields);
}

/** Log lines kept in a minimal failure, newest last, and the length of each. */
const MINIMAL_LOGS = 100;
const MINIMAL_LOG_LENGTH = 8192;
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/**
 * The last resort when a result could not be made: a failure built only of strings and finite
 * numbers taken apart here, so serializing it cannot throw, whatever the step handed back. The
 * step's own log lines are kept (bounded), its output and agent record are not.
 */
export function minimalFailureJson(
  job: Pick<StepJob, 'stepRunId' | 'executionId' | 'instanceKey' | 'attempt'>,
  error: StepError,
  logs: readonly StepLogEntry[],
  stamp: ResultStamp,
): string {
  const safeLogs = logs.slice(-MINIMAL_LOGS).map((l) => ({
    level: typeof l.level === 'string' && LEVELS.has(l.level) ? l.level : 'info',
    message: typeof l.message === 'string' ? clean(l.message.slice(0, MINIMAL_LOG_LENGTH)) : '',
    at: finite(l.at),
  }));
  const envelope: StepResultEnvelope = {
    v: 1,
    stepRunId: String(job.stepRunId),
    executionId: String(job.executionId),
    instanceKey: String(job.instanceKey),
    attempt: finite(job.attempt) || 1,
    logs: safeLogs as StepLogEntry[],
    startedAt: finite(stamp.startedAt),
    finishedAt: finite(stamp.finishedAt),
    workerId: String(stamp.workerId),
    outcome: 'failed',
    // Only the code and the message: details are free-form, and could be what failed.
    error: { code: error.code, message: clean(String(error.message)) },
  };
  return JSON.stringify(envelope);
}

function envelope(job: StepJob, stamp: ResultStamp) {
  return {
    v: 1 as const,
    stepRunId: job.stepRunId,
    executionId: job.executionId,
    instanceKey: job.instanceKey,
    attempt: job.attempt,
    startedAt: stamp.startedAt,
    finishedAt: stamp.finishedAt,
    workerId: stamp.workerId,
  };
}

/** Log lines are text columns: a NUL is shown as U+FFFD rather than failing the coordinator's insert. */
function cleanLog(entry: StepLogEntry): StepLogEntry {
  return entry.message.includes('\u0000') ? { ...entry, message: clean(entry.message) } : entry;
}

function clean(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A `\u0000` escape (not an escaped backslash followed by `u0000`), with the backslashes before it. */
const NUL_ESCAPES = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * An agent's transcript holds whatever tools and models returned; a NUL in it would fail the
 * coordinator's insert like one in a log line, so in the JSON text it becomes U+FFFD instead.
 */
function withoutNulEscapes(json: string): string {
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPES, '$1\\ufffd') : json;
}
