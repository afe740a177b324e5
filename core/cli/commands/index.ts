// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';
import { convertCommand } from './convert';
import { converterAgentCommand } from './converter-agent';
import { desktopCommand } from './desktop';
import { diskCheck } from './disk-check';
import { diskConvert } from './disk-convert';
import { diskCreate } from './disk-create';
import { diskGrow } from './disk-grow';
import { diskInfoCommand } from './disk-info';
import { diskConsolidate, diskRevert, diskSnapshot } from './disk-snapshot';
import { exportCommand } from './export';
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
  diskCreate,
  diskInfoCommand,
  diskCheck,
  diskConvert,
  diskGrow,
  diskSnapshot,
  diskConsolidate,
  diskRevert,
  convertCommand,
  exportCommand,
  converterAgentCommand,
] as unknown as readonly Command[];
