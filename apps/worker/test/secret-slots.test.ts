import { describe, expect, it } from 'vitest';
import { fillSecretSlots } from '../src/secret-slots.js';

const secrets: Record<string, string> = { TOKEN: 'tok-12345', HOST: 'hostsecret' };
const secret = (name: string): string | undefined => secrets[name];

describe('fillSecretSlots', () => {
  it('fills exactly the slots, without modifying the job’s config', () => {
    const config = {
      url: 'https://{{ secrets.HOST }}.test/',
      headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', Other: 'x' },
      body: { list: ['{{ secrets.TOKEN }}', 'keep'] },
    };
    const before = structuredClone(config);
    const filled = fillSecretSlots(
      config,
      [
        { path: ['url'], parts: ['https://', { secret: 'HOST' }, '.test/'] },
        { path: ['headers', 'Authorization'], parts: ['Bearer ', { secret: 'TOKEN' }] },
        { path: ['body', 'list', 0], parts: [{ secret: 'TOKEN' }] },
      ],
      secret,
    );
    expect(filled).toEqual({
      ok: true,
      config: { url: 'https://hostsecret.test/', headers: { Authorization: 'Bearer tok-12345', Other: 'x' }, body: { list: ['tok-12345', 'keep'] } },
    });
    expect(config).toEqual(before);
  });

  it('resolves nothing else: `{{ secrets.X }}` text that came from data stays text', () => {
    const config = { url: 'https://api.test/', query: { q: '{{ secrets.TOKEN }}' }, body: 'v={{ secrets.TOKEN }}' };
    expect(fillSecretSlots(config, undefined, secret)).toEqual({ ok: true, config });
    // A slot's resolved text holding a reference is text too: only `{ secret }` pieces are secrets.
    const slotted = fillSecretSlots({ headers: { A: 'x' } }, [{ path: ['headers', 'A'], parts: ['{{ secrets.TOKEN }}:', { secret: 'TOKEN' }] }], secret);
    expect(slotted).toEqual({ ok: true, config: { headers: { A: '{{ secrets.TOKEN }}:tok-12345' } } });
  });

  it('fails with TEMPLATE for a secret this worker does not hold', () => {
    const filled = fillSecretSlots({ url: 'x' }, [{ path: ['url'], parts: [{ secret: 'MISSING' }] }], secret);
    expect(filled).toMatchObject({
      ok: false,
      error: { code: 'TEMPLATE', message: expect.stringContaining('secret "MISSING" is not configured'), details: { secret: 'MISSING' } },
    });
  });

  it('fails with INVALID_CONFIG a slot that names no string of the config', () => {
    for (const path of [['nope'], ['headers'], ['headers', 'A', 'deeper'], [], ['__proto__', 'x']]) {
      const filled = fillSecretSlots({ headers: { A: 'x' } }, [{ path, parts: [{ secret: 'TOKEN' }] }], secret);
      expect(filled).toMatchObject({ ok: false, error: { code: 'INVALID_CONFIG' } });
    }
  });

  it('treats a "__proto__" key as data', () => {
    const config = JSON.parse('{"headers":{"__proto__":"{{ secrets.TOKEN }}"}}') as Record<string, unknown>;
    const filled = fillSecretSlots(config, [{ path: ['headers', '__proto__'], parts: [{ secret: 'TOKEN' }] }], secret);
    if (!filled.ok) throw new Error(filled.error.message);
    const headers = (filled.config as { headers: object }).headers;
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('tok-12345');
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  });
});
