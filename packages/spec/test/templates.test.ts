import { describe, expect, it } from 'vitest';
import { TemplateResolutionError, TemplateSyntaxError, parsePath, parseTemplate, resolveTemplates } from '@agentic-flow/spec';

describe('parsePath', () => {
  it('parses dotted, indexed and quoted segments', () => {
    expect(parsePath('results["fetch-data"].body.items[0]')).toEqual({
      source: 'results["fetch-data"].body.items[0]',
      root: 'results',
      segments: ['fetch-data', 'body', 'items', 0],
    });
    expect(parsePath("variables['a b'].c").segments).toEqual(['a b', 'c']);
  });

  it.each([
    ['', 'empty template'],
    ['process.env', 'unknown root "process"'],
    ['variables.', 'expected a name'],
    ['variables[x]', 'expected [number] or ["key"]'],
    ['variables.a + 1', 'unexpected " "'],
  ])('rejects %j', (source, why) => {
    expect(() => parsePath(source)).toThrow(TemplateSyntaxError);
    expect(() => parsePath(source)).toThrow(why);
  });
});

describe('parseTemplate', () => {
  it('splits text and paths', () => {
    expect(parseTemplate('Bearer {{ variables.token }}!')).toEqual([
      { kind: 'text', text: 'Bearer ' },
      { kind: 'path', path: { source: 'variables.token', root: 'variables', segments: ['token'] } },
      { kind: 'text', text: '!' },
    ]);
  });
  it('rejects an unclosed template', () => {
    expect(() => parseTemplate('a {{ variables.x')).toThrow('unclosed "{{" at character 2');
  });
});

describe('resolveTemplates', () => {
  const scope = {
    variables: { token: 'abc', n: 3, flag: false, nothing: null },
    results: { 'fetch-data': { body: { items: [{ id: 7 }, { id: 8 }] } } },
  };

  it('keeps the type of a string that is exactly one template', () => {
    expect(resolveTemplates('{{ variables.n }}', scope)).toBe(3);
    expect(resolveTemplates('{{variables.flag}}', scope)).toBe(false);
    expect(resolveTemplates('{{ variables.nothing }}', scope)).toBeNull();
    expect(resolveTemplates('{{ results["fetch-data"].body.items }}', scope)).toEqual([{ id: 7 }, { id: 8 }]);
  });

  it('interpolates text, objects as JSON', () => {
    expect(resolveTemplates('n={{ variables.n }} first={{ results["fetch-data"].body.items[0] }}', scope)).toBe('n=3 first={"id":7}');
  });

  it('walks objects and arrays and leaves untemplated values untouched', () => {
    const config = { url: 'http://x/{{ variables.token }}', headers: { a: 'plain' }, list: ['{{ variables.n }}', 2] };
    const resolved = resolveTemplates(config, scope);
    expect(resolved).toEqual({ url: 'http://x/abc', headers: { a: 'plain' }, list: [3, 2] });
    expect(resolved.headers).toBe(config.headers);
    const untouched = { a: { b: ['c'] } };
    expect(resolveTemplates(untouched, scope)).toBe(untouched);
  });

  it('fails naming the path that does not resolve', () => {
    expect(() => resolveTemplates('{{ results["missing"].x }}', scope)).toThrow(TemplateResolutionError);
    expect(() => resolveTemplates('{{ results["fetch-data"].body.nope }}', scope)).toThrow(
      'template "{{ results["fetch-data"].body.nope }}" does not resolve (resolved up to "results.fetch-data.body", which has no "nope" (its keys: items))',
    );
    // What a path stops in is described, whatever it is.
    expect(() => resolveTemplates('{{ results["fetch-data"].body.items.first }}', scope)).toThrow('which is an array of 2 items, with no ["first"]');
    expect(() => resolveTemplates('{{ variables.n.x }}', scope)).toThrow('(resolved up to "variables.n", which is a number)');
    try {
      resolveTemplates('x {{ variables.missing }}', scope);
    } catch (error) {
      expect((error as TemplateResolutionError).templatePath).toBe('variables.missing');
    }
  });

  it('never reaches prototype properties', () => {
    expect(() => resolveTemplates('{{ variables.constructor }}', scope)).toThrow(TemplateResolutionError);
    expect(() => resolveTemplates('{{ variables.token.length }}', scope)).toThrow(TemplateResolutionError);
  });

  it('defers the roots it is told to', () => {
    expect(resolveTemplates('Bearer {{ secrets.API_KEY }} for {{ variables.token }}', scope, { deferRoots: ['secrets'] })).toBe(
      'Bearer {{ secrets.API_KEY }} for abc',
    );
    expect(resolveTemplates('{{ secrets.API_KEY }}', scope, { deferRoots: ['secrets'] })).toBe('{{ secrets.API_KEY }}');
  });
});
