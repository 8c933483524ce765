/**
 * Opaque cursors for newest-first lists: the `created_at` and tie-breaking keys of a page's last row.
 * Timestamps are written with millisecond precision by the coordinator, so the cursor compares exactly.
 */
export interface KeysetPosition {
  createdAt: Date;
  keys: string[];
}

export function encodeCursor(createdAt: Date, keys: string[]): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), ...keys])).toString('base64url');
}

/** Returns null for a cursor that was not made by {@link encodeCursor} with `keyCount` keys. */
export function decodeCursor(cursor: string, keyCount: number): KeysetPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== keyCount + 1 || !value.every((v) => typeof v === 'string')) return null;
    const [iso, ...keys] = value as string[];
    const createdAt = new Date(iso!);
    return Number.isNaN(createdAt.getTime()) ? null : { createdAt, keys };
  } catch {
    return null;
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'InvalidCursorError';
  }
}
