import {
  TemplateResolutionError,
  TemplateSyntaxError,
  resolveTemplates,
  stepError,
  type Step,
  type StepError,
  type WorkStepType,
} from '@agentic-flow/spec';
import type { EngineCommand } from './commands.js';
import { stepOf, type CompiledWorkflow } from './compiled-workflow.js';
import type { EngineEvent, StepResultEvent } from './events.js';
import { isSettled, type ExecutionState, type NodeState } from './execution-state.js';
import { frameOf, instanceKey } from './instance-key.js';
import { nextStatus, type LifecycleEvent } from './lifecycle-machine.js';
import { stepContext, templateScope } from './scope.js';

export interface Decision {
  state: ExecutionState;
  commands: EngineCommand[];
  /** Set when the event changed nothing, saying why (a late result, a pause of a finished run…). */
  ignored?: string;
}

/**
 * The engine: `(workflow, state, event) → (state, commands)`. Pure — no I/O, no clock, no
 * randomness — and it never mutates `state`: the caller persists the new state and carries out the
 * commands (record step runs, enqueue jobs after commit).
 *
 * @example
 * const { state, commands } = decide(workflow, createExecutionState(options), { type: 'start', at: Date.now() });
 */
export function decide(workflow: CompiledWorkflow, state: ExecutionState, event: EngineEvent): Decision {
  const transition = new Transition(workflow, state, event.at);
  switch (event.type) {
    case 'start':
      return transition.start();
    case 'step.succeeded':
    case 'step.failed':
      return transition.applyResult(event);
    case 'pause':
      return transition.pause();
    case 'resume':
      return transition.resume();
    case 'cancel':
      return transition.cancel();
  }
}

const WORK_TYPES: ReadonlySet<string> = new Set<WorkStepType>(['http', 'script', 'agent-task']);
/** Step types whose code reads the whole scope and therefore needs it in the job. */
const NEEDS_CONTEXT: ReadonlySet<string> = new Set<WorkStepType>(['script', 'agent-task']);

/** One transition's working copy: copied once on entry, then changed in place, then returned. */
class Transition {
  private readonly state: ExecutionState;
  private readonly commands: EngineCommand[] = [];

  constructor(
    private readonly workflow: CompiledWorkflow,
    original: ExecutionState,
    private readonly at: number,
  ) {
    this.state = { ...original, nodes: { ...original.nodes } };
  }

  start(): Decision {
    if (!this.lifecycle('START')) return this.ignore(`cannot start an execution that is ${this.state.status}`);
    this.state.startedAt = this.at;
    for (const stepId of this.workflow.graph.entries.get('') ?? []) this.activate('', stepId);
    return this.done();
  }

  applyResult(event: StepResultEvent): Decision {
    const node = this.state.nodes[event.key];
    if (!node || node.status !== 'queued' || node.attempt !== event.attempt) {
      return this.ignore(`no queued step run ${event.key} attempt ${event.attempt} (late or duplicate result)`);
    }
    if (this.state.status === 'completed' || this.state.status === 'cancelled') {
      return this.ignore(`execution is ${this.state.status}`);
    }
    if (event.type === 'step.succeeded') {
      this.state.nodes[event.key] = { ...node, status: 'succeeded', output: event.output };
      if (event.variableUpdates && Object.keys(event.variableUpdates).length > 0) {
        this.state.variables = { ...this.state.variables, ...event.variableUpdates };
      }
      // A failed execution still records what its in-flight steps did, so resuming it reuses them.
      if (this.state.status !== 'failed') this.settled(event.key);
    } else {
      this.state.nodes[event.key] = { ...node, status: 'failed', error: event.error };
      this.failExecution(node.stepId, event.error);
    }
    return this.done();
  }

  pause(): Decision {
    if (!this.lifecycle('PAUSE')) return this.ignore(`cannot pause an execution that is ${this.state.status}`);
    return this.done();
  }

  resume(): Decision {
    if (!this.lifecycle('RESUME')) return this.ignore(`cannot resume an execution that is ${this.state.status}`);
    for (const [key, node] of Object.entries(this.state.nodes)) {
      if (node.status === 'ready') this.launch(key, stepOf(this.workflow, node.stepId), node.attempt);
    }
    return this.done();
  }

  cancel(): Decision {
    if (!this.lifecycle('CANCEL')) return this.ignore(`cannot cancel an execution that is ${this.state.status}`);
    for (const [key, node] of Object.entries(this.state.nodes)) {
      if (node.status === 'queued') {
        this.state.nodes[key] = { ...node, status: 'cancelled' };
        this.commands.push({ type: 'cancel-step', key, stepId: node.stepId, attempt: node.attempt, at: this.at });
      } else if (node.status === 'ready') {
        this.state.nodes[key] = { ...node, status: 'cancelled' };
      }
    }
    this.settle();
    return this.done();
  }

