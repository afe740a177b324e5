#!/usr/bin/env node
// Entry of the `vmdesk` command in a checkout: registers tsx so the TypeScript sources run
// as they are (STACK.md pitfall 1), then hands over to core/cli.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../core/cli/run-cli.ts');
await runCli(process.argv.slice(2));
