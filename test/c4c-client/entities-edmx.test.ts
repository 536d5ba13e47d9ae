/**
 * The typed entities, the initial search and the related-item search use the EDMX's exact property names
 * (c4c-odata.md §16 lists how easily they are misspelt): every declared property must exist on the entity type in
 * the vendored `$metadata`, every filtered property must be filterable, and every entity set must exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { INITIAL_SEARCH_PARTS } from '../../relay/c4c/initial-search';
import { OPPORTUNITY_SEARCH, TICKET_SEARCH } from '../../relay/c4c/related-search';
import { loadEdmx } from './fixtures';

const ENTITIES_FILE = path.resolve(__dirname, '../../relay/c4c/entities.ts');

/** Interface name → declared property names, read from the source with the TypeScript parser. */
function declaredInterfaces(): Map<string, string[]> {
  const source = ts.createSourceFile(ENTITIES_FILE, fs.readFileSync(ENTITIES_FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string[]>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const names = node.members
      .filter(ts.isPropertySignature)
      .map((member) => (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : ''));
    out.set(node.name.text, names);
  });
  return out;
}

describe('typed entities match the c4codataapi $metadata', () => {
  const edmx = loadEdmx();
  const interfaces = declaredInterfaces();
  const entityInterfaces = [...interfaces.keys()].filter((name) => edmx.types.has(name));

  it('covers every entity type the brief asks for', () => {
    expect(entityInterfaces).toEqual(
      expect.arrayContaining([
        'CorporateAccount', 'Contact', 'ContactIsContactPersonFor', 'IndividualCustomer', 'Lead', 'Employee', 'EmployeeBasicData',
        'Appointment', 'AppointmentInvolvedParties', 'Tasks', 'TasksInvolvedParties', 'EMail', 'EMailToRecipients',
        'EMailCcRecipients', 'EMailNotes', 'EMailAttachments', 'EMailBTDReference', 'PhoneCall', 'Opportunity', 'ServiceRequest',
      ]),
    );
  });

  it.each(entityInterfaces)('%s declares only properties or navigations of the EDMX type', (name) => {
    const type = edmx.types.get(name)!;
    const unknown = interfaces
      .get(name)!
      .filter((property) => property !== '__metadata' && !type.properties.has(property) && !type.navigations.has(property));
    expect(unknown).toEqual([]);
  });

  it('the C4cEntitySets map names real entity sets of the right types', () => {
    const source = fs.readFileSync(ENTITIES_FILE, 'utf8');
    const block = /export interface C4cEntitySets \{([\s\S]*?)\n\}/.exec(source)![1];
    const pairs = [...block.matchAll(/(\w+): (\w+);/g)].map((m) => [m[1], m[2]]);
    expect(pairs.length).toBeGreaterThan(15);
    for (const [set, type] of pairs) expect([set, edmx.sets.get(set)]).toEqual([set, type]);
  });

  it('initial search parts select existing properties and filter on filterable e-mail properties', () => {
    for (const part of INITIAL_SEARCH_PARTS) {
      const type = edmx.types.get(edmx.sets.get(part.entitySet)!)!;
      expect(type).toBeDefined();
      for (const property of part.select) expect([part.entitySet, property, type.properties.has(property)]).toEqual([part.entitySet, property, true]);
      expect(type.properties.get(part.property)?.filterable).toBe(true);
      expect(type.properties.get(part.orderby)).toBeDefined();
    }
    // Lead's other e-mail properties are not filterable: the search must use ContactEMail.
    const lead = edmx.types.get('Lead')!;
    expect(lead.properties.get('AccountEMail')?.filterable).toBe(false);
    expect(INITIAL_SEARCH_PARTS.find((p) => p.kind === 'Lead')?.property).toBe('ContactEMail');
  });

  it('related-item searches select existing properties and filter on filterable ones', () => {
    for (const spec of [OPPORTUNITY_SEARCH, TICKET_SEARCH]) {
      const type = edmx.types.get(edmx.sets.get(spec.entitySet)!)!;
      for (const property of [...spec.select, spec.accountProperty, 'ID', 'Name']) expect([property, type.properties.has(property)]).toEqual([property, true]);
      for (const property of [spec.accountProperty, 'ID', 'Name']) expect([property, type.properties.get(property)?.filterable]).toEqual([property, true]);
    }
  });

  it('the function imports the client calls exist', () => {
    for (const name of ['CheckEmailByGroupwareID', 'CheckAppointmentByGroupwareID']) expect(edmx.functionImports.has(name)).toBe(true);
  });
});
