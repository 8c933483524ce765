CREATE TABLE "event_stream" (
	"id" smallint PRIMARY KEY NOT NULL,
	"next_position" bigint DEFAULT 1 NOT NULL,
	"pruned_through" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "event_stream_one_row" CHECK ("event_stream"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"position" bigint,
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"execution_id" uuid,
	"workflow_id" text,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_type_check" CHECK ("events"."type" in ('workflow:started', 'workflow:completed', 'workflow:failed', 'workflow:paused', 'workflow:resumed', 'workflow:cancelled', 'step:started', 'step:completed', 'step:failed', 'step:retrying', 'alert:created', 'alert:resolved'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "events_position_idx" ON "events" USING btree ("position") WHERE "events"."position" is not null;--> statement-breakpoint
CREATE INDEX "events_unpositioned_idx" ON "events" USING btree ("id") WHERE "events"."position" is null;--> statement-breakpoint
-- The stream's one row (written by hand: drizzle-kit does not model data).
INSERT INTO "event_stream" ("id") VALUES (1);
