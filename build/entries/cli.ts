// Entry of the bundled `vmdesk` command (dist-electron/vmdesk.cjs): the packaged app's CLI.
import { runCli } from '../../core/cli/run-cli';

void runCli(process.argv.slice(2));
