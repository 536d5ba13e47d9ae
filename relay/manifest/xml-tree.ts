/**
 * A small namespace-aware element tree over fast-xml-parser's ordered output, just enough for the manifest checks
 * the XSD cannot express (cross references, URLs, nesting order).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export interface XmlElement {
  /** Local name without prefix. */
  local: string;
  /** Namespace URI ('' when none). */
  ns: string;
  /** Attributes by qualified name as written (`resid`, `xsi:type`, `xmlns:bt`). */
  attrs: Record<string, string>;
  /** Local part of xsi:type (`MailApp`, `VersionOverridesV1_1`), when present. */
  xsiType?: string;
  children: XmlElement[];
  /** Concatenated, trimmed text content of this element (not of descendants). */
  text: string;
  /** A readable location for messages, e.g. `OfficeApp/VersionOverrides[VersionOverridesV1_0]/Hosts`. */
  path: string;
  parent?: XmlElement;
}

/** fast-xml-parser's `preserveOrder` node: one key naming the element (or #text, ?xml), plus ':@' attributes. */
type OrderedNode = Record<string, unknown>;

const ATTRS_KEY = ':@';

function splitName(qname: string): [prefix: string, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function buildElement(name: string, node: OrderedNode, scope: Map<string, string>, parent: XmlElement | undefined): XmlElement {
  const attrs = (node[ATTRS_KEY] as Record<string, string> | undefined) ?? {};
  const localScope = new Map(scope);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'xmlns') localScope.set('', value);
    else if (key.startsWith('xmlns:')) localScope.set(key.slice(6), value);
  }
  const [prefix, local] = splitName(name);
  let xsiType: string | undefined;
  for (const [key, value] of Object.entries(attrs)) {
    const [attrPrefix, attrLocal] = splitName(key);
    if (attrLocal === 'type' && attrPrefix && localScope.get(attrPrefix) === XSI_NS) xsiType = splitName(value)[1];
  }
  const label = xsiType ? `${local}[${xsiType}]` : attrs.id ? `${local}#${attrs.id}` : local;
  const element: XmlElement = {
    local,
    ns: localScope.get(prefix) ?? '',
    attrs,
    xsiType,
    children: [],
    text: '',
    path: parent ? `${parent.path}/${label}` : label,
    parent,
  };
  const texts: string[] = [];
  for (const child of (node[name] as OrderedNode[] | undefined) ?? []) {
    const childName = Object.keys(child).find((k) => k !== ATTRS_KEY);
    if (childName === undefined) continue;
    if (childName === '#text') texts.push(String(child[childName]));
    else if (!childName.startsWith('?') && !childName.startsWith('!')) {
      element.children.push(buildElement(childName, child, localScope, element));
    }
  }
  element.text = texts.join('').trim();
  return element;
}

/** Parses XML into a tree; throws an Error with the parser's message (and line) when it is not well-formed. */
export function parseXmlTree(xml: string): XmlElement {
  const check = XMLValidator.validate(xml);
  if (check !== true) throw new Error(`line ${check.err.line}: ${check.err.msg}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    // Attribute values must stay as written (URLs, resids); entities are still decoded.
    trimValues: true,
  });
  const nodes = parser.parse(xml) as OrderedNode[];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ATTRS_KEY);
    if (name && name !== '#text' && !name.startsWith('?') && !name.startsWith('!')) {
      return buildElement(name, node, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), undefined);
    }
  }
  throw new Error('no root element');
}

/** All descendants (depth first, document order) for which `enter` does not return false; `enter` may prune. */
export function descendants(root: XmlElement, enter: (e: XmlElement) => boolean = () => true): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children) {
      if (!enter(child)) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

export function childrenNamed(e: XmlElement, local: string): XmlElement[] {
  return e.children.filter((c) => c.local === local);
}
