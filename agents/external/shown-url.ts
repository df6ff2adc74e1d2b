/**
 * An agent's address as it may appear in ids, manifests, conversations and messages: a password
 * in the address and the values of its query (where tokens tend to travel) are replaced by `***`.
 */
export function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password) parsed.password = "***";
  for (const key of [...new Set(parsed.searchParams.keys())]) parsed.searchParams.set(key, "***");
  return parsed.toString().replace(/%2A%2A%2A/g, "***");
}
