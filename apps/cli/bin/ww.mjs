#!/usr/bin/env node
// `ww` — runs the CLI entry point under a Node that can run it (see scripts/launch.mjs).
import { fileURLToPath } from 'node:url';
import { main } from '../../../scripts/launch.mjs';

main([fileURLToPath(new URL('../src/main.ts', import.meta.url)), ...process.argv.slice(2)]);
