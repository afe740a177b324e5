// Reading a password: from a terminal without echo, or the first line of piped stdin
// (`--password-stdin`, for scripts and tests).
import type { CommandIo } from './command';

export function readLine(io: CommandIo): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const stdin = io.stdin;
    const onData = (d: Buffer | string): void => {
      text += d.toString();
      const nl = text.search(/\r?\n/);
      if (nl >= 0) finish(text.slice(0, nl));
    };
    const onEnd = (): void => finish(text.length > 0 ? text : null);
    const finish = (value: string | null): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause?.();
      resolve(value);
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume?.();
  });
}

/** Prompts on a terminal with echo off; null when stdin is not a terminal. */
export async function promptHidden(io: CommandIo, prompt: string): Promise<string | null> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return null;
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003') return done(null);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const done = (value: string | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
      resolve(value);
    };
    stdin.on('data', onData);
  });
}
