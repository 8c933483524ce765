import {
  compileWorkflow,
  createExecutionState,
  decide,
  type CompiledWorkflow,
  type DecideOptions,
  type EngineCommand,
  type ErrorResolution,
  type EngineEvent,
  type EvaluateCommand,
  type ExecutionState,
  type ExpressionOutcome,
  type RecordErrorCommand,
  type RegisteredStrategies,
  type RunStepCommand,
} from '@agentic-flow/engine';
import {
  RecoveryStrategySchema,
  STEP_TYPES,
  validateDefinition,
  type RecoveryStrategy,
  type StepErrorCode,
  type TokenUsage,
  type WorkflowDefinitionInput,
} from '@agentic-flow/spec';

export function compile(input: WorkflowDefinitionInput): CompiledWorkflow {
  const result = validateDefinition(input);
  if (!result.ok) throw new Error(`invalid test workflow: ${JSON.stringify(result.problems)}`);
  return compileWorkflow(result.definition, result.graph);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Evaluates expressions the way the coordinator's sandbox does, for unit tests of the pure engine:
 * a JavaScript expression over the scope, a throw becoming EXPRESSION_ERROR.
 */
export function evaluateInProcess(command: EvaluateCommand): ExpressionOutcome {
  try {
    const { results, variables, input, execution, loop, steps = {} } = command.scope;
    const value: unknown = new Function('results', 'variables', 'input', 'execution', 'loop', 'steps', `return (${command.expression});`)(
      results,
      variables,
      input,
      execution,
      loop,
      steps,
    );
    return { ok: true, truthy: Boolean(value), value };
  } catch (error) {
    return { ok: false, error: { code: 'EXPRESSION_ERROR', message: (error as Error).message } };
  }
}

/** An engine event without its time: `Run.send` stamps it from its own clock. */
export type EventInput = EngineEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> & { at?: number } : never) : never;

type StrategyEntries = Record<string, { type: RecoveryStrategy['type'] } & Record<string, unknown>>;

/**
 * Registered recovery strategies, with the schema's defaults applied, as the coordinator would load
 * them for the workflow under test: a key naming a step type is the type's, any other a step id's
 * (`byStep` forces keys to be step ids, for a step named like a type).
 */
export function strategies(entries: StrategyEntries, byStep: StrategyEntries = {}): RegisteredStrategies {
  const parsed = (list: [string, unknown][]) => new Map(list.map(([key, strategy]) => [key, RecoveryStrategySchema.parse(strategy)]));
  const isType = ([key]: [string, unknown]) => (STEP_TYPES as readonly string[]).includes(key);
  return {
    byType: parsed(Object.entries(entries).filter(isType)),
    byStep: parsed([...Object.entries(entries).filter((entry) => !isType(entry)), ...Object.entries(byStep)]),
  };
}

/** Options of a {@link Run}: the evaluator of expressions, the registered recovery strategies, the execution's token budget. */
export interface RunOptions {
  evaluate?: (command: EvaluateCommand) => ExpressionOutcome;
  strategies?: RegisteredStrategies;
  tokenBudget?: number;
  /** `DecideOptions.maxWorkflowDepth`. */
  maxWorkflowDepth?: number;
  /** `DecideOptions.maxStepsPerExecution`. */
  maxStepsPerExecution?: number;
  /** `DecideOptions.branchStartsPerTransition`. */
  branchStartsPerTransition?: number;
  /** The execution's depth (a child execution's). */
  depth?: number;
}

/**
 * Drives one execution through the engine, freezing every state to prove the engine never mutates
 * it, and answering `evaluate` commands at once, as the coordinator does within one transaction.
 * The third argument is an evaluator or {@link RunOptions} (with registered `strategies`).
 */
export class Run {
  state: ExecutionState;
  commands: EngineCommand[] = [];
  ignored: string[] = [];
  evaluations: EvaluateCommand[] = [];
  private clock = 1_000;
  private readonly evaluate: (command: EvaluateCommand) => ExpressionOutcome;
  private readonly options: DecideOptions;

