// Debian's VNC clients, driven from tests: gvnccapture (gtk-vnc; RFB 3.8, asks ZRLE first,
// reads a password from a terminal) and vncsnapshot (TightVNC 1.2 / RealVNC 3.3.7; reads a
// vncpasswd file). Both connect to "host:display", i.e. TCP port 5900 + display.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { desEncryptBlock } from '../../../core/server/rfb';

export interface ToolResult {
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: string[], options: { answer?: { prompt: string; text: string }; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answering: NodeJS.Timeout | undefined;
    const onData = (b: Buffer): void => {
      output += b.toString();
      if (options.answer && !answering && output.includes(options.answer.prompt)) {
        // The prompt turns echo off with TCSAFLUSH, dropping input typed too early: keep
        // typing the answer until the tool goes on (extra lines are never read).
        const text = options.answer.text + '\n';
        child.stdin.write(text);
        answering = setInterval(() => child.stdin.writable && child.stdin.write(text), 300);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timeoutMs = options.timeoutMs ?? 30_000;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdin.on('error', () => undefined);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(answering);
      resolve({ code, output: killed ? `${output}${command}: killed after ${timeoutMs / 1000} s without finishing\n` : output });
    });
  });
}

/** gvnccapture to a PNG; with a password it runs under script(1) for the terminal it wants. */
export function gvnccapture(port: number, file: string, password?: string): Promise<ToolResult> {
  const target = `127.0.0.1:${port - 5900}`;
  if (password === undefined) return run('gvnccapture', [target, file]);
  return run('script', ['-qec', `gvnccapture ${process.env.GVNC_DEBUG ? "--debug " : ""}${target} ${file}`, '/dev/null'], { answer: { prompt: 'Password:', text: password } });
}

/** vncpasswd's file: the password DES-encrypted with VNC's fixed key (bit-reversed like every VNC key). */
export function writeVncPasswdFile(file: string, password: string): void {
  const fixed = [23, 82, 107, 6, 35, 78, 88, 7];
  const reverse = (b: number): number => Number.parseInt(b.toString(2).padStart(8, '0').split('').reverse().join(''), 2);
  const plain = new Uint8Array(8);
  for (let i = 0; i < Math.min(8, password.length); i++) plain[i] = password.charCodeAt(i);
  fs.writeFileSync(file, desEncryptBlock(Uint8Array.from(fixed.map(reverse)), plain));
}

export function vncsnapshot(port: number, file: string, args: string[] = []): Promise<ToolResult> {
  return run('vncsnapshot', ['-quiet', ...args, `127.0.0.1:${port - 5900}`, file]);
}

/** Width and height from a JPEG's SOF0/SOF2 segment. */
export function jpegSize(file: Buffer): { width: number; height: number } {
  let o = 2;
  while (o < file.length) {
    const marker = file.readUInt16BE(o);
    const length = file.readUInt16BE(o + 2);
    if (marker === 0xffc0 || marker === 0xffc2) return { height: file.readUInt16BE(o + 5), width: file.readUInt16BE(o + 7) };
    o += 2 + length;
  }
  throw new Error('jpeg: no frame header');
}
