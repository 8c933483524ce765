import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidUtf8Byte } from '@agentic-flow/spec';

describe('decodeUtf8 and firstInvalidUtf8Byte', () => {
  it('decode UTF-8, dropping a byte order mark', () => {
    expect(decodeUtf8(Buffer.from('\ufeffcafé 😀'))).toBe('café 😀');
    expect(firstInvalidUtf8Byte(Buffer.from('café 😀'))).toBe(-1);
  });

  it('refuse Latin-1, surrogates, overlong forms and cut sequences, naming the first bad byte', () => {
    const cases: [number[], number][] = [
      [[0x63, 0x61, 0x66, 0xe9], 3],
      [[0x41, 0xed, 0xa0, 0x80], 1],
      [[0xc0, 0xaf], 0],
      [[0xe0, 0x80, 0xaf], 0],
      [[0xf4, 0x90, 0x80, 0x80], 0],
      [[0x41, 0xf0, 0x9f, 0x98], 1],
      [[0x80], 0],
    ];
    for (const [bytes, at] of cases) {
      expect(decodeUtf8(Uint8Array.from(bytes)), String(bytes)).toBeUndefined();
      expect(firstInvalidUtf8Byte(Uint8Array.from(bytes)), String(bytes)).toBe(at);
    }
  });

  it('agree with each other on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8(bytes) === undefined).toBe(firstInvalidUtf8Byte(bytes) !== -1);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});
