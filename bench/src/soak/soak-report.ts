import type { TargetCall } from './counter-target.js';
import type { FaultEvent } from './fault-plan.js';
import type { SoakResult } from './soak-run.js';
import { percentile } from '../stats.js';

/** Why a side effect happened again, judged from what the target and the fault log saw. */
export const REPEAT_CAUSES = [
  'worker died mid-call',
  'worker died between the answer and its report',
  'FLUSHALL erased the reported result',
  'FLUSHALL while the call was in flight',
  'coordinator SIGKILL',
  'PostgreSQL restart',
  'no fault (a defect)',
] as const;
export type RepeatCause = (typeof REPEAT_CAUSES)[number];
/** Repeats a fault forces: the caller died, or Redis lost the result it had reported. */
const FORCED: ReadonlySet<RepeatCause> = new Set([
  'worker died mid-call',
  'worker died between the answer and its report',
  'FLUSHALL erased the reported result',
]);
/** A worker reports within milliseconds of the answer; a SIGKILL this soon after it may have come first. */
const REPORT_WINDOW_MS = 1_000;
/** A request sent just before its sender died reaches the target this much later at most. */
const IN_TRANSIT_MS = 1_000;

export interface SoakVerdict {
  statuses: Record<string, number>;
  wrongOutputs: string[];
  keys: number;
  calls: number;
  lostKeys: string[];
  forbiddenCalls: string[];
  callsPerKey: Record<string, number>;
  repeats: Record<RepeatCause, number>;
  /** Keys whose calls did not all carry one and the same Idempotency-Key. */
  keysWithDifferingIdempotencyKeys: string[];
  callsWithoutIdempotencyKey: number;
  /** Calls whose caller the target could not tell (it died before its socket was looked up). */
  callsOfUnknownCaller: number;
  /** Side effects a target that honours Idempotency-Key applies: one per distinct (key, Idempotency-Key). */
  effectiveSideEffects: number;
  /** From a call cut off by a dying worker to the call that redid it. */
  redoDelaysMs: number[];
  stuck: string[];
  /** Why each execution that did not complete ended as it did: its error and its failed runs'. */
  unfinished: string[];
  /** Up to 10 repeats no fault forced, with the calls' timing and the faults near them, for a diagnosis. */
  unforcedExamples: string[];
  passed: boolean;
  failures: string[];
}

function causeOf(calls: TargetCall[], index: number, faults: FaultEvent[]): RepeatCause {
  const earlier = calls.slice(0, index);
  const repeatAt = calls[index]!.startedAt;
  // Exact when the target could tell who called: that process was killed before the repeat (a
  // request can reach the target a few ms after its sender died, so not "after the call began").
  for (const call of earlier) {
    const death = faults.find((f) => f.kind === 'worker SIGKILL' && f.pid !== undefined && f.pid === call.caller && f.at <= repeatAt);
    if (death)
      return call.interrupted || call.answeredAt === undefined || death.at <= call.answeredAt
        ? 'worker died mid-call'
        : 'worker died between the answer and its report';
  }
  // Who called could not be told (the caller died before its socket was looked up): a worker's
  // death while the call ran, or just after its answer, is taken as the cause.
  const unknown = earlier.filter((c) => c.caller === undefined);
  if (unknown.some((c) => c.interrupted)) return 'worker died mid-call';
  const kills = faults.filter((f) => f.kind === 'worker SIGKILL');
  if (unknown.some((c) => kills.some((f) => f.at >= c.startedAt - IN_TRANSIT_MS && f.at <= (c.answeredAt ?? repeatAt)))) return 'worker died mid-call';
  if (unknown.some((c) => c.answeredAt !== undefined && kills.some((f) => f.at >= c.answeredAt! && f.at <= c.answeredAt! + REPORT_WINDOW_MS)))
    return 'worker died between the answer and its report';
  const from = calls[0]!.startedAt;
  const between = (kind: FaultEvent['kind']) => faults.filter((f) => f.kind === kind && f.endedAt >= from && f.at <= repeatAt);
  const flush = between('FLUSHALL')[0];
  if (flush)
    return earlier.some((c) => c.answeredAt !== undefined && c.answeredAt < flush.at)
      ? 'FLUSHALL erased the reported result'
      : 'FLUSHALL while the call was in flight';
  if (between('coordinator SIGKILL').length) return 'coordinator SIGKILL';
  if (between('PostgreSQL restart').length) return 'PostgreSQL restart';
  return 'no fault (a defect)';
}

