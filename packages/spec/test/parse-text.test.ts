import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition, workflowDefinitionJsonSchema } from '@agentic-flow/spec';

const yaml = `
id: my-workflow
name: Data Processing Pipeline
version: 1.0.0
steps:
  - id: fetch-data
    type: http
    config:
      url: "{{ variables.apiUrl }}/data"
    next: [save]
  - id: save
    type: script
    config:
      script: |
        return { saved: true };
`;

describe('parseDefinitionText', () => {
  it('reads YAML and JSON to the same definition', () => {
    const fromYaml = parseDefinitionText(yaml);
    expect(fromYaml.ok).toBe(true);
    if (!fromYaml.ok) return;
    const fromJson = parseDefinitionText(JSON.stringify(fromYaml.value), 'json');
    expect(fromJson).toEqual(fromYaml);
    expect(validateDefinition(fromYaml.value).ok).toBe(true);
  });

  it('keeps a YAML version string as written', () => {
    const parsed = parseDefinitionText(yaml);
    expect(parsed.ok && (parsed.value as { version: unknown }).version).toBe('1.0.0');
  });

  it('reports where the text is broken', () => {
    expect(parseDefinitionText('id: x\nsteps: [\n')).toEqual({
      ok: false,
      reason: 'syntax',
      problems: [{ path: '$', message: expect.stringMatching(/^invalid YAML at line 3, column 1: /) }],
    });
    expect(parseDefinitionText('{"id": "x",}', 'json')).toEqual({
      ok: false,
      reason: 'syntax',
      problems: [{ path: '$', message: expect.stringMatching(/^invalid JSON/) }],
    });
  });

  it('rejects duplicate keys instead of keeping the last', () => {
    const result = parseDefinitionText('{"id": "a", "id": "b"}');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.message).toContain('Map keys must be unique');
    expect(parseDefinitionText('id: x\nsteps:\n  - a: 1\n    a: 2\n')).toEqual({
      ok: false,
      reason: 'syntax',
      problems: [{ path: '$', message: 'invalid YAML at line 4, column 5: Map keys must be unique ("a" again)' }],
    });
    // Different scalars are different keys, even when they print alike.
    expect(parseDefinitionText('1: a\n"1": b\n').ok).toBe(true);
  });

  it("checks duplicate keys in linear time (the library's own check is quadratic)", () => {
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [String(i), 'x'])));
    const started = performance.now();
    expect(parseDefinitionText(many).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses nesting past MAX_JSON_DEPTH before the parser can overflow its stack', () => {
    for (const text of [`a: ${'['.repeat(10_000)}${']'.repeat(10_000)}`, `${'- '.repeat(10_000)}x`, `{"a": ${'{"b": '.repeat(5_000)}1${'}'.repeat(5_000)}}`]) {
      expect(parseDefinitionText(text)).toEqual({
        ok: false,
        reason: 'too-deep',
        problems: [{ path: '$', message: expect.stringMatching(/^nested deeper than 200 levels at line 1, column \d+$/) }],
      });
    }
    const justDeepEnough = parseDefinitionText(`a: ${'['.repeat(199)}${']'.repeat(199)}`);
    expect(justDeepEnough.ok).toBe(true);
  });

  it('refuses aliases that make a cycle, expand too much, or point nowhere, as syntax problems', () => {
    const cases: [string, RegExp][] = [
      ['a: &v\n  b: *v\n  c: *v\n', /^invalid YAML: alias \*v refers to a node that contains it$/],
      ['a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n', /^invalid YAML: Excessive alias count/],
      ['a: *nowhere\n', /^invalid YAML/],
    ];
    for (const [text, message] of cases)
      expect(parseDefinitionText(text)).toEqual({ ok: false, reason: 'syntax', problems: [{ path: '$', message: expect.stringMatching(message) }] });
    expect(parseDefinitionText('a: &x [1, 2]\nb: *x\n')).toEqual({ ok: true, value: { a: [1, 2], b: [1, 2] } });
  });
});

describe('workflowDefinitionJsonSchema', () => {
  it('describes all six step types', () => {
    const schema = JSON.stringify(workflowDefinitionJsonSchema());
    for (const type of ['agent-task', 'parallel', 'condition', 'loop', 'http', 'script']) expect(schema).toContain(`"const":"${type}"`);
  });
});
