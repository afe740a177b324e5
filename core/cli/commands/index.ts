// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';
import { desktopCommand } from './desktop';
import { diskCheck } from './disk-check';
import { diskConvert } from './disk-convert';
import { diskCreate } from './disk-create';
import { diskGrow } from './disk-grow';
import { diskInfoCommand } from './disk-info';
import { diskConsolidate, diskRevert, diskSnapshot } from './disk-snapshot';
import { runCommand } from './run';
import { serveCommand } from './serve';

export const commands: readonly Command[] = [
  runCommand,
  desktopCommand,
  serveCommand,
  diskCreate,
  diskInfoCommand,
  diskCheck,
  diskConvert,
  diskGrow,
  diskSnapshot,
  diskConsolidate,
  diskRevert,
] as unknown as readonly Command[];
