-- Idempotency-Key for creating requests whose resource keeps no key of its own: campaigns,
-- schedules and recipient imports. One row per (organization, scope, key), written in the
-- transaction that creates the resource, so a key exists exactly when its resource does. A key is
-- honoured for 24 hours; after that the same key starts a new request and its row is replaced.
CREATE TABLE courier_idempotency (
  organization_id text        NOT NULL,
  scope           text        NOT NULL,
  key             text        NOT NULL,
  request_hash    text        NOT NULL,
  resource_id     text        NOT NULL,
  response        jsonb,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (organization_id, scope, key)
);
