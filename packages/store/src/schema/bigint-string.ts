import { PgBigInt64, PgBigInt64Builder, type AnyPgTable, type PgBigInt64BuilderInitial } from 'drizzle-orm/pg-core';

/**
 * node-postgres hands `int8` over as a decimal string; this column keeps it that way. drizzle's own
 * modes give a `number` (loses precision past 2^53) or a `bigint` (which `JSON.stringify` rejects).
 */
// biome-ignore lint/suspicious/noExplicitAny: drizzle's column generics are internal
class PgBigIntString extends PgBigInt64<any> {
  // The base class is typed for `bigint`; the `$type<string>()` below makes the row type match.
  override mapFromDriverValue(value: string): bigint {
    return String(value) as unknown as bigint;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see above
class PgBigIntStringBuilder extends PgBigInt64Builder<any> {
  /** Called by drizzle when it builds the table (internal in drizzle's typings). */
  build(table: AnyPgTable): PgBigIntString {
    return new PgBigIntString(table, this.config as never);
  }
}

/**
 * A `bigint` column whose values are decimal strings in TypeScript, e.g. an identity key.
 *
 * @example
 * id: bigintString('id').primaryKey().generatedAlwaysAsIdentity()
 */
export function bigintString<TName extends string>(name: TName) {
  const builder = new PgBigIntStringBuilder(name) as unknown as PgBigInt64BuilderInitial<TName>;
  return builder.$type<string>();
}