  constructor(
    readonly workflow: CompiledWorkflow,
    input: Record<string, unknown> = {},
    evaluateOrOptions: ((command: EvaluateCommand) => ExpressionOutcome) | RunOptions = {},
  ) {
    const options = typeof evaluateOrOptions === 'function' ? { evaluate: evaluateOrOptions } : evaluateOrOptions;
    this.evaluate = options.evaluate ?? evaluateInProcess;
    this.options = {
      ...(options.strategies ? { strategies: options.strategies } : {}),
      ...(options.maxWorkflowDepth !== undefined ? { maxWorkflowDepth: options.maxWorkflowDepth } : {}),
      ...(options.maxStepsPerExecution !== undefined ? { maxStepsPerExecution: options.maxStepsPerExecution } : {}),
      ...(options.branchStartsPerTransition !== undefined ? { branchStartsPerTransition: options.branchStartsPerTransition } : {}),
    };
    this.state = deepFreeze(
      createExecutionState({
        executionId: 'exec-1',
        workflowId: workflow.definition.id,
        workflowVersion: workflow.definition.version,
        defaults: workflow.definition.variables,
        input,
        ...(options.tokenBudget !== undefined ? { tokenBudget: options.tokenBudget } : {}),
        ...(options.depth !== undefined ? { depth: options.depth } : {}),
      }),
    );
  }

  send(event: EventInput): EngineCommand[] {
    const at = event.at ?? (this.clock += 10);
    const out: EngineCommand[] = [];
    const pending: EngineEvent[] = [{ ...event, at } as EngineEvent];
    while (pending.length > 0) {
      const decision = decide(this.workflow, this.state, pending.shift()!, this.options);
      this.state = deepFreeze(decision.state);
      if (decision.ignored) this.ignored.push(decision.ignored);
      for (const command of decision.commands) {
        if (command.type !== 'evaluate') {
          out.push(command);
          continue;
        }
        this.evaluations.push(command);
        pending.push({ type: 'expression.evaluated', key: command.key, purpose: command.purpose, outcome: this.evaluate(command), at });
      }
    }
    this.commands.push(...out);
    return out;
  }

  start(): EngineCommand[] {
    return this.send({ type: 'start' });
  }

  pause(): EngineCommand[] {
    return this.send({ type: 'pause' });
  }

  resume(): EngineCommand[] {
    return this.send({ type: 'resume' });
  }

  restore(snapshot: ExecutionState): EngineCommand[] {
    return this.send({ type: 'restore', snapshot });
  }

  /** Sends a result for `key` under an explicit attempt (a late or duplicate one, say). */
  result(key: string, attempt: number, outcome: 'succeeded' | 'failed', output: unknown = null): EngineCommand[] {
    return outcome === 'succeeded'
      ? this.send({ type: 'step.succeeded', key, attempt, output })
      : this.send({ type: 'step.failed', key, attempt, error: { code: 'SCRIPT_ERROR', message: 'late' } });
  }

  succeed(key: string, output: unknown = null, variableUpdates?: Record<string, unknown>, usage?: TokenUsage): EngineCommand[] {
    const attempt = this.state.nodes[key]?.attempt ?? 1;
    return this.send({
      type: 'step.succeeded',
      key,
      attempt,
      output,
      ...(variableUpdates ? { variableUpdates } : {}),
      ...(usage ? { usage } : {}),
    } as EngineEvent);
  }

  /** Fails `key`'s current run with SCRIPT_ERROR (or `code`), reporting `usage` if given. */
  fail(key: string, message = 'boom', options: { code?: StepErrorCode; usage?: TokenUsage } = {}): EngineCommand[] {
    const attempt = this.state.nodes[key]?.attempt ?? 1;
    return this.send({
      type: 'step.failed',
      key,
      attempt,
      error: { code: options.code ?? 'SCRIPT_ERROR', message },
      ...(options.usage ? { usage: options.usage } : {}),
    });
  }

  /** Answers the plan run of coordinator agent `key` with a plan of these subtasks. */
  plan(key: string, subtasks: { goal: string; capabilities?: string[] }[], usage?: TokenUsage): EngineCommand[] {
    return this.succeed(key, { plan: { subtasks } }, undefined, usage);
  }

