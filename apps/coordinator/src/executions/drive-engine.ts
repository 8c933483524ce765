import { decide, type CompiledWorkflow, type Decision, type DecideOptions, type EngineCommand, type EngineEvent, type EvaluateCommand, type ExecutionState, type ExpressionOutcome } from '@agentic-flow/engine';

export type Evaluate = (command: EvaluateCommand) => Promise<ExpressionOutcome>;

/**
 * Runs the engine until it needs nothing more from this transaction: every `evaluate` command is
 * answered (in the sandbox) with an `expression.evaluated` event, in order, and whatever those
 * lead to is folded into one decision. Returns the final state and the commands to persist.
 */
export async function driveEngine(workflow: CompiledWorkflow, state: ExecutionState, event: EngineEvent, evaluate: Evaluate, options: DecideOptions = {}): Promise<Decision> {
  const first = decide(workflow, state, event, options);
  if (first.ignored !== undefined) return first;
  let current = first.state;
  const commands: EngineCommand[] = [];
  const pending = [...first.commands];
  while (pending.length > 0) {
    const command = pending.shift()!;
    if (command.type !== 'evaluate') {
      commands.push(command);
      continue;
    }
    const outcome = await evaluate(command);
    const next = decide(workflow, current, { type: 'expression.evaluated', key: command.key, purpose: command.purpose, outcome, at: event.at }, options);
    current = next.state;
    pending.push(...next.commands);
  }
  return { state: current, commands };
}
