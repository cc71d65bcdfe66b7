-- Limiters: rate (token bucket), minimum gap with jitter, daily quota (calendar day in a time
-- zone or rolling 24 h, optionally counting distinct values), rest periods and sending windows,
-- enforced at claim time in the claim's own transaction, so they hold across every node.
--
-- A job's first limiter key is its primary limiter (limit_key): waiting jobs are found through it,
-- one index range per ready limiter, so a blocked limiter costs a claim nothing. Further keys (e.g.
-- a per-recipient pair rate) are checked for each candidate; a candidate one of them holds back is
-- rescheduled to the time it may go (not an attempt; it keeps its place).

ALTER TABLE courier_job ADD COLUMN limit_key text;
-- The value a distinct daily quota counts (e.g. the recipient), when the job has one.
ALTER TABLE courier_job ADD COLUMN limit_value text;

DROP INDEX courier_job_available_idx;
CREATE INDEX courier_job_available_idx ON courier_job (queue, priority, id)
  WHERE state = 'available' AND NOT order_gate AND limit_key IS NULL;
CREATE INDEX courier_job_limited_idx ON courier_job (queue, limit_key, priority, id)
  WHERE state = 'available' AND NOT order_gate AND limit_key IS NOT NULL;

-- Configuration, per exact key or per prefix (a pattern ending in '*'); the longest match wins.
-- Read at every admission, so a change applies at the next claim.
CREATE TABLE courier_limiter (
  pattern          text PRIMARY KEY,
  rate_count       integer,
  rate_period      interval,
  rate_burst       integer,
  gap_min          interval,
  gap_max          interval,
  daily_count      integer,
  daily_time_zone  text,
  daily_rolling    boolean NOT NULL DEFAULT false,
  daily_distinct   boolean NOT NULL DEFAULT false,
  rest_every       integer,
  rest_min         interval,
  rest_max         interval,
  window_from      time,
  window_to        time,
  window_time_zone text,
  updated_at       timestamptz NOT NULL,
  CONSTRAINT courier_limiter_rate CHECK (
    (rate_count IS NULL) = (rate_period IS NULL)
    AND (rate_count IS NULL OR (rate_count > 0 AND rate_period > interval '0'
                                AND coalesce(rate_burst, 1) > 0))),
  CONSTRAINT courier_limiter_gap CHECK (
    (gap_min IS NULL) = (gap_max IS NULL) AND (gap_min IS NULL OR gap_max >= gap_min)),
  CONSTRAINT courier_limiter_daily CHECK (
    daily_count IS NULL OR (daily_count > 0 AND (daily_rolling OR daily_time_zone IS NOT NULL))),
  CONSTRAINT courier_limiter_rest CHECK (
    (rest_every IS NULL) = (rest_min IS NULL) AND (rest_min IS NULL) = (rest_max IS NULL)
    AND (rest_every IS NULL OR (rest_every > 0 AND rest_max >= rest_min))),
  CONSTRAINT courier_limiter_window CHECK (
    (window_from IS NULL) = (window_to IS NULL)
    AND (window_from IS NULL OR (window_time_zone IS NOT NULL AND window_from <> window_to)))
);

CREATE TABLE courier_limiter_state (
  key           text PRIMARY KEY,
  queue         text NOT NULL,
  waiting       boolean NOT NULL DEFAULT true,
  blocked_until timestamptz,
  tokens        double precision,
  refilled_at   timestamptz,
  next_gap_at   timestamptz,
  rest_until    timestamptz,
  since_rest    integer NOT NULL DEFAULT 0,
  day_start     timestamp,
  day_count     integer NOT NULL DEFAULT 0,
  last_start    timestamptz
);
CREATE INDEX courier_limiter_state_ready_idx ON courier_limiter_state (queue, last_start)
  WHERE waiting;

-- Appended (never updated) when jobs of a limiter become ready, so writers never wait on a
-- limiter row that a claim is using; the claim consumes them.
CREATE TABLE courier_limiter_wake (
  id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue text NOT NULL,
  key   text NOT NULL
);
CREATE INDEX courier_limiter_wake_queue_idx ON courier_limiter_wake (queue);

-- Starts in the last 24 h, for rolling daily quotas.
CREATE TABLE courier_limiter_start (
  key text NOT NULL,
  at  timestamptz NOT NULL
);
CREATE INDEX courier_limiter_start_idx ON courier_limiter_start (key, at);

-- Values counted by distinct daily quotas (e.g. unique recipients per day or per rolling 24 h).
CREATE TABLE courier_limiter_distinct (
  key   text NOT NULL,
  value text NOT NULL,
  at    timestamptz NOT NULL,
  PRIMARY KEY (key, value)
);

