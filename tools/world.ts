import type { ToolDefinition } from "./define-tool.ts";
import type { FaultKind, FaultRule } from "./fault-plan.ts";
import type { FixturesInput, GenericRecord } from "./fixtures.ts";
import { SimClock } from "./clock.ts";
import { Rng } from "./rng.ts";
import { toToolAnswer } from "./tool-answer.ts";
import type { ToolCallRecord, ToolContext, ToolOutcome, ToolRunResult, WorldConfig, WorldSession, WorldSnapshot } from "./tool-types.ts";

export interface WorldOptions {
  tools: readonly ToolDefinition[];
  config: WorldConfig;
  faultPlan: readonly FaultRule[];
  seed: number;
  /** The tools this agent was given (an agent file's `tools:`); a call to any other answers unknown_tool. Default all. */
  allowedTools?: readonly string[];
}

export interface CreateWorldOptions extends WorldOptions {
  fixtures: FixturesInput | Record<string, readonly unknown[]>;
  /** The scenario's "now" (ISO) and timezone. */
  now: string;
  timezone: string;
}

/** One changed record: the final world is the fixtures plus these. */
export interface RecordChange {
  collection: string;
  id: string;
  op: "create" | "update" | "delete";
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/**
 * The backend a simulated call talks to: an in-memory copy of the pack's fixtures that tools read
 * and change, with a log of every call and seeded fault injection. Its whole state is a plain
 * `WorldSnapshot`, so a LangGraph checkpoint can carry it and a fork can continue from it.
 */
export class ToolWorld {
  readonly #state: WorldSnapshot;
  readonly #tools: Map<string, ToolDefinition>;
  readonly #options: WorldOptions;
  /** Collections still shared with the snapshot this world continued from (copied on first touch). */
  readonly #shared: Set<string>;

  private constructor(state: WorldSnapshot, options: WorldOptions, shared: Iterable<string> = []) {
    this.#state = state;
    this.#options = options;
    this.#tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.#shared = new Set(shared);
  }

  static create(options: CreateWorldOptions): ToolWorld {
    const collections: Record<string, GenericRecord[]> = {};
    for (const [name, records] of Object.entries(options.fixtures)) {
      if (Array.isArray(records)) collections[name] = structuredClone(records) as GenericRecord[];
    }
    const clock = new SimClock(options.now, options.timezone);
    return new ToolWorld(
      {
        collections,
        clockNow: clock.nowIso(),
        timezone: options.timezone,
        callCounts: {},
        faultFires: options.faultPlan.map(() => 0),
        nextIds: {},
        session: { verifiedCustomerIds: [], failedVerifications: 0 },
        log: [],
      },
      options,
    );
  }

  /** Continues a world from a snapshot (the snapshot is copied, never shared). */
  static fromSnapshot(snapshot: WorldSnapshot, options: WorldOptions): ToolWorld {
    return new ToolWorld(structuredClone(snapshot), options);
  }

  /**
   * Continues a world from a snapshot that nobody changes in place (a graph state): a collection
   * is copied when a tool first touches it, and the log is extended rather than copied record by
   * record, so a step costs what its tools touch instead of a copy of the whole world. The
   * snapshot itself is never changed.
   */
  static continueFrom(snapshot: WorldSnapshot, options: WorldOptions): ToolWorld {
    const state: WorldSnapshot = {
      collections: { ...snapshot.collections },
      clockNow: snapshot.clockNow,
      timezone: snapshot.timezone,
      callCounts: { ...snapshot.callCounts },
      faultFires: [...snapshot.faultFires],
      nextIds: { ...snapshot.nextIds },
      session: structuredClone(snapshot.session),
      log: [...snapshot.log],
    };
    return new ToolWorld(state, options, Object.keys(snapshot.collections));
  }

