/**
 * The master category list as Outlook stores it: a user configuration object named `CategoryList` in the default
 * calendar folder (ItemClass IPM.Configuration.CategoryList) whose XmlData is a `<categories xmlns="CategoryList.xsd">`
 * document; colour = preset index (-1 = none).
 */
import { createHash } from 'node:crypto';
import { presetColor, presetIndex, type StoredCategory } from '../store';
import { attr, all, escapeXml, parseXml, SchemaError, child } from './xml';

const NEVER = '1601-01-01T00:00:00.000';

export function categoryListXml(categories: StoredCategory[]): string {
  const entries = categories
    .map(
      (c) =>
        `<category name="${escapeXml(c.displayName)}" color="${presetIndex(c.color)}" keyboardShortcut="0" usageCount="0" lastTimeUsedNotes="${NEVER}" lastTimeUsedJournal="${NEVER}" lastTimeUsedContacts="${NEVER}" lastTimeUsedTasks="${NEVER}" lastTimeUsedCalendar="${NEVER}" lastTimeUsedMail="${NEVER}" lastTimeUsed="${NEVER}" lastSessionUsed="0" guid="${escapeXml(c.id)}" renameOnFirstUse="0"/>`,
    )
    .join('');
  return `<?xml version="1.0"?><categories default="${escapeXml(categories[0]?.displayName ?? '')}" lastSavedSession="0" lastSavedTime="${new Date().toISOString()}" xmlns="CategoryList.xsd">${entries}</categories>`;
}

/** Parses a CategoryList document; unknown attributes are ignored, a missing name is a schema error. */
export function parseCategoryList(xml: string): { displayName: string; color: StoredCategory['color']; id?: string }[] {
  const doc = parseXml(xml.replace(/^\uFEFF/, ''));
  const root = child(doc, 'categories');
  if (root === undefined) throw new SchemaError('XmlData is not a CategoryList document.');
  return all(root, 'category').map((c) => {
    const name = attr(c, 'name');
    if (!name) throw new SchemaError('A category without a name.');
    const color = Number(attr(c, 'color') ?? '-1');
    return { displayName: name, color: presetColor(color), id: attr(c, 'guid') };
  });
}

/** A stable id for the configuration item of a mailbox, and a change key that follows its content. */
export function configurationItemId(mailbox: string, name: string): string {
  return `AAMkAcfg${Buffer.from(`${mailbox}|${name}`).toString('base64url')}`;
}

export function contentChangeKey(content: string): string {
  return `CQAAAB${createHash('sha1').update(content).digest('base64url').slice(0, 16)}`;
}
