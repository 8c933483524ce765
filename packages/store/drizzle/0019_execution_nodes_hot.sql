-- Node updates HOT: a column an index reads (its predicate included) changing rules out a HOT
-- update, and the partial index of 0018 read `node`, which changes with every step. The flag it
-- needs becomes a stored generated column of its own, which changes only when a node escalates or
-- stops being escalated; and pages keep room for a node's next version.
DROP INDEX IF EXISTS "execution_nodes_escalated_idx";--> statement-breakpoint
ALTER TABLE "execution_nodes" ADD COLUMN IF NOT EXISTS "escalated" boolean GENERATED ALWAYS AS (("node" ->> 'status') = 'escalated') STORED;--> statement-breakpoint
CREATE INDEX "execution_nodes_escalated_idx" ON "execution_nodes" USING btree ("execution_id") WHERE "escalated";--> statement-breakpoint
ALTER TABLE "execution_nodes" SET (fillfactor = 80);
