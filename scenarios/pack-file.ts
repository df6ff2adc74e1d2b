import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** A file a pack names, found inside the pack folder; or why it cannot be used. */
export type PackFileLookup = { ok: true; file: string; realFile: string } | { ok: false; message: string };

/**
 * Whether `path` lies in `folder` (both absolute). `path.relative`, not a prefix test: `/p/pack-evil`
 * starts with `/p/pack` yet is beside it, not inside it.
 */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Finds a file a pack names (an include, a tool module) and checks that it is inside the pack
 * folder once symlinks are followed. Packs are shared and downloaded, and `validate` imports their
 * tool modules, so nothing a pack names may reach past its own folder — by `../`, by an absolute
 * path, or by a symlink pointing out.
 */
export function locatePackFile(packDir: string, entry: string, what: "an include" | "a tool module"): PackFileLookup {
  const file = resolve(packDir, entry);
  if (!isInside(packDir, file)) return { ok: false, message: `${entry} is outside the pack folder; ${what} must be a file inside it` };
  let realFile: string;
  try {
    realFile = realpathSync(file);
  } catch (error) {
    return { ok: false, message: unreadable(entry, error) };
  }
  const realDir = realpathSync(packDir);
  if (!isInside(realDir, realFile)) {
    return { ok: false, message: `${entry} leads through a symlink to ${realFile}, outside the pack folder; copy the file into the pack instead` };
  }
  try {
    const stats = statSync(realFile);
    if (stats.isDirectory()) return { ok: false, message: `${entry} is a folder, not a file; ${what} names one file` };
    if (!stats.isFile()) return { ok: false, message: `${entry} is not a regular file; ${what} names one file` };
  } catch (error) {
    return { ok: false, message: unreadable(entry, error) };
  }
  return { ok: true, file, realFile };
}

/** The message for a file that cannot be read, by the reason the file system gave. */
export function unreadable(entry: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return `no file ${entry}`;
  if (code === "EISDIR") return `${entry} is a folder, not a file`;
  if (code === "EACCES" || code === "EPERM") return `${entry} cannot be read (permission denied)`;
  if (code === "ELOOP") return `${entry} is a symlink loop`;
  return `${entry} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
}
