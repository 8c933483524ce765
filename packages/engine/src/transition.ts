import { TOP_SCOPE, type Step, type StepError } from '@agentic-flow/spec';
import type { EngineCommand, EvaluateCommand, ExpressionScopePayload } from './commands.js';
import type { ExpressionEvent, StepSignal, StepSucceededEvent } from './events.js';
import { stepOf, type CompiledWorkflow } from './compiled-workflow.js';
import type { DecideOptions } from './decide-options.js';
import { refuseNode, roomFor } from './execution-size.js';
import { ACTIVE_NODE_STATUSES, isSettled, withoutProgress, type ExecutionState, type HostLink, type NodeState } from './execution-state.js';
import { frameOf, instanceKey, parseIterationFrame } from './instance-key.js';
import { nextStatus, type LifecycleEvent } from './lifecycle-machine.js';
import { loopInfo, scopeFor } from './scope.js';
import { branchChain, variablesView } from './variables.js';

/**
 * Everything the core asks of one step type: its rules live in one `*-step.ts` file that implements
 * this, registered by one line in `step-kinds.ts`. Only `launch` is required; each other hook has
 * a default that fits a step which runs once and has no children.
 */
export interface StepKind<S extends Step = Step> {
  /** Starts instance `key` of `step` under `attempt` (the node at `key`, if any, is an earlier run's). */
  launch(t: Transition, key: string, step: S, attempt: number): void;
  /** Its queued run's worker result succeeded. Default: the node succeeds with the output and settles. */
  succeeded?(t: Transition, key: string, event: StepSucceededEvent): void;
  /** The answer to an expression it asked for; returns why it was ignored, if it was. */
  evaluated?(t: Transition, key: string, event: ExpressionEvent): string | undefined;
  /** The `evaluate` commands node `key` waits for the answers of: asked again when an answer was lost. */
  pendingEvaluations?(t: Transition, key: string, step: S, node: NodeState): EvaluateCommand[];
  /** A signal it asked for came (its node is at the signal's attempt); returns why it was ignored, if it was. */
  signalled?(t: Transition, key: string, signal: StepSignal): string | undefined;
  /** Drives node `key`, waiting on the coordinator, on from where it stands (after a resume, a retry or a restore). */
  redrive?(t: Transition, key: string, node: NodeState): void;
  /** A container's: its branch or body `scope` in `frame` may have finished. */
  scopeProgress?(t: Transition, frame: string, scope: string): void;
  /** A container's: instance `failedKey` inside its branch or body `scope` in `frame` failed with `error`. */
  scopeFailed?(t: Transition, frame: string, scope: string, failedKey: string, error: StepError): void;
  /** A container's: the branch or body roots a failure inside its `scope` fails (default: `scope` alone). */
  failingRoots?(step: S, scope: string): readonly string[];
  /** A part of node `hostKey` (an instance linked to it with role `part`) settled. */
  partSettled?(t: Transition, hostKey: string, partKey: string): void;
  /**
   * Resume from failure: failed or cancelled node `key` runs again under `attempt`. Without this
   * hook it waits as `ready` for a new run; with it, the kind sets the node itself and returns true
   * when it must be driven (`redrive`) once every node is in place (a container picking up from
   * its children).
   */
  revive?(t: Transition, key: string, node: NodeState, attempt: number): boolean;
  /** An escalation resolved with `retry`: forget what instance `key`'s children did, so it starts over. */
  forgetChildren?(t: Transition, key: string): void;
  /** The execution was paused while node `key` is active. */
  paused?(t: Transition, key: string, node: NodeState): void;
  /** The execution resumed from a pause while node `key` is active. */
  resumed?(t: Transition, key: string, node: NodeState): void;
  /** Active node `key` was cancelled (it is `cancelled` already): end what it runs outside the engine. */
  cancelled?(t: Transition, key: string, node: NodeState): void;
}

/** The step kind of each step type. */
export type StepKinds = { readonly [T in Step['type']]: StepKind<Extract<Step, { type: T }>> };

