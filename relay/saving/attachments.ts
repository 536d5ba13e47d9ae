/**
 * Which of a mailbox item's attachments are saved with the email, under the sidebar's limits (shared/api/sidebar.ts:
 * at most MAX_ATTACHMENTS files of MAX_ATTACHMENT_BYTES together), and what is skipped and why, so the engine can
 * record it (E3: "attachments follow the sidebar's rules, what is skipped is recorded"). Pure.
 *
 * The sidebar's rules: inline images are part of the body, not files; a file that does not fit in what is left of
 * the size budget is skipped and smaller later files still go in (as the add-in does); items without content (an
 * attached Outlook item, a cloud link) are skipped.
 */
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, NAME_MAX, base64DecodedBytes } from '../../shared/api/sidebar';
import type { Attachment } from '../mailbox/types';

export type SkipReason = 'inline' | 'no-content' | 'too-large' | 'too-many';

export interface SkippedAttachment {
  name: string;
  reason: SkipReason;
  /** Decoded size in bytes, as far as known. */
  size: number;
}

export interface ChosenAttachments {
  attachments: Array<{ name: string; contentType: string; contentBase64: string }>;
  skipped: SkippedAttachment[];
  /** Decoded bytes of the attachments chosen. */
  totalBytes: number;
}

export interface AttachmentLimits {
  maxCount: number;
  maxTotalBytes: number;
}

export const SIDEBAR_ATTACHMENT_LIMITS: AttachmentLimits = { maxCount: MAX_ATTACHMENTS, maxTotalBytes: MAX_ATTACHMENT_BYTES };

export function chooseAttachments(items: readonly Attachment[], limits: AttachmentLimits = SIDEBAR_ATTACHMENT_LIMITS): ChosenAttachments {
  const chosen: ChosenAttachments = { attachments: [], skipped: [], totalBytes: 0 };
  for (const item of items) {
    const name = item.name.trim() === '' ? 'attachment' : item.name.slice(0, NAME_MAX);
    if (item.isInline) {
      chosen.skipped.push({ name, reason: 'inline', size: item.size });
      continue;
    }
    if (item.contentBase64 === undefined || item.contentBase64 === '') {
      chosen.skipped.push({ name, reason: 'no-content', size: item.size });
      continue;
    }
    // The content decides, not the reported size: servers report the MIME size, which includes headers.
    const size = base64DecodedBytes(item.contentBase64);
    if (chosen.attachments.length >= limits.maxCount) {
      chosen.skipped.push({ name, reason: 'too-many', size });
      continue;
    }
    if (chosen.totalBytes + size > limits.maxTotalBytes) {
      chosen.skipped.push({ name, reason: 'too-large', size });
      continue;
    }
    chosen.totalBytes += size;
    chosen.attachments.push({ name, contentType: item.contentType.trim() === '' ? 'application/octet-stream' : item.contentType, contentBase64: item.contentBase64 });
  }
  return chosen;
}
