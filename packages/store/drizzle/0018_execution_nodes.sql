-- An execution's step instances (the engine state's `nodes`) as rows of their own, so a transition
-- writes the nodes it changed instead of rewriting the whole state: a step of an execution with
-- 100,000 nodes writes what a step of one with ten does. `workflow_executions.state` keeps the rest
-- of the state (variables, overlays, counters), without `nodes`.
CREATE TABLE "execution_nodes" (
  "execution_id" uuid NOT NULL REFERENCES "workflow_executions" ("id") ON DELETE CASCADE,
  "key" text NOT NULL,
  "node" jsonb NOT NULL,
  PRIMARY KEY ("execution_id", "key")
);--> statement-breakpoint
-- The whole state as the engine knows it: the row's state with its nodes put back in. A state still
-- holding its nodes (written before this migration, or by a test) is whole already.
CREATE OR REPLACE FUNCTION af_execution_state(p_id uuid, p_state jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_state IS NULL OR p_state ? 'nodes' THEN p_state
              ELSE p_state || jsonb_build_object('nodes', coalesce(
                     (SELECT jsonb_object_agg(n."key", n."node") FROM "execution_nodes" n WHERE n."execution_id" = p_id), '{}'::jsonb))
         END
$$;--> statement-breakpoint
INSERT INTO "execution_nodes" ("execution_id", "key", "node")
  SELECT e."id", n."key", n."value" FROM "workflow_executions" e, jsonb_each(e."state" -> 'nodes') n
   WHERE jsonb_typeof(e."state" -> 'nodes') = 'object';--> statement-breakpoint
UPDATE "workflow_executions" SET "state" = "state" - 'nodes' WHERE "state" ? 'nodes';
--> statement-breakpoint
-- Escalated nodes are what an execution's overview lists of its nodes: found without reading the rest.
CREATE INDEX "execution_nodes_escalated_idx" ON "execution_nodes" USING btree ("execution_id") WHERE "node" ->> 'status' = 'escalated';
