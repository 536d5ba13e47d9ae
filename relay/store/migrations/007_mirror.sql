-- Two-way mirroring (E4, E5, E6, E10, E11): the status (link) table per mailbox and object type, who drives each
-- meeting of an organization, and the per-kind figures of the last session for the status screen.

-- One row per mirrored pair (vdirsyncer's status): both ids, both change stamps (ChangeKey / ETag), a hash of the
-- mapped fields each side sent, and the field values both sides agreed on at the last sync (the merge base). Written
-- per item by the executor (relay/sync/mirror/apply.ts through relay/store/mirror-links.ts), never per session.
CREATE TABLE mirror_links (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind             text NOT NULL CHECK (kind IN ('appointment', 'task', 'contact', 'account', 'individualCustomer')),
  -- Exactly one of the ids may be missing, and only for a 'detached' tombstone.
  mailbox_id       text,
  c4c_id           text,
  mailbox_stamp    text,
  c4c_stamp        text,
  mailbox_hash     text,
  c4c_hash         text,
  synced           jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The identity shared across mailboxes (an appointment's iCalendar UID).
  key              text,
  state            text NOT NULL DEFAULT 'linked' CHECK (state IN ('linked', 'detached', 'observer')),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (mailbox_id IS NOT NULL OR c4c_id IS NOT NULL),
  CHECK (state = 'detached' OR (mailbox_id IS NOT NULL AND c4c_id IS NOT NULL))
);
-- One pair per item and side: a mailbox item / a C4C record is linked at most once per mailbox and kind.
CREATE UNIQUE INDEX mirror_links_mailbox_key ON mirror_links (user_id, kind, mailbox_id);
CREATE UNIQUE INDEX mirror_links_c4c_key ON mirror_links (user_id, kind, c4c_id);
CREATE INDEX mirror_links_org ON mirror_links (organization_id, user_id, kind);

-- One real meeting (iCalendar UID) is one C4C appointment across the organization's mailboxes; only its owner
-- mailbox (the organizer's when it is mirrored, else the first to claim it) creates and deletes the appointment.
CREATE TABLE mirror_meeting_owners (
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  ical_uid         text NOT NULL,
  owner_user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  owner_is_organizer boolean NOT NULL DEFAULT false,
  c4c_id           text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, ical_uid)
);
CREATE INDEX mirror_meeting_owners_user ON mirror_meeting_owners (owner_user_id);

-- What the last session of a mailbox found per kind, beyond the links: conflicts decided, records beyond the limit
-- (counted and shown, never dropped silently), and the guard that stopped the kind, if any.
CREATE TABLE mirror_kind_status (
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind             text NOT NULL CHECK (kind IN ('appointment', 'task', 'contact', 'account', 'individualCustomer')),
  conflicts        integer NOT NULL DEFAULT 0,
  beyond_limit     integer NOT NULL DEFAULT 0,
  guard            text,
  session_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, kind)
);
CREATE INDEX mirror_kind_status_org ON mirror_kind_status (organization_id);
