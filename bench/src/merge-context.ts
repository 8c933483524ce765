import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateDefinition, type WorkflowDefinitionInput } from '@agentic-flow/spec';
import { percentile } from './stats.js';

/**
 * What launching one step that reads results costs the engine in a large execution, in process,
 * without services (issue 17): a merge script after a parallel of 10,000 no-op branches, and a
 * script after a 100,000-iteration loop.
 *
 *   node --no-node-snapshot bench/dist/merge-context.js [--engine=../other-tree/packages/engine/dist/index.js] [--only=a,fan,b,c,loop]
 *
 * For each case: the CPU of the decision that launches the step (the last branch's or iteration's
 * result applied in place, then undone, repeated), the CPU of building the step's scope alone (what
 * the reconciler pays to enqueue its job again), and the size of that scope as JSON. `--engine`
 * runs the same measurement against another tree's built engine (the definition is still validated
 * here): the figures before a change.
 */

type Engine = typeof import('@agentic-flow/engine');
type CompiledWorkflow = import('@agentic-flow/engine').CompiledWorkflow;
type ExecutionState = import('@agentic-flow/engine').ExecutionState;
type EngineCommand = import('@agentic-flow/engine').EngineCommand;
type EngineEvent = import('@agentic-flow/engine').EngineEvent;

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const BRANCHES = 10_000;
const ITERATIONS = 100_000;
const DYNAMIC = 'return Object.keys(results).length;';

interface Case {
  name: string;
  /** The step whose launch is measured. */
  step: string;
  /** How many results the run produces before it: the step's launch waits for the last of them. */
  results: number;
  definition: () => WorkflowDefinitionInput;
}

const noop = (id: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: 'return null;' }, next });

const afterParallel = (merge: { script: string; context?: { results: string[] } }): WorkflowDefinitionInput => {
  const ids = Array.from({ length: BRANCHES }, (_, i) => `b${i}`);
  return {
    id: 'merge-context',
    name: 'Merge context',
    version: '1',
    steps: [
      { id: 'fan', type: 'parallel', config: { steps: ids }, next: ['merge'] },
      ...ids.map((id) => noop(id)),
      { id: 'merge', type: 'script', config: merge },
    ],
  };
};

const CASES: Record<string, Case> = {
  a: {
    name: `(a) merge after ${BRANCHES.toLocaleString('en')} branches, Object.keys(results)`,
    step: 'merge',
    results: BRANCHES,
    definition: () => afterParallel({ script: DYNAMIC }),
  },
  fan: { name: '(b) the same merge reading results.fan', step: 'merge', results: BRANCHES, definition: () => afterParallel({ script: 'return results.fan;' }) },
  b: {
    name: "(b') the same merge reading results.b0, results.b1, results.b2",
    step: 'merge',
    results: BRANCHES,
    definition: () => afterParallel({ script: 'return [results.b0, results.b1, results.b2];' }),
  },
  c: {
    name: '(c) the same, Object.keys(results) with context.results of 3 ids',
    step: 'merge',
    results: BRANCHES,
    definition: () => afterParallel({ script: DYNAMIC, context: { results: ['b0', 'b1', 'b2'] } }),
  },
  loop: {
    name: `script after a ${ITERATIONS.toLocaleString('en')}-iteration loop, Object.keys(results)`,
    step: 'after',
    // `start`'s and every iteration's.
    results: ITERATIONS + 1,
    definition: () => ({
      id: 'loop-context',
      name: 'Loop context',
      version: '1',
      steps: [
        { id: 'start', type: 'script', config: { script: 'return 1;' }, next: ['it'] },
        { id: 'it', type: 'loop', config: { loopStep: 'body', maxIterations: ITERATIONS, onMaxIterations: 'complete' }, next: ['after'] },
        noop('body'),
        { id: 'after', type: 'script', config: { script: DYNAMIC } },
      ],
    }),
  },
};

/** An execution's state, changed in place by each decision (its nodes; `finish` hands back its new head). */
interface Execution {
  state: ExecutionState;
}

/** Applies `event` in place, answering expressions at once; returns the commands that carry work. */
function apply(engine: Engine, workflow: CompiledWorkflow, execution: Execution, event: EngineEvent): EngineCommand[] {
  const out: EngineCommand[] = [];
  const pending = [event];
  while (pending.length > 0) {
    const session = engine.openDecision(workflow, execution.state, event.at);
    session.apply(pending.shift()!);
    execution.state = session.finish();
    for (const command of session.commands) {
      if (command.type !== 'evaluate') out.push(command);
      else pending.push({ type: 'expression.evaluated', key: command.key, purpose: command.purpose, outcome: evaluate(command), at: event.at });
    }
  }
  return out;
}

