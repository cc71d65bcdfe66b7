-- Inserting ordered jobs for keys that have no row yet (a campaign's expansion batch of 1,000 new
-- chats, a group-committed batch of accepts to new chats) cost two thirds of the insert: every job
-- was inserted gated, then courier_order_pick ran once per key (a plpgsql call with an upsert, a
-- lookup and an update) and one more UPDATE ungated the picked jobs, a second version of every row
-- with an entry in each of the table's indexes.
--
-- A job whose key has no row and no waiting job is now inserted ungated (a row trigger decides, the
-- only per-row work is two index probes), and the statement trigger creates the key rows of all such
-- jobs in one INSERT, each holding its first job. A job that turns out not to be first (another job
-- of its key in the same statement comes first, or a concurrent transaction created the key row
-- meanwhile) is gated again and goes through courier_order_advance_all with every other key, as
-- before. Until the transaction commits no other transaction can claim the ungated job, and by then
-- its key row exists or it is gated again.
--
-- Lock order is kept: the new key rows are inserted in key order, and ON CONFLICT DO NOTHING waits
-- only for a transaction inserting the same key, which has itself gone in key order; the other keys
-- are then locked in key order by courier_order_advance_all. Jobs with a pacing chain (delay or
-- jitter) keep the old path, which computes their start.
CREATE FUNCTION courier_job_order_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM courier_order_key WHERE key = NEW.order_key)
     AND NOT EXISTS (SELECT 1 FROM courier_job
                     WHERE order_key = NEW.order_key AND order_gate AND state = 'available') THEN
    NEW.order_gate := false;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER courier_job_order_first BEFORE INSERT ON courier_job FOR EACH ROW
  WHEN (NEW.order_key IS NOT NULL AND NEW.order_gate AND NEW.state = 'available'
        AND NEW.order_delay IS NULL AND NEW.order_jitter IS NULL)
  EXECUTE FUNCTION courier_job_order_first();

CREATE OR REPLACE FUNCTION courier_job_order_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  regate_ids bigint[];
  regate_keys text[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE order_key IS NOT NULL) THEN
    RETURN NULL;
  END IF;
  -- Planned at each run from the transition table's real size (see V4_2).
  EXECUTE $q$
    WITH fresh AS (
      SELECT id, order_key, row_number() OVER (PARTITION BY order_key ORDER BY priority, id) AS n
      FROM new_rows WHERE order_key IS NOT NULL AND NOT order_gate),
    created AS (
      INSERT INTO courier_order_key AS o (key, active_job_id)
        SELECT order_key, id FROM fresh WHERE n = 1 ORDER BY order_key
        ON CONFLICT (key) DO NOTHING
        RETURNING o.active_job_id)
    SELECT array_agg(f.id), array_agg(DISTINCT f.order_key)
    FROM fresh f LEFT JOIN created c ON c.active_job_id = f.id
    WHERE c.active_job_id IS NULL
  $q$ INTO regate_ids, regate_keys;

  IF regate_ids IS NOT NULL THEN
    UPDATE courier_job SET order_gate = true WHERE id = ANY(regate_ids);
  END IF;
  PERFORM courier_order_advance_all(ARRAY(
    SELECT order_key FROM new_rows WHERE order_key IS NOT NULL AND order_gate
    UNION
    SELECT unnest(coalesce(regate_keys, '{}'))));
  RETURN NULL;
END $$;
