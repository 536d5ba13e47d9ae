/** The CSV rules of the user import, on the parser alone (no database). */
import { CsvFileError, detectDelimiter, parseUserCsv } from '../../relay/admin/csv-import';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('user CSV parser', () => {
  it('reads quoted fields with separators, quotes and newlines inside, and reports the line each record starts on', () => {
    const csv = [
      'Full Name,C4C Login,C4C User ID,Mailbox Login,Mailbox Email Address',
      '"Berger, Anna",ANNA.BERGER,8000000011,CONTOSO\\anna,anna.berger@contoso.example',
      '"Rossi ""Marco""",,,,marco.rossi@contoso.example',
      '"Natarajan',
      'Priya",,,,priya@contoso.example',
      'Bad Address,,,,not-an-address',
    ].join('\r\n');
    const parsed = parseUserCsv(enc(csv));
    expect(parsed.delimiter).toBe(',');
    expect(parsed.totalRows).toBe(4);
    expect(parsed.good).toEqual([
      { line: 2, fullName: 'Berger, Anna', email: 'anna.berger@contoso.example', c4cLogin: 'ANNA.BERGER', c4cUserId: '8000000011', mailboxLogin: 'CONTOSO\\anna' },
      { line: 3, fullName: 'Rossi "Marco"', email: 'marco.rossi@contoso.example', c4cLogin: null, c4cUserId: null, mailboxLogin: null },
      { line: 4, fullName: 'Natarajan\nPriya', email: 'priya@contoso.example', c4cLogin: null, c4cUserId: null, mailboxLogin: null },
    ]);
    expect(parsed.errors).toEqual([{ line: 6, problem: 'invalid-address', column: 'email', message: expect.stringContaining('not-an-address') }]);
  });

  it('accepts a UTF-8 BOM, detects ";" and matches headers case-insensitively in any order', () => {
    const csv = '\uFEFFMAILBOX EMAIL ADDRESS;full_name;c4c-user-id\njuergen.mueller@contoso.example;Jürgen Müller;8000000099\n';
    const parsed = parseUserCsv(enc(csv));
    expect(parsed.delimiter).toBe(';');
    expect(parsed.good).toEqual([{ line: 2, fullName: 'Jürgen Müller', email: 'juergen.mueller@contoso.example', c4cUserId: '8000000099', c4cLogin: undefined, mailboxLogin: undefined }]);
  });

  it('reports every bad row with its line and reason: missing value, invalid address, duplicate in the file, extra fields', () => {
    const csv = [
      'full name,mailbox email address',
      ',empty.name@contoso.example',
      'No Address,',
      'Good One,one@contoso.example',
      'Duplicate,ONE@contoso.example',
      'Too,many@contoso.example,fields',
      '',
      'Good Two,two@contoso.example',
    ].join('\n');
    const { good, errors } = parseUserCsv(enc(csv));
    expect(good.map((r) => [r.line, r.email])).toEqual([[4, 'one@contoso.example'], [8, 'two@contoso.example']]);
    expect(errors.map((e) => [e.line, e.problem])).toEqual([
      [2, 'missing-column'],
      [3, 'missing-column'],
      [5, 'duplicate-in-file'],
      [6, 'invalid-value'],
    ]);
    expect(errors[2].message).toContain('line 4');
  });

  it('refuses files it cannot read as a whole, so nothing is imported', () => {
    expect(() => parseUserCsv(enc('surname,phone\nA,1\n'))).toThrow(CsvFileError);
    expect(() => parseUserCsv(enc('surname,phone\nA,1\n'))).toThrow(/no "full name" and "mailbox email address" column/);
    expect(() => parseUserCsv(enc('full name,email\n"never closed,a@b.example\n'))).toThrow(/never closed/);
    expect(() => parseUserCsv(new Uint8Array([0x66, 0x75, 0x6c, 0x6c, 0xff, 0xfe, 0x0a]))).toThrow(/not UTF-8/);
    expect(() => parseUserCsv(enc('   \n\n'))).toThrow(/empty/);
  });

  it('detects the separator from the header only, ignoring quoted text', () => {
    expect(detectDelimiter('"a;b;c",d\n1;2;3;4;5')).toBe(',');
    expect(detectDelimiter('a;b,c;d\n')).toBe(';');
    expect(detectDelimiter('single\n')).toBe(',');
  });
});
