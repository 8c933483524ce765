ALTER TABLE "workflow_executions" ADD COLUMN "version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Aborts the statement (and so its whole transaction) when a guard does not hold. The coordinator's
-- one-round-trip transition ends with it: if another coordinator moved the execution on, or the
-- result was a duplicate, nothing of the statement is kept and the two-round-trip path runs instead.
CREATE OR REPLACE FUNCTION af_assert(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = message;
  END IF;
  RETURN true;
END
$$;
