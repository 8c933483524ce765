ALTER TABLE "step_runs" ADD COLUMN "agent" jsonb;--> statement-breakpoint
ALTER TABLE "step_runs" ADD COLUMN "transcript" jsonb;