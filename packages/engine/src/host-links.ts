import type { ExecutionState } from './execution-state.js';

/**
 * The instance whose failure a failure of `key` is: a part's (a coordinator agent's subtask or
 * synthesis) fails its host, which is what escalated; any other instance is its own.
 */
export function failureOwnerKey(state: Pick<ExecutionState, 'hosts'>, key: string): string {
  const link = state.hosts?.[key];
  return link?.role === 'part' ? link.host : key;
}
