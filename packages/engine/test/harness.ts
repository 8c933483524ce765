import { compileWorkflow, createExecutionState, decide, type CompiledWorkflow, type EngineCommand, type EngineEvent, type ExecutionState } from '@agentic-flow/engine';
import { validateDefinition, type WorkflowDefinitionInput } from '@agentic-flow/spec';

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

/** Drives one execution through the engine, freezing every state to prove the engine never mutates it. */
export class Run {
  state: ExecutionState;
  commands: EngineCommand[] = [];
  ignored: string[] = [];
  private clock = 1_000;

  constructor(
    readonly workflow: CompiledWorkflow,
    input: Record<string, unknown> = {},
  ) {
    this.state = deepFreeze(
      createExecutionState({
        executionId: 'exec-1',
        workflowId: workflow.definition.id,
        workflowVersion: workflow.definition.version,
        defaults: workflow.definition.variables,
        input,
      }),
    );
  }

  send(event: Omit<EngineEvent, 'at'> & { at?: number }): EngineCommand[] {
    const decision = decide(this.workflow, this.state, { at: (this.clock += 10), ...event } as EngineEvent);
    this.state = deepFreeze(decision.state);
    this.commands.push(...decision.commands);
    if (decision.ignored) this.ignored.push(decision.ignored);
    return decision.commands;
  }

  start(): EngineCommand[] {
    return this.send({ type: 'start' });
  }

  succeed(key: string, output: unknown = null, variableUpdates?: Record<string, unknown>): EngineCommand[] {
    const attempt = this.state.nodes[key]?.attempt ?? 1;
    return this.send({ type: 'step.succeeded', key, attempt, output, ...(variableUpdates ? { variableUpdates } : {}) } as EngineEvent);
  }

  fail(key: string, message = 'boom'): EngineCommand[] {
    const attempt = this.state.nodes[key]?.attempt ?? 1;
    return this.send({ type: 'step.failed', key, attempt, error: { code: 'SCRIPT_ERROR', message } });
  }

  /** Keys of run-step commands, in order. */
  ran(commands: EngineCommand[] = this.commands): string[] {
    return commands.filter((c) => c.type === 'run-step').map((c) => c.key);
  }

  status(key: string): string | undefined {
    return this.state.nodes[key]?.status;
  }
}

export const script = (id: string, next: string[] = [], body = 'return 1;') => ({ id, type: 'script' as const, config: { script: body }, next });
export const http = (id: string, url: string, next: string[] = []) => ({ id, type: 'http' as const, config: { url }, next });
export const wf = (steps: WorkflowDefinitionInput['steps'], variables: Record<string, unknown> = {}): WorkflowDefinitionInput => ({
  id: 'wf',
  name: 'Test',
  version: '1',
  steps,
  variables,
});
