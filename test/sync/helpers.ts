/** Shared set-up of the sync engine tests: organizations and users in bulk, a silent logger, polling. */
import crypto from 'node:crypto';
import type { Queryable } from '../../relay/store/db';
import { createLogger } from '../../relay/log';

export const silentLogger = createLogger({ level: process.env.SYNC_TEST_LOG ?? 'silent' });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function createOrganization(db: Queryable, settings: Record<string, unknown> = {}): Promise<string> {
  const slug = `org-${crypto.randomBytes(5).toString('hex')}`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO organizations (name, slug, settings) VALUES ($1, $1, $2::jsonb) RETURNING id`,
    [slug, JSON.stringify(settings)],
  );
  return rows[0].id;
}

/** `count` users in one statement; addresses user<i>@<domain>, or the given addresses. */
export async function createUsers(db: Queryable, organizationId: string, addresses: number | string[], domain = 'contoso.example'): Promise<string[]> {
  const list = typeof addresses === 'number' ? Array.from({ length: addresses }, (_, i) => `user${i}.${crypto.randomBytes(3).toString('hex')}@${domain}`) : addresses;
  const { rows } = await db.query<{ id: string; email: string }>(
    `INSERT INTO users (organization_id, display_name, email) SELECT $1, e, e FROM unnest($2::text[]) AS e RETURNING id::text AS id, email`,
    [organizationId, list],
  );
  const byEmail = new Map(rows.map((r) => [r.email, r.id]));
  return list.map((e) => byEmail.get(e)!);
}
