import { compileJsonSchema } from '@agentic-flow/executors';
import { describe, expect, it } from 'vitest';

function validator(schema: Record<string, unknown>) {
  const compiled = compileJsonSchema(schema);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.validate;
}

describe('compileJsonSchema', () => {
  it('reports every violation with a JSON path', () => {
    const validate = validator({
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { 'first name': { type: 'string' }, n: { type: 'integer' } } } } },
    });
    expect(validate({ items: [{ 'first name': 1, n: 1.5 }] })).toEqual([
      { path: '$.items[0]["first name"]', message: 'must be string' },
      { path: '$.items[0].n', message: 'must be integer' },
    ]);
    expect(validate({ items: [] })).toEqual([]);
  });

  it('checks formats, conditionals and the 2020-12 draft', () => {
    expect(validator({ type: 'string', format: 'email' })('not-an-email')).toEqual([{ path: '$', message: 'must match format "email"' }]);
    // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here
    const conditional = validator({ if: { required: ['a'] }, then: { required: ['b'] } });
    expect(conditional({ a: 1 })).toContainEqual({ path: '$', message: "must have required property 'b'" });
    const tuple = validator({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false });
    expect(tuple(['a'])).toEqual([]);
    expect(tuple(['a', 1]).length).toBeGreaterThan(0);
  });

  it('ignores unknown keywords but rejects an invalid schema', () => {
    expect(compileJsonSchema({ type: 'string', example: 'x' }).ok).toBe(true);
    expect(compileJsonSchema({ type: 'strnig' })).toMatchObject({ ok: false, message: expect.stringContaining('schema is invalid') });
    expect(compileJsonSchema({ $ref: '#/definitions/missing' }).ok).toBe(false);
  });

  it('caps the number of violations', () => {
    const validate = validator({ type: 'array', items: { type: 'string' } });
    const violations = validate(Array.from({ length: 30 }, (_, i) => i));
    expect(violations).toHaveLength(21);
    expect(violations.at(-1)).toEqual({ path: '$', message: '…and 10 more problems' });
  });
});
