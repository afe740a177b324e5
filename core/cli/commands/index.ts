// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';
import { desktopCommand } from './desktop';
import { runCommand } from './run';
import { serveCommand } from './serve';
import { userAddCommand } from './user-add';
import { vmConsoleCommand } from './vm-console';
import { vmCreateCommand, vmRegisterCommand } from './vm-create';
import { vmReconfigureCommand, vmRenameCommand } from './vm-edit';
import { vmListCommand } from './vm-list';
import { vmPowerCommands } from './vm-power';

export const commands: readonly Command[] = [
  runCommand,
  desktopCommand,
  serveCommand,
  userAddCommand,
  vmListCommand,
  vmCreateCommand,
  vmRegisterCommand,
  vmReconfigureCommand,
  vmRenameCommand,
  ...vmPowerCommands,
  vmConsoleCommand,
] as readonly Command[];
