/**
 * Secrets (the API key, credentials in a base URL) kept out of everything voicesim writes:
 * error messages, manifests, conversations, the response cache, the terminal.
 */

const REDACTED = "[redacted]";

/** Query parameters whose values are credentials (api_key, access_token, sig, …). */
const SECRET_PARAM = /key|token|secret|pass|auth|sig|credential|session/i;

/** Shorter fragments would scrub ordinary words; a real key or password is longer. */
const MIN_SECRET_LENGTH = 6;

/**
 * The forms a secret shows up in: as is, URL-encoded, and without its vendor prefix (servers
 * echo "test-abc…" for "sk-test-abc…"), longest first so a whole key is replaced before a part.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret)]);
  // The key after each lowercase vendor segment: sk-…, sk-proj-…, sk-ant-api03-….
  const prefix = /^(?:[a-z][a-z0-9]{1,7}-){1,3}/.exec(secret)?.[0] ?? "";
  for (let i = 1; i <= prefix.length; i++) {
    if (prefix[i - 1] === "-") forms.add(secret.slice(i));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * The credentials a URL carries: its user and password (and the Basic header made of them), and
 * the values of secret-looking query parameters.
 */
export function secretsInUrl(url: string): string[] {
  const parsed = parseUrl(url);
  if (!parsed) return [];
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const found = [user, password, ...(user || password ? [Buffer.from(`${user}:${password}`).toString("base64")] : [])];
  for (const [name, value] of parsed.searchParams) if (SECRET_PARAM.test(name)) found.push(value);
  return found.filter((value) => value.length > 0);
}

/** The URL fit to print or store: credentials and secret query values replaced, the rest kept (host, path, api-version). */
export function redactUrl(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed) return scrubUrlCredentials(url);
  if (parsed.username || parsed.password) {
    parsed.username = "redacted";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "redacted");
  return parsed.toString();
}

/**
 * A function that removes every form of the given secrets from a text, plus anything shaped
 * like an OpenAI key (servers echo masked keys) and credentials inside any URL.
 */
export function secretScrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  return (text) => {
    let clean = text;
    for (const form of forms) clean = clean.split(form).join(REDACTED);
    return scrubUrlCredentials(clean.replace(/\bsk-[A-Za-z0-9_*.-]{6,}/g, REDACTED));
  };
}


function scrubUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(?::[^\s/@]*)?@/gi, `$1redacted@`);
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