/** What the core hands a failure to: the recovery strategies (`recovery.ts`). */
export interface FailureRules {
  stepFailed(t: Transition, key: string, error: StepError, record: boolean): void;
  recoverySettled(t: Transition, key: string): void;
}

/** Statuses whose run was recorded `running` when they started: a cancel records their end. */
const RECORDED_RUNNING: ReadonlySet<NodeState['status']> = new Set(['running', 'evaluating', 'waiting']);

/**
 * One transition over an execution's state. The top-level fields are copied on entry; the large
 * records (`nodes`, `overlays`) are changed in place, each change journaled,
 * so a transition costs what it changes, not the size of the execution, and `revert` puts the
 * original back exactly. Holds the mechanics every step kind shares: activation, dead-path
 * elimination, settling, failure propagation, cancellation and the lifecycle.
 */
export class Transition {
  readonly state: ExecutionState;
  readonly commands: EngineCommand[] = [];
  /** Each node and overlay this transition changed, as it was before (undefined: absent). */
  private readonly nodesBefore = new Map<string, NodeState | undefined>();
  private readonly overlaysBefore = new Map<string, Record<string, unknown> | undefined>();
  /** The records shared with the original state, until `replaceRecords` swaps in records of its own. */
  private readonly sharedNodes: Record<string, NodeState>;
  private readonly sharedOverlays: Record<string, Record<string, unknown>>;
  /** Marks set by `once` during this transition. */
  private readonly marks = new Set<string>();
  /** Counts kept by `tally` during this transition. */
  private readonly tallies = new Map<string, number>();
  /** `state.nodeCount` on entry, for `revert`. */
  private readonly nodeCountBefore: number;

  constructor(
    readonly workflow: CompiledWorkflow,
    original: ExecutionState,
    readonly at: number,
    private readonly kinds: StepKinds,
    private readonly failures: FailureRules,
    readonly options: DecideOptions = {},
  ) {
    // A state persisted before the count was kept is counted once, here; it is kept from then on.
    const nodeCount = original.nodeCount ?? Object.keys(original.nodes).length;
    this.state = { ...original, overlays: original.overlays ?? {}, nodeCount };
    this.nodeCountBefore = nodeCount;
    this.sharedNodes = this.state.nodes;
    this.sharedOverlays = this.state.overlays;
  }

  node(key: string): NodeState | undefined {
    return this.state.nodes[key];
  }

  setNode(key: string, node: NodeState): void {
    const { nodes } = this.state;
    if (nodes === this.sharedNodes && !this.nodesBefore.has(key)) this.nodesBefore.set(key, nodes[key]);
    if (nodes[key] === undefined) this.state.nodeCount = (this.state.nodeCount ?? 0) + 1;
    nodes[key] = node;
  }

  private deleteNode(key: string): void {
    const { nodes } = this.state;
    if (nodes === this.sharedNodes && !this.nodesBefore.has(key)) this.nodesBefore.set(key, nodes[key]);
    if (nodes[key] !== undefined) this.state.nodeCount = (this.state.nodeCount ?? 1) - 1;
    delete nodes[key];
  }

  /** Sets (or, with undefined, drops) the variable overlay of branch instance `branch`. */
  setOverlay(branch: string, overlay: Record<string, unknown> | undefined): void {
    const { overlays } = this.state;
    if (overlay === undefined && !Object.hasOwn(overlays, branch)) return;
    if (overlays === this.sharedOverlays && !this.overlaysBefore.has(branch)) this.overlaysBefore.set(branch, overlays[branch]);
    if (overlay === undefined) delete overlays[branch];
    else overlays[branch] = overlay;
  }

  /** A restore adopting another state's records wholesale: later changes go to these, not the original's. */
  replaceRecords(nodes: Record<string, NodeState>, overlays: Record<string, Record<string, unknown>>): void {
    this.state.nodes = nodes;
    this.state.overlays = overlays;
    this.state.nodeCount = Object.keys(nodes).length;
  }

