-- Instances (one WhatsApp number on one provider), messages with their status history and send
-- attempts, provider callbacks that arrived before their message's send was recorded, inbound
-- messages and contacts, the simulator's outbox, and domain events.

CREATE TABLE courier_instance (
  id                  text PRIMARY KEY,
  organization_id     text NOT NULL REFERENCES courier_organization,
  name                text NOT NULL,
  provider            text NOT NULL CHECK (provider IN ('cloud_api', 'gateway', 'simulator')),
  -- Provider settings including secrets (tokens, app secret): never returned by the API or logged.
  settings            jsonb NOT NULL,
  default_region      text,
  time_zone           text NOT NULL,
  ordering            text NOT NULL DEFAULT 'chat' CHECK (ordering IN ('chat', 'instance')),
  order_release       text NOT NULL DEFAULT 'accepted' CHECK (order_release IN ('accepted', 'sent')),
  order_release_timeout interval NOT NULL,
  -- The limits as given by the user (API shape); the effective profile is these over the
  -- provider's defaults.
  limits              jsonb NOT NULL,
  typing              interval,
  in_doubt_window     interval NOT NULL,
  in_doubt_policy     text NOT NULL CHECK (in_doubt_policy IN ('resend', 'fail')),
  state               text NOT NULL CHECK (state IN ('connected', 'disconnected', 'paused')),
  state_reason        text,
  state_changed_at    timestamptz NOT NULL,
  -- The Cloud API phone number id (cloud_api instances): the Cloud-API-compatible endpoint and
  -- inbound callbacks find the instance by it.
  phone_number_id     text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  deleted_at          timestamptz,
  UNIQUE (organization_id, name)
);

CREATE UNIQUE INDEX courier_instance_phone_number_idx
  ON courier_instance (organization_id, phone_number_id)
  WHERE phone_number_id IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE courier_message (
  -- seq orders messages (listing, queue positions); id is the opaque public id.
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id                text PRIMARY KEY,
  organization_id   text NOT NULL,
  instance_id       text NOT NULL REFERENCES courier_instance,
  recipient         text NOT NULL,
  type              text NOT NULL,
  content           jsonb NOT NULL,
  reply_to          text,
  template_name     text,
  priority          smallint NOT NULL CHECK (priority BETWEEN 0 AND 9),
  typing            interval,
  order_key         text NOT NULL,
  metadata          jsonb,
  idempotency_key   text,
  -- A hash of the creating request, so a repeated key with a different body can be refused.
  request_hash      text,
  status            text NOT NULL CHECK (status IN
                      ('queued', 'sending', 'in_doubt', 'sent', 'delivered', 'read', 'failed', 'cancelled')),
  job_id            bigint,
  provider_message_id text,
  -- The job attempt that last marked the message 'sending' before calling the provider.
  send_attempt      integer NOT NULL DEFAULT 0,
  throttle_count    integer NOT NULL DEFAULT 0,
  in_doubt_since    timestamptz,
  error_code        text,
  error_message     text,
  scheduled_at      timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  sent_at           timestamptz,
  delivered_at      timestamptz,
  read_at           timestamptz,
  failed_at         timestamptz
);

