import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { StepRunRow, StepRunSummaryRow } from '../rows.js';
import { stepRuns } from '../schema/index.js';
import type { DbExecutor } from './db-executor.js';
import { InvalidCursorError, decodeCursor, encodeCursor, uuidKey, type CursorKey } from './keyset-cursor.js';
import { listedColumns, queueOrder, summaryColumns } from './step-runs-repository.js';

export interface StepRunPageOptions {
  /** Runs in the page (the API allows 1–1000). */
  limit: number;
  /** A page's `nextCursor`, from a read of the same execution. */
  cursor?: string;
}

export interface StepRunPage<Row> {
  rows: Row[];
  /** Null when the page holds the last run. */
  nextCursor: string | null;
}

// The cursor holds [queued_at, execution id, 'q' | 'n', instance key, attempt]. queued_at can be
// null (runs recorded without a queue sort last): 'n' says so, the timestamp is then a placeholder.
const QUEUED = 'q';
const NOT_QUEUED = 'n';
const PLACEHOLDER = new Date(0);
const queuedKey: CursorKey = (key) => key === QUEUED || key === NOT_QUEUED;
// PostgreSQL text refuses NUL; a lone surrogate is no instance key we ever wrote.
const instanceKey: CursorKey = (key) => key.length > 0 && !key.includes(String.fromCharCode(0)) && !/\p{Cs}/u.test(key);
const attemptKey: CursorKey = (key) => /^(0|[1-9]\d{0,8})$/.test(key);
const CURSOR_KEYS = [uuidKey, queuedKey, instanceKey, attemptKey] as const;

/**
 * One page of an execution's runs in queue order ({@link queueOrder}), with their outputs:
 * keyset-paginated on (queued_at nulls last, instance_key, attempt), columns a run never changes,
 * so a run that finishes between two pages is neither skipped nor repeated. Reads one row more
 * than `limit` to know whether another page follows. Throws {@link InvalidCursorError} for a
 * cursor this API did not return, or one of another execution's runs.
 */
export async function pageStepRuns(db: DbExecutor, executionId: string, options: StepRunPageOptions): Promise<StepRunPage<StepRunRow>> {
  const rows = await db
    .select(listedColumns)
    .from(stepRuns)
    .where(and(eq(stepRuns.executionId, executionId), after(executionId, options.cursor)))
    .orderBy(...queueOrder)
    .limit(options.limit + 1);
  return pageOf(rows, executionId, options.limit);
}

/** {@link pageStepRuns} without the `input` and `output` columns, as {@link listStepRunSummaries}. */
export async function pageStepRunSummaries(db: DbExecutor, executionId: string, options: StepRunPageOptions): Promise<StepRunPage<StepRunSummaryRow>> {
  const rows = await db
    .select(summaryColumns)
    .from(stepRuns)
    .where(and(eq(stepRuns.executionId, executionId), after(executionId, options.cursor)))
    .orderBy(...queueOrder)
    .limit(options.limit + 1);
  return pageOf(rows, executionId, options.limit);
}

/** The runs after a cursor's position in queue order; undefined (no condition) without a cursor. */
function after(executionId: string, cursor: string | undefined): SQL | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor, CURSOR_KEYS);
  // Another execution's cursor would silently start this one's list at an arbitrary place.
  if (!position || position.keys[0] !== executionId) throw new InvalidCursorError();
  const [, queued, key, attempt] = position.keys as [string, string, string, string];
  const tail = sql`(${stepRuns.instanceKey}, ${stepRuns.attempt}) > (${key}::text, ${Number(attempt)}::int)`;
  if (queued === NOT_QUEUED) return sql`(${stepRuns.queuedAt} is null and ${tail})`;
  // Nulls sort last: every run without a queue time comes after a queued one.
  return sql`(${stepRuns.queuedAt} is null or ${stepRuns.queuedAt} > ${position.createdAt} or (${stepRuns.queuedAt} = ${position.createdAt} and ${tail}))`;
}

function pageOf<Row extends Pick<StepRunRow, 'queuedAt' | 'instanceKey' | 'attempt'>>(rows: Row[], executionId: string, limit: number): StepRunPage<Row> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  if (!more || !last) return { rows: page, nextCursor: null };
  const queued = last.queuedAt === null ? NOT_QUEUED : QUEUED;
  return { rows: page, nextCursor: encodeCursor(last.queuedAt ?? PLACEHOLDER, [executionId, queued, last.instanceKey, String(last.attempt)]) };
}