  /** True the first time `mark` is asked for in this transition: to count an event once however often it is seen. */
  once(mark: string): boolean {
    if (this.marks.has(mark)) return false;
    this.marks.add(mark);
    return true;
  }

  /** Adds `by` to this transition's count of `mark` (from 0) and gives the total: to bound what one transition does. */
  tally(mark: string, by = 1): number {
    const total = (this.tallies.get(mark) ?? 0) + by;
    this.tallies.set(mark, total);
    return total;
  }

  /** The instance keys of the nodes this transition changed (a key now absent was removed), or `all` after a wholesale replacement. */
  changedNodes(): ReadonlySet<string> | 'all' {
    return this.state.nodes === this.sharedNodes ? new Set(this.nodesBefore.keys()) : 'all';
  }

  /** Puts the original state's records back as they were before this transition: it is then unchanged. */
  revert(): void {
    for (const [key, node] of this.nodesBefore) {
      if (node === undefined) delete this.sharedNodes[key];
      else this.sharedNodes[key] = node;
    }
    for (const [branch, overlay] of this.overlaysBefore) {
      if (overlay === undefined) delete this.sharedOverlays[branch];
      else this.sharedOverlays[branch] = overlay;
    }
    this.nodesBefore.clear();
    this.overlaysBefore.clear();
    this.state.nodeCount = this.nodeCountBefore;
  }

  emit(command: EngineCommand): void {
    this.commands.push(command);
  }

  /** True while steps may still be started or followed. */
  get live(): boolean {
    return this.state.status === 'running' || this.state.status === 'paused';
  }

  step(stepId: string): Step {
    return stepOf(this.workflow, stepId);
  }

  /** The rules of step `stepId`'s type. */
  kindOf(stepId: string): StepKind {
    return this.kinds[this.step(stepId).type] as StepKind;
  }

  /** The instance `key` serves, if it serves one (a recovery step, an agent part). */
  hostOf(key: string): HostLink | undefined {
    return this.state.hosts?.[key];
  }

  /** Links instance `key` to the instance it serves, before it first starts. A link never changes. */
  link(key: string, host: string, role: HostLink['role']): void {
    if (this.state.hosts?.[key] !== undefined) return;
    this.state.hosts = { ...this.state.hosts, [key]: { host, role } };
  }

  /** The key itself, or for an instance serving another, the (outermost) instance it serves. */
  baseKeyOf(key: string): string {
    let base = key;
    for (let link = this.hostOf(base); link !== undefined; link = this.hostOf(base)) base = link.host;
    return base;
  }

  /** Makes a step instance live: it starts now, or waits as `ready` while the execution is paused. */
  activate(frame: string, stepId: string): void {
    const key = instanceKey(frame, stepId);
    if (this.state.nodes[key] || !this.live) return;
    this.start(key, stepId);
  }

  /**
   * Runs `stepId` as instance `key` under its next attempt (a node already there is replaced): now,
   * or as `ready` while the execution is paused.
   */
  start(key: string, stepId: string): void {
    if (this.state.nodes[key] === undefined && !roomFor(this, 1)) {
      refuseNode(this, key, stepId);
      return;
    }
    const attempt = this.nextAttempt(key);
    if (this.state.status === 'paused') {
      this.setNode(key, { stepId, status: 'ready', attempt });
      return;
    }
    this.launch(key, stepId, attempt);
  }

  /**
   * The attempt for a new run of `key`: 1, unless the key has run before (a retry, a step a retry
   * or a restore made run again). Never an attempt already used, so every run is a new step run.
   */
  nextAttempt(key: string): number {
    return Math.max(this.state.nodes[key]?.attempt ?? 0, this.state.usedAttempts?.[key] ?? 0) + 1;
  }

  /** Removes a node so the scheduler considers its step again, remembering the attempts it used. */
  forget(key: string): void {
    const node = this.state.nodes[key];
    if (!node) return;
    this.state.usedAttempts = { ...this.state.usedAttempts, [key]: this.nextAttempt(key) - 1 };
    this.deleteNode(key);
  }

