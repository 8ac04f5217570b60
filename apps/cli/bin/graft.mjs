#!/usr/bin/env node
// The installed `graft` command: runs the TypeScript entry point through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
