-- The job engine's tables. Every state change of a job is one statement or one transaction.
-- Allowed transitions are documented in docs/STATE_MACHINE.md and enforced in JobStore's WHERE
-- clauses; the CHECK constraints below keep impossible rows out whatever the code does.

CREATE TYPE courier_job_state AS ENUM (
  'scheduled', 'available', 'running', 'retryable', 'completed', 'cancelled', 'discarded'
);

CREATE TABLE courier_job (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state               courier_job_state NOT NULL,
  queue               text NOT NULL,
  kind                text NOT NULL,
  args                jsonb NOT NULL DEFAULT '{}',
  priority            smallint NOT NULL DEFAULT 5,
  attempt             smallint NOT NULL DEFAULT 0,
  max_attempts        smallint NOT NULL,
  created_at          timestamptz NOT NULL,
  scheduled_at        timestamptz NOT NULL,
  attempted_at        timestamptz,
  finalized_at        timestamptz,
  attempted_by        text,
  lease_expires_at    timestamptz,
  cancel_requested_at timestamptz,
  errors              jsonb NOT NULL DEFAULT '[]',
  progress            smallint,
  result              jsonb,
  tags                text[] NOT NULL DEFAULT '{}',
  metadata            jsonb NOT NULL DEFAULT '{}',
  -- Dedupe while an equal job is not finalized.
  unique_key          text,
  -- Dedupe within a time window: the key with its window's start, kept until the row is cleaned.
  unique_window_key   text,
  -- Reserved for order keys and limiters (FIFO groups and pacing).
  order_key           text,
  limiter_keys        text[],
  CONSTRAINT courier_job_priority_range CHECK (priority BETWEEN 0 AND 9),
  CONSTRAINT courier_job_max_attempts_positive CHECK (max_attempts >= 1),
  CONSTRAINT courier_job_attempt_not_negative CHECK (attempt >= 0),
  CONSTRAINT courier_job_progress_range CHECK (progress IS NULL OR progress BETWEEN 0 AND 100),
  CONSTRAINT courier_job_queue_length CHECK (char_length(queue) BETWEEN 1 AND 128),
  CONSTRAINT courier_job_kind_length CHECK (char_length(kind) BETWEEN 1 AND 128),
  -- A lease exists exactly while a job runs; statements on running jobs rely on this.
  CONSTRAINT courier_job_lease_iff_running CHECK (
    (state = 'running') = (lease_expires_at IS NOT NULL)),
  CONSTRAINT courier_job_running_has_node CHECK (state <> 'running' OR attempted_by IS NOT NULL),
  CONSTRAINT courier_job_finalized_has_time CHECK (
    (state IN ('completed', 'cancelled', 'discarded')) = (finalized_at IS NOT NULL))
);

-- The claim: ready jobs of one queue in (priority, enqueue order). Small because ready rows are few
-- compared to finalized ones.
CREATE INDEX courier_job_available_idx ON courier_job (queue, priority, id)
  WHERE state = 'available';

-- The promoter: due scheduled and retryable jobs.
CREATE INDEX courier_job_due_idx ON courier_job (scheduled_at)
  WHERE state IN ('scheduled', 'retryable');

-- The rescuer: expired leases.
CREATE INDEX courier_job_lease_idx ON courier_job (lease_expires_at)
  WHERE state = 'running';

-- The cleaner: finalized rows by age.
CREATE INDEX courier_job_finalized_idx ON courier_job (state, finalized_at)
  WHERE state IN ('completed', 'cancelled', 'discarded');

-- Admin listing by queue and state with id cursors.
CREATE INDEX courier_job_queue_state_idx ON courier_job (queue, state, id);

CREATE UNIQUE INDEX courier_job_unique_active_idx ON courier_job (unique_key)
  WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'available', 'running', 'retryable');

CREATE UNIQUE INDEX courier_job_unique_window_idx ON courier_job (unique_window_key)
  WHERE unique_window_key IS NOT NULL;

-- Counts by queue and state without count(*) over the job table: every statement appends its
-- net change here (no row is updated twice, so concurrent writers never wait on each other), and
-- the leader folds the deltas into courier_job_count.
CREATE TABLE courier_job_count (
  queue text NOT NULL,
  state courier_job_state NOT NULL,
  n     bigint NOT NULL,
  PRIMARY KEY (queue, state)
);

CREATE TABLE courier_job_count_delta (
  id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue text NOT NULL,
  state courier_job_state NOT NULL,
  delta bigint NOT NULL
);

-- The same statement triggers wake the engines: NOTIFY is delivered at commit, once per
-- transaction and payload, so a batch of ten thousand jobs sends one notification per queue.
CREATE FUNCTION courier_job_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO courier_job_count_delta (queue, state, delta)
    SELECT queue, state, count(*) FROM new_rows GROUP BY queue, state;
  PERFORM pg_notify('courier_job_ready', q) FROM (
    SELECT DISTINCT queue AS q FROM new_rows WHERE state = 'available') r;
  PERFORM pg_notify('courier_job_scheduled', '')
    WHERE EXISTS (SELECT 1 FROM new_rows WHERE state = 'scheduled');
  RETURN NULL;
END $$;

CREATE FUNCTION courier_job_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO courier_job_count_delta (queue, state, delta)
    SELECT queue, state, sum(d) FROM (
      SELECT queue, state, 1 AS d FROM new_rows
      UNION ALL
      SELECT queue, state, -1 AS d FROM old_rows) c
    GROUP BY queue, state HAVING sum(d) <> 0;
  PERFORM pg_notify('courier_job_ready', q) FROM (
    SELECT DISTINCT queue AS q FROM new_rows WHERE state = 'available') r;
  PERFORM pg_notify('courier_job_scheduled', '')
    WHERE EXISTS (SELECT 1 FROM new_rows WHERE state IN ('scheduled', 'retryable'));
  RETURN NULL;
END $$;

CREATE FUNCTION courier_job_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO courier_job_count_delta (queue, state, delta)
    SELECT queue, state, -count(*) FROM old_rows GROUP BY queue, state;
  RETURN NULL;
END $$;

CREATE TRIGGER courier_job_count_insert AFTER INSERT ON courier_job
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_count_insert();
CREATE TRIGGER courier_job_count_update AFTER UPDATE ON courier_job
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION courier_job_count_update();
CREATE TRIGGER courier_job_count_delete AFTER DELETE ON courier_job
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION courier_job_count_delete();

-- Queues: pause state, shared by every node.
CREATE TABLE courier_queue (
  name       text PRIMARY KEY,
  paused_at  timestamptz,
  updated_at timestamptz NOT NULL
);

-- One leader per database; a row with an expiry that the leader renews.
CREATE TABLE courier_leader (
  name       text PRIMARY KEY,
  leader_id  text NOT NULL,
  elected_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

-- The last tick of each periodic job that was enqueued: the guard that makes each tick happen once.
CREATE TABLE courier_periodic (
  name      text PRIMARY KEY,
  last_tick timestamptz NOT NULL
);
