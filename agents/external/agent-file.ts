import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { VoicesimError } from "../../scenarios/index.ts";
import { flatIssues } from "./protocol.ts";

const Headers = z.record(z.string(), z.string());

/** A team's own prompt and model, talking to any OpenAI-compatible endpoint. */
const ModelAgentDefinition = z.strictObject({
  model: z.string().min(1),
  baseUrl: z.string().url().optional(),
  /** Name of the environment variable holding the key (default OPENAI_API_KEY); never the key itself. */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** The team's system prompt, a file path relative to the agent file; default the pack's policy prompt. */
  systemPrompt: z.string().min(1).optional(),
  /** Which of the pack's tools the agent gets; default all of them. */
  tools: z.array(z.string().min(1)).optional(),
  /** Request headers; values may reference environment variables as ${NAME}. */
  headers: Headers.optional(),
});

/** An agent that runs elsewhere, behind a WebSocket or HTTP endpoint. */
const EndpointAgentDefinition = z.strictObject({
  url: z.string().regex(/^(wss?|https?):\/\//, "a ws://, wss://, http:// or https:// address"),
  tools: z.array(z.string().min(1)).optional(),
  headers: Headers.optional(),
  turnTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Picks the schema by a key the author wrote, so an error names the fields of the kind meant
 * (`temperature: expected number`) instead of every branch of a union (`url: required`).
 */
function chosenBy<A extends z.ZodType, B extends z.ZodType>(key: string, whenPresent: A, otherwise: B) {
  return z.unknown().transform((value, ctx): z.output<A> | z.output<B> => {
    const schema = value && typeof value === "object" && key in value ? whenPresent : otherwise;
    const result = schema.safeParse(value);
    if (result.success) return result.data as z.output<A> | z.output<B>;
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    return z.NEVER;
  });
}

export const AgentDefinition = chosenBy("url", EndpointAgentDefinition, ModelAgentDefinition);
export type AgentDefinition = z.output<typeof AgentDefinition>;

/** One agent at the top level, or several under `agents:` by name. */
export const AgentFile = chosenBy("agents", z.strictObject({ agents: z.record(z.string().regex(/^[\w.-]+$/), AgentDefinition) }), AgentDefinition);

/** An agent definition read from its file, with paths resolved and ${ENV} references filled. */
export type LoadedAgentDefinition =
  | { kind: "model"; name: string; file: string; model: string; baseUrl?: string; apiKey?: string; temperature?: number; systemPrompt?: string; tools?: string[]; headers?: Record<string, string> }
  | { kind: "endpoint"; name: string; file: string; url: string; tools?: string[]; headers?: Record<string, string>; turnTimeoutMs?: number };

/**
 * Reads `file.yaml` or `file.yaml#name`. Every mistake is a VoicesimError naming the file and
 * the field (`agents.candidate.temperature: …`); header values and keys never appear in a message.
 */
export function loadAgentDefinition(spec: string, env: NodeJS.ProcessEnv = process.env): LoadedAgentDefinition {
  const hash = spec.lastIndexOf("#");
  const file = hash >= 0 ? spec.slice(0, hash) : spec;
  const wanted = hash >= 0 ? spec.slice(hash + 1) : undefined;
  if (!existsSync(file)) throw new VoicesimError("file_not_found", `agent file ${file} does not exist`, { hint: "pass --agent path/to/agent.yaml[#name], ws://…, http://… or scripted" });
  let value: unknown;
  try {
    value = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new VoicesimError("bad_option", `${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = AgentFile.safeParse(value);
  if (!parsed.success) {
    const deepest = [...flatIssues(parsed.error.issues)].sort((a, b) => b.path.length - a.path.length).slice(0, 3);
    throw new VoicesimError("bad_option", `${file}: ${deepest.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ")}`, {
      hint: "an agent has either model (+ baseUrl, temperature, systemPrompt, tools, headers) or url (ws:// or http://); several go under agents: by name",
    });
  }
  const named = "agents" in parsed.data ? parsed.data.agents : { default: parsed.data };
  const names = Object.keys(named).sort();
  const name = wanted ?? (names.length === 1 ? names[0] : undefined);
  const definition = name !== undefined ? named[name] : undefined;
  if (name === undefined || !definition) {
    throw new VoicesimError("bad_option", wanted ? `${file} defines no agent "${wanted}"` : `${file} defines ${names.length} agents; say which`, {
      hint: `use ${names.map((n) => `${file}#${n}`).join(" or ")}`,
    });
  }
  const field = "agents" in parsed.data ? `agents.${name}` : "";
  const headers = definition.headers ? fillEnv(definition.headers, env, file, field) : undefined;
  if ("url" in definition) {
    return { kind: "endpoint", name, file, url: definition.url, ...(definition.tools ? { tools: definition.tools } : {}), ...(headers ? { headers } : {}), ...(definition.turnTimeoutMs ? { turnTimeoutMs: definition.turnTimeoutMs } : {}) };
  }
  let systemPrompt: string | undefined;
  if (definition.systemPrompt) {
    const path = resolve(dirname(file), definition.systemPrompt);
    if (!existsSync(path)) throw new VoicesimError("file_not_found", `${file}: ${field ? `${field}.` : ""}systemPrompt: ${definition.systemPrompt} does not exist (paths are relative to the agent file)`);
    systemPrompt = readFileSync(path, "utf8");
  }
  const apiKey = definition.apiKeyEnv ? env[definition.apiKeyEnv] : undefined;
  if (definition.apiKeyEnv && !apiKey) throw new VoicesimError("model_config", `${file}: ${field ? `${field}.` : ""}apiKeyEnv: ${definition.apiKeyEnv} is not set`);
  return {
    kind: "model",
    name,
    file,
    model: definition.model,
    ...(definition.baseUrl ? { baseUrl: definition.baseUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(definition.temperature !== undefined ? { temperature: definition.temperature } : {}),
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    ...(definition.tools ? { tools: definition.tools } : {}),
    ...(headers ? { headers } : {}),
  };
}

/** `${NAME}` in header values from the environment; a missing variable is named, its value never shown. */
function fillEnv(headers: Record<string, string>, env: NodeJS.ProcessEnv, file: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    out[key] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const filled = env[name];
      if (filled === undefined) throw new VoicesimError("bad_option", `${file}: ${field ? `${field}.` : ""}headers.${key}: environment variable ${name} is not set`);
      return filled;
    });
  }
  return out;
}
