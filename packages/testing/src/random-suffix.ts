import { randomBytes } from 'node:crypto';

/** A short random lowercase hex string, safe in database names and Redis key prefixes. */
export function randomSuffix(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}
