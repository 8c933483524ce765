import { createHash } from 'node:crypto';

/**
 * The id of the child execution step run `key`/`attempt` of `parentId` starts: derived, not random,
 * so starting it twice (after commit, and again by the reconciler after a crash) inserts one row
 * (the primary key refuses the second). A UUID (version 8, RFC 9562's custom layout) of SHA-256.
 */
export function childExecutionId(parentId: string, key: string, attempt: number): string {
  const bytes = createHash('sha256').update(`${parentId}\u0000${key}\u0000${attempt}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