  launch(key: string, stepId: string, attempt: number): void {
    this.kindOf(stepId).launch(this, key, this.step(stepId), attempt);
  }

  /**
   * The scope step `stepId` in `frame` reads: results visible from `resultsFrame` (its own frame,
   * or the iteration a loop just finished), its variables view and its innermost loop.
   */
  scopeOf(frame: string, stepId: string, resultsFrame: string = frame): ExpressionScopePayload {
    return scopeFor(this.workflow, this.state, resultsFrame, stepId, this.variablesOf(frame, stepId), loopInfo(resultsFrame));
  }

  variablesOf(frame: string, stepId: string): Record<string, unknown> {
    return variablesView(this.state, branchChain(this.workflow, frame, stepId));
  }

  /** Step updates go to the innermost enclosing branch's overlay, or to the execution's variables. */
  applyVariableUpdates(key: string, updates: Record<string, unknown>): void {
    if (Object.keys(updates).length === 0) return;
    const [branch] = branchChain(this.workflow, frameOf(key), this.state.nodes[key]!.stepId);
    if (branch === undefined) this.state.variables = { ...this.state.variables, ...updates };
    else this.setOverlay(branch, { ...this.state.overlays[branch], ...updates });
  }

  /** Records a control step's or skipped step's run (work steps are recorded when queued). */
  record(key: string, status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled', extra: { output?: unknown; error?: StepError } = {}): void {
    const node = this.state.nodes[key]!;
    this.emit({ type: 'record-step', key, stepId: node.stepId, stepType: this.step(node.stepId).type, attempt: node.attempt, status, ...extra, at: this.at });
  }

  /** A control step (or an evaluated condition) succeeded with `output`. */
  succeed(key: string, output: unknown): void {
    const node = this.state.nodes[key]!;
    this.setNode(key, withoutProgress({ ...node, status: 'succeeded', output }));
    this.record(key, 'succeeded', { output });
    this.settled(key);
  }

  /** Queued run `key`'s worker result succeeded: the node succeeds with its output (the default of `StepKind.succeeded`). */
  resultSucceeded(key: string, event: StepSucceededEvent): void {
    const node = this.state.nodes[key]!;
    this.setNode(key, { ...withoutProgress(node), status: 'succeeded', output: event.output, ...(event.response ? { response: event.response } : {}) });
    if (event.variableUpdates) this.applyVariableUpdates(key, event.variableUpdates);
    // A failed execution still records what its in-flight steps did (so resuming reuses it) but starts nothing.
    this.settled(key);
  }

  /**
   * A node settled: its successors run or are skipped, and its container is told. An instance that
   * serves another has neither: a recovery step (an alternative, a compensation) lets the failed
   * instance it serves move on, a part lets its host's kind decide — even while the execution is
   * failed (a coordinator agent's failed part fails it at once, so that a resume plans again).
   */
  settled(key: string): void {
    const link = this.hostOf(key);
    if (link?.role === 'part') {
      const host = this.node(link.host);
      if (host) this.kindOf(host.stepId).partSettled?.(this, link.host, key);
      return;
    }
    if (!this.live) return;
    if (link !== undefined) {
      this.failures.recoverySettled(this, key);
      return;
    }
    const frame = frameOf(key);
    const stepId = this.state.nodes[key]!.stepId;
    for (const edge of this.workflow.graph.successors.get(stepId) ?? []) this.consider(frame, edge.to);
    const scope = this.workflow.graph.scopeOf.get(stepId) ?? TOP_SCOPE;
    if (scope !== TOP_SCOPE) this.containerKind(scope).scopeProgress?.(this, frame, scope);
  }

  /** The rules of the step whose branch or body `scope` is. */
  private containerKind(scope: string): StepKind {
    return this.kindOf(this.workflow.graph.containerOf.get(scope)!);
  }

  /** Starts `target` once all its predecessors settled and one edge into it is live; skips it otherwise. */
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

