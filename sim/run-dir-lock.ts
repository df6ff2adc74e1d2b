import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { errnoCode, fileSystemError, onDisk, VoicesimError } from "../scenarios/index.ts";

/** The lock file of a run directory: who holds it. */
export const LOCK_FILE = ".lock";

const LockOwner = z.object({ pid: z.number().int().positive(), machine: z.string(), startedAt: z.string() });
type LockOwner = z.infer<typeof LockOwner>;

export interface RunDirLock {
  /** The previous holder when its lock was stale (a dead process on this machine) and taken over. */
  readonly tookOverFrom: LockOwner | undefined;
  release(): void;
}

/**
 * Takes the run directory's lock, or refuses: two writers of one run directory duplicate scores
 * and training rows. The lock file is complete the moment it appears (written beside, then
 * hard-linked into place, which fails if one exists), so a reader never sees a half-written owner.
 * A lock whose process is gone (same machine, pid not alive) is taken over and reported.
 */
export function acquireRunDirLock(dir: string): RunDirLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, machine: hostname(), startedAt: new Date().toISOString() };
  const draft = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  onDisk("write", draft, () => writeFileSync(draft, `${JSON.stringify(me)}\n`));
  let tookOverFrom: LockOwner | undefined;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, path);
        return lockHeld(path, tookOverFrom);
      } catch (error) {
        if (errnoCode(error) !== "EEXIST") throw fileSystemError(error, "lock", path);
      }
      const owner = readOwner(path);
      if (owner === "gone") continue; // released between our link and our read
      if (owner !== "unreadable" && (owner.machine !== me.machine || isAlive(owner.pid))) {
        const who = owner.machine === me.machine ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.machine}`;
        throw new VoicesimError("run_dir_locked", `${dir} is in use by ${who} (since ${owner.startedAt})`, {
          hint:
            owner.machine === me.machine
              ? `wait for it to finish or stop it (kill ${owner.pid}), then run again; or choose another --out`
              : `if nothing on ${owner.machine} uses it any more, delete ${path} and run again; or choose another --out`,
        });
      }
      // Stale (its process died) or unreadable (torn by a crash): move it aside, so that of two
      // processes taking over at once only one succeeds, then try again.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        unlinkSync(`${path}.stale-${process.pid}`);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw fileSystemError(error, "lock", path);
      }
      tookOverFrom = owner === "unreadable" ? { pid: 0, machine: me.machine, startedAt: "unknown" } : owner;
    }
    throw new VoicesimError("run_dir_locked", `${dir} is being locked and unlocked by other processes`, { hint: "run one voicesim per run directory" });
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // already gone: nothing to clean
    }
  }
}

function lockHeld(path: string, tookOverFrom: LockOwner | undefined): RunDirLock {
  let held = true;
  return {
    tookOverFrom,
    release() {
      if (!held) return;
      held = false;
      try {
        unlinkSync(path);
      } catch {
        // a directory removed under us holds no lock to release
      }
    },
  };
}

function readOwner(path: string): LockOwner | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return "gone";
    throw fileSystemError(error, "lock", path);
  }
  try {
    const parsed = LockOwner.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Signal 0 checks that a process exists; EPERM means it exists but belongs to another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}
