-- The order-key trigger ran its planned-per-run join (EXECUTE, see V4_2) for every statement that
-- touched an ordered job, although only a job that finished, or a gated job that became available,
-- can move a key: claims (available -> running) and ungating (order_gate true -> false) paid a plan
-- and an empty hand-over each, about a third of the engine's time per ordered job. They now leave
-- after a scan of the new rows alone.
CREATE OR REPLACE FUNCTION courier_job_order_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows
                 WHERE order_key IS NOT NULL
                   AND (state IN ('completed', 'cancelled', 'discarded') OR (order_gate AND state = 'available'))) THEN
    RETURN NULL;
  END IF;
  EXECUTE $q$
    SELECT courier_order_advance_all(ARRAY(
      SELECT DISTINCT n.order_key
      FROM (SELECT * FROM new_rows WHERE order_key IS NOT NULL) n
      JOIN old_rows o ON o.id = n.id
      WHERE n.state <> o.state
        AND (n.state IN ('completed', 'cancelled', 'discarded') OR (n.order_gate AND n.state = 'available'))))
  $q$;
  RETURN NULL;
END $$;
