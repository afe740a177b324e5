// `vmdesk user add NAME`: an account for logging in to a host served beyond loopback.
import path from 'node:path';
import { UsageError, vmdeskHome } from '../../common';
import { AccountStore } from '../../server';
import { defineCommand } from '../command';
import { promptHidden, readLine } from '../password-prompt';

export function accountStore(): AccountStore {
  return new AccountStore(path.join(vmdeskHome(), 'accounts.json'));
}

export const userAddCommand = defineCommand({
  name: ['user', 'add'],
  summary: 'add a login account (or set its password) for `vmdesk serve` beyond loopback',
  usage: 'NAME [--password-stdin]',
  options: {
    'password-stdin': { kind: 'boolean', description: 'read the password from the first line of stdin instead of asking' },
  },
  details: 'The password is stored as an scrypt hash in accounts.json in the vmdesk home.',
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('user add: give one account NAME');
    const name = positionals[0]!;
    let password: string | null;
    if (options['password-stdin']) password = await readLine(io);
    else {
      password = await promptHidden(io, `Password for ${name}: `);
      if (password === null) throw new UsageError('user add: stdin is not a terminal; pass --password-stdin and pipe the password');
      const again = await promptHidden(io, 'Again: ');
      if (again !== password) throw new UsageError('user add: the passwords differ');
    }
    if (!password) throw new UsageError('user add: no password given');
    const what = await accountStore().set(name, password);
    io.stdout.write(`user ${name}: ${what === 'added' ? 'added' : 'password changed'}\n`);
    return 0;
  },
});
