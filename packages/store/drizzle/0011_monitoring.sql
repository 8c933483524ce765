-- Monitoring (issue 14): metric rollups fed by triggers, thresholds, alert hysteresis, alert sinks.
-- Written by hand: drizzle-kit models neither triggers nor transition tables.
--
-- Settled executions and step runs are recorded as deltas by row-level triggers, so every
-- write path (the two-round-trip transition, the one-statement optimistic transition, lifecycle
-- changes) records them in its own transaction, with no extra round trip. The deltas are
-- insert-only (no row lock shared between transactions); the leader folds them into per-minute
-- rollups and histograms every maintenance interval.
CREATE TABLE "metric_execution_deltas" (
	"namespace" text NOT NULL,
	"workflow_id" text NOT NULL,
	"status" text NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL
);
--> statement-breakpoint
CREATE INDEX "metric_execution_deltas_finished_idx" ON "metric_execution_deltas" ("namespace", "finished_at");
--> statement-breakpoint
CREATE TABLE "metric_step_deltas" (
	"namespace" text NOT NULL,
	"workflow_id" text NOT NULL,
	"step_id" text NOT NULL,
	"step_type" text NOT NULL,
	"status" text NOT NULL,
	"attempt" integer NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision,
	"wait_ms" double precision
);
--> statement-breakpoint
CREATE INDEX "metric_step_deltas_finished_idx" ON "metric_step_deltas" ("namespace", "finished_at");
--> statement-breakpoint
-- Rollups come in two grains: 'm' (per minute) and 'h' (per hour). A window reads whole hours
-- at hour grain and its ragged ends at minute grain, so a 24-hour window reads about 24 + 120
-- buckets per series whatever the number of executions.
CREATE TABLE "execution_rollups" (
	"namespace" text NOT NULL,
	"grain" text NOT NULL,
	"workflow_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cancelled" integer DEFAULT 0 NOT NULL,
	"duration_sum_ms" double precision DEFAULT 0 NOT NULL,
	-- Log-scale histogram of durations: {"<idx>": count}, idx = floor(4 * log2(ms + 1)) (buckets ≈ 19 % wide).
	"duration_hist" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "execution_rollups_pk" PRIMARY KEY ("namespace", "grain", "bucket", "workflow_id")
);
--> statement-breakpoint
CREATE TABLE "step_rollups" (
	"namespace" text NOT NULL,
	"grain" text NOT NULL,
	"workflow_id" text NOT NULL,
	"step_type" text NOT NULL,
	"step_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"duration_sum_ms" double precision DEFAULT 0 NOT NULL,
	"duration_hist" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"wait_hist" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "step_rollups_pk" PRIMARY KEY ("namespace", "grain", "bucket", "workflow_id", "step_type", "step_id")
);
--> statement-breakpoint
-- Adds two histograms ({"<idx>": count}) bucket by bucket.
CREATE FUNCTION "af_hist_add"(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
	  FROM (SELECT k, sum(v::bigint) AS n
	          FROM (SELECT * FROM jsonb_each_text(coalesce(a, '{}'::jsonb)) UNION ALL SELECT * FROM jsonb_each_text(coalesce(b, '{}'::jsonb))) AS e(k, v)
	         GROUP BY k) AS s
$$;
--> statement-breakpoint
-- Row-level triggers whose WHEN clause (evaluated without calling the function) lets through only
-- the rows that settle: nothing is queued for the other updates, and no transition table copies a
-- row's state or output (an execution's state may weigh megabytes).
CREATE FUNCTION "af_record_settled_execution"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO metric_execution_deltas (namespace, workflow_id, status, finished_at, duration_ms)
	VALUES (NEW.namespace, NEW.workflow_id, NEW.status, coalesce(NEW.finished_at, now()),
	        greatest(0, extract(epoch FROM coalesce(NEW.finished_at, now()) - coalesce(NEW.started_at, NEW.created_at)) * 1000));
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "workflow_executions_settled_metrics" AFTER UPDATE OF "status" ON "workflow_executions"
	FOR EACH ROW WHEN (NEW.status IN ('completed', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION "af_record_settled_execution"();
--> statement-breakpoint
CREATE FUNCTION "af_record_settled_step_run"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO metric_step_deltas (namespace, workflow_id, step_id, step_type, status, attempt, finished_at, duration_ms, wait_ms)
	SELECT e.namespace, e.workflow_id, NEW.step_id, NEW.step_type, NEW.status, NEW.attempt, NEW.finished_at,
	       CASE WHEN NEW.started_at IS NULL THEN NULL ELSE greatest(0, extract(epoch FROM NEW.finished_at - NEW.started_at) * 1000) END,
	       CASE WHEN NEW.started_at IS NULL OR NEW.queued_at IS NULL THEN NULL ELSE greatest(0, extract(epoch FROM NEW.started_at - NEW.queued_at) * 1000) END
	  FROM workflow_executions e WHERE e.id = NEW.execution_id;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "step_runs_settled_metrics_update" AFTER UPDATE OF "status" ON "step_runs"
	FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed') AND NEW.finished_at IS NOT NULL AND OLD.status NOT IN ('succeeded', 'failed'))
	EXECUTE FUNCTION "af_record_settled_step_run"();
--> statement-breakpoint
CREATE TRIGGER "step_runs_settled_metrics_insert" AFTER INSERT ON "step_runs"
	FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed') AND NEW.finished_at IS NOT NULL)
	EXECUTE FUNCTION "af_record_settled_step_run"();
--> statement-breakpoint
-- Thresholds and the evaluation interval: one row for the cluster, read by every coordinator.
CREATE TABLE "monitor_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"thresholds" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"interval_ms" integer DEFAULT 30000 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitor_settings_single_row" CHECK ("id" = 1)
);
--> statement-breakpoint
INSERT INTO "monitor_settings" ("id") VALUES (1);
--> statement-breakpoint
-- Alert hysteresis: the conditions that hold now, each with the alert that announced it. A
-- condition that starts gets a row and one alert; one that ends loses its row and gets one
-- `resolved` alert. Kept in PostgreSQL so a new leader neither repeats nor forgets them.
CREATE TABLE "monitor_conditions" (
	"namespace" text NOT NULL,
	"key" text NOT NULL,
	"alert_id" uuid NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"data" jsonb,
	CONSTRAINT "monitor_conditions_pk" PRIMARY KEY ("namespace", "key")
);
--> statement-breakpoint
-- '*': a cluster alert (a queue without worker, a breaker, the DLQ), listed in every namespace.
ALTER TABLE "alerts" ADD COLUMN "condition" text;
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "state" text;
--> statement-breakpoint
CREATE TABLE "alert_sinks" (
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"alert_types" text[],
	"secret_name" text,
	"format" text DEFAULT 'json' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_sinks_pk" PRIMARY KEY ("namespace", "name"),
	CONSTRAINT "alert_sinks_format_check" CHECK ("format" in ('json', 'slack'))
);
--> statement-breakpoint
CREATE TABLE "alert_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"namespace" text NOT NULL,
	"sink_name" text NOT NULL,
	"alert_id" uuid NOT NULL,
	"event" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"response_status" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "alert_deliveries_status_check" CHECK ("status" in ('pending', 'queued', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "alert_deliveries_sink_idx" ON "alert_deliveries" ("namespace", "sink_name", "created_at" DESC NULLS FIRST);
--> statement-breakpoint
CREATE INDEX "alert_deliveries_pending_idx" ON "alert_deliveries" ("created_at") WHERE "status" = 'pending';
--> statement-breakpoint
-- Every alert becomes a delivery to each sink that wants it, in the transaction that raised it:
-- a sink of the alert's namespace (of any, for a cluster alert '*') whose events include the
-- alert's event and whose alert types (if any) include its type; an escalation goes to the sink
-- its escalationHandler names.
CREATE FUNCTION "af_alert_deliveries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alert_deliveries (namespace, sink_name, alert_id, event)
	SELECT s.namespace, s.name, a.id, CASE WHEN a.state = 'resolved' THEN 'alert:resolved' ELSE 'alert:created' END
	  FROM af_new_alerts a JOIN alert_sinks s ON (s.namespace = a.namespace OR a.namespace = '*')
	 WHERE (CASE WHEN a.state = 'resolved' THEN 'alert:resolved' ELSE 'alert:created' END = ANY (s.events)
	        AND (s.alert_types IS NULL OR a.type = ANY (s.alert_types)))
	    OR (a.type = 'escalation' AND a.data ->> 'escalationHandler' = s.name);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "alerts_deliveries" AFTER INSERT ON "alerts"
	REFERENCING NEW TABLE AS af_new_alerts
	FOR EACH STATEMENT EXECUTE FUNCTION "af_alert_deliveries"();