  snapshot(): WorldSnapshot {
    return structuredClone(this.#state);
  }

  /**
   * The world's state as the next snapshot, without a copy: it shares untouched collections and
   * log records with the snapshot it continued from. Use the world no more after this.
   */
  handOver(): WorldSnapshot {
    return this.#state;
  }

  get session(): WorldSession {
    return this.#state.session;
  }

  get log(): readonly ToolCallRecord[] {
    return this.#state.log;
  }

  collection(name: string): readonly GenericRecord[] {
    return this.#state.collections[name] ?? [];
  }

  /**
   * Calls a tool as the agent would call an API. Never throws for anything the caller of a tool
   * can do: unknown tools, bad arguments, rule violations and injected faults all come back as
   * outcomes in the returned log record.
   */
  call(toolName: string, rawArgs: unknown, callId: string): ToolCallRecord {
    const nth = (this.#state.callCounts[toolName] ?? 0) + 1;
    this.#state.callCounts[toolName] = nth;
    const seq = this.#state.log.length;
    const rng = Rng.derive(this.#options.seed, "tool", toolName, nth, seq);
    const at = this.#state.clockNow;
    // A tool the agent was not given is answered like one that does not exist, as a real API would.
    const withheld = this.#options.allowedTools !== undefined && !this.#options.allowedTools.includes(toolName) && this.#tools.has(toolName);
    const tool = withheld ? undefined : this.#tools.get(toolName);
    // An unknown tool never reaches a backend, so no fault rule can fire for it.
    const rule = tool ? this.#pickFault(toolName, nth) : undefined;
    const fault = rule?.kind;
    const latencyMs = latencyFor(fault, rng, rule?.latencyMs);
    const args = detach(rawArgs);
    const record = (outcome: ToolOutcome): ToolCallRecord => {
      // Detached: a tool may answer with a live record that a later call changes; the log keeps what was said then.
      const entry: ToolCallRecord = { seq, callId, tool: toolName, args, at, latencyMs, outcome: detach(outcome) as ToolOutcome };
      if (fault) entry.fault = fault;
      this.#state.log.push(entry);
      return structuredClone(entry);
    };

    if (!tool) {
      const message = withheld ? `${toolName} is not one of the tools this agent was given` : `no tool named ${toolName}`;
      return record({ ok: false, error: { code: "unknown_tool", message, retryable: false } });
    }
    // A failing backend answers before doing anything: we model timeouts and 5xx as "the action
    // did not happen", so a retry is safe (a real backend might have acted; that is a different test).
    if (fault === "timeout") return record(failure("timeout", `${toolName} timed out after ${latencyMs} ms`, true));
    if (fault === "server_error") return record(failure("server_error", `${toolName}: 503 service unavailable`, true));
    if (fault === "rate_limited") return record(failure("rate_limited", `${toolName}: 429 too many requests, retry shortly`, true));

    const parsed = tool.parseArgs(rawArgs);
    if (!parsed.ok) return record({ ok: false, error: parsed.error });
    let result: ToolRunResult<unknown>;
    try {
      result = toToolAnswer(toolName, tool.run(parsed.args, this.#context(rng)));
    } catch (error) {
      // A bug in a tool is still an answer the agent has to cope with; the message keeps it visible.
      result = failure("server_error", `${toolName} crashed: ${error instanceof Error ? error.message : String(error)}`, false);
    }
    if (result.ok && tool.result) {
      const checked = tool.result.safeParse(result.result);
      if (!checked.success) {
        const issues = checked.error.issues.map((issue) => `${issue.path.join(".") || "(result)"}: ${issue.message}`);
        result = failure("server_error", `${toolName} returned a result that breaks its schema: ${issues.join("; ")}`, false);
      }
    }
    if (!result.ok || !fault) return record(result);
    return record({ ok: true, result: corrupt(fault, result.result, rng) });
  }

  /** What changed since the given collections (usually the pack's fixtures), sorted by collection and id. */
  changesSince(initial: Record<string, readonly unknown[]>): RecordChange[] {
    const changes: RecordChange[] = [];
    const names = [...new Set([...Object.keys(initial), ...Object.keys(this.#state.collections)])].sort();
    for (const name of names) {
      const before = new Map((initial[name] ?? []).map((r) => [(r as GenericRecord).id, r as Record<string, unknown>]));
      const after = new Map((this.#state.collections[name] ?? []).map((r) => [r.id, r as Record<string, unknown>]));
      const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
      for (const id of ids) {
        const b = before.get(id);
        const a = after.get(id);
        if (b && !a) changes.push({ collection: name, id, op: "delete", before: b });
        else if (!b && a) changes.push({ collection: name, id, op: "create", after: a });
        else if (a && b && JSON.stringify(a) !== JSON.stringify(b)) changes.push({ collection: name, id, op: "update", before: b, after: a });
      }
    }
    return structuredClone(changes);
  }

  #context(rng: Rng): ToolContext {
    const state = this.#state;
    return {
      collection: (name) => {
        if (this.#shared.delete(name)) state.collections[name] = structuredClone(state.collections[name] ?? []);
        state.collections[name] ??= [];
        return state.collections[name];
      },
      newId: (prefix) => {
        const next = (state.nextIds[prefix] ?? 9000) + 1;
        state.nextIds[prefix] = next;
        return `${prefix}-${next}`;
      },
      clock: new SimClock(state.clockNow, state.timezone),
      config: this.#options.config,
      session: state.session,
      rng,
    };
  }

  /** The first rule that fires for this call (and counts the firing), if any. */
  #pickFault(toolName: string, nth: number): FaultRule | undefined {
    const plan = this.#options.faultPlan;
    for (let index = 0; index < plan.length; index++) {
      const rule = plan[index] as FaultRule;
      if (rule.tool !== toolName) continue;
      const fired = this.#state.faultFires[index] ?? 0;
      if (fired >= rule.times) continue;
      // nth: the nth call and, while `times` allows, the calls right after it ("fails twice").
      const hits =
        rule.nth !== undefined
          ? nth >= rule.nth
          : Rng.derive(this.#options.seed, "fault", toolName, nth, index).chance(rule.probability ?? 0);
      if (!hits) continue;
      this.#state.faultFires[index] = fired + 1;
      return rule;
    }
    return undefined;
  }
}

/** The log keeps its own copy of the arguments, as plain data a checkpoint can hold. */
function detach(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    // Functions or class instances cannot come from a model's JSON; keep what JSON keeps.
    return JSON.parse(JSON.stringify(value) ?? "null") as unknown;
  }
}

function failure(code: "timeout" | "server_error" | "rate_limited", message: string, retryable: boolean): ToolOutcome {
  return { ok: false, error: { code, message, retryable } };
}

/** Simulated backend latency: a normal call is quick, a slow or timed-out one is dead air. */
function latencyFor(fault: FaultKind | undefined, rng: Rng, override: number | undefined): number {
  if (fault === "timeout") return override ?? 10_000;
  if (fault === "slow_response") return override ?? rng.int(4_000, 12_000);
  if (fault === "rate_limited") return rng.int(50, 200);
  return rng.int(150, 900);
}

/** The result a misbehaving backend sends instead of the real one. */
function corrupt(kind: FaultKind, result: unknown, rng: Rng): unknown {
  switch (kind) {
    case "malformed_result": {
      const text = JSON.stringify(result) ?? "null";
      // Cut mid-document: what a proxy that dropped the connection delivers.
      return text.slice(0, Math.max(1, Math.floor(text.length * (0.3 + rng.next() * 0.4))));
    }
    case "partial_result":
      return partial(result);
    case "empty_result":
      return empty(result);
    default:
      return result;
  }
}

function partial(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, Math.floor(value.length / 2)).map(partial);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    // Keep ids so the record is still addressable, drop the rest of every other field.
    return Object.fromEntries(entries.filter(([key], i) => key.endsWith("_id") || key === "id" || i % 2 === 0).map(([k, v]) => [k, partial(v)]));
  }
  return value;
}

function empty(value: unknown): unknown {
  if (Array.isArray(value)) return [];
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.some(([, v]) => Array.isArray(v))) return Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? [] : v]));
    return {};
  }
  return null;
}
