/** Back-off timing, Retry-After parsing and the OData query / filter helpers. */
import fc from 'fast-check';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, retryPolicySchema } from '../../relay/c4c/retry';
import {
  and,
  anyOf,
  buildQueryString,
  contains,
  dateTimeOffsetLiteral,
  entityPath,
  eq,
  startsWith,
  stringLiteral,
} from '../../relay/c4c/query';

describe('Retry-After', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('exponential back-off with full jitter', () => {
  const policy = retryPolicySchema.parse({ baseDelayMs: 100, maxDelayMs: 1000 });
  it('spans [0, base·2^(n-1)] capped at maxDelay', () => {
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(99);
    expect(backoffDelay(2, policy, () => 0.999999)).toBe(199);
    expect(backoffDelay(4, policy, () => 0.999999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(999);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
  it('never exceeds the cap nor goes negative (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (retry, r) => {
        const delay = backoffDelay(retry, policy, () => r);
        return delay >= 0 && delay <= Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
      }),
    );
  });
  it('has sensible defaults', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(4);
    expect(DEFAULT_RETRY_POLICY.retryStatuses).toEqual([429, 502, 503, 504]);
  });
});

describe('OData literals and filters', () => {
  it('escapes quotes in string literals', () => {
    expect(stringLiteral("O'Brien")).toBe("'O''Brien'");
    expect(eq('Email', "o'brien@x.com")).toBe("Email eq 'o''brien@x.com'");
  });
  it('builds same-property or-lists (the only or C4C allows), without duplicates', () => {
    expect(anyOf('Email', ['a@x.com', 'b@x.com', 'a@x.com'])).toBe("Email eq 'a@x.com' or Email eq 'b@x.com'");
    expect(() => anyOf('Email', [])).toThrow(RangeError);
  });
  it('rejects property names that could inject filter syntax', () => {
    expect(() => eq("Email eq 'x' or ObjectID", 'y')).toThrow(RangeError);
    expect(() => startsWith('Name)', 'y')).toThrow(RangeError);
  });
  it('contains uses the * wildcard inside eq and drops user wildcards', () => {
    expect(contains('Name', 'Big*Deal')).toBe("Name eq '*BigDeal*'");
    expect(startsWith('Name', 'Big')).toBe("startswith(Name,'Big')");
  });
  it('parenthesises or-groups joined with and', () => {
    expect(and(anyOf('ID', ['1', '2']), eq('TypeCode', '39'), undefined)).toBe("(ID eq '1' or ID eq '2') and TypeCode eq '39'");
    expect(and(eq('A', '1'))).toBe("A eq '1'");
  });
  it('writes datetimeoffset literals in UTC', () => {
    expect(dateTimeOffsetLiteral('2019-10-01T02:00:00+02:00')).toBe("datetimeoffset'2019-10-01T00:00:00Z'");
  });
  it('percent-encodes query values so they survive URLs and $batch request lines', () => {
    const query = buildQueryString({
      filter: "Email eq 'a+b@x.com' or Email eq 'c&d#@x.com'",
      select: ['ObjectID', 'Email'],
      expand: ['ContactIsContactPersonFor/CorporateAccount'],
      orderby: ['ContactID desc'],
      top: 5,
      skip: 10,
      inlineCount: true,
    });
    expect(query).toBe(
      "$filter=Email%20eq%20'a%2Bb%40x.com'%20or%20Email%20eq%20'c%26d%23%40x.com'&$select=ObjectID,Email&$expand=ContactIsContactPersonFor/CorporateAccount&$orderby=ContactID%20desc&$top=5&$skip=10&$inlinecount=allpages",
    );
    expect(query).not.toMatch(/\s/);
    expect(() => buildQueryString({ top: -1 })).toThrow(RangeError);
    expect(() => buildQueryString({ orderby: ['Name; drop'] })).toThrow(RangeError);
  });
  it('encodes keys so they cannot add path segments', () => {
    expect(entityPath('EMailCollection', '00163E04B6021ED2B6E362FB24C3595E')).toBe("EMailCollection('00163E04B6021ED2B6E362FB24C3595E')");
    expect(entityPath('EMailCollection', "a'/../b?c")).toBe("EMailCollection('a''%2F..%2Fb%3Fc')");
    expect(() => entityPath('EMail/Collection', 'x')).toThrow(RangeError);
  });
});
