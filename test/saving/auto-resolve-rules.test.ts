/** E8's pure rules: who may be created, with which name, and which domains may become an Account. */
import { candidateFor, companyNameFromDomain, isFreeMailDomain, isGroupAddress, splitName, type ResolveScope } from '../../relay/saving/auto-resolve-rules';

const scope = (over: Partial<ResolveScope> = {}): ResolveScope => ({
  ownDomains: ['contoso.example'],
  userAddresses: new Set(['contractor@partner-agency.example']),
  isBlocked: (a) => a.endsWith('@spam-corp.example'),
  ...over,
});

describe('free-mail domains (the maintained email-providers list)', () => {
  test.each(['gmail.com', 'outlook.com', 'web.de', 'gmx.de', 'yahoo.co.uk', 'GMAIL.COM'])('%s is free mail', (d) => expect(isFreeMailDomain(d)).toBe(true));
  test.each(['fabrikam.example', 'sap.com', 'nordwind-maschinenbau.example'])('%s is corporate', (d) => expect(isFreeMailDomain(d)).toBe(false));
});

describe('group and role addresses', () => {
  test.each(['sales@fabrikam.example', 'info@fabrikam.example', 'noreply@fabrikam.example', 'no-reply@fabrikam.example', 'support+eu@fabrikam.example', 'postmaster@fabrikam.example'])('%s is a group', (a) => expect(isGroupAddress(a)).toBe(true));
  test.each(['jane.roe@fabrikam.example', 'j.smith@fabrikam.example'])('%s is a person', (a) => expect(isGroupAddress(a)).toBe(false));
});

describe('names', () => {
  test('display name first last, "Last, First", and from the address', () => {
    expect(splitName('Jane Roe', 'x@y.example')).toEqual({ firstName: 'Jane', lastName: 'Roe' });
    expect(splitName('Roe, Jane', 'x@y.example')).toEqual({ firstName: 'Jane', lastName: 'Roe' });
    expect(splitName('Mary Ann van Dyke', 'x@y.example')).toEqual({ firstName: 'Mary Ann van', lastName: 'Dyke' });
    expect(splitName(undefined, 'jane.roe@y.example')).toEqual({ firstName: 'Jane', lastName: 'Roe' });
    expect(splitName('jane.roe@y.example', 'jane.roe@y.example')).toEqual({ firstName: 'Jane', lastName: 'Roe' });
    // C4C requires a last name: one word is the last name.
    expect(splitName('Cher', 'c@y.example')).toEqual({ firstName: '', lastName: 'Cher' });
  });
  test('company names from domains', () => {
    expect(companyNameFromDomain('fabrikam.example')).toBe('Fabrikam');
    expect(companyNameFromDomain('mail.acme-corp.co.uk')).toBe('Acme Corp');
    expect(companyNameFromDomain('kessler-automation.com.au')).toBe('Kessler Automation');
  });
});

describe('who is created', () => {
  const unknown = { address: 'x', records: [] };
  test('an unknown external person is', () => {
    expect(candidateFor({ address: 'Jane.Roe@Fabrikam.example', name: 'Jane Roe' }, undefined, scope())).toEqual({ create: true, address: 'jane.roe@fabrikam.example', domain: 'fabrikam.example', firstName: 'Jane', lastName: 'Roe' });
  });
  test.each([
    ['known to C4C', 'katrin@nordwind.example', { address: 'katrin@nordwind.example', records: [{ kind: 'employee' }] }, 'known'],
    ['own domain', 'colleague@contoso.example', unknown, 'own-domain'],
    ['own subdomain', 'colleague@eu.contoso.example', unknown, 'own-domain'],
    ['a user of the organization in another domain', 'contractor@partner-agency.example', unknown, 'organization-user'],
    ['blocked', 'anyone@spam-corp.example', unknown, 'blocked'],
    ['a group address', 'sales@fabrikam.example', unknown, 'group-address'],
    ['not an address', 'undisclosed-recipients:;', unknown, 'not-an-address'],
  ])('never: %s', (_what, address, matches, reason) => {
    expect(candidateFor({ address }, matches as never, scope())).toEqual({ create: false, address: address.toLowerCase(), reason });
  });
});
