/**
 * `$batch` builder and multipart parser against SAP's published samples (fixtures/c4c/samples/devguide-*):
 * the servicerequest batch answer (Atom GET part + changeset with 204 and 201, boundary only visible in the body),
 * the ticket create / update answers (JSON `d.results` bodies, padded Content-Length), and the published requests,
 * whose structure the builder must reproduce.
 */
import {
  BatchBuilder,
  boundaryOf,
  operationJson,
  parseBatchResponse,
  splitMultipart,
} from '../../relay/c4c/batch';
import { BatchResult } from '../../relay/c4c/batch-result';
import { C4cBadRequestError, C4cPreconditionFailedError } from '../../relay/c4c/errors';
import { unwrapEntity } from '../../relay/c4c/odata-json';
import { sample } from './fixtures';

describe('parsing published $batch answers', () => {
  it('devguide servicerequest answer: GET 200 (Atom), then a changeset with 204 and 201', () => {
    // The guide does not show the outer Content-Type; the boundary is read from the first delimiter line.
    const items = parseBatchResponse(sample('devguide-batch-servicerequest-response.txt'), '');
    expect(items.map((item) => item.kind)).toEqual(['operation', 'changeset']);
    if (items[0].kind !== 'operation' || items[1].kind !== 'changeset') return;
    expect(items[0].response.status).toBe(200);
    expect(items[0].response.headers['content-type']).toBe('application/atom+xml;type=feed');
    expect(items[0].response.body.trim().startsWith('<?xml')).toBe(true);
    expect(items[0].response.body.trim().endsWith('</feed>')).toBe(true);
    expect(items[1].responses.map((r) => [r.status, r.statusText])).toEqual([
      [204, 'No Content'],
      [201, 'Created'],
    ]);
    expect(items[1].responses[0].body).toBe('');
    expect(items[1].responses[1].body.trim().endsWith('</entry>')).toBe(true);
  });

  it('devguide ticket create answer: 201 with location, etag and a d.results JSON entity', () => {
    const items = parseBatchResponse(sample('devguide-serviceticket-create-batch-response.txt'), 'multipart/mixed; boundary=ejjeeffe0');
    expect(items).toHaveLength(1);
    if (items[0].kind !== 'changeset') throw new Error('expected a changeset');
    const [created] = items[0].responses;
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(
      "https://my309307.crm.ondemand.com/sap/c4c/odata/v1/c4codata/ServiceRequestCollection('00163E1379D01ED785B015D2038B098A')",
    );
    expect(created.headers.etag).toBe(`W/"datetimeoffset'2017-03-30T19%3A40%3A10.8490260Z'"`);
    const entity = unwrapEntity<{ ObjectID: string }>(operationJson(created));
    expect(entity.ObjectID).toBe('00163E1379D01ED785B015D2038B098A');
  });

  it('devguide ticket update answer: 204 then four 201s, read through BatchResult', () => {
    const text = sample('devguide-serviceticket-update-batch-response.txt');
    const builder = new BatchBuilder();
    builder.changeset((cs) => {
      cs.patch("ServiceRequestCollection('00163E1379D01ED785B015D2038B098A')", { Name: 'x' });
      for (let i = 0; i < 4; i += 1) cs.post('ServiceRequestDescriptionCollection', { Text: `${i}` });
    });
    const result = new BatchResult(builder.items, parseBatchResponse(text, 'multipart/mixed; boundary=ejjeeffe0'));
    expect(result.error(0)).toBeUndefined();
    const responses = result.changeset(0);
    expect(responses.map((r) => r.status)).toEqual([204, 201, 201, 201, 201]);
    const note = result.created<{ Text: string; CreatedOn: string; ParentObjectID: string }>(0, 1);
    expect(note.Text).toBe('1st comment from customer !!');
    expect(note.CreatedOn).toBe(new Date(1490908760000).toISOString());
    expect(note.ParentObjectID).toBe('00163E1379D01ED785B015D2038B098A');
  });

  it('maps failed parts to typed errors; a failed changeset is one error part', () => {
    const builder = new BatchBuilder();
    builder.get('ContactCollection?$filter=Bogus%20eq%20%27x%27');
    builder.changeset((cs) => cs.patch("EMailCollection('A')", { Subject: 'x' }, { ifMatch: 'W/"old"' }));
    const body = [
      '--ejjeeffe0',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 400 Bad Request',
      'Content-Type: application/json',
      '',
      '{"error":{"code":"SY/530","message":{"lang":"en","value":"Property Bogus not found"}}}',
      '--ejjeeffe0',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 412 Precondition Failed',
      'Content-Type: application/json',
      '',
      '{"error":{"code":"","message":{"lang":"en","value":"ETag mismatch"}}}',
      '--ejjeeffe0--',
      '',
    ].join('\r\n');
    const result = new BatchResult(builder.items, parseBatchResponse(body, 'multipart/mixed; boundary=ejjeeffe0'));
    const getError = result.error(0);
    expect(getError).toBeInstanceOf(C4cBadRequestError);
    expect(getError?.c4cMessage).toBe('Property Bogus not found');
    expect(getError?.code).toBe('SY/530');
    expect(() => result.collection(0)).toThrow(C4cBadRequestError);
    expect(() => result.changeset(1)).toThrow(C4cPreconditionFailedError);
  });
});

