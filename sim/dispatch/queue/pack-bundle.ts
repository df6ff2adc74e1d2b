import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { Redis } from "ioredis";
import { VoicesimError } from "../../../scenarios/index.ts";
import { KEY_PREFIX } from "./queue-job.ts";

// A pack travels whole (YAML, fixtures, TypeScript tool modules and whatever they import), so a
// worker needs no checkout of it; 20 MB is far above any pack and far below a Redis value's limit.
const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;
const WEEK_SECONDS = 7 * 24 * 3600;

const packKey = (packHash: string) => `${KEY_PREFIX}:pack:${packHash}`;

/** Every file of a pack folder, by path relative to it (dot folders and node_modules left out). */
export function readPackFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const path = join(folder, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) {
        total += stat.size;
        if (total > MAX_BUNDLE_BYTES) {
          throw new VoicesimError("pack_invalid", `${dir} holds more than 20 MB of files; a queued run sends the pack folder to every worker`, {
            hint: "move large files out of the pack folder",
          });
        }
        files.set(relative(dir, path), readFileSync(path));
      }
    }
  };
  walk(dir);
  return files;
}

/** Puts the pack's files in Redis under its hash (once; kept a week after the last upload). */
export async function uploadPack(redis: Redis, dir: string, packHash: string): Promise<void> {
  const key = packKey(packHash);
  if ((await redis.exists(key)) === 0) {
    const files = readPackFiles(dir);
    await redis.hset(key, Object.fromEntries(files));
  }
  await redis.expire(key, WEEK_SECONDS);
}

/**
 * Writes a pack's files from Redis into a local folder named by its hash and returns the folder.
 * The folder appears whole or not at all (written beside, then renamed), so two worker
 * processes on one machine can do this at once.
 */
export async function materialisePack(redis: Redis, packHash: string, root = join(tmpdir(), "voicesim-packs")): Promise<string> {
  const dir = join(root, packHash);
  if (existsSync(join(dir, "pack.yaml"))) return dir;
  const files = await redis.hgetallBuffer(packKey(packHash));
  if (Object.keys(files).length === 0) {
    throw new VoicesimError("pack_not_found", `the pack ${packHash.slice(0, 12)} is not in Redis (expired, or the queue was cleaned)`, {
      hint: "run the coordinator again: it uploads the pack before it queues calls",
    });
  }
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  for (const [path, content] of Object.entries(files)) {
    const target = join(staging, path);
    if (relative(staging, target).startsWith("..")) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  try {
    renameSync(staging, dir);
  } catch {
    // Another worker got there first: its copy is the same files.
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}
