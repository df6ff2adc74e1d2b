// A worker thread's entry. From a checkout the worker is TypeScript, loaded through tsx like the
// CLI (bin/voicesim.mjs): on Node 20 a thread does not inherit the loader hooks its parent
// registered. The built package runs the compiled JavaScript beside this file.
import { existsSync } from "node:fs";

const source = new URL("./thread-worker.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("./thread-worker.js");
}
