-- Auto-resolving (E8): one ledger row per record the engine creates for an unknown person or company, keyed per
-- organization by 'person:<address>' or 'account:<domain>'. The same exactly-once protocol as email_saves: two sessions
-- meeting one unknown address at once claim one row, so C4C gets one record; the rows also let users find what was
-- created for them to complete.
CREATE TABLE auto_resolved_records (
  organization_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  resolve_key          text NOT NULL,
  status               text NOT NULL CHECK (status IN ('pending', 'saved', 'failed')),
  c4c_object_id        text,
  c4c_id               text,
  saved_by_user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  claimed_at           timestamptz,
  claim_token          uuid,
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  -- What was created, for the "complete these records" list ('lead', 'contact', 'account') and from which address.
  record_kind          text CHECK (record_kind IN ('lead', 'contact', 'account')),
  display_name         text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, resolve_key)
);
CREATE INDEX auto_resolved_records_by_user ON auto_resolved_records (organization_id, saved_by_user_id, created_at DESC);

-- Settings presets (A8): named sets of the user sync settings (a partial profile). A user follows the preset assigned
-- to them, else the organization's default preset; their own changes (the keys stored in user_sync_settings.settings)
-- win over the preset unless an admin applied it with "override", which removes those keys.
CREATE TABLE sync_presets (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sync_presets_name ON sync_presets (organization_id, lower(name));

ALTER TABLE user_sync_settings ADD COLUMN preset_id uuid REFERENCES sync_presets (id) ON DELETE SET NULL;
ALTER TABLE organizations ADD COLUMN default_sync_preset_id uuid REFERENCES sync_presets (id) ON DELETE SET NULL;
