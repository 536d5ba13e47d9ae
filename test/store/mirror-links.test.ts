/**
 * The mirroring status tables on both database back ends: a link put by either id replaces its pair in one statement
 * (a re-link joining two tombstones leaves one row), the unique indexes per side, removal by either id, counts per kind
 * and state, meeting ownership (the organizer's claim replaces an attendee's, never the other way), the per-kind
 * figures, and organization isolation on every call.
 */
import { createMeetingOwnerRepository, createMirrorKindStatusRepository, createMirrorLinkRepository } from '../../relay/store/mirror-links';
import type { MeetingOwnerRepository, MirrorLink, MirrorLinkRepository } from '../../relay/sync/mirror/types';
import { describeEachBackend } from '../helpers/backends';
import { createOrganization, createUsers } from '../sync/helpers';

describeEachBackend('mirror links', (backend) => {
  let links: MirrorLinkRepository;
  let owners: MeetingOwnerRepository;
  let org: string;
  let other: string;
  let anna: string;
  let marco: string;
  let stranger: string;
  const link = (n: number, extra: Partial<MirrorLink> = {}): MirrorLink => ({
    kind: 'contact',
    mailboxId: `mb-${n}`,
    c4cId: `C4C${n}`,
    mailboxStamp: `ck-${n}`,
    c4cStamp: `W/"${n}"`,
    mailboxHash: `h-m-${n}`,
    c4cHash: `h-c-${n}`,
    synced: { lastName: `Name ${n}`, emails: [`p${n}@x.example`] },
    state: 'linked',
    ...extra,
  });

  beforeAll(async () => {
    const db = backend.db();
    links = createMirrorLinkRepository(db);
    owners = createMeetingOwnerRepository(db);
    org = await createOrganization(db);
    other = await createOrganization(db);
    [anna, marco] = await createUsers(db, org, 2);
    [stranger] = await createUsers(db, other, 1);
  });

  test('put inserts, replaces by either id, and keeps synced values exactly', async () => {
    await links.put(org, anna, link(1));
    await links.put(org, anna, link(2));
    expect(await links.list(org, anna, 'contact')).toEqual([
      expect.objectContaining({ ...link(1), updatedAt: expect.any(String) }),
      expect.objectContaining({ ...link(2), updatedAt: expect.any(String) }),
    ]);
    // Same mailbox id, new stamps: one row.
    await links.put(org, anna, link(1, { mailboxStamp: 'ck-1b', synced: { lastName: 'Renamed' } }));
    // Same C4C id, the mailbox item re-created under a new id: still one row.
    await links.put(org, anna, link(2, { mailboxId: 'mb-2-new' }));
    const listed = await links.list(org, anna, 'contact');
    expect(listed).toHaveLength(2);
    expect(listed.find((l) => l.c4cId === 'C4C1')).toMatchObject({ mailboxStamp: 'ck-1b', synced: { lastName: 'Renamed' } });
    expect(listed.find((l) => l.c4cId === 'C4C2')?.mailboxId).toBe('mb-2-new');
  });

  test('a re-link joining two one-sided tombstones leaves one row; unique per side', async () => {
    await links.put(org, anna, { kind: 'account', mailboxId: 'mb-a', synced: {}, state: 'detached' });
    await links.put(org, anna, { kind: 'account', c4cId: 'ACC-1', synced: {}, state: 'detached' });
    expect(await links.list(org, anna, 'account')).toHaveLength(2);
    await links.put(org, anna, link(9, { kind: 'account', mailboxId: 'mb-a', c4cId: 'ACC-1' }));
    expect(await links.list(org, anna, 'account')).toEqual([expect.objectContaining({ mailboxId: 'mb-a', c4cId: 'ACC-1', state: 'linked' })]);
    // A linked row needs both ids.
    await expect(links.put(org, anna, { kind: 'account', mailboxId: 'x', synced: {}, state: 'linked' })).rejects.toThrow();
  });

  test('remove by either id; counts per kind and state', async () => {
    await links.put(org, marco, link(1));
    await links.put(org, marco, link(2));
    await links.put(org, marco, link(3, { state: 'detached', mailboxId: undefined }));
    await links.put(org, marco, link(4, { kind: 'appointment', state: 'observer' }));
    expect(await links.counts(org, marco)).toEqual({ contact: { linked: 2, detached: 1, observer: 0 }, appointment: { linked: 0, detached: 0, observer: 1 } });
    await links.remove(org, marco, 'contact', { mailboxId: 'mb-1' });
    await links.remove(org, marco, 'contact', { c4cId: 'C4C3' });
    await links.remove(org, marco, 'contact', {});
    expect((await links.list(org, marco, 'contact')).map((l) => l.c4cId)).toEqual(['C4C2']);
  });

  test('another organization sees and changes nothing', async () => {
    expect(await links.list(other, anna, 'contact')).toEqual([]);
    await links.remove(other, anna, 'contact', { mailboxId: 'mb-1' });
    expect(await links.list(org, anna, 'contact')).toHaveLength(2);
    expect(await links.counts(other, anna)).toEqual({});
    await links.put(other, stranger, link(1));
    expect(await links.list(other, stranger, 'contact')).toHaveLength(1);
    expect(await links.list(org, anna, 'contact')).toHaveLength(2);
  });

  test('meeting owners: first claim wins, the organizer takes over from an attendee, never the reverse', async () => {
    expect(await owners.claim(org, 'uid-1', marco, false)).toEqual({ ownerUserId: marco });
    expect(await owners.claim(org, 'uid-1', anna, false)).toEqual({ ownerUserId: marco });
    expect(await owners.claim(org, 'uid-1', anna, true)).toEqual({ ownerUserId: anna });
    expect(await owners.claim(org, 'uid-1', marco, true)).toEqual({ ownerUserId: anna });
    await owners.setC4cId(org, 'uid-1', 'APPT-1');
    expect(await owners.get(org, 'uid-1')).toEqual({ ownerUserId: anna, c4cId: 'APPT-1' });
    expect(await owners.claim(org, 'uid-1', marco, false)).toEqual({ ownerUserId: anna, c4cId: 'APPT-1' });
    // Other organizations: their own meeting of the same UID, and no access to this one.
    expect(await owners.get(other, 'uid-1')).toBeUndefined();
    expect(await owners.claim(other, 'uid-1', stranger, false)).toEqual({ ownerUserId: stranger });
    await owners.release(org, 'uid-1', marco);
    expect(await owners.get(org, 'uid-1')).toMatchObject({ ownerUserId: anna });
    await owners.release(org, 'uid-1', anna);
    expect(await owners.get(org, 'uid-1')).toBeUndefined();
  });

  test('per-kind figures of the last session', async () => {
    const figures = createMirrorKindStatusRepository(backend.db());
    await figures.record(org, anna, { kind: 'contact', conflicts: 2, beyondLimit: 7 });
    await figures.record(org, anna, { kind: 'contact', conflicts: 1, beyondLimit: 0, guard: 'empty-side: c4c' });
    expect(await figures.list(org, anna)).toEqual([{ kind: 'contact', conflicts: 1, beyondLimit: 0, guard: 'empty-side: c4c', sessionAt: expect.any(Date) }]);
    expect(await figures.list(other, anna)).toEqual([]);
  });
});
