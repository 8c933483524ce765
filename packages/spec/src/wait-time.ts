/**
 * The times a `wait` step waits for: a duration (`500ms`, `30s`, `1h30m`, or a number of ms) or an
 * instant (`until`, an ISO 8601 date-time with a timezone). One parser for registration (the schema)
 * and for run time (a templated value the engine resolves at launch), so the two never disagree.
 */

/**
 * The longest wait: 366 days, in ms. A timer is a row in PostgreSQL, so a long wait costs nothing
 * while it waits, but a wait beyond a year is a mistake far more often than a plan (`1000d` for
 * `1000s`), and a cap keeps every due time a safe integer and a valid timestamp.
 */
export const MAX_WAIT_MS = 366 * 24 * 60 * 60 * 1000;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;

// Units largest first, each at most once, digits only: no sign, exponent, decimal point or space.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * A duration in ms, or a reason it is not one: a number of ms (finite, 0 to {@link MAX_WAIT_MS}) or a
 * string of whole units largest first (`1d2h3m4s5ms`, any subset, at least one).
 *
 * @example parseDuration('1h30m') // { ok: true, ms: 5_400_000 }
 */
export function parseDuration(value: unknown): { ok: true; ms: number } | { ok: false; reason: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'must be a finite number of milliseconds' };
    if (value < 0) return { ok: false, reason: 'must not be negative' };
    if (value > MAX_WAIT_MS) return { ok: false, reason: `must be at most ${MAX_WAIT_MS} ms (366 days)` };
    return { ok: true, ms: Math.ceil(value) };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'must be a number of milliseconds or a string such as "30s", "15m" or "1h30m"' };
  const match = value.length > 0 && value.length <= 64 ? DURATION.exec(value) : null;
  if (!match || match.slice(1).every((part) => part === undefined)) {
    return {
      ok: false,
      reason: `"${value.slice(0, 64)}" is not a duration: use whole units largest first, such as "500ms", "30s", "15m", "2h", "1d" or "1h30m"`,
    };
  }
  const [, d, h, m, s, ms] = match;
  // Each part is at most 64 digits, so Number() is finite (or huge), never NaN; the cap sorts out the rest.
  const total = [d, h, m, s, ms].reduce((sum, part, index) => sum + (part === undefined ? 0 : Number(part) * Object.values(UNIT_MS)[index]!), 0);
  if (!(total <= MAX_WAIT_MS)) return { ok: false, reason: `"${value}" is longer than 366 days, the longest wait` };
  return { ok: true, ms: total };
}

// A date and time with a `Z` or `±hh:mm` offset: an instant, never a local time that depends on a server's zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * An instant in epoch ms, or a reason it is not one: an ISO 8601 date-time with a timezone
 * (`2030-01-01T09:00:00Z`, `2030-01-01T10:00:00+01:00`).
 */
export function parseInstant(value: unknown): { ok: true; at: number } | { ok: false; reason: string } {
  if (typeof value !== 'string' || value.length > 64 || !INSTANT.test(value)) {
    return { ok: false, reason: `${describe(value)} is not an ISO 8601 date-time with a timezone, such as "2030-01-01T09:00:00Z"` };
  }
  const at = Date.parse(value);
  // V8 rolls 2030-02-30 over to March 2nd: a day the month does not have is refused here instead.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(at) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    return { ok: false, reason: `"${value}" is not a valid date-time` };
  }
  return { ok: true, at };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.slice(0, 64)}"`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.slice(0, 64);
}
