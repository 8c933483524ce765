import type { ExecutionView, WorkflowDefinitionInput } from '@agentic-flow/sdk';

const call = (id: string, key: string, next: string[] = []) => ({
  id,
  type: 'http' as const,
  config: { url: `{{ variables.api }}/step?key=${key}`, timeout: 10_000 },
  next,
});

/** The three shapes the fault run mixes, each with the side-effect keys and the outputs it must produce. */
export interface Shape {
  definition: WorkflowDefinitionInput;
  /** Keys of the counter calls one execution makes. */
  keys: (executionId: string) => string[];
  check: (execution: ExecutionView) => void;
}

export const SHAPES: Shape[] = [
  {
    definition: {
      id: 'fault-linear',
      name: 'linear',
      version: '2',
      steps: [
        call('s1', '{{ execution.id }}-s1', ['s2']),
        call('s2', '{{ execution.id }}-s2', ['s3']),
        { id: 's3', type: 'script', config: { script: 'return [results.s1.key, results.s2.key].join("|");' } },
      ],
    },
    keys: (id) => [`${id}-s1`, `${id}-s2`],
    check: (e) => {
      if (e.results['s3'] !== `${e.id}-s1|${e.id}-s2`) throw new Error(`linear ${e.id}: s3 = ${JSON.stringify(e.results['s3'])}`);
    },
  },
  {
    definition: {
      id: 'fault-parallel',
      name: 'parallel',
      version: '2',
      steps: [
        { id: 'fan', type: 'parallel', config: { steps: ['a', 'b', 'c'] }, next: ['join'] },
        call('a', '{{ execution.id }}-a'),
        call('b', '{{ execution.id }}-b'),
        call('c', '{{ execution.id }}-c'),
        { id: 'join', type: 'script', config: { script: 'return Object.values(results.fan).map((r) => r.key).sort().join("|");' } },
      ],
    },
    keys: (id) => [`${id}-a`, `${id}-b`, `${id}-c`],
    check: (e) => {
      if (e.results['join'] !== [`${e.id}-a`, `${e.id}-b`, `${e.id}-c`].join('|'))
        throw new Error(`parallel ${e.id}: join = ${JSON.stringify(e.results['join'])}`);
    },
  },
  {
    definition: {
      id: 'fault-loop',
      name: 'loop',
      version: '2',
      variables: { i: 0 },
      steps: [
        { id: 'rounds', type: 'loop', config: { condition: 'variables.i < 3', loopStep: 'tick', maxIterations: 10 } },
        call('tick', '{{ execution.id }}-tick-{{ loop.iteration }}', ['count']),
        { id: 'count', type: 'script', config: { script: 'setVariable("i", variables.i + 1); return results.tick.key;' } },
      ],
    },
    keys: (id) => [0, 1, 2].map((i) => `${id}-tick-${i}`),
    check: (e) => {
      const expected = [0, 1, 2].map((i) => `${e.id}-tick-${i}`);
      if (JSON.stringify(e.results['rounds']) !== JSON.stringify(expected) || e.variables['i'] !== 3)
        throw new Error(`loop ${e.id}: ${JSON.stringify(e.results['rounds'])}, i = ${String(e.variables['i'])}`);
    },
  },
];

const WIDE_BRANCHES = 5_000;

/**
 * One parallel step of 5,000 script branches and a join that counts them: an execution whose every
 * step applies to a state of thousands of nodes, run through the same faults (issue 17). Its branches
 * call nothing outside, so it has no side-effect keys; its join checks that every branch's output
 * arrived exactly once.
 */
export const WIDE: Shape = {
  definition: {
    id: 'fault-wide',
    name: 'wide',
    version: '1',
    steps: [
      { id: 'fan', type: 'parallel', config: { steps: Array.from({ length: WIDE_BRANCHES }, (_, i) => `b${i}`) }, next: ['join'] },
      ...Array.from({ length: WIDE_BRANCHES }, (_, i) => ({ id: `b${i}`, type: 'script' as const, config: { script: `return ${i};` } })),
      {
        id: 'join',
        type: 'script',
        config: { script: 'const v = Object.values(results.fan); return [v.length, v.reduce((a, b) => a + b, 0)].join("|");' },
      },
    ],
  },
  keys: () => [],
  check: (e) => {
    const expected = `${WIDE_BRANCHES}|${(WIDE_BRANCHES * (WIDE_BRANCHES - 1)) / 2}`;
    if (e.results['join'] !== expected) throw new Error(`wide ${e.id}: join = ${JSON.stringify(e.results['join'])}, not ${expected}`);
  },
};
