-- Organizations, users, the C4C connection (password encrypted at rest), the exactly-once ledgers and the audit log.
-- Every table that holds an organization's data carries organization_id and cascades when the organization goes.

CREATE TABLE organizations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  entra_tenant_id  uuid UNIQUE,
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  display_name     text NOT NULL,
  email            text NOT NULL,
  mailbox_login    text,
  c4c_login        text,
  c4c_user_id      text,
  entra_object_id  uuid,
  role             text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, entra_object_id)
);
-- Mailbox addresses are case-insensitive.
CREATE UNIQUE INDEX users_org_email_key ON users (organization_id, lower(email));

CREATE TABLE c4c_connections (
  organization_id    uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  service_root       text NOT NULL,
  auth_kind          text NOT NULL CHECK (auth_kind IN ('basic')),
  username           text NOT NULL,
  -- AES-256-GCM sealed by relay/secrets, bound to the organization id; never the plaintext.
  secret_ciphertext  text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Exactly-once e-mail saving: a row is claimed before the C4C create (see relay/store/ledger.ts).
CREATE TABLE email_saves (
  organization_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  internet_message_id  text NOT NULL,
  status               text NOT NULL CHECK (status IN ('pending', 'saved', 'failed')),
  c4c_object_id        text,
  c4c_id               text,
  saved_by_user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  claimed_at           timestamptz,
  claim_token          uuid,
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, internet_message_id)
);

-- Same ledger for "create a C4C appointment from this meeting", keyed by the groupware item id.
CREATE TABLE appointment_creates (
  organization_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  groupware_item_id    text NOT NULL,
  status               text NOT NULL CHECK (status IN ('pending', 'saved', 'failed')),
  c4c_object_id        text,
  c4c_id               text,
  saved_by_user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  claimed_at           timestamptz,
  claim_token          uuid,
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, groupware_item_id)
);

-- A sequence id gives a stable newest-first order even when two entries share a timestamp.
CREATE TABLE audit_log (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
  actor            text NOT NULL,
  action           text NOT NULL,
  details          jsonb NOT NULL DEFAULT '{}'::jsonb,
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_id ON audit_log (organization_id, id DESC);
