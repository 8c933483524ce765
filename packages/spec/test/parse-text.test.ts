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
      problems: [{ path: '$', message: expect.stringMatching(/^invalid YAML at line 3, column 1: /) }],
    });
    expect(parseDefinitionText('{"id": "x",}', 'json')).toEqual({ ok: false, problems: [{ path: '$', message: expect.stringMatching(/^invalid JSON/) }] });
  });

  it('rejects duplicate keys instead of keeping the last', () => {
    const result = parseDefinitionText('{"id": "a", "id": "b"}');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.message).toContain('Map keys must be unique');
  });
});

describe('workflowDefinitionJsonSchema', () => {
  it('describes all six step types', () => {
    const schema = JSON.stringify(workflowDefinitionJsonSchema());
    for (const type of ['agent-task', 'parallel', 'condition', 'loop', 'http', 'script']) expect(schema).toContain(`"const":"${type}"`);
  });
});
