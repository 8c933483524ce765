CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"execution_id" uuid,
	"error_id" uuid,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_severity_check" CHECK ("alerts"."severity" in ('info', 'warning', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "errors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"step_run_id" uuid,
	"step_id" text NOT NULL,
	"instance_key" text NOT NULL,
	"attempt" integer NOT NULL,
	"step_type" text NOT NULL,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb,
	"strategy" text NOT NULL,
	"status" text NOT NULL,
	"resolution" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "errors_strategy_check" CHECK ("errors"."strategy" in ('retry', 'skip', 'alternative', 'rollback', 'escalate', 'none')),
	CONSTRAINT "errors_status_check" CHECK ("errors"."status" in ('open', 'closed'))
);
--> statement-breakpoint
CREATE TABLE "recovery_strategies" (
	"target" text PRIMARY KEY NOT NULL,
	"strategy" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "errors" ADD CONSTRAINT "errors_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_created_idx" ON "alerts" USING btree ("created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "errors_created_idx" ON "errors" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "errors_execution_idx" ON "errors" USING btree ("execution_id","created_at");--> statement-breakpoint
CREATE INDEX "errors_status_created_idx" ON "errors" USING btree ("status","created_at" DESC NULLS FIRST);