import { describe, expect, it } from 'vitest';
import { DEFAULT_DEFINITION_CAPS, checkDefinition, checkDefinitionSource } from '@agentic-flow/definition-check';

const wf = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'wf', name: 'wf', version: '1', steps, ...extra });
const condition = (expression: string) => ({ id: 'c', type: 'condition', config: { condition: expression, trueStep: 'a' } });
const script = (config: Record<string, unknown>) => ({ id: 'a', type: 'script', config: { script: 'return 1;', ...config } });
const bytes = (text: string) => new TextEncoder().encode(text);

describe('checkDefinition', () => {
  it('accepts a valid definition, with its graph', () => {
    const verdict = checkDefinition(wf([condition('results.x > 1'), script({})]), DEFAULT_DEFINITION_CAPS);
    expect(verdict).toMatchObject({ ok: true, definition: { id: 'wf' } });
  });

  it('compiles every condition and loop expression as the sandbox would, refusing what it would not compile', () => {
    const verdict = checkDefinition(
      wf([
        { id: 'c', type: 'condition', config: { condition: 'results.x >>> ))', trueStep: 't' } },
        { id: 't', type: 'script', config: { script: 'return 1;' } },
        // Parses as an expression, but would close the sandbox's wrapper function and open another.
        { id: 'l', type: 'loop', config: { loopStep: 'b', condition: 'true', breakCondition: '1); }); (function () { (1' } },
        { id: 'b', type: 'script', config: { script: 'return 1;' } },
      ]),
      undefined,
    );
    expect(verdict).toEqual({
      ok: false,
      problems: [
        { path: '$.steps[0].config.condition', message: expect.stringMatching(/^invalid expression: Unexpected token/) },
        { path: '$.steps[2].config.breakCondition', message: expect.stringContaining('invalid expression') },
      ],
    });
  });

  it('reports schema, graph, template and expression problems at once', () => {
    const verdict = checkDefinition(wf([condition('a b'), { ...script({ url: '{{ nope }}' }), next: ['ghost'] }]), undefined);
    // config.url twice: an unknown field of a script config, and a template that does not parse.
    expect(verdict.ok ? [] : verdict.problems.map((p) => p.path).sort()).toEqual([
      '$.steps[0].config.condition',
      '$.steps[1].config.url',
      '$.steps[1].config.url',
      '$.steps[1].next[0]',
    ]);
  });

  it('holds script steps to the caps, and only when given caps (definitions stored before them are not)', () => {
    const greedy = wf([script({ timeout: 300_001, memoryLimit: 513, allowedModules: ['lodash', 'left-pad'] })]);
    expect(checkDefinition(greedy, DEFAULT_DEFINITION_CAPS)).toEqual({
      ok: false,
      problems: [
        { path: '$.steps[0].config.timeout', message: "300001 ms is over this cluster's SCRIPT_MAX_TIMEOUT_MS (300000 ms)" },
        { path: '$.steps[0].config.memoryLimit', message: "513 MiB is over this cluster's SCRIPT_MAX_MEMORY_MB (512 MiB)" },
        { path: '$.steps[0].config.allowedModules[1]', message: 'module "left-pad" is not in this cluster\'s module registry (registered: lodash, uuid)' },
      ],
    });
    expect(checkDefinition(greedy, undefined).ok).toBe(true);
  });
});

describe('checkDefinitionSource: a file as a coordinator checks the same text sent to it', () => {
  it('parses YAML, and JSON when the text starts with {', () => {
    expect(checkDefinitionSource(bytes('id: wf\nname: wf\nversion: "1"\nsteps:\n  - id: a\n    type: script\n    config: { script: "return 1" }\n')).ok).toBe(
      true,
    );
    expect(checkDefinitionSource(bytes(JSON.stringify(wf([script({})])))).ok).toBe(true);
  });

  it('refuses text a coordinator refuses before validating, with the API’s paths and messages', () => {
    expect(checkDefinitionSource(new Uint8Array([0x69, 0x64, 0x3a, 0x20, 0xe9]))).toEqual({
      ok: false,
      problems: [{ path: '$', message: 'is not UTF-8: byte 4 starts no valid sequence' }],
    });
    expect(checkDefinitionSource(bytes('{"id": "a", "id": "b"}'))).toEqual({
      ok: false,
      problems: [{ path: '$', message: expect.stringContaining('Map keys must be unique ("id" again)') }],
    });
    expect(checkDefinitionSource(bytes(JSON.stringify(wf([script({ script: 'return "\u0000";' })]))))).toEqual({
      ok: false,
      problems: [{ path: '$.steps[0].config.script', message: 'contains a NUL character (\\u0000), which cannot be stored' }],
    });
    expect(checkDefinitionSource(bytes(`{"id":${'['.repeat(250)}${']'.repeat(250)}}`))).toMatchObject({
      ok: false,
      problems: [{ path: '$', message: expect.stringContaining('nested deeper than 200 levels') }],
    });
    expect(checkDefinitionSource(new Uint8Array(512 * 1024 + 1).fill(0x20))).toMatchObject({
      ok: false,
      problems: [{ path: '$', message: expect.stringContaining('at most 524288 bytes') }],
    });
  });

  it('checks against a coordinator’s default caps unless given others', () => {
    const text = bytes(JSON.stringify(wf([script({ timeout: 400_000 })])));
    expect(checkDefinitionSource(text).ok).toBe(false);
    expect(checkDefinitionSource(text, { ...DEFAULT_DEFINITION_CAPS, scriptMaxTimeoutMs: 600_000 }).ok).toBe(true);
  });
});
