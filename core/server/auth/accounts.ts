// The accounts that may log in to a host served beyond loopback: a JSON file in the
// vmdesk home (mode 0600) holding names and scrypt hashes, never a password.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, VmdeskError, errorMessage } from '../../common';
import { hashPassword, verifyPassword } from './password';

interface AccountsFile {
  readonly version: 1;
  readonly accounts: { readonly name: string; readonly hash: string; readonly created: number }[];
}

const NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;
export const MIN_PASSWORD = 8;

export class AccountStore {
  constructor(readonly file: string) {}

  private read(): AccountsFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, accounts: [] };
      throw new VmdeskError('unavailable', `auth: cannot read ${this.file}: ${errorMessage(err)}`);
    }
    try {
      const data = JSON.parse(text) as AccountsFile;
      if (data.version !== 1 || !Array.isArray(data.accounts)) throw new Error('unknown layout');
      return data;
    } catch (err) {
      throw new VmdeskError('unavailable', `auth: ${this.file} is not a vmdesk accounts file (${errorMessage(err)}); move it aside and add an account again`);
    }
  }

  names(): string[] {
    return this.read().accounts.map((a) => a.name);
  }

  hasAccounts(): boolean {
    return this.read().accounts.length > 0;
  }

  /** Adds an account, or sets a new password for an existing one. */
  async set(name: string, password: string): Promise<'added' | 'changed'> {
    if (!NAME.test(name)) throw new UsageError(`user: "${name}" is not a valid account name (lower-case letters, digits, _ . -, at most 32)`);
    if (password.length < MIN_PASSWORD) throw new UsageError(`user: the password must have at least ${MIN_PASSWORD} characters`);
    const data = this.read();
    const hash = await hashPassword(password);
    const existing = data.accounts.some((a) => a.name === name);
    const accounts = [...data.accounts.filter((a) => a.name !== name), { name, hash, created: Date.now() }];
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, accounts } satisfies AccountsFile, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    return existing ? 'changed' : 'added';
  }

  remove(name: string): boolean {
    const data = this.read();
    const accounts = data.accounts.filter((a) => a.name !== name);
    if (accounts.length === data.accounts.length) return false;
    fs.writeFileSync(this.file, JSON.stringify({ version: 1, accounts } satisfies AccountsFile, null, 2) + '\n', { mode: 0o600 });
    return true;
  }

  async verify(name: string, password: string): Promise<boolean> {
    const account = this.read().accounts.find((a) => a.name === name);
    // Hash anyway so a wrong name takes as long as a wrong password.
    const ok = await verifyPassword(password, account?.hash ?? 'scrypt$16384$8$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    return Boolean(account) && ok;
  }
}
