#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx voicesim` works straight after `npm ci`
// with no build step on Node 20, 22 and 24.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
