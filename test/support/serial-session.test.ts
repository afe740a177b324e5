// The serial-session helper the boot tests rely on to tell "the guest never read the command"
// from "it read it and hung": its echo wait, and what its failures say.
import { describe, expect, it } from 'vitest';
import { SerialSession, SerialTimeoutError, stripEcho } from './serial-session';

const session = (): { s: SerialSession; typed: string[] } => {
  const typed: string[] = [];
  return { s: new SerialSession((t) => typed.push(t), 'vmdesk# '), typed };
};

describe('SerialSession', () => {
  it('waits for the echo of a typed line through a terminal query and the CR/LF', async () => {
    const { s, typed } = session();
    s.push('vmdesk# \x1b[6n');
    s.send('poweroff -f');
    expect(typed).toEqual(['poweroff -f\n']);
    const echoed = s.waitForEcho('poweroff -f', 5000);
    s.push('powe');
    s.push('roff -f\r\n[   49.4] reboot: Power down\r\n');
    await echoed;
    // The cursor is past the echo: what follows is the kernel's output.
    await expect(s.waitFor('\n', 5000)).resolves.toBe('[   49.4] reboot: Power down');
  });

  it('finds an echo the line editor wrapped at the terminal width', async () => {
    const { s } = session();
    const long = `echo ${'x'.repeat(90)}`;
    s.push(`vmdesk# ${long.slice(0, 72)}\r\n${long.slice(72)}\r\n`);
    await s.waitForEcho(long, 5000);
    expect(stripEcho(`${long.slice(0, 72)}\n${long.slice(72)}\nout\n`, long)).toBe('out\n');
  });

  it('says "no echo" when the guest never echoes the line', async () => {
    const { s } = session();
    s.push('vmdesk# pow');
    const err = await s.waitForEcho('poweroff -f', 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerialTimeoutError);
    expect((err as Error).message).toMatch(/^serial: no echo of "poweroff -f" within 0 s; console so far:\nvmdesk# pow$/);
  });

  it('fails a pending echo wait at once when the console ends', async () => {
    const { s } = session();
    const waiting = s.waitForEcho('poweroff -f', 60_000).catch((e: unknown) => (e as Error).message);
    s.end('vmdesk run exited (SIGKILL; stderr: empty)');
    expect(await waiting).toMatch(/^serial: vmdesk run exited \(SIGKILL; stderr: empty\) while waiting for echo of "poweroff -f"/);
  });
});
