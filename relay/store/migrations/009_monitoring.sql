-- Monitoring (A7): the admin console lists an organization's sync issues and counts its failed emails. Emails that
-- failed to save are found per organization (the overview) and, oldest failure first, per user (the issue list).
CREATE INDEX email_sync_items_org_failed ON email_sync_items (organization_id, user_id, first_failed_at) WHERE status = 'failed';
-- Mailboxes that fail or are suspended, per organization (the issue list walks these instead of every user).
CREATE INDEX mailboxes_org_failing ON mailboxes (organization_id) WHERE consecutive_failures > 0 OR status = 'suspended';