/** A repeat's calls and the faults within 20 s of them, in seconds from the run's start. */
function describeRepeat(key: string, cause: RepeatCause, calls: TargetCall[], result: SoakResult): string {
  const t = (ms: number | undefined) => (ms === undefined ? '–' : ((ms - result.startedAt) / 1000).toFixed(2));
  const from = calls[0]!.startedAt - 20_000;
  const to = calls.at(-1)!.startedAt + 20_000;
  const near = result.faults.filter((f) => f.at >= from && f.at <= to).map((f) => `${f.kind}${f.target ? ` ${f.target} (${f.pid})` : ''} @${t(f.at)}`);
  const restarts = result.restarts.filter((r) => r.exitedAt >= from && r.exitedAt <= to).map((r) => `${r.slot} ready @${t(r.readyAt)}`);
  return `${key} (${cause}): calls ${calls.map((c) => `${t(c.startedAt)}→${c.interrupted ? 'cut' : t(c.answeredAt)} by ${c.caller ?? '?'}`).join(', ')}; near: ${[...near, ...restarts].join(', ') || 'nothing'}`;
}

export function judge(result: SoakResult): SoakVerdict {
  const statuses: Record<string, number> = {};
  const wrongOutputs: string[] = [];
  const stuck: string[] = [];
  const unfinished: string[] = [];
  const lostKeys: string[] = [];
  const forbiddenCalls: string[] = [];
  const callsPerKey: Record<string, number> = {};
  const repeats = Object.fromEntries(REPEAT_CAUSES.map((c) => [c, 0])) as Record<RepeatCause, number>;
  const keysWithDifferingIdempotencyKeys: string[] = [];
  const redoDelaysMs: number[] = [];
  const unforcedExamples: string[] = [];
  let keys = 0;
  let calls = 0;
  let callsWithoutIdempotencyKey = 0;
  let callsOfUnknownCaller = 0;
  let effectiveSideEffects = 0;

  for (const { id, shape } of result.submitted) {
    const view = result.views.get(id);
    const status = view?.status ?? 'unreadable';
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (view && !['completed', 'failed', 'cancelled'].includes(view.status)) stuck.push(id);
    if (view && view.status !== 'completed') {
      const runs = view.steps
        .filter((r) => r.status === 'failed')
        .map((r) => `${r.instanceKey}#${r.attempt}: ${r.error?.code ?? '?'} ${r.error?.message ?? ''}`);
      unfinished.push(
        `${shape.definition.id} ${id} ${view.status}: ${view.error ? `${view.error.code} ${view.error.message}` : 'no error'}; failed runs: ${runs.join('; ') || 'none'}`,
      );
    }
    if (view?.status === 'completed') {
      const wrong = shape.wrongOutput(view);
      if (wrong) wrongOutputs.push(`${shape.definition.id} ${id}: ${wrong}`);
    }
    for (const key of shape.forbiddenKeys(id)) if ((result.calls.get(key)?.length ?? 0) > 0) forbiddenCalls.push(key);
    for (const key of shape.keys(id)) {
      keys++;
      const made = result.calls.get(key) ?? [];
      calls += made.length;
      const bucket = made.length >= 3 ? '3+' : String(made.length);
      callsPerKey[bucket] = (callsPerKey[bucket] ?? 0) + 1;
      if (made.length === 0) lostKeys.push(key);
      for (let i = 1; i < made.length; i++) {
        const cause = causeOf(made, i, result.faults);
        repeats[cause]++;
        if (!FORCED.has(cause) && unforcedExamples.length < 10) unforcedExamples.push(describeRepeat(key, cause, made, result));
        const cut = made.slice(0, i).findLast((c) => c.interrupted);
        if (cut) redoDelaysMs.push(made[i]!.startedAt - cut.startedAt);
      }
      const idempotencyKeys = new Set(made.map((c) => c.idempotencyKey));
      callsWithoutIdempotencyKey += made.filter((c) => c.idempotencyKey === undefined).length;
      callsOfUnknownCaller += made.filter((c) => c.caller === undefined).length;
      if (idempotencyKeys.size > 1) keysWithDifferingIdempotencyKeys.push(key);
      effectiveSideEffects += idempotencyKeys.size;
    }
  }

  const failures: string[] = [];
  const completed = statuses['completed'] ?? 0;
  if (completed !== result.submitted.length) failures.push(`${result.submitted.length - completed} of ${result.submitted.length} executions did not complete`);
  if (wrongOutputs.length) failures.push(`${wrongOutputs.length} wrong outputs`);
  if (lostKeys.length) failures.push(`${lostKeys.length} side effects never happened`);
  if (forbiddenCalls.length) failures.push(`${forbiddenCalls.length} side effects that must not happen did`);
  for (const cause of REPEAT_CAUSES) if (!FORCED.has(cause) && repeats[cause]) failures.push(`${repeats[cause]} repeats no fault forced (${cause})`);
  if (keysWithDifferingIdempotencyKeys.length)
    failures.push(`${keysWithDifferingIdempotencyKeys.length} side effects repeated under a different Idempotency-Key`);
  if (callsWithoutIdempotencyKey) failures.push(`${callsWithoutIdempotencyKey} calls without an Idempotency-Key`);
  if (stuck.length) failures.push(`${stuck.length} executions stuck`);
  if (Object.keys(result.leftoverJobs).length) failures.push(`jobs left on queues: ${JSON.stringify(result.leftoverJobs)}`);
  if (result.strayQueueKeys.length) failures.push(`keys of queues nobody reads: ${result.strayQueueKeys.slice(0, 5).join(', ')}`);
  return {
    statuses,
    wrongOutputs,
    keys,
    calls,
    lostKeys,
    forbiddenCalls,
    callsPerKey,
    repeats,
    keysWithDifferingIdempotencyKeys,
    callsWithoutIdempotencyKey,
    callsOfUnknownCaller,
    effectiveSideEffects,
    redoDelaysMs,
    stuck,
    unfinished,
    unforcedExamples,
    passed: failures.length === 0,
    failures,
  };
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const spreadOf = (values: number[]) => (values.length === 0 ? '–' : `median ${seconds(percentile(values, 50))}, max ${seconds(Math.max(...values))}`);
const table = (header: string[], rows: (string | number)[][]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function renderReport(result: SoakResult, verdict: SoakVerdict, commit: string): string {
  const { options, machine } = result;
  const faultKinds = [...new Set(result.faults.map((f) => f.kind))];
  const restartsOf = (kind: 'coordinator' | 'worker') => result.restarts.filter((r) => r.kind === kind);
  const crashed = result.restarts.filter((r) => !r.killed);
  const flush = result.faults.find((f) => f.kind === 'FLUSHALL');
  const logRows = [...result.logs.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return [
    `# Soak: ${options.executions} executions under faults`,
    '',
    `**${verdict.passed ? 'PASSED' : 'FAILED'}**${verdict.failures.length ? `: ${verdict.failures.join('; ')}` : ': every execution completed with the right outputs, no side effect was lost, every repeat was forced by a fault (a dying worker, or a flush that erased a reported result) and carried the Idempotency-Key of the first call.'}`,
    '',
    `\`pnpm soak ${process.argv.slice(2).join(' ')}\` at ${commit}, ${new Date(result.startedAt).toISOString()}; ${Math.round((result.finishedAt - result.startedAt) / 1000)} s from the first submit to the last settle.`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}; highest 1-minute load average during the run ${result.maxLoadAverage.toFixed(1)}.`,
    '',
    '## Setup',
    '',
    `- 2 coordinators and 3 workers (each \`STEP_TYPES=http,script\`) under a supervisor that starts again whatever exits; a private PostgreSQL cluster and redis-server of the soak's own.`,
    `- ${options.inFlight} executions in flight at a time, cycling four shapes: a linear http → script → http → script chain, a 20-branch parallel of http calls joined by a script, a 10-iteration loop of an http call and a counting script, and an http call whose answer a condition reads to choose one of two more calls.`,
    `- Every http call is a side effect on a local counter target (\`/step?key=<execution>-<step>\`), which records its Idempotency-Key and whether the caller hung up, and answers after 50–400 ms.`,
    `- Recovery settings: coordinators \`MAINTENANCE_INTERVAL_MS=500 RECONCILE_GRACE_MS=4000 RESULT_CLAIM_IDLE_MS=2000\`; workers \`LOCK_DURATION_MS=${options.workerLockMs} STALLED_INTERVAL_MS=${Math.max(1_000, options.workerLockMs / 2)}\`.`,
    `- Faults, spread over the run by progress (seed ${options.seed}): ${options.workerKills} worker SIGKILLs, ${options.coordinatorKills} coordinator SIGKILLs (only while both run), ${options.flushAtJobs > 0 ? `a FLUSHALL as soon as ≥ ${options.flushAtJobs} step jobs are waiting or active (counted in the same MULTI as the flush)` : 'no FLUSHALL'}, ${options.pgRestart ? 'a PostgreSQL restart (`pg_ctl restart -m fast`)' : 'no PostgreSQL restart'}.`,
    '',
    '## Executions',
    '',
    table(['status', 'executions'], Object.entries(verdict.statuses)),
    '',
    ...verdict.unfinished.slice(0, 10).map((u) => `- Not completed: ${u}`),
    `- Wrong outputs: ${verdict.wrongOutputs.length}${verdict.wrongOutputs.length ? ` (${verdict.wrongOutputs.slice(0, 5).join('; ')})` : ''}.`,
    `- Stuck (not settled at the end): ${verdict.stuck.length}. Step instances the engine ran more than once: ${result.reattemptedInstances}.`,
    `- Executions started by a submit whose answer was lost (the client retried): ${result.unsubmitted}.`,
    `- Jobs left on the work queues after the last settle: ${JSON.stringify(result.leftoverJobs)}; keys of queues nobody reads: ${result.strayQueueKeys.length}.`,
    '',
    '## Side effects',
    '',
    `${verdict.keys} side-effect keys, ${verdict.calls} calls. Lost (never called): ${verdict.lostKeys.length}. Called though their branch was not taken: ${verdict.forbiddenCalls.length}.`,
    '',
    table(['calls per key', 'keys'], Object.entries(verdict.callsPerKey).sort()),
    '',
    table(['repeat call, by cause', 'calls'], Object.entries(verdict.repeats)),
    '',
    `Causes are judged per repeat: the target looks up which process holds the client end of each connection (Linux /proc), and a repeat is a dying worker's when the process that made an earlier call of the key was SIGKILLed before the repeat (${verdict.callsOfUnknownCaller} calls' caller could not be told — it died first —; for those a worker SIGKILL from 1 s before the call to 1 s after its answer counts).`,
    '',
    `- Idempotency-Key: ${verdict.callsWithoutIdempotencyKey} calls without one; ${verdict.keysWithDifferingIdempotencyKeys.length} keys whose calls carried different ones. A target that honours the header applies ${verdict.effectiveSideEffects} side effects for ${verdict.keys} keys.`,
    `- From a call cut off by a dying worker to the call that redid it: ${spreadOf(verdict.redoDelaysMs)} (${verdict.redoDelaysMs.length} calls).`,
    ...(verdict.unforcedExamples.length
      ? ['', 'Repeats no fault forced (calls as start→answer, seconds from the start):', '', ...verdict.unforcedExamples.map((e) => `- ${e}`)]
      : []),
    '',
    '## Faults and recovery',
    '',
    table(
      ['fault', 'count', 'in flight (median)', 'until the next execution settled'],
      faultKinds.map((kind) => {
        const of = result.faults.filter((f) => f.kind === kind);
        return [
          kind,
          of.length,
          percentile(
            of.map((f) => f.inFlight),
            50,
          ),
          spreadOf(of.flatMap((f) => (f.nextSettleMs === undefined ? [] : [f.nextSettleMs]))),
        ];
      }),
    ),
    '',
    flush?.jobs
      ? `- At the FLUSHALL: ${flush.jobs.waiting} step jobs waiting and ${flush.jobs.active} active, ${flush.inFlight} executions in flight.`
      : '- No FLUSHALL happened.',
    ...result.skippedFaults.map((s) => `- Skipped: ${s}.`),
    `- Process restarts: coordinators ${restartsOf('coordinator').length} (${spreadOf(restartsOf('coordinator').flatMap((r) => (r.readyAt ? [r.readyAt - r.exitedAt] : [])))} from exit to ready), workers ${restartsOf('worker').length} (${spreadOf(restartsOf('worker').flatMap((r) => (r.readyAt ? [r.readyAt - r.exitedAt] : [])))}); starts that failed and were tried again: ${result.restarts.reduce((n, r) => n + r.failedStarts, 0)}.`,
    `- Processes that exited without being killed: ${crashed.length}${crashed.length ? ` (${crashed.map((r) => `${r.slot}: ${r.exit}`).join(', ')})` : ''}.`,
    '',
    '## Client errors (each call retried against the other coordinator)',
    '',
    result.clientErrors.size
      ? table(
          ['error', 'count'],
          [...result.clientErrors.entries()].sort((a, b) => b[1] - a[1]),
        )
      : 'None.',
    '',
    '## Warnings and errors the processes logged',
    '',
    logRows.length
      ? table(
          ['line (ids and numbers as N)', 'count'],
          logRows.map(([line, n]) => [line.replace(/\|/g, '\\|'), n]),
        )
      : 'None.',
    '',
  ].join('\n');
}
