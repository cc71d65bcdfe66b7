-- A claim runs as one call of courier_claim: two statements, one round trip. The first picks the
-- jobs (free ones, then those the limiters admit); the second marks them running. As one statement
-- the limiter admission, a VOLATILE function with snapshots of its own, could admit and lock a job
-- committed after the claiming UPDATE's snapshot, which the UPDATE then could not see: the job
-- stayed available with its limiter's start spent and its wake-up consumed, and sat there. Here
-- the UPDATE starts after the admission, so it sees every job it picked (all locked by it).
CREATE FUNCTION courier_claim(q text, lim integer, now timestamptz, node text, lease timestamptz)
RETURNS SETOF courier_job LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  ids := ARRAY(
    SELECT id FROM courier_job
    WHERE state = 'available' AND NOT order_gate AND limit_key IS NULL AND queue = q
    ORDER BY priority, id
    LIMIT lim
    FOR UPDATE SKIP LOCKED);
  IF EXISTS (SELECT 1 FROM courier_limiter_state WHERE queue = q AND waiting)
     OR EXISTS (SELECT 1 FROM courier_limiter_wake WHERE queue = q) THEN
    ids := ids || courier_limiter_admit(q, lim - cardinality(ids), now);
  END IF;
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- Claims are redone after a crash (leases expire), so their commit need not wait for the disk.
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY
    WITH claimed AS (
      UPDATE courier_job j
      SET state = 'running', attempt = j.attempt + 1, attempted_at = now, attempted_by = node,
          lease_expires_at = lease
      WHERE j.id = ANY (ids)
      RETURNING j.*)
    SELECT * FROM claimed;
END $$;