  /**
   * Dead-path elimination: an edge carries control only from a step that succeeded (on the taken
   * side), or from a failed step a `skip` recovered (its `next` edges: a condition it skipped took
   * neither side).
   */
  private edgeLive(node: NodeState, from: string, to: string): boolean {
    const kind = this.workflow.flowEdges.get(`${from}\u0000${to}`);
    if (node.status === 'skipped' && node.recovered) return kind !== 'true' && kind !== 'false';
    if (node.status !== 'succeeded') return false;
    if (kind === 'true') return node.output === true;
    if (kind === 'false') return node.output === false;
    return true;
  }

  private skip(frame: string, stepId: string): void {
    const key = instanceKey(frame, stepId);
    // A dead path's skipped node is a node too.
    if (!roomFor(this, 1)) {
      refuseNode(this, key, stepId);
      return;
    }
    this.setNode(key, { stepId, status: 'skipped', attempt: this.nextAttempt(key) });
    this.record(key, 'skipped');
    this.settled(key);
  }

  /**
   * A step instance failed for good (`record` is false when the worker's result already recorded
   * the run). Its recovery strategy acts, if it has one (see `recovery.ts`); without one the
   * failure goes on to its scope (`failNode`).
   */
  fail(key: string, error: StepError, record = true): void {
    this.failures.stepFailed(this, key, error, record);
  }

  /**
   * The failure of `key` goes on, with no strategy acting: at the top level it fails the
   * execution; inside a branch or loop body, the container decides (fail fast, collect, fail the
   * loop). Records nothing: the run was recorded when it failed.
   */
  failNode(key: string, error: StepError): void {
    const node = this.state.nodes[key]!;
    this.setNode(key, withoutProgress({ ...node, status: 'failed', error }));
    if (!this.live) return;
    const scope = this.workflow.graph.scopeOf.get(node.stepId) ?? TOP_SCOPE;
    if (scope === TOP_SCOPE) this.failExecution(node.stepId, error);
    else this.containerKind(scope).scopeFailed?.(this, frameOf(key), scope, key, error);
  }

  /**
   * Withdraws every active instance `covers` selects: queued jobs are removed, control steps end,
   * and each kind ends what it runs outside the engine (`StepKind.cancelled`). A `recovering` or
   * `escalated` node's run was recorded when it failed, a `delegating` one's (its plan) when it
   * succeeded, so it just ends here; the instances serving it are instances of their own (covered
   * with it: `scopeCovers` goes by `baseKeyOf`).
   */
  cancelWhere(covers: (key: string) => boolean): void {
    for (const [key, node] of Object.entries(this.state.nodes)) {
      if (!ACTIVE_NODE_STATUSES.has(node.status) || !covers(key)) continue;
      this.setNode(key, withoutProgress({ ...node, status: 'cancelled' }));
      if (node.status === 'queued') this.emit({ type: 'cancel-step', key, stepId: node.stepId, attempt: node.attempt, at: this.at });
      else if (RECORDED_RUNNING.has(node.status)) this.record(key, 'cancelled');
      this.kindOf(node.stepId).cancelled?.(this, key, node);
    }
  }

  /**
   * Selects the instances a branch or loop body (rooted at `root`, in `frame`) covers: its steps,
   * nested loops' iterations, and the instances serving any of them (recovery steps, agent parts).
   */
  scopeCovers(frame: string, root: string): (key: string) => boolean {
    const region = this.workflow.regions.get(root)!;
    const keys = new Set([...region.steps].map((id) => instanceKey(frame, id)));
    const prefixes = region.loops.map((id) => `${instanceKey(frame, id)}#`);
    return (key) => {
      const base = this.baseKeyOf(key);
      return keys.has(base) || prefixes.some((p) => base.startsWith(p));
    };
  }

  /** Cancels what a branch or loop body covers, nested loops included, except what `spare` selects. */
  cancelScope(frame: string, root: string, spare: (key: string) => boolean = () => false): void {
    const covers = this.scopeCovers(frame, root);
    this.cancelWhere((key) => covers(key) && !spare(key));
  }

