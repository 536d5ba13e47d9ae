-- The sync engine's state (E1, E2, E3, E9, S6, S7): one row per activated mailbox with a visible stage / status and
-- the reason of its last failure (Twenty's lesson), per-folder change cursors committed page by page, the run history,
-- the user's sync settings, blocklists, and the per-mailbox state of emails the engine tried to save.

CREATE TABLE mailboxes (
  user_id                uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  organization_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- enabled: sessions run; paused: by the user or an admin; suspended: by the engine after repeated failures.
  status                 text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'paused', 'suspended')),
  -- pending: never ran; setting-up: first session (folders, categories, baseline cursors) not finished yet;
  -- syncing: a session is running now; idle: between sessions.
  stage                  text NOT NULL DEFAULT 'pending' CHECK (stage IN ('pending', 'setting-up', 'syncing', 'idle')),
  -- First-session progress (which steps are done), so an interrupted setup resumes where it stopped.
  setup                  jsonb NOT NULL DEFAULT '{}'::jsonb,
  setup_done_at          timestamptz,
  -- Auto-save applies to mail that arrives after this instant (the first session's baseline).
  baseline_at            timestamptz,
  failure_class          text CHECK (failure_class IN ('credentials-rejected', 'mailbox-not-found', 'c4c-unreachable', 'throttled', 'unknown')),
  -- The server's own message of the last failure (never a secret).
  failure_message        text,
  consecutive_failures   integer NOT NULL DEFAULT 0,
  suspended_reason       text,
  -- Seconds into the organization's interval at which this mailbox's sessions are due (spreads the load).
  schedule_offset_seconds integer NOT NULL DEFAULT 0,
  last_session_at        timestamptz,
  last_success_at        timestamptz,
  next_session_at        timestamptz,
  -- Liveness of a running session; a session whose heartbeat stops (killed process) is taken over.
  session_heartbeat_at   timestamptz,
  current_run_id         bigint,
  -- What the running session is doing, for the status screen's progress ({ step, done, total }).
  progress               jsonb,
  enabled_at             timestamptz NOT NULL DEFAULT now(),
  enabled_by             text,
  paused_by              text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailboxes_org ON mailboxes (organization_id);
CREATE INDEX mailboxes_due ON mailboxes (next_session_at) WHERE status = 'enabled';

-- One change cursor per synced folder (EWS SyncState / Graph delta link), written after every page.
CREATE TABLE mailbox_cursors (
  user_id          uuid NOT NULL REFERENCES mailboxes (user_id) ON DELETE CASCADE,
  -- What the folder is to the engine: 'inbox', 'sentitems', 'save', ...
  folder_key       text NOT NULL,
  folder_id        text NOT NULL,
  cursor           text,
  -- True once the folder's baseline enumeration reached its end (the cursor is a "now" cursor).
  baseline_done    boolean NOT NULL DEFAULT false,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, folder_key)
);

-- Run history per mailbox: start, end, outcome, counts per action, the errors.
CREATE TABLE sync_runs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  trigger          text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'admin', 'resume', 'push')),
  started_at       timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz,
  outcome          text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed', 'abandoned')),
  failure_class    text,
  counts           jsonb NOT NULL DEFAULT '{}'::jsonb,
  errors           jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX sync_runs_user ON sync_runs (user_id, id DESC);
CREATE INDEX sync_runs_org ON sync_runs (organization_id, started_at DESC);

-- The user's own sync profile (S6); absent = the defaults of shared/api/sync.ts.
CREATE TABLE user_sync_settings (
  user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Blocklists (E9): an address or a domain (covering its subdomains), of the organization (user_id NULL) or of a user.
CREATE TABLE blocklist_entries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id          uuid REFERENCES users (id) ON DELETE CASCADE,
  entry            text NOT NULL CHECK (entry = lower(entry) AND length(entry) BETWEEN 1 AND 320),
  kind             text NOT NULL CHECK (kind IN ('address', 'domain')),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX blocklist_entries_key ON blocklist_entries (organization_id, coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid), entry);

-- Emails the engine acted on in one mailbox: saved (with the change key it last wrote, so its own category write is
-- not read back as a user change), failed (attempts, error, since when; retried a bounded number of times) or skipped.
CREATE TABLE email_sync_items (
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  internet_message_id  text NOT NULL,
  item_id              text NOT NULL,
  change_key           text,
  conversation_id      text,
  subject              text NOT NULL DEFAULT '',
  status               text NOT NULL CHECK (status IN ('saved', 'failed', 'skipped')),
  trigger              text,
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  first_failed_at      timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, internet_message_id)
);
CREATE INDEX email_sync_items_failed ON email_sync_items (user_id) WHERE status = 'failed';
CREATE INDEX email_sync_items_conversation ON email_sync_items (organization_id, conversation_id) WHERE status = 'saved';