CREATE UNIQUE INDEX courier_message_idempotency_idx
  ON courier_message (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX courier_message_provider_id_idx
  ON courier_message (instance_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX courier_message_job_idx ON courier_message (job_id);
CREATE INDEX courier_message_org_idx ON courier_message (organization_id, seq);
-- Queue positions and cancelling a chat's or an instance's queue read only messages not yet sent.
CREATE INDEX courier_message_queued_idx ON courier_message (instance_id, order_key, priority, seq)
  WHERE status = 'queued';
CREATE INDEX courier_message_in_flight_idx ON courier_message (order_key)
  WHERE status IN ('sending', 'in_doubt');

-- Every status a message reached, in order, with when and why.
CREATE TABLE courier_message_status (
  message_id text NOT NULL REFERENCES courier_message ON DELETE CASCADE,
  seq        bigint GENERATED ALWAYS AS IDENTITY,
  status     text NOT NULL,
  at         timestamptz NOT NULL,
  detail     jsonb,
  PRIMARY KEY (message_id, seq)
);

-- Every call to the provider for a message, with its outcome.
CREATE TABLE courier_message_attempt (
  message_id  text NOT NULL REFERENCES courier_message ON DELETE CASCADE,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  job_attempt integer NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text NOT NULL,
  error_class text,
  error_code  text,
  error_message text,
  PRIMARY KEY (message_id, seq)
);

-- Status callbacks the provider sent before Courier recorded the provider's id for the message
-- (a fast provider can call back before the send's transaction commits). Applied, and deleted,
-- when the id is recorded.
CREATE TABLE courier_pending_status (
  instance_id         text NOT NULL,
  provider_message_id text NOT NULL,
  status              text NOT NULL,
  at                  timestamptz NOT NULL,
  detail              jsonb,
  received_at         timestamptz NOT NULL,
  PRIMARY KEY (instance_id, provider_message_id, status)
);

-- Contacts per number, keyed as Meta keys users per phone number id: parent_user_id ?? user_id ??
-- wa_id (business-scoped user ids arrive beside or instead of phone numbers from 2026).
CREATE TABLE courier_contact (
  instance_id     text NOT NULL REFERENCES courier_instance,
  contact_key     text NOT NULL,
  phone           text,
  user_id         text,
  parent_user_id  text,
  profile_name    text,
  last_inbound_id text,
  last_inbound_at timestamptz,
  PRIMARY KEY (instance_id, contact_key)
);

CREATE INDEX courier_contact_phone_idx ON courier_contact (instance_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE courier_inbound_message (
  id                  text PRIMARY KEY,
  seq                 bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  instance_id         text NOT NULL REFERENCES courier_instance,
  provider_message_id text NOT NULL,
  contact_key         text NOT NULL,
  sender              text,
  type                text NOT NULL,
  content             jsonb NOT NULL,
  reply_to            text,
  sent_at             timestamptz NOT NULL,
  received_at         timestamptz NOT NULL,
  UNIQUE (instance_id, provider_message_id)
);

-- Recipients the provider asked not to be sent template messages for a while (Cloud API 131049).
CREATE TABLE courier_recipient_hold (
  instance_id text NOT NULL,
  recipient   text NOT NULL,
  until       timestamptz NOT NULL,
  reason      text NOT NULL,
  PRIMARY KEY (instance_id, recipient)
);

-- Unique recipients of template messages per business portfolio in the last 24 h: the Cloud API's
-- messaging limit, shared by the numbers of one portfolio.
CREATE TABLE courier_portfolio_recipient (
  portfolio text NOT NULL,
  recipient text NOT NULL,
  at        timestamptz NOT NULL,
  PRIMARY KEY (portfolio, recipient)
);

-- The simulator's side of the wire: what it accepted, in order. Written in the simulator's own
-- transaction, as a remote provider would, so it survives a crash of the sender.
CREATE TABLE courier_simulator_outbox (
  seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  instance_id         text NOT NULL,
  message_id          text NOT NULL,
  recipient           text NOT NULL,
  type                text NOT NULL,
  accepted_at         timestamptz NOT NULL,
  provider_message_id text NOT NULL
);

CREATE INDEX courier_simulator_outbox_instance_idx ON courier_simulator_outbox (instance_id, seq);

-- The simulator's call counter per instance: call n's outcome is drawn from (seed, n), so a seeded
-- run is reproducible.
CREATE TABLE courier_simulator_state (
  instance_id text PRIMARY KEY,
  calls       bigint NOT NULL DEFAULT 0,
  disconnected_until timestamptz,
  throttled_calls integer NOT NULL DEFAULT 0
);

-- Domain events (message status changes, instance paused, message received), written in the
-- transaction of the change; customer webhooks deliver from here.
CREATE TABLE courier_event (
  seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              text NOT NULL UNIQUE,
  organization_id text NOT NULL,
  type            text NOT NULL,
  subject_id      text NOT NULL,
  payload         jsonb NOT NULL,
  at              timestamptz NOT NULL
);

CREATE INDEX courier_event_org_idx ON courier_event (organization_id, seq);
