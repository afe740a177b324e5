// Serial console bytes as plain text for the built-in terminal view and the Summary's
// preview: UTF-8 decoded, ANSI escape sequences dropped, CR LF / backspace applied.
// (@xterm/xterm replaces this for the console window once it is installed.)

const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHMZ]|\x1b\][^\x07]*(\x07|\x1b\\)/g;

export function consoleText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(ESCAPES, '');
  const lines: string[] = [];
  let line = '';
  let col = 0;
  for (const ch of text) {
    if (ch === '\n') {
      lines.push(line);
      line = '';
      col = 0;
    } else if (ch === '\r') col = 0;
    else if (ch === '\b') col = Math.max(0, col - 1);
    else if (ch === '\t') {
      const to = (Math.floor(col / 8) + 1) * 8;
      line = line.padEnd(to, ' ');
      col = to;
    } else if (ch >= ' ' || ch > '\x7f') {
      line = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

export function lastLines(bytes: Uint8Array, n: number): string {
  return consoleText(bytes).split('\n').slice(-n).join('\n');
}

/** What a key press sends to a serial console (VT100 keys, Ctrl+letter). */
export function keyBytes(e: { key: string; ctrlKey: boolean; altKey: boolean; metaKey: boolean }): string | null {
  if (e.metaKey) return null;
  if (e.ctrlKey && e.key.length === 1) {
    const c = e.key.toUpperCase().charCodeAt(0);
    if (c >= 64 && c <= 95) return String.fromCharCode(c - 64);
    return null;
  }
  const special: Record<string, string> = {
    Enter: '\r', Backspace: '\x7f', Tab: '\t', Escape: '\x1b', ArrowUp: '\x1b[A', ArrowDown: '\x1b[B', ArrowRight: '\x1b[C', ArrowLeft: '\x1b[D',
    Home: '\x1b[H', End: '\x1b[F', Delete: '\x1b[3~', PageUp: '\x1b[5~', PageDown: '\x1b[6~',
  };
  if (special[e.key]) return special[e.key]!;
  if (e.key.length === 1) return (e.altKey ? '\x1b' : '') + e.key;
  return null;
}
