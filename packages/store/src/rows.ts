import type { stepRuns, workflowDefinitions, workflowExecutions, workflowLogs, workflowSnapshots } from './schema/index.js';

/** Row types inferred from the tables: `XxxRow` is what a select returns, `NewXxxRow` what an insert takes. */
export type DefinitionRow = typeof workflowDefinitions.$inferSelect;
export type NewDefinitionRow = typeof workflowDefinitions.$inferInsert;
export type ExecutionRow = typeof workflowExecutions.$inferSelect;
export type NewExecutionRow = typeof workflowExecutions.$inferInsert;
/** A step run as listed: everything but the transcript, which only the transcript API reads. */
export type StepRunRow = Omit<typeof stepRuns.$inferSelect, 'transcript'>;
/** A step run without its input and output, for reads that must stay small whatever the steps returned. */
export type StepRunSummaryRow = Omit<StepRunRow, 'input' | 'output'>;
export type NewStepRunRow = typeof stepRuns.$inferInsert;
export type SnapshotRow = typeof workflowSnapshots.$inferSelect;
export type NewSnapshotRow = typeof workflowSnapshots.$inferInsert;
export type LogRow = typeof workflowLogs.$inferSelect;
export type NewLogRow = typeof workflowLogs.$inferInsert;
