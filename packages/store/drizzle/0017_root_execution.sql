-- Caps the executions one client start can fan out into (`MAX_DESCENDANT_EXECUTIONS`): children
-- skip `MAX_CONCURRENT_WORKFLOWS` admission, so a `parallel` of `workflow` steps calling their own
-- workflow would otherwise multiply executions breadth^depth. Every child row names the top-level
-- execution of its tree (null for a top-level one), and the partial index holds only live
-- descendants, so counting a tree's before starting a child is one small index scan.
ALTER TABLE "workflow_executions" ADD COLUMN "root_execution_id" uuid;--> statement-breakpoint
CREATE INDEX "workflow_executions_root_live_idx" ON "workflow_executions" USING btree ("root_execution_id") WHERE "workflow_executions"."root_execution_id" is not null and "workflow_executions"."status" in ('pending', 'running', 'paused');--> statement-breakpoint
-- Children from before this migration: walk each one up its parent links (the partial parent index
-- and the primary key) to the ancestor that has no parent. Depth is capped, so the walk is short.
WITH RECURSIVE "up" ("id", "ancestor", "level") AS (
  SELECT "id", "parent_execution_id", 1 FROM "workflow_executions" WHERE "parent_execution_id" IS NOT NULL
  UNION ALL
  SELECT "up"."id", "p"."parent_execution_id", "up"."level" + 1
    FROM "up" JOIN "workflow_executions" "p" ON "p"."id" = "up"."ancestor"
   WHERE "p"."parent_execution_id" IS NOT NULL
), "top" AS (
  SELECT DISTINCT ON ("id") "id", "ancestor" FROM "up" ORDER BY "id", "level" DESC
)
UPDATE "workflow_executions" "e" SET "root_execution_id" = "top"."ancestor" FROM "top" WHERE "e"."id" = "top"."id";
