-- The statement triggers that join a statement's transition tables (old_rows, new_rows) planned
-- those joins once per session, at first use, when the tables held a row or two: the cached plans
-- were nested loops, quadratic in the rows of the statement (ungating 10,000 new ordered jobs in
-- one statement took 30 s in a session that had enqueued single jobs before). These joins are now
-- planned at each run (EXECUTE), from the transition tables' real sizes: a hash join.

CREATE OR REPLACE FUNCTION courier_job_order_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Most statements touch no ordered job: leave before joining the transition tables.
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE order_key IS NOT NULL) THEN
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

CREATE OR REPLACE FUNCTION courier_job_order_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE $q$
    SELECT courier_order_advance_all(ARRAY(
      SELECT DISTINCT o.order_key FROM old_rows o
      JOIN courier_order_key ok ON ok.key = o.order_key AND ok.active_job_id = o.id))
  $q$;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION courier_job_limit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE limit_key IS NOT NULL AND state = 'available') THEN
    RETURN NULL;
  END IF;
  EXECUTE $q$
    INSERT INTO courier_limiter_wake (queue, key)
      SELECT DISTINCT n.queue, n.limit_key
      FROM (SELECT * FROM new_rows WHERE limit_key IS NOT NULL AND state = 'available' AND NOT order_gate) n
      JOIN old_rows o ON o.id = n.id
      WHERE o.state <> 'available' OR o.order_gate
  $q$;
  RETURN NULL;
END $$;
