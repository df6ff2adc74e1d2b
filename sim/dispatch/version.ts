import { createRequire } from "node:module";

/** This voicesim's version (by the package's own name: the same from source and from dist/). */
export function voicesimVersion(): string {
  try {
    return (createRequire(import.meta.url)("voicesim/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}
