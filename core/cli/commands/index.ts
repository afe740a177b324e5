// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';
import { desktopCommand } from './desktop';
import { serveCommand } from './serve';

export const commands: readonly Command[] = [desktopCommand, serveCommand] as readonly Command[];