  /** Completes every queued step, in key order, with `output(key)`; returns how many. */
  succeedAllQueued(output: (key: string) => unknown = (key) => key): number {
    const queued = Object.entries(this.state.nodes)
      .filter(([, n]) => n.status === 'queued')
      .map(([k]) => k)
      .sort();
    for (const key of queued) this.succeed(key, output(key));
    return queued.length;
  }

  queued(): string[] {
    return Object.entries(this.state.nodes)
      .filter(([, n]) => n.status === 'queued')
      .map(([k]) => k)
      .sort();
  }

  /** Keys of record-step commands with this status, in order. */
  recorded(status: string, commands: EngineCommand[] = this.commands): string[] {
    return commands.filter((c) => c.type === 'record-step' && c.status === status).map((c) => (c as { key: string }).key);
  }

  /** `key@attempt` of every command of `type`, in order: which step runs a command is about. */
  runs(type: EngineCommand['type'], commands: EngineCommand[] = this.commands): string[] {
    return commands.filter((c) => c.type === type).map((c) => `${(c as { key: string }).key}@${(c as { attempt: number }).attempt}`);
  }

  /** Keys of run-step commands, in order. */
  ran(commands: EngineCommand[] = this.commands): string[] {
    return commands.filter((c) => c.type === 'run-step').map((c) => c.key);
  }

  status(key: string): string | undefined {
    return this.state.nodes[key]?.status;
  }

  /** Answers the escalation of `key` (under its current attempt, unless given). */
  resolve(key: string, resolution: ErrorResolution, attempt = this.state.nodes[key]?.attempt ?? 1): EngineCommand[] {
    return this.send({ type: 'error.resolved', key, attempt, resolution });
  }

  /** The record-error commands among `commands`. */
  errors(commands: EngineCommand[] = this.commands): RecordErrorCommand[] {
    return commands.filter((c): c is RecordErrorCommand => c.type === 'record-error');
  }
}

/** A script step; the default body reads every result (`Object.keys(results)`), so its scope holds them all. */
export const script = (id: string, next: string[] = [], body = 'return Object.keys(results).length;') => ({
  id,
  type: 'script' as const,
  config: { script: body },
  next,
});
export const http = (id: string, url: string, next: string[] = []) => ({ id, type: 'http' as const, config: { url }, next });
export const wf = (steps: WorkflowDefinitionInput['steps'], variables: Record<string, unknown> = {}): WorkflowDefinitionInput => ({
  id: 'wf',
  name: 'Test',
  version: '1',
  steps,
  variables,
});
export const parallel = (id: string, steps: string[], config: { maxConcurrency?: number; failFast?: boolean } = {}, next: string[] = []) => ({
  id,
  type: 'parallel' as const,
  config: { steps, ...config },
  next,
});
export const condition = (id: string, expression: string, trueStep?: string, falseStep?: string, next: string[] = []) => ({
  id,
  type: 'condition' as const,
  config: { condition: expression, ...(trueStep ? { trueStep } : {}), ...(falseStep ? { falseStep } : {}) },
  next,
});
export const loop = (
  id: string,
  loopStep: string,
  config: { condition?: string; breakCondition?: string; maxIterations?: number; onMaxIterations?: 'fail' | 'complete' } = {},
  next: string[] = [],
) => ({
  id,
  type: 'loop' as const,
  config: { loopStep, ...config },
  next,
});

/** An agent-task step; `agentType` defaults to executor, as in the schema. */
export const agent = (id: string, config: Record<string, unknown>, next: string[] = []) => ({
  id,
  type: 'agent-task' as const,
  config: { goal: `goal of ${id}`, ...config },
  next,
});
/** A coordinator agent-task step. */
export const coordinator = (id: string, config: Record<string, unknown> = {}, next: string[] = []) => agent(id, { agentType: 'coordinator', ...config }, next);

/** The run-step commands among `commands`. */
export function runSteps(commands: readonly EngineCommand[]): RunStepCommand[] {
  return commands.filter((c): c is RunStepCommand => c.type === 'run-step');
}
