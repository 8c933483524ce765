/** Codes of the monitor's domain errors; the HTTP layer maps each to an API error. Never reuse a code. */
export const MONITOR_ERROR_CODES = ['ALERT_SINK_NOT_FOUND', 'ALERT_SINK_INVALID'] as const;
export type MonitorErrorCode = (typeof MONITOR_ERROR_CODES)[number];

/** A problem with one field of a request, as `path` (JSON path) and message. */
export interface MonitorProblem {
  path: string;
  message: string;
}

export class MonitorError extends Error {
  constructor(
    readonly code: MonitorErrorCode,
    message: string,
    readonly problems?: MonitorProblem[],
  ) {
    super(message);
    this.name = 'MonitorError';
  }
}
