/** The window of a metrics query: ISO 8601 date-times, [from, to); default the last 24 hours. */
export interface MetricsQuery {
  workflowId?: string;
  from?: string | Date;
  to?: string | Date;
}

/** `getWorkflowMetrics`: executions settled in the window (and running now, started in it). Times in ms. */
export interface WorkflowMetrics {
  from: string;
  to: string;
  workflowId: string | null;
  totalExecutions: number;
  completedExecutions: number;
  failedExecutions: number;
  cancelledExecutions: number;
  runningExecutions: number;
  averageExecutionTime: number | null;
  p95ExecutionTime: number | null;
  /** failed / settled, 0–1. */
  errorRate: number;
  /** Settled executions per minute over the window. */
  throughput: number;
}

export interface StepMetricsQuery extends MetricsQuery {
  stepType?: string;
  /** Also per workflow and step id. */
  byStep?: boolean;
}

/** One step type's (or, with `byStep`, one workflow step's) runs settled in the window. Times in ms. */
export interface StepMetricsEntry {
  stepType: string;
  workflowId?: string;
  stepId?: string;
  count: number;
  failed: number;
  /** Runs of an attempt after the first (re-runs after a resume or restore, recovery attempts). */
  retries: number;
  errorRate: number;
  averageDuration: number | null;
  p50Duration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  queueWaitP95: number | null;
}

export interface StepMetrics {
  from: string;
  to: string;
  items: StepMetricsEntry[];
}

export type HealthLevel = 'healthy' | 'degraded' | 'critical';

/** `getHealthStatus()`. */
export interface HealthStatus {
  status: HealthLevel;
  checkedAt: string;
  components: {
    postgres: { reachable: boolean; latencyMs: number | null; error?: string };
    redis: { reachable: boolean; latencyMs: number | null; error?: string };
    queues: {
      stepType: string;
      queue: string;
      waiting: number;
      active: number;
      delayed: number;
      failed: number;
      oldestWaitingAgeMs: number | null;
      liveWorkers: number;
    }[];
    workers: {
      total: number;
      byStepType: Record<string, number>;
      live: { id: string; stepTypes: string[]; host?: string; pid?: number; lastSeenMsAgo: number }[];
    };
    coordinators: { total: number; leader: string | null; live: { id: string; leader: boolean; host?: string; pid?: number; lastSeenMsAgo: number }[] };
    circuitBreakers: { open: { key: string; state: string; failures: number; openedAt?: number }[] };
    deadLetter: { size: number };
    resultStream: { length: number; pending: number; lag: number | null } | null;
  };
  issues: string[];
  recommendations: string[];
}

/** `updateThresholds`: each key optional; `null` puts a key back to its default. */
export interface MonitorThresholds {
  maxExecutionTime?: number | null;
  maxErrorRate?: number | null;
  maxStepExecutionTime?: number | null;
  maxQueueSize?: number | null;
  maxQueueWaitTime?: number | null;
  maxDeadLetterGrowth?: number | null;
  minSamples?: number | null;
  evaluationWindow?: number | null;
}

/** The cluster's monitor settings: the thresholds in force (defaults filled in) and the evaluation interval. */
export interface MonitorSettings {
  thresholds: Required<{ [K in keyof MonitorThresholds]: number }>;
  intervalMs: number;
  updatedAt: string;
}

export const ALERT_SINK_EVENTS = ['alert:created', 'alert:resolved'] as const;
export type AlertSinkEvent = (typeof ALERT_SINK_EVENTS)[number];

/** A webhook sink, as configured: `secretName` names a coordinator secret (its value is never stored or returned). */
export interface AlertSinkInput {
  url: string;
  events?: AlertSinkEvent[];
  /** Only these alert types (`threshold`, `no-worker`, `circuit-breaker`, `dead-letter`, `escalation`); default all. */
  alertTypes?: string[] | null;
  secretName?: string | null;
  /** `json` (default): the alert and delivery; `slack`: `{ text }` for a Slack incoming webhook. */
  format?: 'json' | 'slack';
}

export interface AlertSinkView {
  namespace: string;
  name: string;
  url: string;
  events: AlertSinkEvent[];
  alertTypes: string[] | null;
  secretName: string | null;
  format: 'json' | 'slack';
  createdAt: string;
  updatedAt: string;
}

export interface AlertDeliveryView {
  id: string;
  sink: string;
  alertId: string;
  event: AlertSinkEvent;
  status: 'pending' | 'queued' | 'delivered' | 'failed';
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}