function evaluate(command: Extract<EngineCommand, { type: 'evaluate' }>) {
  const { results, variables, input, execution, loop, steps = {} } = command.scope;
  const value: unknown = new Function('results', 'variables', 'input', 'execution', 'loop', 'steps', `return (${command.expression});`)(
    results,
    variables,
    input,
    execution,
    loop,
    steps,
  );
  return { ok: true as const, truthy: Boolean(value), value };
}

/** Applies the first `results` results of the run, in place; returns the event of the next one. */
function runUpTo(engine: Engine, workflow: CompiledWorkflow, execution: Execution, results: number): EngineEvent {
  let at = 1_000;
  const queue: string[] = [];
  const launched = (commands: EngineCommand[]) => {
    for (const c of commands) if (c.type === 'run-step') queue.push(c.key);
  };
  launched(apply(engine, workflow, execution, { type: 'start', at }));
  for (let done = 0; ; done++) {
    const key = queue.shift()!;
    const event: EngineEvent = { type: 'step.succeeded', key, attempt: execution.state.nodes[key]!.attempt, output: null, at: (at += 1) };
    if (done === results) {
      return event;
    }
    launched(apply(engine, workflow, execution, event));
  }
}

/** Median CPU milliseconds of `fn`, timed in batches long enough for the clock (`samples` batches). */
function cpuMs(fn: () => void, samples = 21): number {
  let batch = 1;
  for (;;) {
    const start = process.cpuUsage();
    for (let i = 0; i < batch; i++) fn();
    const used = process.cpuUsage(start);
    if (used.user + used.system >= 20_000 || batch >= 1 << 16) break;
    batch *= 2;
  }
  const perCall: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.cpuUsage();
    for (let i = 0; i < batch; i++) fn();
    const used = process.cpuUsage(start);
    perCall.push((used.user + used.system) / 1000 / batch);
  }
  return percentile(perCall, 50);
}

async function measure(engine: Engine, c: Case): Promise<{ launchMs: number; scopeMs: number; scopeBytes: number; nodes: number }> {
  const checked = validateDefinition(c.definition());
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems.slice(0, 3)));
  const workflow = engine.compileWorkflow(checked.definition, checked.graph);
  const execution = {
    state: engine.createExecutionState({ executionId: 'bench', workflowId: checked.definition.id, workflowVersion: '1', defaults: {}, input: {} }),
  };
  const last = runUpTo(engine, workflow, execution, c.results - 1);
  const before = execution.state;
  let reps = 0;
  const launchMs = cpuMs(() => {
    reps++;
    const session = engine.openDecision(workflow, before, last.at);
    const ignored = session.apply(last);
    if (ignored !== undefined) throw new Error(`${JSON.stringify(last)}: ${ignored}`);
    session.finish();
    if (!session.commands.some((command) => command.type === 'run-step' && command.key === c.step))
      throw new Error(`${c.step} was not launched (rep ${reps}): ${JSON.stringify(session.commands.map((command) => command.type))}`);
    session.revert();
  }, 15);
  apply(engine, workflow, execution, last);
  const { state } = execution;
  const scope = engine.stepScope(workflow, state, c.step, c.step);
  const scopeMs = cpuMs(() => engine.stepScope(workflow, state, c.step, c.step));
  return { launchMs, scopeMs, scopeBytes: Buffer.byteLength(JSON.stringify(scope)), nodes: Object.keys(state.nodes).length };
}

async function main(): Promise<void> {
  const enginePath = arg('engine');
  const engine: Engine = enginePath ? await import(pathToFileURL(resolve(enginePath)).href) : await import('@agentic-flow/engine');
  const only = arg('only')?.split(',') ?? Object.keys(CASES);
  console.log(`engine: ${enginePath ?? 'this tree'}`);
  console.log('| case | nodes | launch decision CPU (median) | scope build CPU (median) | scope JSON bytes |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const id of only) {
    const c = CASES[id];
    if (!c) throw new Error(`unknown case ${id} (${Object.keys(CASES).join(', ')})`);
    const m = await measure(engine, c);
    console.log(
      `| ${c.name} | ${m.nodes.toLocaleString('en')} | ${m.launchMs.toFixed(3)} ms | ${(m.scopeMs * 1000).toFixed(1)} µs | ${m.scopeBytes.toLocaleString('en')} |`,
    );
  }
}

await main();
