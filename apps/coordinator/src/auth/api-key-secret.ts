import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Keys look like `afk_<id>_<secret>`: the prefix says what the string is (secret scanners and
 * people recognise it), the id finds the row without a scan, the secret (32 random bytes) is
 * checked against a salted scrypt hash. The key is shown once; only the hash is kept.
 */
export const KEY_PREFIX = 'afk_';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 12;
const KEY_PATTERN = /^afk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

// Standard interactive-login parameters (about 50 ms on one core). A key's 256 random bits make
// the cost unnecessary against guessing, but it keeps a stolen table of hashes worthless even for
// a weaker bootstrap key; verified keys are cached, so the cost is paid once per key per minute or so.
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;

export interface IssuedKey {
  id: string;
  /** The whole key, to show once. */
  key: string;
  salt: string;
  hash: string;
}

export async function issueKey(): Promise<IssuedKey> {
  const id = randomId();
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('base64url');
  return { id, key: `${KEY_PREFIX}${id}_${secret}`, salt, hash: await hashSecret(secret, salt) };
}

/** The id and secret of a well-formed key, or undefined. */
export function parseKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export async function hashSecret(secret: string, salt: string): Promise<string> {
  return (await scryptAsync(secret, salt, HASH_BYTES, SCRYPT)).toString('base64url');
}

export async function secretMatches(secret: string, salt: string, expectedHash: string): Promise<boolean> {
  const actual = Buffer.from(await hashSecret(secret, salt), 'base64url');
  const expected = Buffer.from(expectedHash, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function randomId(): string {
  // 36^12 ids; rejection sampling keeps the distribution even.
  let id = '';
  while (id.length < ID_LENGTH) {
    for (const byte of randomBytes(ID_LENGTH * 2)) {
      if (byte < 252 && id.length < ID_LENGTH) id += ID_ALPHABET[byte % 36];
    }
  }
  return id;
}
