/**
 * Opaque cursors for newest-first lists: the `created_at` and tie-breaking keys of a page's last row.
 * Timestamps are written with millisecond precision by the coordinator, so the cursor compares exactly.
 */
export interface KeysetPosition {
  createdAt: Date;
  keys: string[];
}

/** What one tie-breaking key of a cursor must look like to reach SQL (a uuid, a workflow id…). */
export type CursorKey = (key: string) => boolean;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuidKey: CursorKey = (key) => UUID.test(key);

/** Exactly what `Date.prototype.toISOString` writes for the years PostgreSQL and JavaScript share. */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Far longer than any cursor we write (a timestamp, a workflow id and a version), far shorter than abuse. */
const MAX_CURSOR_LENGTH = 1024;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeCursor(createdAt: Date, keys: string[]): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), ...keys])).toString('base64url');
}

/**
 * The position a cursor made by {@link encodeCursor} stands for, or null for anything else: not
 * canonical base64url, not UTF-8 JSON, not an array of a timestamp and one string per entry of
 * `keys`, a timestamp that is not a real instant written as `toISOString` writes it (no month 13,
 * no year -100000 that PostgreSQL cannot compare), or a key of the wrong shape. So a forged
 * cursor is refused before any SQL instead of failing in it.
 */
export function decodeCursor(cursor: string, keys: readonly CursorKey[]): KeysetPosition | null {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return null;
  const bytes = Buffer.from(cursor, 'base64url');
  // Node ignores stray bits and characters when decoding; only the canonical spelling counts.
  if (bytes.toString('base64url') !== cursor) return null;
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== keys.length + 1 || !value.every((v) => typeof v === 'string')) return null;
  const [iso, ...values] = value as string[];
  if (!ISO_MILLIS.test(iso!)) return null;
  const createdAt = new Date(iso!);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso) return null;
  if (!values.every((key, i) => keys[i]!(key))) return null;
  return { createdAt, keys: values };
}

export class InvalidCursorError extends Error {
  constructor() {
    super("cursor is not one this API returned; pass a page's nextCursor as it is");
    this.name = 'InvalidCursorError';
  }
}
