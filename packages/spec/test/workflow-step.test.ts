import { describe, expect, it } from 'vitest';
import { CONTROL_STEP_TYPES, STEP_TYPES, validateDefinition, type Problem } from '@agentic-flow/spec';

const wf = (steps: unknown[]) => ({ id: 'w', name: 'W', version: '1', steps });

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('workflow steps', () => {
  it('are a control step type', () => {
    expect(STEP_TYPES).toContain('workflow');
    expect(CONTROL_STEP_TYPES).toContain('workflow');
  });

  it('take a workflow id, an optional version and variables with templates', () => {
    const result = validateDefinition(
      wf([
        { id: 'a', type: 'script', config: { script: 'return 1;' }, next: ['sub'] },
        {
          id: 'sub',
          type: 'workflow',
          config: { workflowId: 'child', version: '2.1.0', variables: { x: '{{ results.a }}', n: 3, deep: { y: '{{ input.y }}' } } },
        },
      ]),
    );
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(validateDefinition(wf([{ id: 'sub', type: 'workflow', config: { workflowId: 'child' } }])).ok).toBe(true);
  });

  it('refuse a missing or malformed workflow id, a bad version, unknown fields, with paths', () => {
    expect(problemsOf(wf([{ id: 's', type: 'workflow', config: {} }])).map((p) => p.path)).toContain('$.steps[0].config.workflowId');
    expect(problemsOf(wf([{ id: 's', type: 'workflow', config: { workflowId: 'has space' } }])).map((p) => p.path)).toContain('$.steps[0].config.workflowId');
    expect(problemsOf(wf([{ id: 's', type: 'workflow', config: { workflowId: 'c', version: '' } }])).map((p) => p.path)).toContain('$.steps[0].config.version');
    expect(problemsOf(wf([{ id: 's', type: 'workflow', config: { workflowId: 'c', extra: 1 } }])).map((p) => p.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\$\.steps\[0\]\.config/)]),
    );
  });

  it('refuse secrets in variables: they would be stored with the child', () => {
    const problems = problemsOf(wf([{ id: 's', type: 'workflow', config: { workflowId: 'c', variables: { token: '{{ secrets.TOKEN }}' } } }]));
    expect(problems).toEqual([
      expect.objectContaining({ path: '$.steps[0].config.variables.token', message: expect.stringContaining('coordinators never hold secrets') }),
    ]);
  });
});
