CREATE TABLE "step_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"instance_key" text NOT NULL,
	"step_type" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" jsonb,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"worker_id" text,
	CONSTRAINT "step_runs_execution_instance_attempt_key" UNIQUE("execution_id","instance_key","attempt"),
	CONSTRAINT "step_runs_status_check" CHECK ("step_runs"."status" in ('queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "workflow_definitions" (
	"id" text NOT NULL,
	"version" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"definition" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_definitions_pkey" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "workflow_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" text NOT NULL,
	"workflow_version" text NOT NULL,
	"status" text NOT NULL,
	"state" jsonb NOT NULL,
	"variables" jsonb NOT NULL,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_executions_status_check" CHECK ("workflow_executions"."status" in ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "workflow_logs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "workflow_logs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"execution_id" uuid NOT NULL,
	"step_run_id" uuid,
	"step_id" text,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"data" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_logs_level_check" CHECK ("workflow_logs"."level" in ('debug', 'info', 'warn', 'error'))
);
--> statement-breakpoint
CREATE TABLE "workflow_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"execution_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"state" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_snapshots_kind_check" CHECK ("workflow_snapshots"."kind" in ('manual', 'auto', 'restore')),
	CONSTRAINT "workflow_snapshots_status_check" CHECK ("workflow_snapshots"."status" in ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "step_runs" ADD CONSTRAINT "step_runs_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_definition_fk" FOREIGN KEY ("workflow_id","workflow_version") REFERENCES "public"."workflow_definitions"("id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_logs" ADD CONSTRAINT "workflow_logs_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_snapshots" ADD CONSTRAINT "workflow_snapshots_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "step_runs_execution_queued_idx" ON "step_runs" USING btree ("execution_id","queued_at");--> statement-breakpoint
CREATE INDEX "step_runs_in_flight_queued_idx" ON "step_runs" USING btree ("queued_at") WHERE "step_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "workflow_definitions_id_created_at_idx" ON "workflow_definitions" USING btree ("id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_definitions_created_at_idx" ON "workflow_definitions" USING btree ("created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_workflow_status_created_idx" ON "workflow_executions" USING btree ("workflow_id","status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_workflow_created_idx" ON "workflow_executions" USING btree ("workflow_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_status_created_idx" ON "workflow_executions" USING btree ("status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_created_idx" ON "workflow_executions" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_logs_execution_id_idx" ON "workflow_logs" USING btree ("execution_id","id");--> statement-breakpoint
CREATE INDEX "workflow_snapshots_execution_created_idx" ON "workflow_snapshots" USING btree ("execution_id","created_at" DESC NULLS FIRST);