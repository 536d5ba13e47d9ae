-- Admin console (A1-A5): which tenant's admins manage an organization, when secrets were last set, access check runs
-- with their per-user results, CSV imports with their row reports, and indexes for the console's searches.

-- The tenant whose admins manage the organization when it is not the organization's own Entra tenant (an operator
-- created it for them, or a company with several Exchange deployments keeps one organization per deployment).
ALTER TABLE organizations ADD COLUMN admin_tenant_id uuid;
CREATE INDEX organizations_admin_tenant ON organizations (admin_tenant_id) WHERE admin_tenant_id IS NOT NULL;

-- "Secret set on <date>": kept by the database itself, so every writer of the sealed value keeps it right.
ALTER TABLE mailbox_access ADD COLUMN secret_set_at timestamptz;
UPDATE mailbox_access SET secret_set_at = updated_at WHERE secret_ciphertext IS NOT NULL;
ALTER TABLE c4c_connections ADD COLUMN password_set_at timestamptz;
UPDATE c4c_connections SET password_set_at = updated_at;

CREATE FUNCTION admin_mailbox_access_secret_set_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.secret_ciphertext IS NULL THEN
    NEW.secret_set_at := NULL;
  ELSIF TG_OP = 'INSERT' OR NEW.secret_ciphertext IS DISTINCT FROM OLD.secret_ciphertext THEN
    NEW.secret_set_at := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER mailbox_access_secret_set_at BEFORE INSERT OR UPDATE ON mailbox_access
  FOR EACH ROW EXECUTE FUNCTION admin_mailbox_access_secret_set_at();

CREATE FUNCTION admin_c4c_password_set_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.secret_ciphertext IS DISTINCT FROM OLD.secret_ciphertext THEN
    NEW.password_set_at := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER c4c_connections_password_set_at BEFORE INSERT OR UPDATE ON c4c_connections
  FOR EACH ROW EXECUTE FUNCTION admin_c4c_password_set_at();

-- User list: keyset paging by (name, id) within an organization; the search scans one organization's rows only.
CREATE INDEX users_org_name ON users (organization_id, lower(display_name), id);
-- "Already in another organization" during a CSV import.
CREATE INDEX users_email_lower ON users (lower(email));

-- Audit filters (action within an organization, newest first).
CREATE INDEX audit_log_org_action ON audit_log (organization_id, action, id DESC);

CREATE TABLE access_check_runs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  status            text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  access_kind       text NOT NULL,
  -- The users to check (null = every user of the organization at the time the run starts).
  user_ids          jsonb,
  total             integer NOT NULL DEFAULT 0,
  checked           integer NOT NULL DEFAULT 0,
  passed            integer NOT NULL DEFAULT 0,
  failed            integer NOT NULL DEFAULT 0,
  cancel_requested  boolean NOT NULL DEFAULT false,
  started_by        text NOT NULL,
  error             text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz
);
CREATE INDEX access_check_runs_org ON access_check_runs (organization_id, created_at DESC);
-- At most one run per organization waiting or running.
CREATE UNIQUE INDEX access_check_runs_active ON access_check_runs (organization_id) WHERE status IN ('queued', 'running');

CREATE TABLE access_check_results (
  run_id           uuid NOT NULL REFERENCES access_check_runs (id) ON DELETE CASCADE,
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  seq              bigint GENERATED ALWAYS AS IDENTITY,
  ok               boolean NOT NULL,
  problem          text NOT NULL,
  message          text NOT NULL,
  ms               integer NOT NULL DEFAULT 0,
  checked_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, user_id)
);
CREATE INDEX access_check_results_user ON access_check_results (organization_id, user_id, checked_at DESC);
CREATE INDEX access_check_results_run_seq ON access_check_results (run_id, seq);

CREATE TABLE csv_imports (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  file_name        text,
  total_rows       integer NOT NULL DEFAULT 0,
  processed_rows   integer NOT NULL DEFAULT 0,
  created          integer NOT NULL DEFAULT 0,
  updated          integer NOT NULL DEFAULT 0,
  unchanged        integer NOT NULL DEFAULT 0,
  rejected         integer NOT NULL DEFAULT 0,
  errors           jsonb NOT NULL DEFAULT '[]'::jsonb,
  delimiter        text,
  c4c_check        jsonb NOT NULL DEFAULT '{"status":"skipped","message":null}'::jsonb,
  failure          text,
  started_by       text NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX csv_imports_org ON csv_imports (organization_id, started_at DESC);
