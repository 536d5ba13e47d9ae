-- How each organization reaches its users' mailboxes (A3) and each user's own mailbox credential where the access
-- is per user (EWS direct logon password, Graph delegated refresh token, S8). Secrets are AES-256-GCM sealed by
-- relay/secrets and bound to their row's owner; settings hold only what is not secret.

CREATE TABLE mailbox_access (
  organization_id    uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  kind               text NOT NULL CHECK (kind IN ('ews-impersonation', 'ews-direct', 'graph-app', 'graph-delegated')),
  settings           jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Service account password (EWS impersonation) or the app's client secret (Graph); NULL for EWS direct logon.
  secret_ciphertext  text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailbox_credentials (
  user_id            uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  organization_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  kind               text NOT NULL CHECK (kind IN ('password', 'refresh-token')),
  secret_ciphertext  text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailbox_credentials_org ON mailbox_credentials (organization_id);
