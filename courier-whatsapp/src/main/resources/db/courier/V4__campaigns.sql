-- Campaigns: one message template sent to many recipients. The campaign's send jobs are created
-- by its expansion job in batches; each batch's messages, the recipients' message ids and the
-- campaign's cursor commit in one transaction, so a crash mid-expansion neither doubles nor skips a
-- recipient.
CREATE TABLE courier_campaign (
  id               text PRIMARY KEY,
  organization_id  text NOT NULL,
  instance_id      text NOT NULL REFERENCES courier_instance,
  name             text NOT NULL,
  status           text NOT NULL CHECK (status IN
                     ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  -- The message every recipient gets, in the API's shape without "to" ({{variable}} placeholders
  -- in its strings), and the variables those placeholders name.
  template         jsonb NOT NULL,
  variables        text[] NOT NULL,
  priority         smallint NOT NULL CHECK (priority BETWEEN 0 AND 9),
  -- The per-campaign rate cap (null: only the instance's limits).
  rate_count       integer,
  rate_per_ms      bigint,
  start_at         timestamptz,
  -- Recipients with seq <= cursor have been expanded (a message, or an error).
  cursor_seq       bigint NOT NULL DEFAULT 0,
  expanded_at      timestamptz,
  job_id           bigint,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  started_at       timestamptz,
  finished_at      timestamptz
);

CREATE INDEX courier_campaign_org_idx ON courier_campaign (organization_id, created_at);

CREATE TABLE courier_campaign_recipient (
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES courier_campaign ON DELETE CASCADE,
  recipient    text NOT NULL,
  variables    jsonb NOT NULL,
  -- Set when expanded: the message sent, or why none could be (content invalid once rendered).
  message_id   text UNIQUE,
  error        text,
  UNIQUE (campaign_id, recipient)
);

CREATE INDEX courier_campaign_recipient_seq_idx ON courier_campaign_recipient (campaign_id, seq);
