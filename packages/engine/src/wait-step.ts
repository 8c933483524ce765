import { TemplateResolutionError, TemplateSyntaxError, parseDuration, parseInstant, resolveTemplates, stepError, type WaitStep } from '@agentic-flow/spec';
import type { StepSignal } from './events.js';
import type { NodeState } from './execution-state.js';
import { frameOf } from './instance-key.js';
import { templateScope } from './scope.js';
import type { StepKind, Transition } from './transition.js';
import { failAtLaunch } from './work-step.js';

/**
 * A `wait` step: it waits as `waiting` until its timer, a `timer` signal the shell holds in
 * PostgreSQL (`schedule-signal`), comes back as a `step.signal` event; it holds no job and no
 * worker meanwhile. Its run is recorded `running` at launch and `succeeded` when it wakes, with
 * output `{ waitedUntil }` (the ISO time it was due, so a rerun's output does not depend on when the
 * coordinator got round to it). A timer due while the execution is paused marks the node `elapsed`;
 * it succeeds on resume. A due time already past succeeds at once, without a signal.
 */
export const waitKind: StepKind<WaitStep> = {
  launch(t, key, step, attempt) {
    const dueAt = dueTime(t, key, step, attempt);
    if (dueAt === undefined) return;
    if (dueAt <= t.at) {
      t.setNode(key, { stepId: step.id, status: 'waiting', attempt, wakeAt: dueAt });
      wake(t, key);
      return;
    }
    t.setNode(key, { stepId: step.id, status: 'waiting', attempt, wakeAt: dueAt });
    t.record(key, 'running');
    scheduleTimer(t, key, t.node(key)!);
  },

  signalled(t, key, signal: StepSignal) {
    const node = t.node(key);
    if (signal.type !== 'timer') return `wait ${key} takes timer signals only, not ${signal.type}`;
    if (node?.status !== 'waiting') return `wait ${key} is not waiting (it is ${node?.status ?? 'absent'})`;
    if (t.state.status === 'paused') {
      // Continued by `resumed`: a pause holds what follows the wait, it does not restart the timer.
      if (!node.elapsed) t.setNode(key, { ...node, elapsed: true });
      return node.elapsed ? `wait ${key} already elapsed while paused` : undefined;
    }
    if (!t.live) return `execution is ${t.state.status}`;
    wake(t, key);
    return undefined;
  },

  resumed(t, key, node) {
    if (node.status === 'waiting' && node.elapsed) wake(t, key);
  },

  redrive(t, key, node) {
    if (node.status !== 'waiting') return;
    // Elapsed while paused, or due already (its timer came while the execution was failed, and was
    // ignored then): it wakes now rather than after a timer that would only say so.
    if (t.state.status === 'running' && (node.elapsed || (node.wakeAt ?? 0) <= t.at)) wake(t, key);
    else scheduleTimer(t, key, node);
  },

  // cancelled: the core records its run cancelled; nothing runs outside the engine. The timer's row
  // is left to fire, and its signal, finding the node no longer waiting, is ignored.
};

/** The wait is over: node `key` succeeds with the time it was due. */
function wake(t: Transition, key: string): void {
  const node = t.node(key)!;
  t.succeed(key, { waitedUntil: new Date(node.wakeAt ?? t.at).toISOString() });
}

/**
 * Asks the shell for node `key`'s timer. Scheduling it again (a restore, a retry) is harmless: the
 * second signal to come finds the node no longer waiting and is ignored.
 */
function scheduleTimer(t: Transition, key: string, node: NodeState): void {
  t.emit({ type: 'schedule-signal', key, stepId: node.stepId, attempt: node.attempt, dueAt: node.wakeAt ?? t.at, signal: { type: 'timer' }, at: t.at });
}

/**
 * When the wait is due, in epoch ms: now plus `duration`, or `until`, each with its templates
 * resolved now. A template that does not resolve fails the step `TEMPLATE`, one that resolves to
 * something that is not a duration or an instant `INVALID_WAIT` quoting it; gives undefined then.
 */
function dueTime(t: Transition, key: string, step: WaitStep, attempt: number): number | undefined {
  let config: WaitStep['config'];
  try {
    config = resolveTemplates(step.config, templateScope(t.scopeOf(frameOf(key), step.id), t.state));
  } catch (error) {
    if (!(error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError)) throw error;
    const path = error instanceof TemplateResolutionError ? error.templatePath : error.template;
    failAtLaunch(t, key, step.id, attempt, stepError('TEMPLATE', `step "${step.id}": ${error.message}`, { path }));
    return undefined;
  }
  const field = config.until !== undefined ? 'until' : 'duration';
  const value: unknown = config[field];
  const parsed = field === 'until' ? parseInstant(value) : parseDuration(value);
  if (parsed.ok) return 'at' in parsed ? parsed.at : t.at + parsed.ms;
  // The value as resolved, short: the message names it, the details carry it.
  const shown = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(0, 64);
  failAtLaunch(
    t,
    key,
    step.id,
    attempt,
    stepError('INVALID_WAIT', `step "${step.id}": ${field} ${shown} is not a wait time: ${parsed.reason}`, { field, value: shown }),
  );
  return undefined;
}
