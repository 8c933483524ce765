import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinitionInput } from '@agentic-flow/sdk';
import { startCluster, type Cluster } from './cluster.js';
import { rejection } from './rejection.js';

const script = (id: string, body: string, next: string[] = [], extra: Record<string, unknown> = {}) => ({
  id,
  type: 'script' as const,
  config: { script: body, ...extra },
  next,
});

/** What a script hands back of its `results`: the ids it was given, in order. */
const SEEN = 'return Object.keys(results).sort();';

/**
 * a → b → c, then `picked` (reads dynamically, lists `a` in its context, names `b` in its code),
 * then `everything` (reads dynamically, lists nothing: given every visible result).
 */
const definition: WorkflowDefinitionInput = {
  id: 'script-context',
  name: 'Script context',
  version: '1',
  steps: [
    script('a', 'return "from a";', ['b']),
    script('b', 'return "from b";', ['c']),
    script('c', 'return "from c";', ['picked']),
    script('picked', 'return { seen: Object.keys(results).sort(), b: results.b };', ['everything'], { context: { results: ['a'] } }),
    script('everything', SEEN),
  ],
};

describe('a script step given the results its context lists', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster([['script']]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('sees on a real worker exactly the listed results and those its code names', async () => {
    await cluster.client.createWorkflow(definition);
    const executionId = await cluster.client.executeWorkflow(definition.id, {});
    const execution = await cluster.client.waitForCompletion(executionId, { timeoutMs: 60_000 });
    expect(execution.status).toBe('completed');
    expect(execution.results['picked']).toEqual({ seen: ['a', 'b'], b: 'from b' });
    expect(execution.results['everything']).toEqual(['a', 'b', 'c', 'picked']);
  });

  it('refuses a definition whose context names a step it does not have', async () => {
    const misspelt = { ...definition, id: 'misspelt', steps: [script('a', SEEN, ['b']), script('b', SEEN, [], { context: { results: ['a', 'nope'] } })] };
    const error = await rejection(cluster.client.createWorkflow(misspelt));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.problems).toEqual([{ path: '$.steps[1].config.context.results[1]', message: 'unknown step "nope"' }]);
  });
});
