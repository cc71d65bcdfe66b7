-- Order keys: jobs sharing a key run one at a time, in (priority, enqueue order).
--
-- Every job with an order key is "gated" (order_gate) until it becomes the key's active job; the
-- claim index only holds ungated available jobs, so waiting members of busy or blocked keys cost
-- the fetcher nothing. A key's active job holds the key while it waits, runs, waits for a retry or
-- is snoozed, and (with a hold) for a while after it completed. When it finishes,
-- courier_order_advance_all, run by the triggers below in the same transaction, picks the next.

ALTER TABLE courier_job ADD COLUMN order_gate boolean NOT NULL DEFAULT false;
-- Held release: after completing, the job keeps its key for at most this long, or until released.
ALTER TABLE courier_job ADD COLUMN order_hold interval;
-- The release signal for a held key may come before the job completes (a provider callback racing
-- the worker's commit): it is remembered here.
ALTER TABLE courier_job ADD COLUMN order_released boolean NOT NULL DEFAULT false;
-- Pacing chain: the next job of the key starts no earlier than this job's start plus the next
-- job's delay and a random part of its jitter.
ALTER TABLE courier_job ADD COLUMN order_delay interval;
ALTER TABLE courier_job ADD COLUMN order_jitter interval;

DROP INDEX courier_job_available_idx;
CREATE INDEX courier_job_available_idx ON courier_job (queue, priority, id)
  WHERE state = 'available' AND NOT order_gate;

CREATE INDEX courier_job_order_waiting_idx ON courier_job (order_key, priority, id)
  WHERE order_gate AND state = 'available';

CREATE TABLE courier_order_key (
  key           text PRIMARY KEY,
  active_job_id bigint,
  held_until    timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courier_order_key_held_idx ON courier_order_key (held_until)
  WHERE held_until IS NOT NULL;
CREATE INDEX courier_order_key_active_idx ON courier_order_key (active_job_id);

-- Decides who holds key k now and returns the job to ungate (NULL when the key stays as it is).
-- Locks the key row first (callers pick keys in sorted order, so two transactions never wait on
-- each other's keys), and never waits on a job row while holding the key: rows another
-- transaction has locked are skipped (they are being claimed, completed, cancelled or deleted, and
-- that transaction advances the key itself when it is done). The caller ungates the returned jobs
-- in one statement, so a batch of completions fires the job triggers once, not once per key.
CREATE FUNCTION courier_order_pick(k text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cur courier_order_key%ROWTYPE;
  act record;
  nxt record;
  start_at timestamptz;
BEGIN
  INSERT INTO courier_order_key AS o (key) VALUES (k)
    ON CONFLICT (key) DO UPDATE SET updated_at = now()
    RETURNING * INTO cur;
  IF cur.held_until IS NOT NULL THEN
    RETURN NULL; -- held after completion until released or timed out
  END IF;

  SELECT id, priority, order_delay, order_jitter, scheduled_at INTO nxt FROM courier_job
    WHERE order_key = k AND order_gate AND state = 'available'
    ORDER BY priority, id LIMIT 1
    FOR UPDATE SKIP LOCKED;

  IF cur.active_job_id IS NOT NULL THEN
    SELECT id, state, priority, attempted_at, finalized_at, order_hold, order_released INTO act
      FROM courier_job WHERE id = cur.active_job_id;
    IF FOUND AND act.state IN ('scheduled', 'available', 'running', 'retryable') THEN
      -- Still holding. An urgent job may overtake an active job that never started.
      IF nxt.id IS NULL OR act.attempted_at IS NOT NULL OR act.state = 'running'
         OR (nxt.priority, nxt.id) >= (act.priority, act.id) THEN
        RETURN NULL;
      END IF;
      UPDATE courier_job SET order_gate = true
        WHERE id = (SELECT id FROM courier_job WHERE id = act.id
                      AND state IN ('scheduled', 'available') AND attempted_at IS NULL
                    FOR UPDATE SKIP LOCKED);
      IF NOT FOUND THEN
        RETURN NULL; -- being claimed right now: it keeps its turn
      END IF;
    ELSIF FOUND AND act.state = 'completed' AND act.order_hold IS NOT NULL AND NOT act.order_released THEN
      UPDATE courier_order_key SET held_until = act.finalized_at + act.order_hold, updated_at = now()
        WHERE key = k;
      RETURN NULL;
    END IF;
  END IF;

  IF nxt.id IS NULL THEN
    IF cur.active_job_id IS NOT NULL THEN
      UPDATE courier_order_key SET active_job_id = NULL, updated_at = now() WHERE key = k;
    END IF;
    RETURN NULL;
  END IF;

  UPDATE courier_order_key SET active_job_id = nxt.id, updated_at = now() WHERE key = k;
  IF nxt.order_delay IS NOT NULL OR nxt.order_jitter IS NOT NULL THEN
    -- Pacing chain: no earlier than the previous job's start (or the enqueue time when the key was
    -- idle) plus this job's delay and a random part of its jitter.
    SELECT greatest(coalesce(max(p.attempted_at), nxt.scheduled_at), nxt.scheduled_at)
             + coalesce(nxt.order_delay, interval '0')
             + coalesce(nxt.order_jitter, interval '0') * random()
      INTO start_at
      FROM courier_job p WHERE p.id = cur.active_job_id;
    IF start_at > nxt.scheduled_at THEN
      UPDATE courier_job SET order_gate = false, state = 'scheduled', scheduled_at = start_at
        WHERE id = nxt.id;
      RETURN NULL;
    END IF;
  END IF;
  RETURN nxt.id;
END $$;

-- Picks the next job of each key (in sorted key order) and ungates them in one statement.
CREATE FUNCTION courier_order_advance_all(ks text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF ks IS NULL OR cardinality(ks) = 0 THEN
    RETURN;
  END IF;
  ids := ARRAY(
    SELECT p FROM (SELECT courier_order_pick(k) AS p
                   FROM (SELECT DISTINCT k FROM unnest(ks) AS k ORDER BY 1) x) y
    WHERE p IS NOT NULL);
  IF cardinality(ids) > 0 THEN
    UPDATE courier_job SET order_gate = false WHERE id = ANY(ids);
  END IF;
END $$;

CREATE FUNCTION courier_job_order_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM courier_order_advance_all(ARRAY(
    SELECT DISTINCT order_key FROM new_rows WHERE order_key IS NOT NULL));
  RETURN NULL;
END $$;

-- Keys whose active job finished, and keys where a waiting job just became due or was retried.
CREATE FUNCTION courier_job_order_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Most statements touch no ordered job: leave before joining the transition tables.
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE order_key IS NOT NULL) THEN
    RETURN NULL;
  END IF;
  PERFORM courier_order_advance_all(ARRAY(
    SELECT DISTINCT n.order_key
    FROM (SELECT * FROM new_rows WHERE order_key IS NOT NULL) n
    JOIN old_rows o ON o.id = n.id
    WHERE n.state <> o.state
      AND (n.state IN ('completed', 'cancelled', 'discarded') OR (n.order_gate AND n.state = 'available'))));
  RETURN NULL;
END $$;

CREATE FUNCTION courier_job_order_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM courier_order_advance_all(ARRAY(
    SELECT DISTINCT o.order_key FROM old_rows o
    JOIN courier_order_key ok ON ok.key = o.order_key AND ok.active_job_id = o.id));
  RETURN NULL;
END $$;

CREATE TRIGGER courier_job_order_insert AFTER INSERT ON courier_job
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_order_insert();
CREATE TRIGGER courier_job_order_update AFTER UPDATE ON courier_job
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION courier_job_order_update();
CREATE TRIGGER courier_job_order_delete AFTER DELETE ON courier_job
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_order_delete();
