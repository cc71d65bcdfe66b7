-- Inserting a job behind a key that is busy (its active job waits or runs: the common case of a
-- chat with messages queued) ran courier_order_pick once per key: a plpgsql call that rewrote the
-- key row (an upsert that only moved updated_at), read the key's next waiting job and its active
-- job, and decided that nothing changes. In a group-committed batch of accepts that was about a
-- third of the job insert's time (48 us a key).
--
-- The keys of the statement's gated jobs are now handled as a set: key rows missing are created (in
-- key order, as V8 does for new keys), every key row is locked in key order in one statement, and
-- one more statement, with a snapshot taken after those locks, finds the keys that stay as they
-- are: held after completion, or whose active job still holds the key and is not overtaken (it
-- started, or no waiting job comes before it). Only the other keys go through
-- courier_order_advance_all, whose picks find their rows already locked.
--
-- Why holding the lock is enough: whoever finishes a key's active job advances the key under the
-- same row lock. If it committed before our lock, the fresh snapshot shows the key freed (or handed
-- to another job) and our key is picked; if it has not, it waits for our commit and then sees our
-- job. The skip test is the "still holding" test of courier_order_pick; a waiting job that outranks
-- the active one, even one locked by another transaction, sends the key to the full pick.
CREATE OR REPLACE FUNCTION courier_job_order_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  regate_ids bigint[];
  regate_keys text[];
  ks text[];
  busy text[];
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

  ks := ARRAY(
    SELECT order_key FROM new_rows WHERE order_key IS NOT NULL AND order_gate
    UNION
    SELECT unnest(coalesce(regate_keys, '{}'))
    ORDER BY 1);
  IF cardinality(ks) = 0 THEN
    RETURN NULL;
  END IF;

  INSERT INTO courier_order_key (key) SELECT k FROM unnest(ks) AS k ORDER BY k ON CONFLICT (key) DO NOTHING;
  PERFORM 1 FROM courier_order_key WHERE key = ANY(ks) ORDER BY key FOR NO KEY UPDATE;

  busy := ARRAY(
    SELECT k.key
    FROM courier_order_key k
    LEFT JOIN courier_job a ON a.id = k.active_job_id
    WHERE k.key = ANY(ks)
      AND (k.held_until IS NOT NULL
           OR (a.state IN ('scheduled', 'available', 'running', 'retryable')
               AND (a.attempted_at IS NOT NULL OR a.state = 'running'
                    OR NOT EXISTS (SELECT 1 FROM courier_job w
                                   WHERE w.order_key = k.key AND w.order_gate AND w.state = 'available'
                                     AND (w.priority, w.id) < (a.priority, a.id))))));

  PERFORM courier_order_advance_all(ARRAY(SELECT unnest(ks) EXCEPT SELECT unnest(busy)));
  RETURN NULL;
END $$;
