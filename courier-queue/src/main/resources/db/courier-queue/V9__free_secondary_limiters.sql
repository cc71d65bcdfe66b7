-- A job's secondary limiters (a campaign's own limiter, a plan's, a template's) were checked and
-- consumed for every admitted job: an upsert and a locking read of the limiter's state row, its
-- configuration read twice, and an UPDATE of that one row, held locked until the claim commits.
-- Concurrent claims then skipped each other's jobs ("another claim is using it"), so jobs sharing
-- a secondary limiter were admitted by one claim at a time. Most secondary limiters constrain
-- nothing most of the time (a campaign without a rate cap is there so that pausing it holds its
-- messages; a template's limiter only pauses): a limiter whose configuration sets no limit and is
-- not paused is now passed over without touching its state, and remembered as such for the rest
-- of the admission. Its state has nothing to record: no tokens, gap, quota or rest.

-- True when a limiter configuration admits everything: none configured, or one with no limit set
-- and not paused.
CREATE FUNCTION courier_limiter_is_free(c courier_limiter) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT c.pattern IS NULL
      OR (NOT c.paused AND c.rate_count IS NULL AND c.gap_min IS NULL AND c.daily_count IS NULL
          AND c.rest_every IS NULL AND c.window_from IS NULL)
$$;

CREATE OR REPLACE FUNCTION courier_limiter_admit(q text, cap integer, now timestamptz) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
  result bigint[] := '{}';
  lim courier_limiter_state;
  after courier_limiter_state;
  t_now timestamptz;
  cfg courier_limiter;
  a record;
  cand record;
  admitted integer;
  found_jobs integer;
  ok boolean;
  sk text;
  sc courier_limiter;
  ss courier_limiter_state;
  sa record;
  hold_until timestamptz;
  day_from timestamptz;
  free_keys text[] := '{}';
  checked_keys text[];
BEGIN
  IF cap <= 0 THEN
    RETURN result;
  END IF;
  -- Limiters that got new ready jobs become waiting (rows appended by writers, consumed here).
  WITH woken AS (
    DELETE FROM courier_limiter_wake w
    WHERE w.id IN (SELECT id FROM courier_limiter_wake WHERE queue = q FOR UPDATE SKIP LOCKED)
    RETURNING w.key)
  INSERT INTO courier_limiter_state AS st (key, queue, waiting)
    SELECT DISTINCT key, q, true FROM woken ORDER BY 1
  ON CONFLICT (key) DO UPDATE SET waiting = true, queue = q;

  FOR lim IN
    SELECT * FROM courier_limiter_state
    WHERE queue = q AND waiting AND (blocked_until IS NULL OR blocked_until <= now)
    ORDER BY last_start NULLS FIRST
    FOR UPDATE SKIP LOCKED
  LOOP
    EXIT WHEN cap <= 0;
    -- Nodes' clocks (and a claim's "now", taken just before its statement) may trail the last
    -- admission: never account a limiter backwards in time.
    t_now := greatest(now, lim.refilled_at, lim.last_start);
    SELECT * INTO cfg FROM courier_limiter_config(lim.key);
    SELECT * INTO a FROM courier_limiter_allowance(cfg, lim, t_now, cap);
    IF a.allowed <= 0 THEN
      UPDATE courier_limiter_state SET blocked_until = a.next_at WHERE key = lim.key;
      CONTINUE;
    END IF;
    admitted := 0;
    found_jobs := 0;
    FOR cand IN
      SELECT id, limiter_keys, limit_value FROM courier_job
      WHERE queue = q AND limit_key = lim.key AND state = 'available' AND NOT order_gate
      ORDER BY priority, id
      LIMIT a.allowed
      FOR UPDATE SKIP LOCKED
    LOOP
      found_jobs := found_jobs + 1;
      ok := true;
      hold_until := NULL;
      checked_keys := '{}';
      -- Secondary limiters, checked and consumed per job.
      FOR i IN 2 .. coalesce(array_length(cand.limiter_keys, 1), 1) LOOP
        sk := cand.limiter_keys[i];
        IF sk = ANY(free_keys) THEN
          CONTINUE;
        END IF;
        SELECT * INTO sc FROM courier_limiter_config(sk);
        IF courier_limiter_is_free(sc) THEN
          free_keys := free_keys || sk;
          CONTINUE;
        END IF;
        checked_keys := checked_keys || sk;
        INSERT INTO courier_limiter_state (key, queue, waiting) VALUES (sk, q, false)
          ON CONFLICT (key) DO NOTHING;
        SELECT * INTO ss FROM courier_limiter_state WHERE key = sk FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
          ok := false; -- another claim is using it: try again at the next claim
          EXIT;
        END IF;
        SELECT * INTO sa FROM courier_limiter_allowance(sc, ss, now, 1);
        IF sa.allowed <= 0 THEN
          ok := false;
          hold_until := greatest(hold_until, sa.next_at);
        END IF;
      END LOOP;
      -- A distinct daily quota admits a value already counted in its period, or a new one while
      -- there is room.
      IF ok AND cfg.daily_distinct AND cand.limit_value IS NOT NULL THEN
        day_from := CASE WHEN cfg.daily_rolling THEN now - interval '24 hours'
                         ELSE date_trunc('day', now AT TIME ZONE cfg.daily_time_zone)
                                AT TIME ZONE cfg.daily_time_zone END;
        IF NOT EXISTS (SELECT 1 FROM courier_limiter_distinct
                       WHERE key = lim.key AND value = cand.limit_value AND at > day_from) THEN
          IF (SELECT count(*) FROM courier_limiter_distinct
              WHERE key = lim.key AND at > day_from) >= cfg.daily_count THEN
            ok := false;
            hold_until := CASE WHEN cfg.daily_rolling THEN
                              (SELECT min(at) + interval '24 hours' FROM courier_limiter_distinct
                               WHERE key = lim.key AND at > day_from)
                            ELSE (date_trunc('day', now AT TIME ZONE cfg.daily_time_zone)
                                  + interval '1 day') AT TIME ZONE cfg.daily_time_zone END;
          ELSE
            INSERT INTO courier_limiter_distinct (key, value, at) VALUES (lim.key, cand.limit_value, now)
              ON CONFLICT (key, value) DO UPDATE SET at = excluded.at;
          END IF;
        END IF;
      END IF;
      IF ok THEN
        FOREACH sk IN ARRAY checked_keys LOOP
          SELECT * INTO ss FROM courier_limiter_state WHERE key = sk;
          SELECT * INTO sc FROM courier_limiter_config(sk);
          PERFORM courier_limiter_consume(sc, ss, now, 1);
        END LOOP;
        result := result || cand.id;
        admitted := admitted + 1;
      ELSIF hold_until IS NOT NULL THEN
        -- Held back, not an attempt: it waits (keeping its priority and place) until it may go.
        UPDATE courier_job SET state = 'scheduled', scheduled_at = hold_until WHERE id = cand.id;
      END IF;
    END LOOP;
    PERFORM courier_limiter_consume(cfg, lim, t_now, admitted);
    cap := cap - admitted;
    IF found_jobs < a.allowed THEN
      -- Ran out of ready jobs: idle until a writer appends a wake row.
      UPDATE courier_limiter_state SET waiting = false, blocked_until = NULL WHERE key = lim.key;
    ELSE
      -- More jobs wait: record when the limiter admits again, so fetchers sleep until then.
      SELECT * INTO after FROM courier_limiter_state WHERE key = lim.key;
      SELECT * INTO a FROM courier_limiter_allowance(cfg, after, t_now, 1);
      UPDATE courier_limiter_state SET blocked_until = CASE WHEN a.allowed <= 0 THEN a.next_at END
        WHERE key = lim.key;
    END IF;
  END LOOP;
  RETURN result;
END $$;
