// A small XML reader, enough for OVF envelopes: elements, attributes, text, CDATA, comments,
// processing instructions and the five predefined entities plus character references. No DTDs
// (a DOCTYPE is refused, so no entity expansion attacks). Names keep their prefix; `local()`
// strips it, since OVF files differ in which prefixes they bind (ovf:, rasd:, vssd:).
import { ConverterError } from '../errors';

export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

export const local = (name: string): string => name.slice(name.indexOf(':') + 1);

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string, file: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new ConverterError(`${file}: unknown XML entity ${m}`, 'converter.ovf');
    return v;
  });
}

export function parseXml(text: string, file: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new ConverterError(`${file}: line ${line}: ${what}`, 'converter.ovf');
  };
  const NAME = /[A-Za-z_][\w.:-]*/y;
  const ATTR = /\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      if (text.slice(i).trim()) fail('text after the root element');
      break;
    }
    if (lt > i && stack.length) stack[stack.length - 1]!.text += decode(text.slice(i, lt), file);
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA');
      if (stack.length) stack[stack.length - 1]!.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      fail('DOCTYPE declarations are not accepted in an OVF envelope');
    } else if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text);
      if (!m) fail('bad closing tag');
      const open = stack.pop();
      if (!open || open.name !== m![0]) fail(`</${m![0]}> closes <${open?.name ?? 'nothing'}>`);
      i = text.indexOf('>', NAME.lastIndex) + 1;
      if (i === 0) fail('unterminated closing tag');
    } else {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (!m) fail('bad tag');
      const attrs = new Map<string, string>();
      let j = NAME.lastIndex;
      for (;;) {
        ATTR.lastIndex = j;
        const a = ATTR.exec(text);
        if (!a) break;
        attrs.set(a[1]!, decode(a[3] ?? a[4] ?? '', file));
        j = ATTR.lastIndex;
      }
      while (/\s/.test(text[j] ?? '')) j++;
      const selfClose = text[j] === '/';
      if (selfClose) j++;
      if (text[j] !== '>') fail(`<${m![0]}>: malformed attributes`);
      i = j + 1;
      const el: XmlElement = { name: m![0], attrs, children: [], text: '' };
      if (stack.length) stack[stack.length - 1]!.children.push(el);
      else if (root) fail('a second root element');
      else root = el;
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1]!.name}> is never closed (truncated?)`);
  if (!root) fail('no XML element');
  return root!;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => local(c.name) === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => local(c.name) === name);
}

/** An attribute by local name (ovf:id or id). */
export function attr(el: XmlElement, name: string): string | undefined {
  for (const [k, v] of el.attrs) if (local(k) === name) return v;
  return undefined;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}
