import { describe, expect, it } from 'vitest';
import { SECRET_POLICIES, TemplateResolutionError, resolveWithSecretSlots, validateDefinition, type Problem } from '@agentic-flow/spec';

const wf = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'w', name: 'W', version: '1', steps, ...extra });
const http = (config: Record<string, unknown>, id = 'h') => ({ id, type: 'http', config: { url: 'https://api.test/x', ...config } });

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('secrets in definitions', () => {
  it('accepts {{ secrets.NAME }} in an http step’s url, header values, query values and body, whole or embedded', () => {
    const result = validateDefinition(
      wf([
        http({
          url: 'https://{{ secrets.HOST }}.example.test/v1/{{ secrets.PATH_KEY }}?x=1',
          headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', 'X-Key': '{{secrets["API-KEY"]}}' },
          query: { key: '{{ secrets.TOKEN }}', plain: 1 },
          body: { nested: [{ token: 'pre-{{ secrets.TOKEN }}-post {{ variables.x }}' }], whole: '{{ secrets.TOKEN }}' },
        }),
      ]),
    );
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('accepts a script that lists the secrets it reads', () => {
    const result = validateDefinition(wf([{ id: 's', type: 'script', config: { script: 'return secrets.TOKEN.length', secrets: ['TOKEN', 'OTHER_ONE'] } }]));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it.each([
    [
      'the bare secrets object in a script',
      [{ id: 's', type: 'script', config: { script: 'return {{ secrets }}' } }],
      '$.steps[0].config.script',
      'not a secret reference',
    ],
    [
      'one named secret in a script',
      [{ id: 's', type: 'script', config: { script: 'return "{{ secrets.TOKEN }}"' } }],
      '$.steps[0].config.script',
      'list the names in the step\'s "secrets"',
    ],
    ['the bare secrets object in an http body', [http({ body: '{{ secrets }}' })], '$.steps[0].config.body', 'not a secret reference'],
    ['a path into a secret', [http({ headers: { A: '{{ secrets.TOKEN.length }}' } })], '$.steps[0].config.headers.A', 'not a secret reference'],
    ['an index into secrets', [http({ body: '{{ secrets[0] }}' })], '$.steps[0].config.body', 'not a secret reference'],
    ['a name that is not a secret name', [http({ body: '{{ secrets["a b"] }}' })], '$.steps[0].config.body', 'not a secret reference'],
    [
      'an http field that does not send it',
      [
        http({ method: 'GET', acceptStatus: [200], responseType: 'text', timeout: 1000 }),
        { id: 'x', type: 'http', config: { url: 'https://a.test', headers: {}, responseType: '{{ secrets.T }}' } },
      ],
      '$.steps[1].config.responseType',
      'only in an http step',
    ],
    ['a condition', [{ id: 'c', type: 'condition', config: { condition: '"{{ secrets.TOKEN }}" === "x"' } }], '$.steps[0].config.condition', 'coordinators'],
    [
      'a loop expression',
      [
        { id: 'l', type: 'loop', config: { loopStep: 'b', breakCondition: '{{ secrets.TOKEN }}' } },
        { id: 'b', type: 'script', config: { script: 'return 1' } },
      ],
      '$.steps[0].config.breakCondition',
      'coordinators',
    ],
    [
      'an agent goal',
      [{ id: 'a', type: 'agent-task', config: { goal: 'use {{ secrets.TOKEN }}' } }],
      '$.steps[0].config.goal',
      'agent steps cannot use secrets',
    ],
    [
      'an agent system prompt',
      [{ id: 'a', type: 'agent-task', config: { goal: 'g', systemPrompt: 'key: {{ secrets.TOKEN }}' } }],
      '$.steps[0].config.systemPrompt',
      'agent steps cannot use secrets',
    ],
  ])('refuses %s, with the path', (_what, steps, path, message) => {
    const problems = problemsOf(wf(steps));
    expect(problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('points at the step that holds the secret (steps[2].config.script)', () => {
    const problems = problemsOf(wf([http({}, 'a'), http({}, 'b'), { id: 's', type: 'script', config: { script: 'return {{ secrets.TOKEN }}' } }]));
    expect(problems.map((p) => p.path)).toEqual(['$.steps[2].config.script']);
  });

  it('refuses bad names in a script’s secrets list', () => {
    const problems = problemsOf(wf([{ id: 's', type: 'script', config: { script: 'return 1', secrets: ['TOKEN', '{{ secrets.X }}', 'TOKEN'] } }]));
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.steps[0].config.secrets[1]', '$.steps[0].config.secrets']));
  });

  it('leaves definition variables alone: they are data, never templates', () => {
    const result = validateDefinition(wf([http({ query: { q: '{{ variables.q }}' } })], { variables: { q: '{{ secrets.TOKEN }}' } }));
    expect(result.ok).toBe(true);
  });
});

describe('resolveWithSecretSlots', () => {
  const fields = SECRET_POLICIES.get('http')!.fields;
  const scope = { variables: { q: '{{ secrets.TOKEN }}', prefix: 'pre', obj: { a: '{{ secrets.TOKEN }}' } }, results: {} };

  it('resolves every other template once and records where the definition puts secrets', () => {
    const config = {
      url: 'https://api.test/{{ variables.prefix }}/{{ secrets.PATH }}',
      headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', Plain: 'x' },
      body: { list: ['{{ secrets.TOKEN }}', '{{ variables.prefix }}'] },
    };
    const { value, secretSlots } = resolveWithSecretSlots(config, scope, fields);
    expect(value).toEqual({
      url: 'https://api.test/pre/{{ secrets.PATH }}',
      headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', Plain: 'x' },
      body: { list: ['{{ secrets.TOKEN }}', 'pre'] },
    });
    expect(secretSlots).toEqual([
      { path: ['url'], parts: ['https://api.test/pre/', { secret: 'PATH' }] },
      { path: ['headers', 'Authorization'], parts: ['Bearer ', { secret: 'TOKEN' }] },
      { path: ['body', 'list', 0], parts: [{ secret: 'TOKEN' }] },
    ]);
    // A slot's string reads as the definition wrote it, so its container is shared: only data copies.
    expect(value.headers).toBe(config.headers);
  });

  it('never makes a slot of data: a value holding {{ secrets.X }} stays literal text', () => {
    const config = { url: 'https://api.test/', query: { q: '{{ variables.q }}' }, body: { whole: '{{ variables.obj }}', text: 'v={{ variables.q }}' } };
    const { value, secretSlots } = resolveWithSecretSlots(config, scope, fields);
    expect(secretSlots).toEqual([]);
    expect(value).toEqual({
      url: 'https://api.test/',
      query: { q: '{{ secrets.TOKEN }}' },
      body: { whole: { a: '{{ secrets.TOKEN }}' }, text: 'v={{ secrets.TOKEN }}' },
    });
  });

  it('mixes resolved data into a slot as text, never as a reference', () => {
    const { secretSlots } = resolveWithSecretSlots({ headers: { A: '{{ variables.q }}:{{ secrets.TOKEN }}' } }, scope, fields);
    expect(secretSlots).toEqual([{ path: ['headers', 'A'], parts: ['{{ secrets.TOKEN }}:', { secret: 'TOKEN' }] }]);
  });

  it('refuses a secret where the step type allows none (a definition stored before registration checked it)', () => {
    expect(() => resolveWithSecretSlots({ script: 'return "{{ secrets.TOKEN }}"' }, scope, SECRET_POLICIES.get('script')!.fields)).toThrow(
      TemplateResolutionError,
    );
    expect(() => resolveWithSecretSlots({ timeout: '{{ secrets.TOKEN }}' }, scope, fields)).toThrow(/allows none/);
    expect(() => resolveWithSecretSlots({ body: '{{ secrets }}' }, scope, fields)).toThrow(/not a secret reference/);
  });

  it('returns the config itself when it holds no template', () => {
    const config = { url: 'https://api.test/', headers: { a: 'b' } };
    expect(resolveWithSecretSlots(config, scope, fields).value).toBe(config);
  });
});
