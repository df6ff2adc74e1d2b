import type { IncomingHttpHeaders } from "node:http";
import { networkInterfaces } from "node:os";
import { VoicesimError } from "../scenarios/index.ts";

/**
 * Who may talk to the viewer. A run holds raw call transcripts (phones, birth dates), so two
 * browser attacks matter: a page on another origin opening the websocket (browsers apply no
 * same-origin rule to websockets, they only send `Origin`), and DNS rebinding (a page whose own
 * name now resolves to 127.0.0.1 is same-origin with itself, but its requests carry `Host: its-name`).
 * Both are answered by accepting only this viewer's own addresses.
 */
export interface OriginGuard {
  /** undefined when the request may go on; otherwise why it is refused. */
  refusal(headers: IncomingHttpHeaders): string | undefined;
  /** The addresses accepted, for messages. */
  readonly addresses: readonly string[];
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** Whether a listen address keeps the viewer on this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(bare);
}

/** An `--allow-origin` value as the browser sends it (`http://localhost:3000`), or a bad_option error. */
export function parseAllowedOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const isOriginOnly = url !== undefined && (url.protocol === "http:" || url.protocol === "https:") && (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username;
  if (!url || !isOriginOnly || text.replace(/\/$/, "") !== url.origin) {
    throw new VoicesimError("bad_option", `--allow-origin ${JSON.stringify(text)} is not an origin`, { hint: "give scheme, host and port as the browser shows them, e.g. --allow-origin http://localhost:3000" });
  }
  return url.origin;
}

/** `host:port` with the scheme's default port made explicit, so `localhost` and `localhost:80` compare equal. */
function hostKey(host: string, port: string, protocol: string): string {
  return `${host.toLowerCase()}:${port || (protocol === "https:" ? "443" : "80")}`;
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** This machine's own addresses: what a browser may use to reach a viewer bound to 0.0.0.0 or ::. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => bracketed(entry.address.replace(/%.*$/, ""))));
}

/**
 * The guard for a viewer listening on `host:port`: a request's `Host` must name the viewer (a
 * loopback name, the bound address, or for a wildcard bind one of this machine's addresses); an
 * `Origin`, when a browser sends one, must be the viewer's own or one of `allowOrigins`.
 * A request with no `Origin` comes from no web page (curl, a script, a same-origin navigation).
 */
export function createOriginGuard(options: { host: string; port: number; allowOrigins?: readonly string[] }): OriginGuard {
  const port = String(options.port);
  const names = new Set([...LOOPBACK_NAMES, bracketed(options.host.toLowerCase())]);
  if (WILDCARD_HOSTS.has(options.host)) for (const address of interfaceAddresses()) names.add(address.toLowerCase());
  const ownHosts = new Set([...names].filter((name) => !WILDCARD_HOSTS.has(name)).map((name) => `${name}:${port}`));
  const allowedOrigins = new Set((options.allowOrigins ?? []).map(parseAllowedOrigin));

  const refusal = (headers: IncomingHttpHeaders): string | undefined => {
    const hostHeader = headers.host;
    if (!hostHeader) return "no Host header";
    let host: URL;
    try {
      host = new URL(`http://${hostHeader}`);
    } catch {
      return `Host ${quote(hostHeader)} is not an address`;
    }
    if (!ownHosts.has(hostKey(host.hostname, host.port, "http:"))) return `Host ${quote(hostHeader)} is not this viewer's address (a DNS-rebinding page sends its own name)`;
    const origin = headers.origin;
    if (origin === undefined) return undefined;
    if (allowedOrigins.has(origin)) return undefined;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `Origin ${quote(origin)} is not this viewer's`;
    }
    if (url.protocol === "http:" && url.origin === origin && ownHosts.has(hostKey(url.hostname, url.port, url.protocol))) return undefined;
    return `Origin ${quote(origin)} is not this viewer's; start it with --allow-origin ${url.origin === "null" ? "<origin>" : url.origin} if that page may read these calls`;
  };
  return { refusal, addresses: [...ownHosts].sort() };
}

/** A header value as it may be logged: quoted, control characters escaped, at most 200 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