  /** Makes a step instance live: it starts now, or waits as `ready` while the execution is paused. */
  private activate(frame: string, stepId: string): void {
    const key = instanceKey(frame, stepId);
    if (this.state.nodes[key]) return;
    if (this.state.status === 'paused') {
      this.state.nodes[key] = { stepId, status: 'ready', attempt: 1 };
      return;
    }
    this.launch(key, stepOf(this.workflow, stepId), 1);
  }

  private launch(key: string, step: Step, attempt: number): void {
    const frame = frameOf(key);
    if (!WORK_TYPES.has(step.type)) {
      this.stepFailed(key, step, attempt, stepError('UNSUPPORTED_STEP_TYPE', `the coordinator does not run "${step.type}" steps`));
      return;
    }
    let config: unknown;
    try {
      // `secrets` are resolved on the worker only, so they are never stored or logged here.
      config = resolveTemplates(step.config, templateScope(this.state, frame), { deferRoots: ['secrets'] });
    } catch (error) {
      if (!(error instanceof TemplateResolutionError || error instanceof TemplateSyntaxError)) throw error;
      const path = error instanceof TemplateResolutionError ? error.templatePath : error.template;
      this.stepFailed(key, step, attempt, stepError('TEMPLATE', `step "${step.id}": ${error.message}`, { path }));
      return;
    }
    this.state.nodes[key] = { stepId: step.id, status: 'queued', attempt };
    this.commands.push({
      type: 'run-step',
      key,
      stepId: step.id,
      stepType: step.type as WorkStepType,
      attempt,
      config,
      ...(NEEDS_CONTEXT.has(step.type) ? { context: stepContext(this.state, frame) } : {}),
      at: this.at,
    });
  }

  /** A step failed without reaching a worker (bad template, unsupported type). */
  private stepFailed(key: string, step: Step, attempt: number, error: StepError): void {
    this.state.nodes[key] = { stepId: step.id, status: 'failed', attempt, error };
    this.commands.push({ type: 'record-step', key, stepId: step.id, stepType: step.type, attempt, status: 'failed', error, at: this.at });
    this.failExecution(step.id, error);
  }

  /** A node settled: each successor whose predecessors have all settled runs, or is skipped. */
  private settled(key: string): void {
    const frame = frameOf(key);
    const stepId = this.state.nodes[key]!.stepId;
    for (const edge of this.workflow.graph.successors.get(stepId) ?? []) this.consider(frame, edge.to);
  }

  private consider(frame: string, target: string): void {
    if (this.state.nodes[instanceKey(frame, target)]) return;
    let live = false;
    for (const pred of this.workflow.graph.predecessors.get(target) ?? []) {
      const node = this.state.nodes[instanceKey(frame, pred)];
      if (!isSettled(node)) return;
      if (this.edgeLive(node!, pred, target)) live = true;
    }
    if (live) this.activate(frame, target);
    else this.skip(frame, target);
  }

  /** Dead-path elimination: an edge carries control only from a step that succeeded. */
  private edgeLive(node: NodeState, from: string, to: string): boolean {
    if (node.status !== 'succeeded') return false;
    const kind = this.workflow.flowEdges.get(`${from}\u0000${to}`);
    if (kind === 'true') return node.output === true;
    if (kind === 'false') return node.output === false;
    return true;
  }

  private skip(frame: string, stepId: string): void {
    const key = instanceKey(frame, stepId);
    const step = stepOf(this.workflow, stepId);
    this.state.nodes[key] = { stepId, status: 'skipped', attempt: 1 };
    this.commands.push({ type: 'record-step', key, stepId, stepType: step.type, attempt: 1, status: 'skipped', at: this.at });
    this.settled(key);
  }

  private failExecution(stepId: string, error: StepError): void {
    if (this.state.status === 'failed' || !this.lifecycle('FAIL')) return;
    this.state.error = { code: error.code, message: error.message, stepId };
    this.settle();
  }

  private lifecycle(event: LifecycleEvent['type']): boolean {
    const next = nextStatus(this.state.status, event);
    if (next === null) return false;
    this.state.status = next;
    return true;
  }

  private settle(): void {
    this.state.finishedAt = this.at;
    this.commands.push({ type: 'execution-settled', status: this.state.status, error: this.state.error, at: this.at });
  }

  /** Completes a running or paused execution once no step instance is queued or waiting to start. */
  private completeIfDone(): void {
    if (this.state.status !== 'running' && this.state.status !== 'paused') return;
    for (const node of Object.values(this.state.nodes)) {
      if (node.status === 'queued' || node.status === 'ready') return;
    }
    if (this.lifecycle('COMPLETE')) this.settle();
  }

  private done(): Decision {
    this.completeIfDone();
    return { state: this.state, commands: this.commands };
  }

  private ignore(reason: string): Decision {
    return { state: this.state, commands: [], ignored: reason };
  }
}
