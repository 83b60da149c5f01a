#!/usr/bin/env node
// Entry point of the `siyu` CLI: registers the TypeScript loader, then runs the command line.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
