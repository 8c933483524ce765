import { MASK, MIN_MASKED_LENGTH, SecretMask, maskedForms } from '@agentic-flow/executors';
import { describe, expect, it } from 'vitest';

const TOKEN = 'tok/en+s3cr3t value&x=1';

describe('SecretMask.text', () => {
  const mask = SecretMask.of([TOKEN]);

  it('masks every occurrence of the plain value', () => {
    expect(mask.text(`a ${TOKEN} b ${TOKEN}`)).toBe('a *** b ***');
    expect(mask.text('nothing here')).toBe('nothing here');
  });

  it('masks its URL-encoded forms: encodeURIComponent, encodeURI and a form (space as +)', () => {
    for (const encoded of [encodeURIComponent(TOKEN), encodeURI(TOKEN), new URLSearchParams({ q: TOKEN }).toString().slice(2)]) {
      expect(encoded).not.toBe(TOKEN);
      expect(mask.text(`https://api.test/x?q=${encoded}&y=2`)).toBe('https://api.test/x?q=***&y=2');
    }
    expect(new URLSearchParams({ q: TOKEN }).toString()).toContain('+');
  });

  it('masks its base64 and base64url forms, whole and inside longer base64 at every alignment', () => {
    const bytes = Buffer.from(TOKEN);
    expect(mask.text(`x ${bytes.toString('base64')} y`)).toBe('x *** y');
    expect(mask.text(`x ${bytes.toString('base64url')} y`)).toBe('x *** y');
    for (const user of ['u', 'us', 'usr', 'user']) {
      // `Authorization: Basic base64(user:password)`: the password starts at any byte alignment.
      const basic = Buffer.from(`${user}:${TOKEN}`).toString('base64');
      const masked = mask.text(`Basic ${basic}`);
      expect(masked).toContain(MASK);
      // What is left is at most the characters shared with the user name and the padding.
      expect(masked.replace('Basic ', '').replace(MASK, '').length).toBeLessThanOrEqual(Math.ceil(((user.length + 1) * 4) / 3) + 4);
    }
  });

  it('masks the lower-case form (URL host names are lower-cased)', () => {
    const host = SecretMask.of(['MyHostSecret']);
    expect(host.text(new URL('http://MyHostSecret.invalid/').href)).toBe('http://***.invalid/');
  });

  it('masks overlapping secrets as one, so neither shows in part', () => {
    const overlapping = SecretMask.of(['abcdef', 'defghi']);
    expect(overlapping.text('xx abcdefghi yy')).toBe('xx *** yy');
    // One secret inside another: the longer is masked whole.
    const nested = SecretMask.of(['inner-1', 'outer-inner-1-outer']);
    expect(nested.text('outer-inner-1-outer and inner-1')).toBe('*** and ***');
    // Overlapping occurrences of one secret.
    expect(SecretMask.of(['aaaa']).text('baaaaaab')).toBe('b***b');
  });

  it(`ignores values shorter than ${MIN_MASKED_LENGTH} characters (they would mask everything) and empty values`, () => {
    expect(maskedForms('abc')).toEqual([]);
    const short = SecretMask.of(['', 'x', 'abc']);
    expect(short.isEmpty).toBe(true);
    expect(short.text('abc x')).toBe('abc x');
    expect(maskedForms('abcd')).toContain('abcd');
  });

  it('lists its forms longest first, without duplicates', () => {
    const forms = maskedForms(TOKEN);
    expect(new Set(forms).size).toBe(forms.length);
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms);
    expect(forms.every((form) => form.length >= MIN_MASKED_LENGTH)).toBe(true);
  });
});

describe('SecretMask.json', () => {
  const mask = SecretMask.of([TOKEN, 'n-quote"and\\slash']);

  it('returns text without any secret as it is (the same string)', () => {
    const json = JSON.stringify({ a: 'b', list: [1, 2, { c: 'd' }] });
    expect(mask.json(json)).toBe(json);
  });

  it('masks strings and keys at any depth and stays valid JSON', () => {
    const value = { output: { headers: { authorization: `Bearer ${TOKEN}` }, [TOKEN]: 1, list: [`x${TOKEN}`] } };
    const masked = JSON.parse(mask.json(JSON.stringify(value))) as unknown;
    expect(masked).toEqual({ output: { headers: { authorization: 'Bearer ***' }, '***': 1, list: ['x***'] } });
  });

  it('finds a secret with quotes and backslashes as JSON escapes them', () => {
    const json = JSON.stringify({ said: 'it was n-quote"and\\slash!' });
    expect(JSON.parse(mask.json(json))).toEqual({ said: 'it was ***!' });
  });

  it('never cuts an escape sequence in two (masking the text itself would)', () => {
    const tricky = SecretMask.of(['nabcd']);
    const json = JSON.stringify({ a: '\nabcd', b: 'xnabcd' });
    // The raw text holds "nabcd" right after a backslash: a text replace would leave `\***`, invalid JSON.
    expect(json).toContain('\\nabcd');
    expect(JSON.parse(tricky.json(json))).toEqual({ a: '\nabcd', b: 'x***' });
  });

  it('keeps a trailing newline (log lines) and a "__proto__" key as data', () => {
    const line = `{"msg":"sent ${TOKEN}","__proto__":{"k":"${TOKEN}"}}\n`;
    const masked = mask.json(line);
    expect(masked.endsWith('}\n')).toBe(true);
    expect(masked).toBe('{"msg":"sent ***","__proto__":{"k":"***"}}\n');
  });

  it('masks text that is not JSON as plain text', () => {
    expect(mask.json(`not json ${TOKEN}`)).toBe('not json ***');
  });
});

describe('SecretMask.value', () => {
  it('returns the same value when nothing needed masking, a copy sharing untouched parts otherwise', () => {
    const mask = SecretMask.of(['s3cr3t!']);
    const untouched = { a: { b: [1, 'x'] } };
    expect(mask.value(untouched)).toBe(untouched);
    const value = { keep: { deep: [1] }, change: ['s3cr3t!'] };
    const masked = mask.value(value);
    expect(masked).toEqual({ keep: { deep: [1] }, change: ['***'] });
    expect(masked.keep).toBe(value.keep);
    expect(value.change[0]).toBe('s3cr3t!');
  });
});
