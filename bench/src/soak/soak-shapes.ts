import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { scoreOf } from './counter-target.js';

/** A workflow the soak runs, the side-effect keys one execution must cause, and its output check. */
export interface SoakShape {
  definition: WorkflowDefinitionInput;
  keys(executionId: string): string[];
  /** Keys one execution must never call (a branch not taken). */
  forbiddenKeys(executionId: string): string[];
  /** What is wrong with a completed execution's outputs, or undefined. */
  wrongOutput(execution: ExecutionView): string | undefined;
}

/** The expression reading the key a call step's answer carries (the target answers `{ key, score }`; an http step's result is the body). */
const answerKey = (stepRef: string) => `${stepRef}.key`;

const call = (id: string, keySuffix: string, next: string[] = []) => ({
  id,
  type: 'http' as const,
  config: { url: `{{ variables.target }}/step?key={{ execution.id }}-${keySuffix}`, timeout: 15_000 },
  next,
});
const script = (id: string, body: string, next: string[] = []) => ({ id, type: 'script' as const, config: { script: body }, next });
const mismatch = (what: string, actual: unknown, expected: unknown) =>
  JSON.stringify(actual) === JSON.stringify(expected) ? undefined : `${what} = ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;

const BRANCHES = 20;
const ITERATIONS = 10;

/** http → script → http (its URL from a template) → script. */
const linear: SoakShape = {
  definition: {
    id: 'soak-linear',
    name: 'soak: linear chain',
    version: '1',
    steps: [
      call('first', 'a', ['relay']),
      script('relay', `return ${answerKey('results.first')} + ">";`, ['second']),
      call('second', 'b', ['report']),
      script('report', `return [results.relay, ${answerKey('results.second')}].join("|");`),
    ],
  },
  keys: (id) => [`${id}-a`, `${id}-b`],
  forbiddenKeys: () => [],
  wrongOutput: (e) => mismatch('report', e.results['report'], `${e.id}-a>|${e.id}-b`),
};

/** A parallel step of 20 calls, then a script joining their answers. */
const fanOut: SoakShape = {
  definition: {
    id: 'soak-fan-out',
    name: 'soak: 20-branch parallel',
    version: '1',
    steps: [
      { id: 'fan', type: 'parallel', config: { steps: Array.from({ length: BRANCHES }, (_, i) => `p${i}`) }, next: ['join'] },
      ...Array.from({ length: BRANCHES }, (_, i) => call(`p${i}`, `p${i}`)),
      script('join', `return Object.values(results.fan).map((r) => ${answerKey('r')}).sort().join("|");`),
    ],
  },
  keys: (id) => Array.from({ length: BRANCHES }, (_, i) => `${id}-p${i}`),
  forbiddenKeys: () => [],
  wrongOutput: (e) =>
    mismatch(
      'join',
      e.results['join'],
      Array.from({ length: BRANCHES }, (_, i) => `${e.id}-p${i}`)
        .sort()
        .join('|'),
    ),
};

/** A loop of 10 iterations, each a call and a script that counts in a variable. */
const loop: SoakShape = {
  definition: {
    id: 'soak-loop',
    name: 'soak: 10-iteration loop',
    version: '1',
    variables: { rounds: 0 },
    steps: [
      { id: 'rounds', type: 'loop', config: { condition: `variables.rounds < ${ITERATIONS}`, loopStep: 'tick', maxIterations: ITERATIONS + 5 } },
      call('tick', 't{{ loop.iteration }}', ['count']),
      script('count', `setVariable("rounds", variables.rounds + 1); return ${answerKey('results.tick')};`),
    ],
  },
  keys: (id) => Array.from({ length: ITERATIONS }, (_, i) => `${id}-t${i}`),
  forbiddenKeys: (id) => [`${id}-t${ITERATIONS}`],
  wrongOutput: (e) =>
    mismatch(
      'rounds',
      e.results['rounds'],
      Array.from({ length: ITERATIONS }, (_, i) => `${e.id}-t${i}`),
    ) ?? mismatch('variables.rounds', e.variables['rounds'], ITERATIONS),
};

/** A call whose answer decides, through a condition, which of two other calls happens. */
const branch: SoakShape = {
  definition: {
    id: 'soak-branch',
    name: 'soak: condition',
    version: '1',
    steps: [
      call('probe', 'c', ['decide']),
      { id: 'decide', type: 'condition', config: { condition: 'results.probe.score >= 50', trueStep: 'high', falseStep: 'low' } },
      call('high', 'high'),
      call('low', 'low'),
    ],
  },
  keys: (id) => [`${id}-c`, scoreOf(`${id}-c`) >= 50 ? `${id}-high` : `${id}-low`],
  forbiddenKeys: (id) => [scoreOf(`${id}-c`) >= 50 ? `${id}-low` : `${id}-high`],
  wrongOutput: (e) => {
    const taken = scoreOf(`${e.id}-c`) >= 50 ? 'high' : 'low';
    const answer = e.results[taken] as { key?: unknown } | undefined;
    return mismatch(`${taken}.key`, answer?.key, `${e.id}-${taken}`);
  },
};

export const SOAK_SHAPES: readonly SoakShape[] = [linear, fanOut, loop, branch];
