-- A limiter can be paused: it admits nothing until it is set again unpaused. The WhatsApp layer
-- pauses a number's limiter when the provider flags the number (spam rate limit, policy block,
-- locked account, bad token) and a template's when Meta pauses the template. A paused limiter
-- reports "try again in a minute" rather than "never": a secondary limiter's held-back job is
-- rescheduled to that time, and "never" would strand it after the pause is lifted. Setting the
-- limiter again unblocks it at once.
ALTER TABLE courier_limiter ADD COLUMN paused boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION courier_limiter_allowance(
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
  IF c.paused THEN
    allowed := 0;
    next_at := now + interval '1 minute';
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
