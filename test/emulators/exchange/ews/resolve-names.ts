/**
 * EWS `ResolveNames` (web-service-reference/resolvenames-operation.md, how-to-resolve-ambiguous-names-by-using-ews;
 * published payloads in test/fixtures/ews/ResolveNames-*.xml): ambiguous name resolution over the organization's
 * directory (the emulator's mailbox users, ../directory.ts) and the mailbox's contacts.
 *
 * - `UnresolvedEntry` (required): a name or address prefix, or `SMTP:<address>` for one exact address.
 * - `SearchScope`: ActiveDirectory | ActiveDirectoryContacts (default) | Contacts | ContactsActiveDirectory — which
 *   sources, in which order; `ParentFolderIds` names the contact folders (default: the Contacts folder).
 * - `ReturnFullContactData`: with true each Resolution carries a `t:Contact`; without it only the `t:Mailbox`.
 * - One match: Success / NoError. Several: Warning / ErrorNameResolutionMultipleResults with every candidate (at most
 *   100 in the set; TotalItemsInView counts all). None: Error / ErrorNameResolutionNoResults.
 */
import type { StoredContact } from '../store';
import { searchDirectory } from '../directory';
import { folderIdRefs, resolveFolderRef } from './folders';
import type { Operation } from './operations';
import { errorMessage } from './soap';
import { attr, child, el, SchemaError, text, tx } from './xml';

const MAX_RESOLUTIONS = 100;
const SCOPES = ['ActiveDirectory', 'ActiveDirectoryContacts', 'Contacts', 'ContactsActiveDirectory'] as const;
type Scope = (typeof SCOPES)[number];

interface Candidate {
  name: string;
  address: string;
  contact?: StoredContact;
}

function mailboxXml(c: Candidate): string {
  return el(
    't:Mailbox',
    tx('t:Name', c.name) +
      tx('t:EmailAddress', c.address) +
      tx('t:RoutingType', 'SMTP') +
      tx('t:MailboxType', c.contact ? 'Contact' : 'Mailbox') +
      (c.contact ? el('t:ItemId', null, { Id: c.contact.id, ChangeKey: c.contact.changeKey }) : ''),
  );
}

/** Elements in the order of the schema's ContactItemType (DisplayName … EmailAddresses … ContactSource … Surname). */
function contactXml(c: Candidate): string {
  if (!c.contact) {
    const entry = tx('t:Entry', `SMTP:${c.address}`, { Key: 'EmailAddress1' });
    return el('t:Contact', tx('t:DisplayName', c.name) + el('t:EmailAddresses', entry) + tx('t:ContactSource', 'ActiveDirectory'));
  }
  const contact = c.contact;
  const entries = contact.emailAddresses.slice(0, 3).map((e, i) => tx('t:Entry', e.address, { Key: `EmailAddress${i + 1}` }));
  return el(
    't:Contact',
    tx('t:DisplayName', contact.displayName) +
      (contact.givenName ? tx('t:GivenName', contact.givenName) : '') +
      (contact.companyName ? tx('t:CompanyName', contact.companyName) : '') +
      (entries.length > 0 ? el('t:EmailAddresses', entries.join('')) : '') +
      tx('t:ContactSource', 'Store') +
      (contact.jobTitle ? tx('t:JobTitle', contact.jobTitle) : '') +
      (contact.surname ? tx('t:Surname', contact.surname) : ''),
  );
}

/** The address a contact resolves to: one starting with the entry, or its first when a name does. */
function matchesContact(contact: StoredContact, query: string, exact: string | undefined): string | undefined {
  const addresses = contact.emailAddresses.map((e) => e.address.toLowerCase());
  if (addresses.length === 0) return undefined; // nothing to resolve to
  if (exact !== undefined) return addresses.find((a) => a === exact);
  const names = [contact.displayName, contact.givenName, contact.surname, ...contact.displayName.split(/[\s,.'-]+/)].filter((n): n is string => !!n).map((n) => n.toLowerCase());
  const byAddress = addresses.find((a) => a.startsWith(query));
  if (byAddress) return byAddress;
  return names.some((n) => n.startsWith(query)) ? addresses[0] : undefined;
}

export const ResolveNames: Operation = (op, ctx) => {
  const entry = text(child(op, 'UnresolvedEntry'))?.trim();
  if (!entry) throw new SchemaError("The element 'ResolveNames' has incomplete content. List of possible elements expected: 'UnresolvedEntry'.");
  const scope = (attr(op, 'SearchScope') ?? 'ActiveDirectoryContacts') as Scope;
  if (!SCOPES.includes(scope)) throw new SchemaError(`The 'SearchScope' attribute is invalid - The value '${scope}' is invalid according to its datatype.`);
  const full = (attr(op, 'ReturnFullContactData') ?? 'false').toLowerCase() === 'true';

  const query = entry.toLowerCase();
  const exact = /^smtp:(.+)$/.exec(query)?.[1]?.trim() ?? (/^[^\s@]+@[^\s@]+$/.test(query) ? query : undefined);
  const directory = (): Candidate[] => searchDirectory(ctx.store, entry).map((u) => ({ name: u.displayName, address: u.address }));
  const contacts = (): Candidate[] => {
    const refs = folderIdRefs(child(op, 'ParentFolderIds'));
    const folders = refs.length > 0 ? refs.map((ref) => resolveFolderRef(ctx.store, ctx.mailbox, ref)) : [ctx.store.wellKnownFolder(ctx.mailbox, 'contacts')];
    return folders
      .flatMap((folder) => ctx.store.listItems(ctx.mailbox, folder.id))
      .filter((item): item is StoredContact => item.kind === 'contact')
      .flatMap((contact) => {
        const address = matchesContact(contact, query, exact);
        return address === undefined ? [] : [{ name: contact.displayName, address, contact }];
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  };
  const candidates =
    scope === 'ActiveDirectory' ? directory() : scope === 'Contacts' ? contacts() : scope === 'ContactsActiveDirectory' ? [...contacts(), ...directory()] : [...directory(), ...contacts()];

  if (candidates.length === 0) return errorMessage('ResolveNames', 'ErrorNameResolutionNoResults', 'No results were found.');
  const shown = candidates.slice(0, MAX_RESOLUTIONS);
  const set = el(
    'm:ResolutionSet',
    shown.map((c) => el('t:Resolution', mailboxXml(c) + (full ? contactXml(c) : ''))).join(''),
    { TotalItemsInView: candidates.length, IncludesLastItemInRange: candidates.length <= MAX_RESOLUTIONS },
  );
  if (candidates.length === 1) return el('m:ResolveNamesResponseMessage', tx('m:ResponseCode', 'NoError') + set, { ResponseClass: 'Success' });
  return el(
    'm:ResolveNamesResponseMessage',
    tx('m:MessageText', 'Multiple results were found.') + tx('m:ResponseCode', 'ErrorNameResolutionMultipleResults') + tx('m:DescriptiveLinkKey', 0) + set,
    { ResponseClass: 'Warning' },
  );
};
