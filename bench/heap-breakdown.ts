/**
 * Where a V8 heap snapshot's memory goes: self size by node type (and by constructor for objects and closures), and
 * the largest strings (module sources, source maps). Used by the load bench at the relay's idle (LOAD_HEAP_SNAPSHOT).
 */
import fs from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function heapBreakdown(file: string, top = 12): string[] {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshot;
  const { node_fields: fields, node_types: nodeTypes } = snap.snapshot.meta;
  const types = nodeTypes[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byKind = new Map<string, number>();
  const strings: Array<[number, string]> = [];
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = snap.strings[snap.nodes[i + nameAt]];
    const size = snap.nodes[i + sizeAt];
    total += size;
    const kind = type === 'object' || type === 'closure' ? `${type} ${name || '(anonymous)'}` : type;
    byKind.set(kind, (byKind.get(kind) ?? 0) + size);
    if (type === 'string' && size > 200_000) strings.push([size, name.slice(0, 60).replace(/\s+/g, ' ')]);
  }
  const mb = (n: number): string => (n / 1e6).toFixed(1).padStart(5);
  return [
    `heap snapshot ${file}: ${mb(total).trim()} MB in all (self sizes)`,
    ...[...byKind].sort((a, b) => b[1] - a[1]).slice(0, top).map(([kind, size]) => `  ${mb(size)} MB ${kind}`),
    'largest strings:',
    ...strings.sort((a, b) => b[0] - a[0]).slice(0, 6).map(([size, text]) => `  ${mb(size)} MB ${JSON.stringify(text)}`),
  ];
}
