DROP INDEX "step_runs_execution_queued_idx";--> statement-breakpoint
DROP INDEX "step_runs_in_flight_queued_idx";--> statement-breakpoint
-- Room in each page for updated row versions: with no indexed column changed, an update is HOT.
ALTER TABLE "step_runs" SET (fillfactor = 80);--> statement-breakpoint
ALTER TABLE "workflow_executions" SET (fillfactor = 80);
