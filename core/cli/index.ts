// core/cli (L6): the `vmdesk` command. The bin scripts call `runCli` (from ./run-cli directly,
// so start-up does not load the embedded host exported here for Electron's main process).
export { main, commandHelp, EXIT_USAGE } from './main';
export { runCli } from './run-cli';
export type { Command, CommandEntry, CommandIo } from './command';
export { startEmbeddedHost, type EmbeddedHost } from './embedded-host';
