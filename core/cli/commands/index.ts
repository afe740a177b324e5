// Every `vmdesk` subcommand, in the order `vmdesk --help` lists them.
import type { Command } from '../command';

export const commands: readonly Command[] = [];
