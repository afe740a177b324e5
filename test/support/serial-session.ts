// Drives a guest shell over a serial console as a person at the terminal would: wait for a
// prompt, type a command, collect what it printed up to the next prompt. Every wait has a
// timeout that fails with the console output seen so far, so a stuck boot says where it
// stopped. Also starts `vmdesk run` as a child process with COM1 on stdio.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export class SerialTimeoutError extends Error {}

/** The last `n` characters of a console log, for error messages. */
export function tail(text: string, n = 4096): string {
  return text.length <= n ? text : `…${text.slice(-n)}`;
}

/**
 * Where the shell's echo of `command` ends in `text`: the index just past the newline that
 * ends the echoed line, or -1 when the echo is not (yet) all there. The echo may carry
 * terminal queries (busybox asks for the cursor position, ESC [6n) and line breaks where the
 * line editor wrapped a long line at the terminal width.
 */
export function echoEnd(text: string, command: string): number {
  let i = 0;
  let j = 0;
  while (i < text.length && j < command.length) {
    if (text[i] === command[j]) {
      i++;
      j++;
    } else if (text[i] === '\x1b') {
      const m = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i));
      i += m ? m[0].length : 1;
    } else if (text[i] === '\n' || text[i] === ' ') i++;
    else return -1;
  }
  if (j < command.length) return -1;
  const nl = text.indexOf('\n', i);
  return nl < 0 ? -1 : nl + 1;
}

/** The text after the shell's echo of `command` (after the first line if the echo is not recognisable). */
export function stripEcho(text: string, command: string): string {
  const end = echoEnd(text, command);
  if (end >= 0) return text.slice(end);
  const nl = text.indexOf('\n');
  return nl < 0 ? '' : text.slice(nl + 1);
}

export class SerialSession {
  /** Everything the guest printed, with carriage returns removed. */
  private log = '';
  /** Where the next wait starts looking (what came before was consumed). */
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private ended: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    readonly prompt: string,
  ) {}

  /** Feed bytes the guest sent. */
  push(chunk: Buffer | Uint8Array | string): void {
    this.log += (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1')).replace(/\r/g, '');
    for (const wake of [...this.waiters]) wake();
  }

  /** The console has gone away (the process exited): pending waits fail at once. */
  end(why: string): void {
    this.ended = why;
    for (const wake of [...this.waiters]) wake();
  }

  output(): string {
    return this.log;
  }

  /** Wait until `pattern` appears after the cursor; returns the text before it and moves past it. */
  waitFor(pattern: string | RegExp, timeoutMs: number, what = String(pattern)): Promise<string> {
    return this.waitUntil(
      (rest) => {
        if (typeof pattern === 'string') {
          const at = rest.indexOf(pattern);
          return at < 0 ? undefined : { at, len: pattern.length };
        }
        const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(rest);
        return m ? { at: m.index, len: m[0].length } : undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** Wait until the shell has echoed `command` (typed with `send`) and moved past its line. */
  async waitForEcho(command: string, timeoutMs: number): Promise<void> {
    await this.waitUntil(
      (rest) => {
        // The echo starts where the command's first character first appears after the cursor.
        for (let at = rest.indexOf(command[0]!); at >= 0; at = rest.indexOf(command[0]!, at + 1)) {
          const end = echoEnd(rest.slice(at), command);
          if (end >= 0) return { at, len: end };
        }
        return undefined;
      },
      timeoutMs,
      `echo of ${JSON.stringify(command)}`,
    );
  }

  private waitUntil(find: (rest: string) => { at: number; len: number } | undefined, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const rest = this.log.slice(this.cursor);
        const found = find(rest);
        if (!found) return false;
        this.cursor += found.at + found.len;
        done();
        resolve(rest.slice(0, found.at));
        return true;
      };
      const wake = (): void => {
        if (check()) return;
        if (this.ended !== undefined) {
          done();
          reject(new SerialTimeoutError(`serial: ${this.ended} while waiting for ${what}; console so far:\n${tail(this.log)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new SerialTimeoutError(`serial: no ${what} within ${Math.round(timeoutMs / 1000)} s; console so far:\n${tail(this.log)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      wake();
    });
  }

  /** Wait for the shell prompt (e.g. after boot). */
  waitForPrompt(timeoutMs: number): Promise<string> {
    return this.waitFor(this.prompt, timeoutMs, `shell prompt ${JSON.stringify(this.prompt)}`);
  }

  /**
   * Type `command` and return its output: the text between the echoed command line and the
   * next prompt. Call after a prompt was seen.
   */
  async run(command: string, timeoutMs = 120_000): Promise<string> {
    if (command.includes('\n')) throw new Error('serial: one command line at a time');
    this.write(command + '\n');
    const text = await this.waitFor(this.prompt, timeoutMs, `prompt after ${JSON.stringify(command)}`);
    return stripEcho(text, command);
  }

  /** Type a line without waiting for a prompt (e.g. `poweroff -f`). */
  send(line: string): void {
    this.write(line + '\n');
  }
}

export interface VmdeskRunProcess {
  readonly child: ChildProcess;
  readonly session: SerialSession;
  /** Resolves with the exit code (or the signal name) when the process has ended and its output is all read. */
  readonly exited: Promise<number | string>;
  /** Whether the process is still there. */
  readonly running: boolean;
  stderr(): string;
  kill(): void;
  /**
   * SIGTERM (vmdesk run then prints where the vCPU was, and stops the VM), SIGKILL if it has
   * not ended `graceMs` later; resolves with how it ended.
   */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Start `vmdesk run ARGS --serial stdio` and attach a session to COM1. With `logFile` the
 * console is also appended there as it arrives (to watch a long boot: tail -f).
 */
export function startVmdeskRun(args: readonly string[], prompt: string, logFile?: string): VmdeskRunProcess {
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'run', ...args, '--serial', 'stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const session = new SerialSession((text) => child.stdin!.write(text), prompt);
  let err = '';
  const log = logFile ? fs.openSync(logFile, 'w') : undefined;
  child.stdout!.on('data', (d: Buffer) => {
    session.push(d);
    if (log !== undefined) fs.writeSync(log, d);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d));
  child.stdin!.on('error', () => {});
  let running = true;
  // 'close', not 'exit': only then has all the guest printed last been read (a wait for an echo
  // must not fail because the exit was seen before the final output).
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      running = false;
      if (log !== undefined) fs.closeSync(log);
      session.end(`vmdesk run exited (${code ?? signal}; stderr: ${err.trim() || 'empty'})`);
      resolve(code ?? signal ?? -1);
    });
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return {
    child,
    session,
    exited,
    get running() {
      return running;
    },
    stderr: () => err,
    kill,
    stop: async (graceMs = 15_000) => {
      if (!running) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(kill, graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}
