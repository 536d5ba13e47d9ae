/**
 * XML reading and writing for the EWS emulator. Requests are parsed with fast-xml-parser (namespace prefixes
 * dropped, entities decoded here so that `&amp;#233;` stays literal); responses are built as strings with every
 * value escaped.
 */
import { XMLParser } from 'fast-xml-parser';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  m: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  t: 'http://schemas.microsoft.com/exchange/services/2006/types',
  e: 'http://schemas.microsoft.com/exchange/services/2006/errors',
} as const;

/** A parsed element: a string (text-only), or an object of attributes (`@_x`), children and `#text`. */
export type XNode = string | { [key: string]: XNode | XNode[] | undefined };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
});

/** Thrown for malformed or schema-invalid requests; answered as an ErrorSchemaValidation SOAP fault. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

export function parseXml(text: string): Record<string, XNode> {
  try {
    return parser.parse(text, true) as Record<string, XNode>;
  } catch (error) {
    throw new SchemaError(`The request failed schema validation: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = NAMED_ENTITIES[ref];
    if (named === undefined) throw new SchemaError(`Reference to undeclared entity '${ref}'.`);
    return named;
  });
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Builds `<name attrs>content</name>` (or self-closing); attribute values escaped, content passed as built XML. */
export function el(name: string, content?: string | null, attrs?: Record<string, string | number | boolean | undefined>): string {
  const attrText = attrs
    ? Object.entries(attrs)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
        .join('')
    : '';
  return content === undefined || content === null || content === '' ? `<${name}${attrText}/>` : `<${name}${attrText}>${content}</${name}>`;
}

/** Element with an escaped text value; undefined → nothing. */
export function tx(name: string, value: string | number | boolean | undefined | null, attrs?: Record<string, string | number | boolean | undefined>): string {
  if (value === undefined || value === null) return '';
  return el(name, escapeXml(String(value)), attrs);
}

export function isObject(node: XNode | XNode[] | undefined): node is { [key: string]: XNode | XNode[] | undefined } {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** A repeated child as an array (fast-xml-parser gives an object for one occurrence and an array for several). */
export function all(node: XNode | XNode[] | undefined, name: string): XNode[] {
  if (!isObject(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function child(node: XNode | XNode[] | undefined, name: string): XNode | undefined {
  return all(node, name)[0];
}

/** Child element names in document order of first appearance (attributes and text excluded). */
export function childNames(node: XNode | undefined): string[] {
  if (!isObject(node)) return [];
  return Object.keys(node).filter((k) => !k.startsWith('@_') && k !== '#text');
}

export function attr(node: XNode | undefined, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? decodeEntities(value) : undefined;
}

/**
 * Text content of a simple-content element. An element that contains child elements where text is expected is a
 * schema error — this is what a real server answers when a client sends unescaped markup (e.g. raw HTML bodies).
 */
export function text(node: XNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeEntities(node);
  const children = childNames(node);
  if (children.length > 0) throw new SchemaError(`The element contains unexpected child elements (${children.join(', ')}); text content was expected.`);
  const value = node['#text'];
  return typeof value === 'string' ? decodeEntities(value) : '';
}

export function childText(node: XNode | undefined, name: string): string | undefined {
  return text(child(node, name));
}

export function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new SchemaError(`'${value}' is not a valid boolean.`);
}