CREATE FUNCTION courier_limiter_config(k text) RETURNS courier_limiter LANGUAGE sql STABLE AS $$
  SELECT * FROM courier_limiter
  WHERE pattern = k OR (right(pattern, 1) = '*' AND starts_with(k, left(pattern, -1)))
  ORDER BY (pattern = k) DESC, length(pattern) DESC
  LIMIT 1
$$;

-- How many starts limiter k allows at now (at most cap), and if none, from when it may.
CREATE FUNCTION courier_limiter_allowance(
    c courier_limiter, s courier_limiter_state, now timestamptz, cap integer,
    OUT allowed integer, OUT next_at timestamptz) LANGUAGE plpgsql AS $$
DECLARE
  local_now timestamp;
  t time;
  tokens double precision;
  used integer;
  cand timestamp;
BEGIN
  allowed := cap;
  next_at := NULL;
  IF c.pattern IS NULL THEN
    RETURN;
  END IF;
  IF c.window_from IS NOT NULL THEN
    local_now := now AT TIME ZONE c.window_time_zone;
    t := local_now::time;
    IF NOT ((c.window_from < c.window_to AND t >= c.window_from AND t < c.window_to)
            OR (c.window_from > c.window_to AND (t >= c.window_from OR t < c.window_to))) THEN
      cand := local_now::date + c.window_from;
      IF cand <= local_now THEN
        cand := cand + interval '1 day';
      END IF;
      allowed := 0;
      next_at := greatest(next_at, cand AT TIME ZONE c.window_time_zone);
    END IF;
  END IF;
  IF s.rest_until IS NOT NULL AND s.rest_until > now THEN
    allowed := 0;
    next_at := greatest(next_at, s.rest_until);
  END IF;
  IF c.rest_every IS NOT NULL THEN
    allowed := least(allowed, greatest(c.rest_every - s.since_rest, 1));
  END IF;
  IF c.gap_min IS NOT NULL THEN
    IF s.next_gap_at IS NOT NULL AND s.next_gap_at > now THEN
      allowed := 0;
      next_at := greatest(next_at, s.next_gap_at);
    ELSE
      allowed := least(allowed, 1);
    END IF;
  END IF;
  IF c.rate_count IS NOT NULL THEN
    tokens := CASE WHEN s.refilled_at IS NULL THEN coalesce(c.rate_burst, c.rate_count)
                   ELSE least(coalesce(c.rate_burst, c.rate_count),
                              coalesce(s.tokens, 0) + extract(epoch FROM now - s.refilled_at)
                                * c.rate_count / extract(epoch FROM c.rate_period)) END;
    IF tokens < 1 THEN
      allowed := 0;
      next_at := greatest(next_at, now + (1 - tokens) * c.rate_period / c.rate_count);
    ELSE
      allowed := least(allowed, floor(tokens)::integer);
    END IF;
  END IF;
  IF c.daily_count IS NOT NULL THEN
    IF c.daily_rolling THEN
      IF c.daily_distinct THEN
        SELECT count(*) INTO used FROM courier_limiter_distinct d
          WHERE d.key = s.key AND d.at > now - interval '24 hours';
      ELSE
        SELECT count(*) INTO used FROM courier_limiter_start st
          WHERE st.key = s.key AND st.at > now - interval '24 hours';
      END IF;
      IF used >= c.daily_count AND NOT c.daily_distinct THEN
        allowed := 0;
        SELECT greatest(next_at, min(st.at) + interval '24 hours') INTO next_at
          FROM courier_limiter_start st WHERE st.key = s.key AND st.at > now - interval '24 hours';
      ELSIF NOT c.daily_distinct THEN
        allowed := least(allowed, c.daily_count - used);
      END IF;
    ELSE
      local_now := now AT TIME ZONE c.daily_time_zone;
      IF c.daily_distinct THEN
        SELECT count(*) INTO used FROM courier_limiter_distinct d
          WHERE d.key = s.key AND d.at >= (date_trunc('day', local_now) AT TIME ZONE c.daily_time_zone);
      ELSE
        used := CASE WHEN s.day_start = date_trunc('day', local_now) THEN s.day_count ELSE 0 END;
      END IF;
      IF used >= c.daily_count AND NOT c.daily_distinct THEN
        allowed := 0;
        next_at := greatest(next_at,
          (date_trunc('day', local_now) + interval '1 day') AT TIME ZONE c.daily_time_zone);
      ELSIF NOT c.daily_distinct THEN
        allowed := least(allowed, c.daily_count - used);
      END IF;
    END IF;
  END IF;
  IF allowed > 0 THEN
    next_at := NULL;
  END IF;
END $$;

