// The .vmx text format as VMware writes it: one `key = "value"` a line, `#` comments,
// `.encoding` first. Keys are case-insensitive; order, comments and unknown keys survive
// a rewrite. Inside values VMware escapes a byte as |XX (hex), so `"` is |22 and `|` is |7C.
import { VmdeskError } from '../../common';

export class VmxError extends VmdeskError {
  constructor(message: string) {
    super('bad-request', message);
  }
}

type Line = { kind: 'entry'; key: string; value: string } | { kind: 'other'; text: string };

const ENTRY = /^\s*([A-Za-z0-9_.:\-]+)\s*=\s*(?:"([^"]*)"|([^\s"#]*))\s*(?:#.*)?$/;
const MAX_SIZE = 1 << 20;

function unescape(value: string): string {
  return value.replace(/\|([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function escape(value: string): string {
  return value.replace(/[|"\x00-\x1f#]/g, (c) => '|' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export class VmxFile {
  private lines: Line[] = [];

  private constructor(readonly fileName: string) {}

  static empty(fileName: string): VmxFile {
    const f = new VmxFile(fileName);
    f.set('.encoding', 'UTF-8');
    return f;
  }

  static parse(text: string, fileName: string): VmxFile {
    if (text.length > MAX_SIZE) throw new VmxError(`${fileName}: ${text.length} bytes is too large for a .vmx (at most 1 MiB)`);
    if (text.includes('\0')) throw new VmxError(`${fileName}: this is not a .vmx text file (it holds NUL bytes)`);
    const f = new VmxFile(fileName);
    const seen = new Map<string, number>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) {
        f.lines.push({ kind: 'other', text: raw });
        return;
      }
      const m = ENTRY.exec(raw);
      if (!m) throw new VmxError(`${fileName}: line ${i + 1}: expected key = "value", found ${JSON.stringify(trimmed.slice(0, 60))}`);
      const key = m[1]!;
      const lower = key.toLowerCase();
      const value = unescape(m[2] ?? m[3] ?? '');
      const at = seen.get(lower);
      if (at !== undefined) {
        // VMware keeps the last of duplicate keys.
        f.lines[at] = { kind: 'entry', key, value };
        return;
      }
      seen.set(lower, f.lines.length);
      f.lines.push({ kind: 'entry', key, value });
    });
    while (f.lines.length > 0 && f.lines.at(-1)!.kind === 'other' && (f.lines.at(-1) as { text: string }).text === '') f.lines.pop();
    return f;
  }

  private find(key: string): { kind: 'entry'; key: string; value: string } | undefined {
    const lower = key.toLowerCase();
    return this.lines.find((l): l is Extract<Line, { kind: 'entry' }> => l.kind === 'entry' && l.key.toLowerCase() === lower);
  }

  get(key: string): string | undefined {
    return this.find(key)?.value;
  }

  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  set(key: string, value: string | number | boolean): void {
    if (!/^[A-Za-z0-9_.:\-]+$/.test(key)) throw new VmxError(`${this.fileName}: "${key}" is not a valid .vmx key`);
    const text = typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
    const entry = this.find(key);
    if (entry) entry.value = text;
    else this.lines.push({ kind: 'entry', key, value: text });
  }

  delete(key: string): void {
    const lower = key.toLowerCase();
    this.lines = this.lines.filter((l) => l.kind !== 'entry' || l.key.toLowerCase() !== lower);
  }

  /** All entries whose key starts with `prefix` (case-insensitive), e.g. "ide0:0.". */
  entries(prefix = ''): [string, string][] {
    const p = prefix.toLowerCase();
    return this.lines.flatMap((l) => (l.kind === 'entry' && l.key.toLowerCase().startsWith(p) ? [[l.key, l.value] as [string, string]] : []));
  }

  toString(): string {
    return this.lines.map((l) => (l.kind === 'entry' ? `${l.key} = "${escape(l.value)}"` : l.text)).join('\n') + '\n';
  }
}
