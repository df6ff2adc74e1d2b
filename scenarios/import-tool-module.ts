import { pathToFileURL } from "node:url";

/**
 * Imports a pack's tool module. TypeScript (.ts/.mts) loads as is under tsx, vitest and Node
 * versions that strip types; on plain Node 20 (the built package) it goes through tsx, which is a
 * dependency for this reason, loaded only then.
 */
export async function importToolModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (!/\.[mc]?ts$/.test(file) || (error as { code?: unknown } | null)?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const { tsImport } = await import("tsx/esm/api");
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}
