import type { AlertView, ErrorStatistics, ErrorView, RecoveryStrategy, RegisteredStrategy } from '@agentic-flow/spec';
import type { AlertRow, ErrorCount, ErrorRow, StoredStrategy } from '@agentic-flow/store';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function errorView(row: ErrorRow): ErrorView {
  return {
    id: row.id,
    executionId: row.executionId,
    stepId: row.stepId,
    instanceKey: row.instanceKey,
    stepType: row.stepType,
    attempt: row.attempt,
    code: row.code,
    message: row.message,
    details: row.details ?? null,
    strategy: row.strategy,
    escalationHandler: row.escalationHandler,
    status: row.status,
    resolution: (row.resolution as ErrorView['resolution']) ?? null,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: iso(row.resolvedAt),
  };
}

export function alertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    type: row.type,
    severity: row.severity,
    message: row.message,
    executionId: row.executionId,
    errorId: row.errorId,
    data: row.data ?? null,
    state: row.state === 'firing' || row.state === 'resolved' ? row.state : null,
    condition: row.condition ?? null,
    namespace: row.namespace,
    createdAt: row.createdAt.toISOString(),
  };
}

export function strategyView(row: StoredStrategy): RegisteredStrategy {
  return {
    namespace: row.namespace,
    ...(row.workflowId === null ? {} : { workflowId: row.workflowId }),
    target: row.target,
    strategy: row.strategy as RecoveryStrategy,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Folds the (step type, code, strategy) counts into the three tallies `getErrorStatistics` answers. */
export function errorStatistics(counts: readonly ErrorCount[], from: Date, to: Date): ErrorStatistics {
  const stats: ErrorStatistics = { from: from.toISOString(), to: to.toISOString(), total: 0, byStepType: {}, byCode: {}, byStrategy: {} };
  for (const { stepType, code, strategy, count } of counts) {
    stats.total += count;
    stats.byStepType[stepType] = (stats.byStepType[stepType] ?? 0) + count;
    stats.byCode[code] = (stats.byCode[code] ?? 0) + count;
    stats.byStrategy[strategy] = (stats.byStrategy[strategy] ?? 0) + count;
  }
  return stats;
}