describe('building $batch requests', () => {
  const build = () => {
    const builder = new BatchBuilder();
    const get = builder.get("ContactCollection?$filter=Email%20eq%20'a%40b.com'");
    const changeset = builder.changeset((cs) =>
      cs
        .patch("EMailCollection('00163E')", { Subject: 'Ünïcode' }, { ifMatch: `W/"datetimeoffset'2025-12-30T01%3A09%3A00.0253240Z'"`, contentId: '1' })
        .post('EMailNotesCollection', { ParentObjectID: '00163E', TypeCode: '10002', Text: '<p>hi</p>' }, { contentId: '2' })
        .delete("EMailBTDReferenceCollection('X')"),
    );
    return { builder, get, changeset, built: builder.build('batch_test') };
  };

  it('has the structure of the published request: GET part, then a changeset of writes', () => {
    const { built, get, changeset, builder } = build();
    expect([get, changeset]).toEqual([0, 1]);
    expect(builder.readOnly).toBe(false);
    expect(built.contentType).toBe('multipart/mixed; boundary=batch_test');
    expect(built.body).not.toMatch(/[^\r]\n/); // CRLF everywhere
    const parts = splitMultipart(built.body, 'batch_test');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(
      [
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        "GET ContactCollection?$filter=Email%20eq%20'a%40b.com' HTTP/1.1",
        'Accept: application/json',
        '',
        '',
      ].join('\r\n'),
    );
    const changesetBoundary = boundaryOf(parts[1])!;
    expect(changesetBoundary).toMatch(/^changeset_/);
    const operations = splitMultipart(parts[1].slice(parts[1].indexOf('\r\n\r\n') + 4), changesetBoundary);
    expect(operations).toHaveLength(3);
    expect(operations[0]).toContain("PATCH EMailCollection('00163E') HTTP/1.1");
    expect(operations[0]).toContain(`If-Match: W/"datetimeoffset'2025-12-30T01%3A09%3A00.0253240Z'"`);
    expect(operations[0]).toContain('Content-ID: 1');
    const patchBody = '{"Subject":"Ünïcode"}';
    expect(operations[0]).toContain(`Content-Length: ${Buffer.byteLength(patchBody)}`);
    expect(operations[0].endsWith(`\r\n\r\n${patchBody}`)).toBe(true);
    expect(operations[1]).toContain('POST EMailNotesCollection HTTP/1.1');
    expect(operations[2]).toContain("DELETE EMailBTDReferenceCollection('X') HTTP/1.1");
    expect(operations[2]).not.toContain('Content-Type: application/json');
  });

  it('splits the published requests the same way (LF endings, trailing spaces, missing header spaces)', () => {
    const text = sample('devguide-batch-servicerequest-request.http');
    const body = text.slice(text.indexOf('--batch_guid_01'));
    const parts = splitMultipart(body, 'batch_guid_01');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toContain('GET ServiceRequestCollection/?$top=3 HTTP/1.1');
    const inner = splitMultipart(parts[1].slice(parts[1].search(/\n\n/) + 2), boundaryOf(parts[1])!);
    expect(inner.map((p) => /(PATCH|POST) \S+/.exec(p)?.[0])).toEqual([
      "PATCH ServiceRequestCollection('00163E0DBD9E1ED596EBDFDA564728AC')",
      'POST ServiceRequestItemCollection',
    ]);
    const create = sample('devguide-serviceticket-create-batch-request.http');
    const createParts = splitMultipart(create.slice(create.indexOf('--batch_1')), 'batch_1');
    expect(createParts).toHaveLength(1);
    expect(boundaryOf(createParts[0])).toBe('changeset_1');
  });

  it('a batch of GETs is read-only (safe to retry)', () => {
    const builder = new BatchBuilder();
    builder.get('LeadCollection');
    expect(builder.readOnly).toBe(true);
  });

  it('rejects paths that would break the multipart framing or leave the service root', () => {
    const builder = new BatchBuilder();
    expect(() => builder.get('ContactCollection?$filter=Email eq x')).toThrow(RangeError);
    expect(() => builder.get('ContactCollection\r\nX-Evil: 1')).toThrow(RangeError);
    expect(() => builder.get('https://evil.example/x')).toThrow(RangeError);
    expect(() => builder.changeset(() => undefined)).toThrow(RangeError);
    expect(() => new BatchBuilder().build()).toThrow(RangeError);
  });

  it('round-trips: a built request split and answered in the server format is read back in order', () => {
    const { builder } = build();
    const answer = [
      '--ejjeeffe0',
      'Content-Type: application/http',
      'Content-Length: 999',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      '',
      '{"d":{"results":[{"ObjectID":"C1","Email":"a@b.com"}],"__count":"1"}}',
      '--ejjeeffe0',
      'Content-Type: multipart/mixed; boundary=ejjeeffe1',
      '',
      '--ejjeeffe1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      '',
      '',
      '--ejjeeffe1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 201 Created',
      'Content-Type: application/json',
      'etag: W/"new"',
      '',
      '{"d":{"results":{"ObjectID":"N1","CreatedOn":"\\/Date(0)\\/"}}}',
      '--ejjeeffe1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      '',
      '',
      '--ejjeeffe1--',
      '--ejjeeffe0--',
    ].join('\r\n');
    const result = new BatchResult(builder.items, parseBatchResponse(answer, 'multipart/mixed; boundary=ejjeeffe0'));
    expect(result.collection<{ ObjectID: string }>(0)).toEqual({ results: [{ ObjectID: 'C1', Email: 'a@b.com' }], count: 1 });
    expect(result.changeset(1).map((r) => r.status)).toEqual([204, 201, 204]);
    expect(result.changeset(1)[1].contentId).toBe('2');
    expect(result.created(1, 1)).toEqual({ ObjectID: 'N1', CreatedOn: '1970-01-01T00:00:00.000Z', __metadata: { etag: 'W/"new"' } });
  });
});
