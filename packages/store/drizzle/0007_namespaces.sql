CREATE TABLE "namespaces" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "namespaces_name_check" CHECK ("namespaces"."name" ~ '^[a-z0-9][a-z0-9-]{0,62}$')
);
--> statement-breakpoint
INSERT INTO "namespaces" ("name") VALUES ('default');--> statement-breakpoint
-- Every row written before namespaces belongs to `default`: each column is added with that default
-- (a catalog change, no table rewrite), then the default is dropped, so a writer that forgets to
-- name a namespace fails instead of writing into `default`.
ALTER TABLE "workflow_definitions" ADD COLUMN "namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_definitions" ALTER COLUMN "namespace" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_executions" ALTER COLUMN "namespace" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "recovery_strategies" ADD COLUMN "namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "recovery_strategies" ALTER COLUMN "namespace" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "errors" ADD COLUMN "namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "errors" ALTER COLUMN "namespace" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "namespace" DROP DEFAULT;--> statement-breakpoint
-- The definitions' key gains the namespace. The executions' foreign key depends on the old key's
-- index, so it goes first and comes back over (namespace, workflow_id, workflow_version).
ALTER TABLE "workflow_executions" DROP CONSTRAINT "workflow_executions_definition_fk";--> statement-breakpoint
ALTER TABLE "workflow_definitions" DROP CONSTRAINT "workflow_definitions_pkey";--> statement-breakpoint
ALTER TABLE "workflow_definitions" ADD CONSTRAINT "workflow_definitions_pkey" PRIMARY KEY("namespace","id","version");--> statement-breakpoint
ALTER TABLE "workflow_definitions" ADD CONSTRAINT "workflow_definitions_namespace_fk" FOREIGN KEY ("namespace") REFERENCES "public"."namespaces"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_definition_fk" FOREIGN KEY ("namespace","workflow_id","workflow_version") REFERENCES "public"."workflow_definitions"("namespace","id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_strategies" DROP CONSTRAINT "recovery_strategies_pkey";--> statement-breakpoint
ALTER TABLE "recovery_strategies" ADD CONSTRAINT "recovery_strategies_pkey" PRIMARY KEY("namespace","target");--> statement-breakpoint
ALTER TABLE "recovery_strategies" ADD CONSTRAINT "recovery_strategies_namespace_fk" FOREIGN KEY ("namespace") REFERENCES "public"."namespaces"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Lists show one namespace: their indexes lead with it.
DROP INDEX "alerts_created_idx";--> statement-breakpoint
DROP INDEX "errors_created_idx";--> statement-breakpoint
DROP INDEX "errors_status_created_idx";--> statement-breakpoint
DROP INDEX "workflow_definitions_id_created_at_idx";--> statement-breakpoint
DROP INDEX "workflow_definitions_created_at_idx";--> statement-breakpoint
DROP INDEX "workflow_executions_workflow_status_created_idx";--> statement-breakpoint
DROP INDEX "workflow_executions_workflow_created_idx";--> statement-breakpoint
DROP INDEX "workflow_executions_status_created_idx";--> statement-breakpoint
DROP INDEX "workflow_executions_created_idx";--> statement-breakpoint
CREATE INDEX "alerts_created_idx" ON "alerts" USING btree ("namespace","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "errors_created_idx" ON "errors" USING btree ("namespace","created_at");--> statement-breakpoint
CREATE INDEX "errors_status_created_idx" ON "errors" USING btree ("namespace","status","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_definitions_id_created_at_idx" ON "workflow_definitions" USING btree ("namespace","id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_definitions_created_at_idx" ON "workflow_definitions" USING btree ("namespace","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_workflow_status_created_idx" ON "workflow_executions" USING btree ("namespace","workflow_id","status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_workflow_created_idx" ON "workflow_executions" USING btree ("namespace","workflow_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_status_created_idx" ON "workflow_executions" USING btree ("namespace","status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "workflow_executions_created_idx" ON "workflow_executions" USING btree ("namespace","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
-- Cluster-wide maintenance (admission, the reconciler, automatic snapshots) reads the executions
-- under way in every namespace, by status.
CREATE INDEX "workflow_executions_active_idx" ON "workflow_executions" USING btree ("status","created_at","id") WHERE "workflow_executions"."status" in ('pending', 'running', 'paused');
