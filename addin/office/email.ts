/**
 * The open email in Read mode, as the sidebar needs it (like Odoo's `Email` model): plain fields read once from
 * `Office.context.mailbox.item`, the HTML body and attachment contents on demand.
 */
import { fromAsyncResult, office } from './officeGlobal';
import { supports } from './requirements';
import { toAddress, toAddresses, toIsoDate, uniqueAddresses, type PersonAddress } from './addresses';

export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  /** file | item (an attached Outlook item) | cloud (a link, no content to save) */
  attachmentType: string;
}

export interface AttachmentContent {
  name: string;
  contentType: string;
  contentBase64: string;
}

export interface SkippedAttachment {
  name: string;
  reason: 'cloud' | 'too-large' | 'unsupported' | 'error';
}

export interface EmailSnapshot {
  itemId: string;
  internetMessageId: string;
  conversationId?: string;
  subject: string;
  from: PersonAddress | null;
  to: PersonAddress[];
  cc: PersonAddress[];
  dateTimeCreated?: string;
  dateTimeModified?: string;
  attachments: AttachmentInfo[];
}

/** Base64 of a UTF-8 string in the browser and in Node (btoa only takes Latin-1). */
export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function ensureExtension(name: string, extension: string): string {
  return name.toLowerCase().endsWith(extension) ? name : `${name}${extension}`;
}

export class Email {
  readonly snapshot: EmailSnapshot;

  constructor(private readonly item: Office.MessageRead) {
    this.snapshot = {
      itemId: item.itemId,
      internetMessageId: item.internetMessageId ?? '',
      conversationId: item.conversationId || undefined,
      subject: item.subject ?? '',
      from: toAddress(item.from),
      to: toAddresses(item.to),
      cc: toAddresses(item.cc),
      dateTimeCreated: toIsoDate(item.dateTimeCreated),
      dateTimeModified: toIsoDate(item.dateTimeModified),
      attachments: (item.attachments ?? []).map((a) => ({
        id: a.id,
        name: a.name,
        contentType: a.contentType ?? 'application/octet-stream',
        size: a.size ?? 0,
        isInline: a.isInline === true,
        attachmentType: String(a.attachmentType ?? 'file'),
      })),
    };
  }

  get itemId(): string {
    return this.snapshot.itemId;
  }

  /** Sender first, then To, then Cc; unique, lower-cased; the mailbox owner's own address can be excluded. */
  participantAddresses(exclude: readonly string[] = []): string[] {
    const from = this.snapshot.from === null ? [] : [this.snapshot.from];
    return uniqueAddresses([from, this.snapshot.to, this.snapshot.cc], exclude);
  }

  /** Attachments worth saving: real files and attached items, not inline images (they are part of the body). */
  savableAttachments(): AttachmentInfo[] {
    return this.snapshot.attachments.filter((a) => !a.isInline);
  }

  getBodyHtml(): Promise<string> {
    return fromAsyncResult<string>((callback) => this.item.body.getAsync(office().CoercionType.Html, callback));
  }

  /** getAttachmentContentAsync needs Mailbox 1.8 (feature-detected, as some hosts lag). */
  canReadAttachmentContent(): boolean {
    return supports('attachmentContent') && typeof this.item.getAttachmentContentAsync === 'function';
  }

  /**
   * Contents of the savable attachments, in order, until `maxTotalBytes` (decoded) would be exceeded; what cannot be
   * saved is listed with the reason instead of failing the whole save.
   */
  async getAttachmentContents(maxTotalBytes: number): Promise<{ attachments: AttachmentContent[]; skipped: SkippedAttachment[] }> {
    const attachments: AttachmentContent[] = [];
    const skipped: SkippedAttachment[] = [];
    if (!this.canReadAttachmentContent()) {
      return { attachments, skipped: this.savableAttachments().map((a) => ({ name: a.name, reason: 'unsupported' as const })) };
    }
    let total = 0;
    for (const info of this.savableAttachments()) {
      if (info.attachmentType === 'cloud') {
        skipped.push({ name: info.name, reason: 'cloud' });
        continue;
      }
      if (total + info.size > maxTotalBytes) {
        skipped.push({ name: info.name, reason: 'too-large' });
        continue;
      }
      let content: Office.AttachmentContent;
      try {
        content = await fromAsyncResult<Office.AttachmentContent>((callback) => this.item.getAttachmentContentAsync(info.id, callback));
      } catch {
        skipped.push({ name: info.name, reason: 'error' });
        continue;
      }
      const converted = convertAttachment(info, content);
      if (converted === null) {
        skipped.push({ name: info.name, reason: 'cloud' });
        continue;
      }
      total += info.size;
      attachments.push(converted);
    }
    return { attachments, skipped };
  }
}

/** Maps the formats getAttachmentContentAsync returns to base64 file contents; a URL (cloud file) has none. */
export function convertAttachment(info: AttachmentInfo, content: { format: string; content: string }): AttachmentContent | null {
  switch (String(content.format)) {
    case 'base64':
      return { name: info.name, contentType: info.contentType, contentBase64: content.content };
    case 'eml':
      return { name: ensureExtension(info.name, '.eml'), contentType: 'message/rfc822', contentBase64: utf8ToBase64(content.content) };
    case 'iCalendar':
      return { name: ensureExtension(info.name, '.ics'), contentType: 'text/calendar', contentBase64: utf8ToBase64(content.content) };
    default:
      return null;
  }
}
