-- Push-triggered sessions (E12): the relay's notification subscriptions per mailbox, Graph change notifications and
-- EWS streaming / pull subscriptions. A subscription only brings the mailbox's next session forward; the change feeds
-- stay the source of truth. The Graph clientState is a secret that Microsoft sends back with every notification: only
-- its SHA-256 is kept (it is 256 random bits, so a hash is enough to verify it and useless to forge one).
CREATE TABLE push_subscriptions (
  id                    bigserial PRIMARY KEY,
  organization_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- graph-messages / graph-events / graph-contacts: one Graph subscription per resource;
  -- ews-streaming / ews-pull: one EWS subscription of the mailbox's synced folders.
  kind                  text NOT NULL CHECK (kind IN ('graph-messages', 'graph-events', 'graph-contacts', 'ews-streaming', 'ews-pull')),
  -- The server's subscription id (Graph subscription id, EWS SubscriptionId).
  remote_id             text NOT NULL,
  -- Graph resource path, or the EWS folder ids subscribed to (comma-separated).
  resource              text NOT NULL,
  client_state_sha256   text,
  -- Graph: expirationDateTime; EWS pull: when the subscription times out without a GetEvents.
  expires_at            timestamptz,
  -- EWS pull subscriptions: the last watermark received; EWS: the group's X-AnchorMailbox.
  watermark             text,
  anchor_mailbox        text,
  -- reauthorize: Graph asked for reauthorizationRequired; the next reconcile renews it.
  needs                 text CHECK (needs IN ('reauthorize')),
  last_notification_at  timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  renewed_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, kind),
  UNIQUE (kind, remote_id)
);
CREATE INDEX push_subscriptions_org ON push_subscriptions (organization_id);
CREATE INDEX push_subscriptions_expiry ON push_subscriptions (expires_at);
