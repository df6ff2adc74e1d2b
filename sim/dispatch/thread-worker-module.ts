import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const COMPILED = new URL("./thread-worker.js", import.meta.url);
const SOURCE = new URL("./thread-worker.ts", import.meta.url);
const CHECKOUT = fileURLToPath(new URL("../../", import.meta.url));

/** What the cache remembers of a bundle: the files it was built from, as they were then. */
interface BundleRecord {
  bundle: string;
  inputs: Record<string, { mtimeMs: number; size: number }>;
}

let resolved: Promise<URL> | undefined;

/**
 * The module a worker thread runs. The built package has it compiled beside this file. From a
 * checkout, registering tsx in every thread cost each one seconds of CPU (its own loader thread
 * transforming and resolving the whole engine again), so the TypeScript is bundled once by
 * esbuild into node_modules/.cache/voicesim/, packages left as imports that resolve from there,
 * and the bundle is reused while no file it was built from changed.
 */
export function threadWorkerModule(): Promise<URL> {
  resolved ??= existsSync(COMPILED) ? Promise.resolve(COMPILED) : bundled();
  return resolved;
}

async function bundled(): Promise<URL> {
  const cacheDir = join(CHECKOUT, "node_modules", ".cache", "voicesim");
  const recordFile = join(cacheDir, `thread-worker-${createHash("sha256").update(CHECKOUT).digest("hex").slice(0, 12)}.json`);
  const known = readRecord(recordFile);
  if (known && isCurrent(known)) return pathToFileURL(join(cacheDir, known.bundle));
  // Loaded here, not at the top: only a checkout that starts threads needs esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [fileURLToPath(SOURCE)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    metafile: true,
    absWorkingDir: CHECKOUT,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error("esbuild gave no bundle for the worker thread");
  // Named by content: checkouts sharing one node_modules never overwrite each other's bundle.
  const bundle = `thread-worker-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;
  const inputs: BundleRecord["inputs"] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = join(CHECKOUT, input);
    const stat = statSync(file);
    inputs[file] = { mtimeMs: stat.mtimeMs, size: stat.size };
  }
  mkdirSync(cacheDir, { recursive: true });
  writeAtomically(join(cacheDir, bundle), code);
  writeAtomically(recordFile, JSON.stringify({ bundle, inputs } satisfies BundleRecord));
  return pathToFileURL(join(cacheDir, bundle));
}

function readRecord(file: string): BundleRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as BundleRecord;
  } catch {
    return undefined;
  }
}

function isCurrent(record: BundleRecord): boolean {
  if (!existsSync(join(CHECKOUT, "node_modules", ".cache", "voicesim", record.bundle))) return false;
  return Object.entries(record.inputs).every(([file, was]) => {
    try {
      const now = statSync(file);
      return now.mtimeMs === was.mtimeMs && now.size === was.size;
    } catch {
      return false;
    }
  });
}

// Two runs starting at once each write whole files under a private name, then rename.
function writeAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
