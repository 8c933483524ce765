import { describe, expect, it } from 'vitest';
import {
  missingVariableProblems,
  missingVariables,
  requiredVariables,
  validateDefinition,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
} from '@agentic-flow/spec';

type Steps = WorkflowDefinitionInput['steps'];

function definition(steps: Steps, variables: Record<string, unknown> = {}): WorkflowDefinition {
  const result = validateDefinition({ id: 'wf', name: 'wf', version: '1', steps, variables });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

const http = (id: string, url: string, extra: Record<string, unknown> = {}) => ({ id, type: 'http' as const, config: { url, ...extra } });
const script = (id: string, code: string, extra: Record<string, unknown> = {}) => ({ id, type: 'script' as const, config: { script: code, ...extra } });

describe('requiredVariables', () => {
  it('lists each variable a template reads without a default, with every place it is read, in definition order', () => {
    const required = requiredVariables(
      definition([
        http('fetch', '{{ variables.apiUrl }}/data?key={{ variables["api-key"] }}', { headers: { 'x-region': '{{ variables.region }}' } }),
        { id: 'ask', type: 'agent-task', config: { goal: 'Summarize {{ variables.apiUrl }} for {{ input.audience }}' } },
      ]),
    );
    expect(required).toEqual([
      {
        name: 'apiUrl',
        usedAt: [
          { root: 'variables', stepId: 'fetch', path: '$.steps[0].config.url', template: 'variables.apiUrl' },
          { root: 'variables', stepId: 'ask', path: '$.steps[1].config.goal', template: 'variables.apiUrl' },
        ],
      },
      { name: 'api-key', usedAt: [{ root: 'variables', stepId: 'fetch', path: '$.steps[0].config.url', template: 'variables["api-key"]' }] },
      { name: 'region', usedAt: [{ root: 'variables', stepId: 'fetch', path: '$.steps[0].config.headers["x-region"]', template: 'variables.region' }] },
      { name: 'audience', usedAt: [{ root: 'input', stepId: 'ask', path: '$.steps[1].config.goal', template: 'input.audience' }] },
    ]);
  });

  it('does not require a variable the definition defaults, whatever its value', () => {
    expect(
      requiredVariables(
        definition([http('a', '{{ variables.url }}/{{ variables.empty }}/{{ variables.nothing }}')], { url: 'http://x', empty: '', nothing: null }),
      ),
    ).toEqual([]);
  });

  it('does not require a variable a script sets by name, and none read through variables when a script may set any', () => {
    const steps = (set: string): Steps => [script('prepare', `${set}\nreturn 1;`), http('use', '{{ variables.token }}', {})];
    expect(requiredVariables(definition(steps('setVariable("token", "t");')))).toEqual([]);
    expect(requiredVariables(definition(steps('setVariable("other", "t");'))).map((v) => v.name)).toEqual(['token']);
    expect(requiredVariables(definition(steps('setVariable(name, "t");')))).toEqual([]);
  });

  it('requires input.x even with a default or a script setting x: input holds only what the start was given', () => {
    const required = requiredVariables(definition([script('set', 'setVariable("x", 1); return 1;'), http('use', '{{ input.x }}')], { x: 'default' }));
    expect(required).toEqual([{ name: 'x', usedAt: [{ root: 'input', stepId: 'use', path: '$.steps[1].config.url', template: 'input.x' }] }]);
  });

  it('ignores the whole-object reads, other roots, and code (expressions and scripts may guard themselves)', () => {
    const required = requiredVariables(
      definition([
        http('a', 'http://x/{{ results.b }}/{{ execution.id }}/{{ variables }}', {}),
        script('b', 'return variables.maybe ?? 1;'),
        { id: 'c', type: 'condition', config: { condition: 'variables.flag === true', trueStep: 'a' } },
      ]),
    );
    expect(required).toEqual([]);
  });

  it('requires a variable read by a step that may never run: nothing at start can tell', () => {
    const required = requiredVariables(
      definition([{ id: 'check', type: 'condition', config: { condition: 'false', trueStep: 'rare' } }, http('rare', '{{ variables.rarely }}')]),
    );
    expect(required.map((v) => v.name)).toEqual(['rarely']);
  });
});

describe('missingVariables and their problems', () => {
  const required = requiredVariables(
    definition([
      http('fetch', '{{ variables.apiUrl }}/{{ input.tenant }}'),
      ...Array.from({ length: 7 }, (_, i) => http(`n${i}`, `{{ variables.many }}/${i}`)),
    ]),
  );

  it('are the required variables the start did not give, however falsy the given value', () => {
    expect(missingVariables(required, { apiUrl: '', tenant: null, many: 0 })).toEqual([]);
    expect(missingVariables(required, { apiUrl: 'x' }).map((v) => v.name)).toEqual(['tenant', 'many']);
    expect(missingVariables(required, Object.create({ apiUrl: 'inherited' }) as Record<string, unknown>).map((v) => v.name)).toEqual([
      'apiUrl',
      'tenant',
      'many',
    ]);
  });

  it('say where each is read and why nothing else supplies it, at its place in the request body', () => {
    expect(missingVariableProblems(missingVariables(required, {}))).toEqual([
      {
        path: '$.body.variables.apiUrl',
        message:
          'is required: read by {{ variables.apiUrl }} at $.steps[0].config.url (step "fetch"); the definition has no default for it in variables, and no script sets it',
      },
      {
        path: '$.body.variables.tenant',
        message: 'is required: read by {{ input.tenant }} at $.steps[0].config.url (step "fetch"); input holds only the variables an execution is started with',
      },
      {
        path: '$.body.variables.many',
        message: expect.stringMatching(
          /^is required: read by \{\{ variables\.many \}\} at \$\.steps\[1\]\.config\.url \(step "n0"\), .*\(step "n4"\) and 2 more; the definition has no default/,
        ),
      },
    ]);
  });
});
