// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';
import { desktopCommand } from './desktop';
import { runCommand } from './run';
import { serveCommand } from './serve';

export const commands: readonly Command[] = [runCommand, desktopCommand, serveCommand] as readonly Command[];