-- Records k starts on limiter s at now.
CREATE FUNCTION courier_limiter_consume(c courier_limiter, s courier_limiter_state, now timestamptz, k integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_tokens double precision;
  v_day timestamp;
BEGIN
  IF k <= 0 THEN
    RETURN;
  END IF;
  IF c.pattern IS NULL THEN
    UPDATE courier_limiter_state SET last_start = now WHERE key = s.key;
    RETURN;
  END IF;
  IF c.rate_count IS NOT NULL THEN
    v_tokens := CASE WHEN s.refilled_at IS NULL THEN coalesce(c.rate_burst, c.rate_count)
                   ELSE least(coalesce(c.rate_burst, c.rate_count),
                              coalesce(s.tokens, 0) + extract(epoch FROM now - s.refilled_at)
                                * c.rate_count / extract(epoch FROM c.rate_period)) END;
  END IF;
  IF c.daily_time_zone IS NOT NULL THEN
    v_day := date_trunc('day', now AT TIME ZONE c.daily_time_zone);
  END IF;
  UPDATE courier_limiter_state SET
    last_start = now,
    tokens = CASE WHEN c.rate_count IS NULL THEN NULL ELSE v_tokens - k END,
    refilled_at = CASE WHEN c.rate_count IS NULL THEN NULL ELSE now END,
    next_gap_at = CASE WHEN c.gap_min IS NULL THEN NULL
                       ELSE now + c.gap_min + (c.gap_max - c.gap_min) * random() END,
    day_count = CASE WHEN v_day IS NULL THEN day_count
                     WHEN day_start = v_day THEN day_count + k ELSE k END,
    day_start = coalesce(v_day, day_start),
    since_rest = CASE WHEN c.rest_every IS NULL THEN 0
                      WHEN since_rest + k >= c.rest_every THEN 0 ELSE since_rest + k END,
    rest_until = CASE WHEN c.rest_every IS NOT NULL AND since_rest + k >= c.rest_every
                      THEN now + c.rest_min + (c.rest_max - c.rest_min) * random()
                      ELSE rest_until END
  WHERE key = s.key;
  IF c.daily_count IS NOT NULL AND c.daily_rolling AND NOT c.daily_distinct THEN
    INSERT INTO courier_limiter_start (key, at) SELECT s.key, now FROM generate_series(1, k);
    DELETE FROM courier_limiter_start WHERE key = s.key AND at <= now - interval '24 hours';
  END IF;
END $$;

-- Admits up to cap waiting jobs of queue q whose limiters allow them at now, locking them for the
-- claim that called it; ready limiters are visited least recently started first, so many limiters
-- with waiting jobs share the claims fairly.
CREATE FUNCTION courier_limiter_admit(q text, cap integer, now timestamptz) RETURNS bigint[]
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
      -- Secondary limiters, checked and consumed per job.
      FOR i IN 2 .. coalesce(array_length(cand.limiter_keys, 1), 1) LOOP
        sk := cand.limiter_keys[i];
        INSERT INTO courier_limiter_state (key, queue, waiting) VALUES (sk, q, false)
          ON CONFLICT (key) DO NOTHING;
        SELECT * INTO ss FROM courier_limiter_state WHERE key = sk FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
          ok := false; -- another claim is using it: try again at the next claim
          EXIT;
        END IF;
        SELECT * INTO sc FROM courier_limiter_config(sk);
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
        FOR i IN 2 .. coalesce(array_length(cand.limiter_keys, 1), 1) LOOP
          sk := cand.limiter_keys[i];
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

-- Wake limiters whose jobs became ready: inserted, promoted, retried, released, or ungated by
-- their order key.
CREATE FUNCTION courier_job_limit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO courier_limiter_wake (queue, key)
    SELECT DISTINCT queue, limit_key FROM new_rows
    WHERE limit_key IS NOT NULL AND state = 'available' AND NOT order_gate;
  RETURN NULL;
END $$;

CREATE FUNCTION courier_job_limit_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE limit_key IS NOT NULL AND state = 'available') THEN
    RETURN NULL;
  END IF;
  INSERT INTO courier_limiter_wake (queue, key)
    SELECT DISTINCT n.queue, n.limit_key
    FROM (SELECT * FROM new_rows WHERE limit_key IS NOT NULL AND state = 'available' AND NOT order_gate) n
    JOIN old_rows o ON o.id = n.id
    WHERE o.state <> 'available' OR o.order_gate;
  RETURN NULL;
END $$;

CREATE TRIGGER courier_job_limit_insert AFTER INSERT ON courier_job
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_limit_insert();
CREATE TRIGGER courier_job_limit_update AFTER UPDATE ON courier_job
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION courier_job_limit_update();
