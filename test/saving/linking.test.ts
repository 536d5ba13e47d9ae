/** The linking rules of the saving room (relay/saving/linking.ts), shared by the sidebar's Save and the engine (E7). */
import type { C4cRecord } from '../../shared/api/sidebar';
import {
  autoSuggestion,
  mainContactLinks,
  matchesFor,
  ownerPartyId,
  partiesOf,
  partyIdFromMatches,
  suggestLinks,
  uniqueAddresses,
} from '../../relay/saving/linking';
import type { AddressMatches } from '../../relay/c4c/port';

const url = 'https://my000.crm.ondemand.com/x';
const rec = (kind: C4cRecord['kind'], objectId: string, id: string, extra: Partial<C4cRecord> = {}): C4cRecord => ({ kind, objectId, id, name: objectId, email: '', c4cUrl: url, ...extra });

const katrin = rec('contact', 'C1', '1001', { accountObjectId: 'A1', accountId: '2001' });
const nordwind = rec('account', 'A1', '2001');
const lukas = rec('lead', 'L1', '3001', { accountObjectId: 'A9' });
const sophie = rec('individualCustomer', 'I1', '4001');
const anna = rec('employee', 'E1', '8000000011');
const thames = rec('account', 'A2', '2002');

const matches: AddressMatches[] = [
  { address: 'lukas@kessler.example', records: [lukas] },
  { address: 'info@nordwind.example', records: [nordwind] },
  { address: 'katrin@nordwind.example', records: [katrin] },
  { address: 'anna@contoso.example', records: [anna] },
  { address: 'sophie@mail.example', records: [sophie] },
  { address: 'nobody@x.example', records: [] },
];

describe('uniqueAddresses', () => {
  it('keeps SSI order, lower-cases, drops duplicates in any case and what is no address', () => {
    expect(uniqueAddresses([{ address: ' Katrin@Nordwind.example ' }, { address: 'katrin@nordwind.example' }, { address: '/O=EXCHANGE/CN=x' }, { address: 'a@b' }, { address: 'anna@contoso.example' }])).toEqual([
      'katrin@nordwind.example',
      'anna@contoso.example',
    ]);
  });
});

describe('suggestLinks (SSI preselection)', () => {
  it('prefers a contact over an individual customer over a lead, and takes the contact’s account', () => {
    expect(suggestLinks(matches)).toEqual({ mainContactObjectId: 'C1', mainContactKind: 'contact', mainAccountObjectId: 'A1' });
    expect(suggestLinks(matches.filter((m) => m.records[0] !== katrin))).toEqual({ mainContactObjectId: 'I1', mainContactKind: 'individualCustomer', mainAccountObjectId: 'A1' });
    expect(suggestLinks([matches[0]])).toEqual({ mainContactObjectId: 'L1', mainContactKind: 'lead', mainAccountObjectId: 'A9' });
  });

  it('falls back to the first account; never suggests an employee', () => {
    expect(suggestLinks([{ address: 'x@y.example', records: [thames] }, matches[1]])).toEqual({ mainAccountObjectId: 'A2' });
    expect(suggestLinks([matches[3]])).toEqual({});
  });
});

describe('autoSuggestion (the engine’s “auto” links)', () => {
  it('never suggests the saver’s own addresses', () => {
    const own: AddressMatches = { address: 'Anna@Contoso.example', records: [rec('contact', 'C-ANNA', '9')] };
    expect(autoSuggestion([own, matches[2]], ['anna@contoso.example'])).toMatchObject({ mainContactObjectId: 'C1' });
  });

  it('skips blocked addresses for the suggestion', () => {
    const blocked = (address: string) => address.endsWith('@nordwind.example');
    expect(autoSuggestion(matches, [], blocked)).toEqual({ mainContactObjectId: 'I1', mainContactKind: 'individualCustomer' });
  });
});

describe('matchesFor', () => {
  it('puts bulk-resolved matches back into the email’s order and drops blocked people and strangers to the email', () => {
    const bulk = [...matches].reverse();
    const mine = matchesFor(['Katrin@nordwind.example', 'lukas@kessler.example', 'sophie@mail.example'], bulk, (a) => a === 'sophie@mail.example');
    expect(mine.map((m) => m.address)).toEqual(['katrin@nordwind.example', 'lukas@kessler.example']);
    // The email's first contact wins, not the first contact of the whole session.
    expect(suggestLinks(matchesFor(['sophie@mail.example', 'katrin@nordwind.example'], matches))).toMatchObject({ mainContactObjectId: 'C1' });
    expect(suggestLinks(matchesFor(['sophie@mail.example'], matches))).toMatchObject({ mainContactObjectId: 'I1' });
  });
});

describe('parties and party ids', () => {
  it('links each address by a person before an account, never by a lead', () => {
    const both: AddressMatches = { address: 'Shared@Nordwind.example', records: [nordwind, katrin] };
    const parties = partiesOf([both, matches[0], matches[3]]);
    expect(parties.get('shared@nordwind.example')).toBe(katrin);
    expect(parties.has('lukas@kessler.example')).toBe(false);
    expect(ownerPartyId(parties, ['someone@else.example', 'ANNA@contoso.example'])).toBe('8000000011');
    expect(ownerPartyId(partiesOf([{ address: 'anna@contoso.example', records: [katrin] }]), ['anna@contoso.example'])).toBeUndefined();
  });

  it('finds a chosen record’s party id in the matches, a contact’s account included, else leaves it to C4C', () => {
    expect(partyIdFromMatches(matches, 'contact', 'C1')).toBe('1001');
    expect(partyIdFromMatches(matches, 'lead', 'L1')).toBe('3001');
    expect(partyIdFromMatches(matches, 'account', 'A1')).toBe('2001');
    expect(partyIdFromMatches([matches[2]], 'account', 'A1')).toBe('2001');
    // The lead names its account but not that account's party id: it must be read.
    expect(partyIdFromMatches(matches, 'account', 'A9')).toBeUndefined();
    expect(partyIdFromMatches(matches, 'contact', 'L1')).toBeUndefined();
  });

  it('turns a lead chosen as main contact into a reference', () => {
    expect(mainContactLinks('3001', 'lead')).toEqual({ related: [{ typeCode: '2', id: '3001' }] });
    expect(mainContactLinks('1001', 'contact')).toEqual({ mainContactPartyId: '1001', related: [] });
    expect(mainContactLinks(undefined, undefined)).toEqual({ related: [] });
  });
});
