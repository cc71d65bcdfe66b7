-- Organizations and API keys created through the HTTP API (POST /v1/organizations,
-- POST /v1/organizations/{id}/keys) remember the Idempotency-Key they were created with and a hash
-- of the request, so a repeated request is answered as the first was, and a repeated key with a
-- different request is refused. The plaintext of an API key is never stored, not even here.

-- An organization's idempotency key is scoped to the organization of the key that created it
-- (today always the default organization: only admin keys create organizations).
ALTER TABLE courier_organization
  ADD COLUMN creator_organization_id text REFERENCES courier_organization,
  ADD COLUMN idempotency_key         text,
  ADD COLUMN request_hash            text;

CREATE UNIQUE INDEX courier_organization_idempotency_idx
  ON courier_organization (creator_organization_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- An API key's idempotency key is scoped to the organization the key belongs to.
ALTER TABLE courier_api_key
  ADD COLUMN idempotency_key text,
  ADD COLUMN request_hash    text;

CREATE UNIQUE INDEX courier_api_key_idempotency_idx
  ON courier_api_key (organization_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Listings page through an organization's keys in creation order.
CREATE INDEX courier_api_key_listing_idx ON courier_api_key (organization_id, created_at, id);

-- The listing index covers what this one did.
DROP INDEX courier_api_key_organization_idx;
