-- Step signals (issue 16): a `wait` step's timer, later a `workflow` step's child-settled signal, held in
-- PostgreSQL until due and deleted by the transaction that applies it (docs/architecture.md, Step
-- signals). `wait` joins the step types a type-level recovery strategy may name.
CREATE TABLE "step_signals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"execution_id" uuid NOT NULL,
	"instance_key" text NOT NULL,
	"attempt" integer NOT NULL,
	"signal" jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recovery_strategies" DROP CONSTRAINT "recovery_strategies_target_check";--> statement-breakpoint
ALTER TABLE "step_signals" ADD CONSTRAINT "step_signals_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "step_signals_due_at_idx" ON "step_signals" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "step_signals_execution_id_idx" ON "step_signals" USING btree ("execution_id");--> statement-breakpoint
ALTER TABLE "recovery_strategies" ADD CONSTRAINT "recovery_strategies_target_check" CHECK ("recovery_strategies"."workflow_id" is not null or "recovery_strategies"."target" in ('agent-task', 'parallel', 'condition', 'loop', 'http', 'script', 'wait'));