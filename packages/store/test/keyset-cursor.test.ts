import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, uuidKey, type CursorKey } from '@agentic-flow/store';

const anyKey: CursorKey = () => true;
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const id = '0196a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b';

describe('keyset cursors', () => {
  it('decode what they encode', () => {
    const at = new Date('2026-05-06T07:08:09.123Z');
    expect(decodeCursor(encodeCursor(at, [id]), [uuidKey])).toEqual({ createdAt: at, keys: [id] });
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.uuid(), (date, uuid) => {
        expect(decodeCursor(encodeCursor(date, [uuid]), [uuidKey])).toEqual({ createdAt: date, keys: [uuid] });
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('refuse anything else, without throwing', () => {
    const forged = [
      '',
      'garbage!',
      'bm90IGEgY3Vyc29y',
      `${encodeCursor(new Date(), [id])}=`,
      b64('["2026-01-01T00:00:00.000Z","not-a-uuid"]'),
      b64(`["2026-13-01T00:00:00.000Z","${id}"]`),
      b64(`["2026-02-30T00:00:00.000Z","${id}"]`),
      b64(`["-100000-01-01T00:00:00.000Z","${id}"]`),
      b64(`["+275760-09-13T00:00:00.000Z","${id}"]`),
      b64(`["2026-01-01T00:00:00Z","${id}"]`),
      b64(`["2026-01-01","${id}"]`),
      b64(`[1767225600000,"${id}"]`),
      b64(`["2026-01-01T00:00:00.000Z","${id}","extra"]`),
      b64(`{"createdAt":"2026-01-01T00:00:00.000Z","id":"${id}"}`),
      Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]).toString('base64url'),
      'A'.repeat(2000),
    ];
    for (const cursor of forged) expect(decodeCursor(cursor, [uuidKey]), cursor).toBeNull();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (cursor) => void decodeCursor(cursor, [anyKey])),
      { seed: 7, numRuns: 500 },
    );
  });

  it('check each key with its own rule', () => {
    const cursor = encodeCursor(new Date('2026-01-01T00:00:00.000Z'), ['wf', '1.0.0']);
    expect(decodeCursor(cursor, [anyKey, anyKey])).not.toBeNull();
    expect(decodeCursor(cursor, [anyKey, () => false])).toBeNull();
    expect(decodeCursor(cursor, [anyKey])).toBeNull();
  });
});
