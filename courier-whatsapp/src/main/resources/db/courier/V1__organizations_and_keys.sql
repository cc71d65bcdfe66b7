-- Organizations own instances, messages and API keys. One default organization exists from the
-- start; the generated admin key belongs to it.
CREATE TABLE courier_organization (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  plan       text NOT NULL DEFAULT 'basic',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- API keys are stored only as the SHA-256 hash of the whole key; prefix is the first characters,
-- kept to tell keys apart in listings without revealing them.
CREATE TABLE courier_api_key (
  id              text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES courier_organization,
  name            text NOT NULL,
  prefix          text NOT NULL,
  key_hash        bytea NOT NULL UNIQUE,
  is_admin        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz,
  revoked_at      timestamptz
);

CREATE INDEX courier_api_key_organization_idx ON courier_api_key (organization_id);

INSERT INTO courier_organization (id, name) VALUES ('org_default', 'Default organization');
