/** Which mailbox attachments the engine saves with an email, under the sidebar's limits (relay/saving/attachments.ts). */
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from '../../shared/api/sidebar';
import { chooseAttachments } from '../../relay/saving/attachments';
import type { Attachment } from '../../relay/mailbox/types';

let seq = 0;
function file(bytes: number, extra: Partial<Attachment> = {}): Attachment {
  seq += 1;
  const contentBase64 = Buffer.alloc(bytes, seq % 251).toString('base64');
  return { id: `att-${seq}`, name: `file-${seq}.bin`, contentType: 'application/octet-stream', size: bytes + 200, isInline: false, contentBase64, ...extra };
}

describe('chooseAttachments', () => {
  it('saves files, skips inline images and items without content, and says why', () => {
    const pdf = file(1000, { name: 'quote.pdf', contentType: 'application/pdf' });
    const logo = file(500, { name: 'logo.png', isInline: true });
    const item = file(0, { name: 'Forwarded message', contentBase64: undefined });
    const chosen = chooseAttachments([logo, pdf, item]);
    expect(chosen.attachments).toEqual([{ name: 'quote.pdf', contentType: 'application/pdf', contentBase64: pdf.contentBase64 }]);
    expect(chosen.totalBytes).toBe(1000);
    expect(chosen.skipped).toEqual([
      { name: 'logo.png', reason: 'inline', size: logo.size },
      { name: 'Forwarded message', reason: 'no-content', size: item.size },
    ]);
  });

  it('measures the decoded content, not the size the server reports, against the 10 MB budget', () => {
    // Reported sizes include MIME headers; two files of exactly half the budget fit together.
    const half = MAX_ATTACHMENT_BYTES / 2;
    const chosen = chooseAttachments([file(half), file(half)]);
    expect(chosen.attachments).toHaveLength(2);
    expect(chosen.totalBytes).toBe(MAX_ATTACHMENT_BYTES);
  });

  it('skips a file that no longer fits and still takes smaller later ones (as the add-in does)', () => {
    const big = file(MAX_ATTACHMENT_BYTES - 1000, { name: 'big.zip' });
    const tooBig = file(5000, { name: 'drawing.dwg' });
    const small = file(900, { name: 'note.txt' });
    const chosen = chooseAttachments([big, tooBig, small]);
    expect(chosen.attachments.map((a) => a.name)).toEqual(['big.zip', 'note.txt']);
    expect(chosen.skipped).toEqual([{ name: 'drawing.dwg', reason: 'too-large', size: 5000 }]);
    expect(chooseAttachments([file(MAX_ATTACHMENT_BYTES + 1, { name: 'huge.iso' })]).skipped).toEqual([{ name: 'huge.iso', reason: 'too-large', size: MAX_ATTACHMENT_BYTES + 1 }]);
  });

  it('stops at the most attachments one save may carry', () => {
    const many = Array.from({ length: MAX_ATTACHMENTS + 2 }, () => file(10));
    const chosen = chooseAttachments(many);
    expect(chosen.attachments).toHaveLength(MAX_ATTACHMENTS);
    expect(chosen.skipped.map((s) => [s.name, s.reason])).toEqual(many.slice(MAX_ATTACHMENTS).map((a) => [a.name, 'too-many']));
  });

  it('gives nameless and typeless files what the C4C contract needs', () => {
    const chosen = chooseAttachments([file(10, { name: '  ', contentType: '' })]);
    expect(chosen.attachments[0]).toMatchObject({ name: 'attachment', contentType: 'application/octet-stream' });
  });
});
