-- Creating an instance honours Idempotency-Key like every creating POST: the key and a hash of the
-- request are kept on the instance, unique per organization.
ALTER TABLE courier_instance ADD COLUMN idempotency_key text;
ALTER TABLE courier_instance ADD COLUMN request_hash text;

CREATE UNIQUE INDEX courier_instance_idempotency_idx
  ON courier_instance (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
