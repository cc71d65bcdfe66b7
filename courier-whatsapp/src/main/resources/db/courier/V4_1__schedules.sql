-- Schedules (automations): one message to one or more recipients, once (at) or on a cron in a time
-- zone (until an optional end). Any node's sweep sends a due occurrence; the guard row per
-- (schedule, occurrence), inserted in the transaction of the occurrence's messages, makes each
-- occurrence send exactly once across nodes and restarts.
CREATE TABLE courier_schedule (
  id               text PRIMARY KEY,
  organization_id  text NOT NULL,
  instance_id      text NOT NULL REFERENCES courier_instance,
  name             text,
  status           text NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'deleted')),
  -- The message request without "to" ({{variable}} placeholders allowed) and its recipients
  -- [{to, variables}], numbers normalised.
  template         jsonb NOT NULL,
  recipients       jsonb NOT NULL,
  run_at           timestamptz,
  cron             text,
  time_zone        text NOT NULL,
  end_at           timestamptz,
  -- The next occurrence to send (null once there is none).
  next_at          timestamptz,
  last_occurrence_at timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK ((run_at IS NULL) <> (cron IS NULL))
);

CREATE INDEX courier_schedule_due_idx ON courier_schedule (next_at) WHERE status = 'active';
CREATE INDEX courier_schedule_org_idx ON courier_schedule (organization_id, id);

CREATE TABLE courier_schedule_occurrence (
  schedule_id    text NOT NULL REFERENCES courier_schedule ON DELETE CASCADE,
  occurrence_at  timestamptz NOT NULL,
  -- sent: its messages were created; skipped: it came due while no node ran and was older than the
  -- too-late age when one started.
  outcome        text NOT NULL CHECK (outcome IN ('sent', 'skipped')),
  message_ids    text[] NOT NULL,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (schedule_id, occurrence_at)
);
