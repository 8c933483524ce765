import pg from 'pg';
import { Redis } from 'ioredis';

/** One stored thing as text, and where it is. */
export interface StoredText {
  /** `table` for PostgreSQL rows; `key` (and the field, member or entry) for Redis. */
  where: string;
  text: string;
}

/**
 * Every row of every table of the database (all schemas but PostgreSQL's own), each as the text of
 * its whole record (`SELECT t::text FROM <table> t`): what a scan for leaked values must search.
 */
export async function databaseTexts(url: string): Promise<StoredText[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    const texts: StoredText[] = [];
    for (const { schema, name } of tables.rows) {
      const table = `${quote(schema)}.${quote(name)}`;
      const rows = await client.query<{ t: string }>(`select t::text as t from ${table} t`);
      for (const row of rows.rows) texts.push({ where: `${schema}.${name}`, text: row.t });
    }
    return texts;
  } finally {
    await client.end();
  }
}

/**
 * Every key under `prefix:` and everything in it, as text, whatever its type: strings, hashes
 * (fields and values), lists, sets, sorted sets (members and scores) and streams (entry ids, fields
 * and values). Key names are included: a key can leak too.
 */
export async function redisTexts(url: string, prefix: string): Promise<StoredText[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  await redis.connect();
  try {
    const texts: StoredText[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        texts.push({ where: `key ${key}`, text: key });
        const type = await redis.type(key);
        const add = (text: string): void => void texts.push({ where: `${type} ${key}`, text });
        switch (type) {
          case 'string':
            add((await redis.get(key)) ?? '');
            break;
          case 'hash':
            for (const [field, value] of Object.entries(await redis.hgetall(key))) add(`${field}=${value}`);
            break;
          case 'list':
            for (const item of await redis.lrange(key, 0, -1)) add(item);
            break;
          case 'set':
            for (const member of await redis.smembers(key)) add(member);
            break;
          case 'zset':
            for (const member of await redis.zrange(key, '0', '-1', 'WITHSCORES')) add(member);
            break;
          case 'stream':
            for (const [id, fields] of (await redis.xrange(key, '-', '+')) as [string, string[]][]) add(`${id} ${fields.join(' ')}`);
            break;
          case 'none':
            break; // expired or deleted since the scan
          default:
            add(`unscanned type ${type}`);
        }
      }
    } while (cursor !== '0');
    return texts;
  } finally {
    redis.disconnect();
  }
}

/** The places among `texts` where any of `needles` occurs: empty is what a leak scan wants. */
export function occurrences(texts: readonly StoredText[], needles: readonly string[]): Array<StoredText & { needle: string }> {
  const found: Array<StoredText & { needle: string }> = [];
  for (const item of texts) for (const needle of needles) if (item.text.includes(needle)) found.push({ ...item, needle });
  return found;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