  /** True when every step of scope `root` has a settled instance in `frame`. */
  scopeDone(frame: string, root: string): boolean {
    return (this.workflow.members.get(root) ?? []).every((id) => isSettled(this.state.nodes[instanceKey(frame, id)]));
  }

  /** True when this transition changed an instance of scope `root`'s steps in `frame` (or cannot tell: a restore). */
  changedInScope(frame: string, root: string): boolean {
    if (this.state.nodes !== this.sharedNodes) return true;
    return (this.workflow.members.get(root) ?? []).some((id) => this.nodesBefore.has(instanceKey(frame, id)));
  }

  /** Output of a branch or body: its one sink's output, or `{ sink: output }` when it has several. */
  scopeOutput(frame: string, root: string): unknown {
    const sinks = this.workflow.sinks.get(root) ?? [];
    const outputOf = (id: string) => {
      const node = this.state.nodes[instanceKey(frame, id)];
      return node?.status === 'succeeded' ? node.output : null;
    };
    if (sinks.length === 1) return outputOf(sinks[0]!);
    return Object.fromEntries(sinks.map((id) => [id, outputOf(id)]));
  }

  /** The loop whose iteration `frame` is. */
  loopOfFrame(frame: string): { loopKey: string; iteration: number } {
    return parseIterationFrame(frame)!;
  }

  failExecution(stepId: string, error: StepError): void {
    if (!this.lifecycle('FAIL')) return;
    this.state.error = { code: error.code, message: error.message, stepId };
    this.settle();
  }

  lifecycle(event: LifecycleEvent['type']): boolean {
    const next = nextStatus(this.state.status, event);
    if (next === null) return false;
    this.state.status = next;
    return true;
  }

  settle(): void {
    this.state.finishedAt = this.at;
    this.emit({ type: 'execution-settled', status: this.state.status, error: this.state.error, at: this.at });
  }

  private isActive(key: string | undefined): boolean {
    return key !== undefined && ACTIVE_NODE_STATUSES.has(this.state.nodes[key]?.status ?? 'succeeded');
  }

  /**
   * The instance of the container whose branch or body instance `key` runs in, when it can be told
   * from the key: the loop of an iteration frame, else the container in the same frame.
   */
  private containerKeyOf(key: string): string | undefined {
    const node = this.state.nodes[key];
    const scope = node === undefined ? TOP_SCOPE : (this.workflow.graph.scopeOf.get(node.stepId) ?? TOP_SCOPE);
    if (scope === TOP_SCOPE) return undefined;
    return this.containerKeyIn(frameOf(key), scope);
  }

  /** The instance of the container whose branch or body `scope` runs in `frame`. */
  containerKeyIn(frame: string, scope: string): string {
    const container = this.workflow.graph.containerOf.get(scope)!;
    const iteration = parseIterationFrame(frame);
    if (iteration !== null && this.state.nodes[iteration.loopKey]?.stepId === container) return iteration.loopKey;
    return instanceKey(frame, container);
  }

  /** Completes a running or paused execution once no step instance is active. */
  completeIfDone(): void {
    if (!this.live) return;
    // Usually a node this transition started is still active: found among its commands without
    // walking every node of a large execution.
    for (const command of this.commands) {
      if ('key' in command && this.isActive(command.key)) return;
    }
    // Else a node it changed, or the container that node runs in, usually is (a branch ended, its parallel runs on).
    for (const key of this.nodesBefore.keys()) if (this.isActive(key) || this.isActive(this.containerKeyOf(key))) return;
    // Only now every node: a walk of a large execution's nodes is paid about once, when it is done.
    const { nodes } = this.state;
    for (const key in nodes) if (ACTIVE_NODE_STATUSES.has(nodes[key]!.status)) return;
    if (this.lifecycle('COMPLETE')) this.settle();
  }
}

export { withoutProgress };
