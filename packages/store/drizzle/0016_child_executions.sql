-- A `workflow` step runs another workflow as a child execution (issue 16). The child row names the
-- parent, the parent's step instance and the attempt to signal when it settles, and how deep it is
-- nested. `on delete set null`: pruning a parent keeps its children as history of their own. The
-- step type joins the CHECK of type-wide recovery strategies.
ALTER TABLE "workflow_executions" ADD COLUMN "parent_execution_id" uuid;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "parent_instance_key" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "parent_attempt" integer;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "depth" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_parent_fk" FOREIGN KEY ("parent_execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_executions_parent_idx" ON "workflow_executions" USING btree ("parent_execution_id") WHERE "workflow_executions"."parent_execution_id" is not null;--> statement-breakpoint
ALTER TABLE "recovery_strategies" DROP CONSTRAINT "recovery_strategies_target_check";--> statement-breakpoint
ALTER TABLE "recovery_strategies" ADD CONSTRAINT "recovery_strategies_target_check" CHECK ("recovery_strategies"."workflow_id" is not null or "recovery_strategies"."target" in ('agent-task', 'parallel', 'condition', 'loop', 'http', 'script', 'wait', 'workflow'));
