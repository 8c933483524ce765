import { encodeCursor } from '@agentic-flow/store';

/**
 * A page of a newest-first list read with one row more than `limit` (`created_at desc, id desc`):
 * the extra row only says that there is a next page, whose cursor is the last row shown.
 */
export function keysetPage<Row extends { createdAt: Date; id: string }, View>(
  rows: readonly Row[],
  limit: number,
  view: (row: Row) => View,
): { items: View[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, [last.id]) : null };
}
