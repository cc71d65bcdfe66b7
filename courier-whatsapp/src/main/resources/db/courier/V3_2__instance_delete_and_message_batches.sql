-- Deleted instances (deleted_at set) no longer hold their name: a new instance of the organization
-- may take it. The phone number id index already ignores deleted instances.
ALTER TABLE courier_instance DROP CONSTRAINT courier_instance_organization_id_name_key;
CREATE UNIQUE INDEX courier_instance_name_idx
  ON courier_instance (organization_id, name) WHERE deleted_at IS NULL;

-- Idempotency of POST /v1/messages/batch: one row per (organization, Idempotency-Key), written in
-- the transaction that stores the batch's messages, with a hash of the request and the answer's
-- per-item results, so a repeated key answers the first batch's results and a different body under
-- the same key is refused. Batch keys are separate from the per-message keys of POST /v1/messages.
CREATE TABLE courier_message_batch (
  organization_id text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash    text NOT NULL,
  item_count      integer NOT NULL,
  results         jsonb,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (organization_id, idempotency_key)
);
