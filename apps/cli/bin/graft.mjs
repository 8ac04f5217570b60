#!/usr/bin/env node
// The installed `graft` command: plain Node.js on the built CLI (dist/, made by the
// package's build). From a clone, `pnpm --filter cli start …` runs the sources instead.
import { main } from "../dist/main.js";

process.exitCode = await main(process.argv.slice(2));
