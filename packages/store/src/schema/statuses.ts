import type { ApiKeyRole as SpecApiKeyRole, EventType as SpecEventType, ExecutionStatus, StepRunStatus, StepType } from '@agentic-flow/spec';

/**
 * The status vocabularies the database enforces with CHECK constraints. They mirror the API types
 * in `@agentic-flow/spec`; the type-only assertions below fail the build when the two drift apart
 * (a type import, so drizzle-kit never has to load `spec` to read the schema).
 */
export const EXECUTION_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export const STEP_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export const SNAPSHOT_KINDS = ['manual', 'auto', 'restore'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const RECOVERY_STRATEGY_KINDS = ['retry', 'skip', 'alternative', 'rollback', 'escalate', 'none'] as const;
export const ERROR_STATUSES = ['open', 'closed'] as const;
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;

export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type RecoveryStrategyKind = (typeof RECOVERY_STRATEGY_KINDS)[number];
export type ErrorStatus = (typeof ERROR_STATUSES)[number];
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const executionStatusesMatchSpec: Same<(typeof EXECUTION_STATUSES)[number], ExecutionStatus> = true;
const stepRunStatusesMatchSpec: Same<(typeof STEP_RUN_STATUSES)[number], StepRunStatus> = true;
void executionStatusesMatchSpec;
void stepRunStatusesMatchSpec;

/** Step types (`@agentic-flow/spec` STEP_TYPES): a recovery strategy for every workflow names one (`recovery_strategies`' CHECK). */
export const STEP_TYPES = ['agent-task', 'parallel', 'condition', 'loop', 'http', 'script', 'wait', 'workflow'] as const;
const stepTypesMatchSpec: Same<(typeof STEP_TYPES)[number], StepType> = true;
void stepTypesMatchSpec;

/** Roles of API keys, each allowed what the one before it is and more (see the coordinator's `auth/roles.ts`). */
export const API_KEY_ROLES = ['viewer', 'operator', 'editor', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
const apiKeyRolesMatchSpec: Same<ApiKeyRole, SpecApiKeyRole> = true;
void apiKeyRolesMatchSpec;

/** The stream's event types (`@agentic-flow/spec` EVENT_TYPES; the events table's CHECK). */
export const EVENT_TYPES = [
  'workflow:started',
  'workflow:completed',
  'workflow:failed',
  'workflow:paused',
  'workflow:resumed',
  'workflow:cancelled',
  'step:started',
  'step:completed',
  'step:failed',
  'step:retrying',
  'alert:created',
  'alert:resolved',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
const eventTypesMatchSpec: Same<EventType, SpecEventType> = true;
void eventTypesMatchSpec;
