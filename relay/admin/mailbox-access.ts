/**
 * A3: the organization's mailbox access. Secrets (passwords, client secrets, certificate private keys) are write-only:
 * sealed by the store, never returned, never audited; a certificate's thumbprints, subject and expiry are shown.
 */
import type { MailboxAccessRequest, MailboxAccessResponse } from '../../shared/api/admin';
import { MailboxAccessRequestSchema } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import type { MailboxAccessInput } from '../store/mailbox-access';
import { autodiscoverEwsUrl, type AutodiscoverOptions } from './autodiscover';
import { checkGraphCertificate } from './mailbox-access-certificate';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminValidationError, SecretRequiredError } from './errors';

const PER_USER_KINDS = new Set(['ews-direct', 'graph-delegated']);

export async function getMailboxAccess(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<MailboxAccessResponse> {
  await managedOrganization(deps, principal, organizationId);
  const current = await deps.store.mailboxAccess.get(organizationId);
  if (!current) return { configured: false, access: null };
  const dates = await deps.admin.secretDates(organizationId);
  return {
    configured: true,
    access: {
      kind: current.kind,
      settings: current.settings,
      secretSetAt: current.hasSecret ? (dates.accessSecretSetAt ?? current.updatedAt).toISOString() : null,
      usersWithCredential: PER_USER_KINDS.has(current.kind) ? dates.usersWithCredential : null,
      updatedAt: current.updatedAt.toISOString(),
    },
  };
}

export interface MailboxAccessOptions {
  autodiscover?: Pick<AutodiscoverOptions, 'candidates' | 'timeoutMs'>;
}

export async function setMailboxAccess(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  request: MailboxAccessRequest,
  options: MailboxAccessOptions = {},
): Promise<MailboxAccessResponse> {
  const organization = await managedOrganization(deps, principal, organizationId);
  const input = MailboxAccessRequestSchema.parse(request);
  const current = await deps.store.mailboxAccess.get(organizationId);
  const sameKind = current?.kind === input.kind && current.hasSecret;
  let storeInput: MailboxAccessInput;
  let secretReplaced = false;

  const ewsUrlOf = async (ewsUrl: string | undefined, address: string | undefined, username: string | undefined, password: string | undefined): Promise<string> => {
    if (ewsUrl) return ewsUrl;
    if (!address) throw new AdminValidationError('Give the EWS URL or an address to find it with Autodiscover.', { ewsUrl: 'Required (or autodiscoverAddress)' });
    if (!username || !password) {
      throw new AdminValidationError('Autodiscover needs the service account and its password in the same request.', { password: 'Required for Autodiscover' });
    }
    return autodiscoverEwsUrl(address, { username, password, ...options.autodiscover });
  };

  switch (input.kind) {
    case 'ews-impersonation': {
      if (!input.password && !sameKind) throw new SecretRequiredError('password', 'Enter the service account password (it is needed the first time this access is set).');
      const ewsUrl = await ewsUrlOf(input.ewsUrl, input.autodiscoverAddress, input.username, input.password);
      storeInput = { kind: 'ews-impersonation', ewsUrl, username: input.username, password: input.password, maxConcurrency: input.maxConcurrency };
      secretReplaced = input.password !== undefined;
      break;
    }
    case 'graph-app': {
      if (input.certificate && input.clientSecret) {
        throw new AdminValidationError('Give either a client secret or a certificate, not both.', { certificate: 'Not together with clientSecret' });
      }
      if (!input.clientSecret && !input.certificate && !sameKind) {
        throw new SecretRequiredError('clientSecret', "Enter the app's client secret or certificate (it is needed the first time this access is set).");
      }
      const certificate = input.certificate ? checkGraphCertificate(input.certificate) : undefined;
      storeInput = {
        kind: 'graph-app',
        tenantId: input.tenantId.toLowerCase(),
        clientId: input.clientId.toLowerCase(),
        clientSecret: input.clientSecret,
        ...(certificate ? { clientCertificate: certificate } : {}),
        ...(input.authorityHost ? { authorityHost: input.authorityHost } : {}),
        ...(input.graphBaseUrl ? { graphBaseUrl: input.graphBaseUrl } : {}),
      };
      secretReplaced = input.clientSecret !== undefined || certificate !== undefined;
      break;
    }
    case 'ews-direct': {
      if (!input.ewsUrl && !input.autodiscoverAddress) throw new AdminValidationError('Give the EWS URL users log on to.', { ewsUrl: 'Required' });
      if (!input.ewsUrl) throw new AdminValidationError('Autodiscover needs credentials; for direct logon enter the EWS URL.', { ewsUrl: 'Required for direct logon' });
      storeInput = { kind: 'ews-direct', ewsUrl: input.ewsUrl };
      break;
    }
    case 'graph-delegated': {
      const app = deps.delegatedApp;
      const tenantId = input.tenantId ?? organization.entraTenantId ?? undefined;
      const clientId = input.clientId ?? app?.clientId;
      if (!tenantId) throw new AdminValidationError('Give the Entra tenant id users consent in.', { tenantId: 'Required' });
      if (!clientId) throw new AdminValidationError('Give the client id of the app users consent to.', { clientId: 'Required' });
      const secret = input.clientSecret ?? (sameKind ? undefined : app?.clientSecret);
      if (!secret && !sameKind) throw new SecretRequiredError('clientSecret', "Enter the app's client secret (it is needed the first time this access is set).");
      storeInput = {
        kind: 'graph-delegated',
        tenantId: tenantId.toLowerCase(),
        clientId: clientId.toLowerCase(),
        clientSecret: secret,
        ...(input.authorityHost ?? app?.authorityHost ? { authorityHost: input.authorityHost ?? app?.authorityHost } : {}),
        ...(input.graphBaseUrl ?? app?.graphBaseUrl ? { graphBaseUrl: input.graphBaseUrl ?? app?.graphBaseUrl } : {}),
      };
      secretReplaced = input.clientSecret !== undefined;
      break;
    }
  }
  const saved = await deps.store.mailboxAccess.set(organizationId, storeInput);
  await audit(deps, principal, organizationId, 'mailbox-access.updated', {
    kind: saved.kind,
    settings: saved.settings,
    secretReplaced,
    ...(current && current.kind !== saved.kind ? { previousKind: current.kind } : {}),
  });
  return getMailboxAccess(deps, principal, organizationId);
}
