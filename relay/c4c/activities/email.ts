/**
 * Pure mapping from an Outlook email to the C4C E-Mail activity deep insert (c4c-odata.md §3.8, §14):
 * header fields, sender, To / Cc parties linked to their C4C records, the HTML body as an EMailNotes row,
 * attachments and related-item references. No I/O here, so every rule is unit-tested.
 */
import { EMAIL_CODES, RELATED_ITEM_ROLE_PREDECESSOR } from './codes';

export interface MailAddress {
  address: string;
  name?: string;
}

export interface EmailToSave {
  internetMessageId: string;
  subject: string;
  /** ISO 8601 instant the message was sent / received. */
  sentAt: string;
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  bodyHtml: string;
  attachments: Array<{ name: string; contentType: string; contentBase64: string }>;
}

/** A C4C business partner found for an address: the party ID C4C links parties by. */
export interface ResolvedParty {
  partyId: string;
}

export interface EmailLinks {
  /** Party ID (AccountID) of the main account. */
  mainAccountPartyId?: string;
  /** Party ID (ContactID / CustomerID) of the main contact. */
  mainContactPartyId?: string;
  /** EmployeeID of the saving user, as owner of the activity. */
  ownerPartyId?: string;
  related: Array<{ typeCode: string; id: string }>;
}

export const SUBJECT_MAX = 765;
export const NAME_MAX = 255;
export const ADDRESS_MAX = 254;

const clip = (value: string | undefined, max: number): string => (value ?? '').slice(0, max);

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** OData V2 JSON literal of an instant. */
export function toODataDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${iso}`);
  return `/Date(${ms})/`;
}

export function isOutbound(email: EmailToSave, ownAddresses: readonly string[]): boolean {
  const own = new Set(ownAddresses.map(normalizeAddress));
  return own.has(normalizeAddress(email.from.address));
}

export function buildEmailActivity(
  email: EmailToSave,
  options: {
    ownAddresses: readonly string[];
    parties: ReadonlyMap<string, ResolvedParty>;
    links: EmailLinks;
    includeAttachments: boolean;
  },
): Record<string, unknown> {
  const outbound = isOutbound(email, options.ownAddresses);
  const partyOf = (address: string) => options.parties.get(normalizeAddress(address))?.partyId;
  const sender = partyOf(email.from.address);

  const header: Record<string, unknown> = {
    Subject: clip(email.subject, SUBJECT_MAX),
    DateTime: toODataDate(email.sentAt),
    Direction: outbound ? EMAIL_CODES.directionOutbound : EMAIL_CODES.directionInbound,
    TransmissionStatusCode: outbound ? EMAIL_CODES.transmissionSent : EMAIL_CODES.transmissionReceived,
    Status: EMAIL_CODES.statusCompleted,
    DocumentType: EMAIL_CODES.documentType,
    Category: EMAIL_CODES.category,
    DataOriginTypeCode: EMAIL_CODES.dataOriginGroupware,
    GroupwareItemID: clip(email.internetMessageId, 765),
    MessageFromEmailURI: clip(email.from.address, ADDRESS_MAX),
    MessageFromName: clip(email.from.name || email.from.address, NAME_MAX),
  };
  if (sender) header.MessageFromPartyID = sender;
  if (options.links.mainAccountPartyId) header.MainAccountPartyID = options.links.mainAccountPartyId;
  if (options.links.mainContactPartyId) header.MainContactPartyID = options.links.mainContactPartyId;
  if (options.links.ownerPartyId) header.OwnerPartyID = options.links.ownerPartyId;

  header.EMailToRecipients = dedupe(email.to).map((recipient) => withParty(
    { MessageToEmailID: clip(recipient.address, ADDRESS_MAX), MessageToName: clip(recipient.name || recipient.address, NAME_MAX) },
    partyOf(recipient.address),
  ));
  header.EMailCcRecipients = dedupe(email.cc).map((recipient) => withParty(
    { MessageCCEMailID: clip(recipient.address, ADDRESS_MAX), MessageCCName: clip(recipient.name || recipient.address, NAME_MAX) },
    partyOf(recipient.address),
  ));
  header.EMailNotes = [{ TypeCode: EMAIL_CODES.noteTypeBody, Text: email.bodyHtml }];
  if (options.includeAttachments && email.attachments.length > 0) {
    header.EMailAttachments = email.attachments.map((attachment) => ({
      Name: clip(attachment.name, 255),
      MimeType: attachment.contentType,
      CategoryCode: EMAIL_CODES.attachmentCategoryDocument,
      TypeCode: EMAIL_CODES.attachmentType,
      Binary: attachment.contentBase64,
    }));
  }
  if (options.links.related.length > 0) {
    header.EMailBTDReference = options.links.related.map((item) => ({
      ID: item.id,
      TypeCode: item.typeCode,
      RoleCode: RELATED_ITEM_ROLE_PREDECESSOR,
    }));
  }
  return header;
}

function withParty(row: Record<string, unknown>, partyId: string | undefined): Record<string, unknown> {
  return partyId ? { ...row, PartyID: partyId } : row;
}

/** The same address twice in To (or Cc) is one party in C4C. */
function dedupe(addresses: MailAddress[]): MailAddress[] {
  const seen = new Set<string>();
  return addresses.filter((entry) => {
    const key = normalizeAddress(entry.address);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
