// A small XML writer for EC2 Query responses. Objects become elements in key order, arrays become
// `<name><item>…</item></name>` sets, undefined members are left out (the SDK treats them as absent).

export type XmlValue = string | number | boolean | undefined | null | Date | XmlTree | XmlTree[] | string[];
export interface XmlTree {
  [element: string]: XmlValue;
}

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

function renderValue(value: XmlValue): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value.map((item) => `<item>${typeof item === 'string' ? escapeXml(item) : renderTree(item)}</item>`).join('');
  }
  if (typeof value === 'object' && value !== null) return renderTree(value);
  return escapeXml(String(value));
}

export function renderTree(tree: XmlTree): string {
  let out = '';
  for (const [name, value] of Object.entries(tree)) {
    if (value === undefined || value === null) continue;
    out += `<${name}>${renderValue(value)}</${name}>`;
  }
  return out;
}

export function renderDocument(root: string, tree: XmlTree, xmlns?: string): string {
  const ns = xmlns ? ` xmlns="${xmlns}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${renderTree(tree)}</${root}>`;
}
