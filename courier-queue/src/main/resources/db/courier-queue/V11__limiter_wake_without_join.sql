-- The limiter wake-up trigger on UPDATE joined the old and new transition tables to insert a wake
-- row only for jobs that *became* ready (were not available, or were gated). Since V4_2 that join is
-- planned at every run (EXECUTE): about 0.7 ms per statement that ungates jobs, measured with
-- auto_explain on a batch of a dozen order-key hand-overs (the trigger alone, 0.06-0.12 ms without
-- the join), paid by every completion batch of ordered, limited jobs (the WhatsApp send path).
--
-- Without the join a statement that leaves an already ready job ready (an admin update, a release
-- signal on a waiting head) also writes a wake row. That only makes the next claim look at the
-- limiter once more; a missing wake row, never a spare one, would hold jobs back.
CREATE OR REPLACE FUNCTION courier_job_limit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO courier_limiter_wake (queue, key)
    SELECT DISTINCT queue, limit_key FROM new_rows
    WHERE limit_key IS NOT NULL AND state = 'available' AND NOT order_gate;
  RETURN NULL;
END $$;
