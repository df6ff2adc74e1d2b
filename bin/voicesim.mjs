#!/usr/bin/env node
// From a checkout the CLI is TypeScript run through tsx, so `npx voicesim` works straight after
// `npm ci` with no build step on Node 20, 22 and 24. The published package holds no sources and
// runs the built dist/ instead.
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("../dist/cli/main.js");
}
