import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinTools, defineTool, type FaultKind, toolFromYamlSpec, toolOk, ToolWorld, WorldSnapshot, YamlToolSpec } from "../../tools/index.ts";
import { makeWorld, worldConfig, worldFixtures } from "../fixtures/tools-fixtures.ts";

const search = { date_from: "2026-03-09", date_to: "2026-03-13" };

describe("fault plans", () => {
  it.each([
    ["timeout", "timeout"],
    ["server_error", "server_error"],
    ["rate_limited", "rate_limited"],
  ] as const)("%s fails the call, does not act, and is retryable", (kind, code) => {
    const world = makeWorld([{ tool: "book_appointment", kind, nth: 1, times: 1 }]);
    const first = world.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" }, "c1");
    expect(first.fault).toBe(kind);
    expect(first.outcome).toMatchObject({ ok: false, error: { code, retryable: true } });
    expect(world.collection("appointments")).toHaveLength(1);
    // First call fails, the retry succeeds.
    const retry = world.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" }, "c2");
    expect(retry.outcome.ok).toBe(true);
    expect(retry.fault).toBeUndefined();
  });

  it("malformed_result sends a truncated JSON document that does not parse", () => {
    const record = makeWorld([{ tool: "search_slots", kind: "malformed_result", nth: 1, times: 1 }]).call("search_slots", search, "c1");
    expect(record.outcome.ok).toBe(true);
    const body = record.outcome.ok ? record.outcome.result : undefined;
    expect(typeof body).toBe("string");
    expect(() => JSON.parse(body as string)).toThrow();
  });

  it("partial_result drops records and fields; empty_result empties the lists; both keep the side effect", () => {
    const partial = makeWorld([{ tool: "search_slots", kind: "partial_result", nth: 1, times: 1 }]).call("search_slots", search, "c1");
    const slots = (partial.outcome.ok ? (partial.outcome.result as { slots: Array<Record<string, unknown>> }).slots : []) ?? [];
    expect(slots.length).toBe(1);
    expect(slots[0]).not.toHaveProperty("start");
    expect(slots[0]).toHaveProperty("slot_id");
    const emptyWorld = makeWorld([{ tool: "book_appointment", kind: "empty_result", nth: 1, times: 1 }]);
    const empty = emptyWorld.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" }, "c1");
    expect(empty.outcome).toEqual({ ok: true, result: {} });
    expect(emptyWorld.collection("appointments")).toHaveLength(2);
  });

  it("slow_response answers correctly after seconds of latency", () => {
    const record = makeWorld([{ tool: "search_slots", kind: "slow_response", nth: 1, times: 1 }]).call("search_slots", search, "c1");
    expect(record.outcome.ok).toBe(true);
    expect(record.latencyMs).toBeGreaterThanOrEqual(4000);
    const normal = makeWorld().call("search_slots", search, "c1");
    expect(normal.latencyMs).toBeLessThan(1000);
  });

  it("targets the nth call and fires only `times` times", () => {
    const world = makeWorld([{ tool: "search_slots", kind: "server_error", nth: 2, times: 2 }]);
    const faults = Array.from({ length: 5 }, (_, i) => world.call("search_slots", search, `c${i}`).fault ?? "none");
    expect(faults).toEqual(["none", "server_error", "server_error", "none", "none"]);
  });

  it("fires probabilistic faults at about their rate, reproducibly by seed", () => {
    const run = (seed: number) => {
      const world = makeWorld([{ tool: "search_slots", kind: "timeout", probability: 0.3, times: 1000 }], seed);
      return Array.from({ length: 400 }, (_, i) => world.call("search_slots", search, `c${i}`).fault ?? "none");
    };
    const a = run(3);
    const share = a.filter((f) => f === "timeout").length / a.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });
});

describe("a tool world", () => {
  const script = (world: ToolWorld) => {
    world.call("find_customer", { phone: "3125550147" }, "a");
    world.call("search_slots", search, "b");
    world.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-B", service_id: "SVC-SICK" }, "c");
    world.call("take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 1234 }, "d");
    return world;
  };
  const plan = [{ tool: "search_slots", kind: "slow_response" as FaultKind, probability: 0.5, times: 5 }];

  it("gives the identical log for the same seed", () => {
    expect(JSON.stringify(script(makeWorld(plan, 9)).log)).toBe(JSON.stringify(script(makeWorld(plan, 9)).log));
  });

  it("continues from a snapshot exactly as if it had never stopped", () => {
    const straight = script(makeWorld(plan, 5));
    const half = makeWorld(plan, 5);
    half.call("find_customer", { phone: "3125550147" }, "a");
    half.call("search_slots", search, "b");
    const resumed = ToolWorld.fromSnapshot(JSON.parse(JSON.stringify(half.snapshot())), { tools: builtinTools, config: worldConfig, faultPlan: plan, seed: 5 });
    resumed.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-B", service_id: "SVC-SICK" }, "c");
    resumed.call("take_payment", { account_id: "ACC-1", method_id: "PM-1", amount_cents: 1234 }, "d");
    expect(resumed.snapshot()).toEqual(straight.snapshot());
  });

  it("never changes the fixtures it was built from, and reports what changed", () => {
    const before = JSON.stringify(worldFixtures);
    const world = script(makeWorld());
    expect(JSON.stringify(worldFixtures)).toBe(before);
    const changes = world.changesSince(worldFixtures);
    expect(changes.map((c) => `${c.op} ${c.collection} ${c.id}`)).toEqual([
      "update accounts ACC-1",
      "create appointments APT-9001",
      "create payments PAY-9001",
      "update slots SLT-B",
    ]);
  });

  it("turns bad arguments into an invalid_arguments answer listing each field", () => {
    const record = makeWorld().call("book_appointment", { customer_id: 7 }, "x");
    expect(record.outcome.ok).toBe(false);
    if (!record.outcome.ok) {
      expect(record.outcome.error.code).toBe("invalid_arguments");
      expect(record.outcome.error.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^customer_id:/), expect.stringMatching(/^slot_id:/)]));
    }
  });
});

describe("tool declarations", () => {
  it("yield the OpenAI function schema from the zod arguments", () => {
    const book = builtinTools.find((t) => t.name === "book_appointment");
    expect(book?.openAISchema()).toEqual({
      type: "function",
      function: {
        name: "book_appointment",
        description: expect.any(String),
        parameters: expect.objectContaining({
          type: "object",
          required: ["customer_id", "slot_id", "service_id"],
          properties: expect.objectContaining({ slot_id: expect.objectContaining({ type: "string" }) }),
        }),
      },
    });
  });

  it("let a pack define a TypeScript tool with defineTool that behaves like a built-in", () => {
    const refill = defineTool({
      name: "request_refill",
      description: "Request a prescription refill",
      args: z.object({ rx: z.string().regex(/^RX-\d+$/) }),
      run(args, ctx) {
        const id = ctx.newId("REF");
        ctx.collection("refills").push({ id, rx: args.rx });
        return toolOk({ refill_id: id });
      },
    });
    const world = ToolWorld.create({ fixtures: {}, tools: [refill], config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [{ tool: "request_refill", kind: "timeout", nth: 1, times: 1 }], seed: 1 });
    expect(world.call("request_refill", { rx: "RX-1" }, "a").fault).toBe("timeout");
    expect(world.call("request_refill", { rx: "nope" }, "b").outcome).toMatchObject({ ok: false, error: { code: "invalid_arguments" } });
    expect(world.call("request_refill", { rx: "RX-1" }, "c").outcome).toEqual({ ok: true, result: { refill_id: "REF-9001" } });
  });

  it("let a pack declare CRUD tools in YAML with uniqueness and required-status rules", () => {
    const spec = (kind: string, extra: object) =>
      toolFromYamlSpec(YamlToolSpec.parse({ name: `${kind}_order`, description: kind, args: { order: { type: "string" }, status: { type: "string", required: false } }, behaviour: { kind, collection: "orders", ...extra } }));
    const tools = [
      spec("lookup", { match: { order: "number" } }),
      spec("list", { match: { status: "status" } }),
      spec("create", { set: { order: "number" }, fixed: { status: "new" }, unique: ["number"], idPrefix: "ORD" }),
      spec("update", { match: { order: "number" }, set: { status: "status" }, requireStatus: { field: "status", equals: ["new"] } }),
      spec("delete", { match: { order: "number" } }),
    ];
    const world = ToolWorld.create({ fixtures: { orders: [{ id: "ORD-1", number: "A1", status: "shipped" }] }, tools, config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });
    const run = (name: string, args: object) => world.call(name, args, name).outcome;
    expect(run("lookup_order", { order: "a1" })).toMatchObject({ ok: true, result: { record: { id: "ORD-1" } } });
    expect(run("create_order", { order: "A1" })).toMatchObject({ ok: false, error: { code: "rule_violation" } });
    expect(run("create_order", { order: "B2" })).toMatchObject({ ok: true, result: { record: { number: "B2", status: "new" } } });
    expect(run("update_order", { order: "A1", status: "cancelled" })).toMatchObject({ ok: false, error: { code: "rule_violation" } });
    expect(run("update_order", { order: "B2", status: "cancelled" })).toMatchObject({ ok: true, result: { record: { status: "cancelled" } } });
    expect(run("list_order", { order: "x", status: "cancelled" })).toMatchObject({ ok: true, result: { total: 1 } });
    expect(run("delete_order", { order: "A1" })).toEqual({ ok: true, result: { deleted: "ORD-1" } });
    expect(run("lookup_order", { order: "A1" })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});

describe("fault plans, details", () => {
  const book = { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" };

  it("reports 10 s for a timeout unless the rule names its latency, and the rule's own latency for a slow answer", () => {
    expect(makeWorld([{ tool: "search_slots", kind: "timeout", nth: 1, times: 1 }]).call("search_slots", search, "a").latencyMs).toBe(10_000);
    expect(makeWorld([{ tool: "search_slots", kind: "timeout", nth: 1, times: 1, latencyMs: 30_000 }]).call("search_slots", search, "a").latencyMs).toBe(30_000);
    const world = makeWorld([
      { tool: "search_slots", kind: "slow_response", nth: 1, times: 1, latencyMs: 5_000 },
      { tool: "search_slots", kind: "slow_response", nth: 2, times: 1, latencyMs: 7_000 },
    ]);
    expect([world.call("search_slots", search, "a").latencyMs, world.call("search_slots", search, "b").latencyMs]).toEqual([5_000, 7_000]);
  });

  it("keeps normal latency between 150 and 900 ms and slow answers between 4 and 12 s", () => {
    const normal = makeWorld();
    const latencies = Array.from({ length: 50 }, (_, i) => normal.call("get_balance", { account_id: "ACC-1" }, `n${i}`).latencyMs);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(900);
    const slow = makeWorld([{ tool: "get_balance", kind: "slow_response", probability: 1, times: 50 }]);
    const slowLatencies = Array.from({ length: 50 }, (_, i) => slow.call("get_balance", { account_id: "ACC-1" }, `s${i}`).latencyMs);
    expect(Math.min(...slowLatencies)).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...slowLatencies)).toBeLessThanOrEqual(12_000);
  });

  it("caps a probability rule at `times` firings", () => {
    const world = makeWorld([{ tool: "get_balance", kind: "rate_limited", probability: 1, times: 2 }]);
    const faults = Array.from({ length: 4 }, (_, i) => world.call("get_balance", { account_id: "ACC-1" }, `c${i}`).fault ?? "none");
    expect(faults).toEqual(["rate_limited", "rate_limited", "none", "none"]);
  });

  it("only touches the tool a rule names and counts calls per tool", () => {
    const world = makeWorld([{ tool: "book_appointment", kind: "server_error", nth: 2, times: 1 }]);
    world.call("search_slots", search, "a");
    world.call("search_slots", search, "b");
    expect(world.call("book_appointment", book, "c").fault).toBeUndefined();
    expect(world.call("book_appointment", { ...book, slot_id: "SLT-B" }, "d").fault).toBe("server_error");
  });

  it("empties the lists of an empty_result and sends null for a result with nothing to empty", () => {
    const slots = makeWorld([{ tool: "search_slots", kind: "empty_result", nth: 1, times: 1 }]).call("search_slots", search, "a");
    expect(slots.outcome).toEqual({ ok: true, result: { slots: [] } });
    const ended = makeWorld([{ tool: "end_call", kind: "malformed_result", nth: 1, times: 1 }]).call("end_call", {}, "a");
    expect(ended.outcome.ok && typeof ended.outcome.result).toBe("string");
  });

  it("keeps the side effect of a malformed, partial or slow answer", () => {
    for (const kind of ["malformed_result", "partial_result", "slow_response"] as const) {
      const world = makeWorld([{ tool: "book_appointment", kind, nth: 1, times: 1 }]);
      world.call("book_appointment", book, "a");
      expect(world.collection("slots").find((s) => s.id === "SLT-A")?.status).toBe("booked");
    }
  });

  it("lets a failed payment be retried without charging twice", () => {
    const world = makeWorld([{ tool: "take_payment", kind: "timeout", nth: 1, times: 1 }]);
    const pay = { account_id: "ACC-1", method_id: "PM-1", amount_cents: 10_000 };
    expect(world.call("take_payment", pay, "a").outcome.ok).toBe(false);
    expect(world.call("take_payment", pay, "b").outcome).toMatchObject({ ok: true, result: { new_balance_cents: 90_000 } });
    expect(world.collection("payments")).toHaveLength(1);
  });

  it("reports no fault for an unknown tool even when a rule names it", () => {
    const record = makeWorld([{ tool: "launch_rocket", kind: "timeout", nth: 1, times: 1 }]).call("launch_rocket", {}, "a");
    expect(record.fault).toBeUndefined();
    expect(record.outcome).toMatchObject({ ok: false, error: { code: "unknown_tool" } });
  });
});

describe("a tool world, details", () => {
  it("makes a snapshot that is valid plain data under the WorldSnapshot schema", () => {
    const world = makeWorld([{ tool: "search_slots", kind: "timeout", nth: 1, times: 1 }]);
    world.call("search_slots", search, "a");
    world.call("book_appointment", { customer_id: "CUS-1", slot_id: "SLT-A", service_id: "SVC-SICK" }, "b");
    const snapshot = world.snapshot();
    expect(WorldSnapshot.parse(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
    expect(snapshot.faultFires).toEqual([1]);
    expect(snapshot.callCounts).toEqual({ search_slots: 1, book_appointment: 1 });
  });

  it("does not let a later change rewrite an earlier answer in the log", () => {
    // YAML tools answer with the live record, which the update below changes in place.
    const yaml = (kind: string, extra: object) =>
      toolFromYamlSpec(YamlToolSpec.parse({ name: `${kind}_order`, description: kind, args: { order: { type: "string" }, status: { type: "string", required: false } }, behaviour: { kind, collection: "orders", match: { order: "number" }, ...extra } }));
    const world = ToolWorld.create({ fixtures: { orders: [{ id: "ORD-1", number: "A1", status: "new" }] }, tools: [yaml("lookup", {}), yaml("update", { set: { status: "status" } })], config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });
    world.call("lookup_order", { order: "A1" }, "a");
    world.call("update_order", { order: "A1", status: "shipped" }, "b");
    expect(world.log[0]?.outcome).toEqual({ ok: true, result: { record: { id: "ORD-1", number: "A1", status: "new" } } });
    const args = { order: "A1" };
    world.call("lookup_order", args, "c");
    args.order = "changed";
    expect(world.log[2]?.args).toEqual({ order: "A1" });
  });

  it("reports deletions and leaves unchanged records out of the diff", () => {
    const erase = defineTool({
      name: "erase_note",
      description: "erase",
      args: z.object({ id: z.string() }),
      run(args, ctx) {
        const notes = ctx.collection("notes");
        notes.splice(notes.findIndex((n) => n.id === args.id), 1);
        return toolOk({ erased: args.id });
      },
    });
    const fixtures = { notes: [{ id: "N-1", customerId: "CUS-1", text: "a", at: "2026-03-01T00:00:00Z" }, { id: "N-2", customerId: "CUS-1", text: "b", at: "2026-03-01T00:00:00Z" }] };
    const world = ToolWorld.create({ fixtures, tools: [erase], config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });
    world.call("erase_note", { id: "N-1" }, "a");
    expect(world.changesSince(fixtures)).toEqual([{ collection: "notes", id: "N-1", op: "delete", before: fixtures.notes[0] }]);
  });

  it("turns a crashing tool into a server_error answer with the message", () => {
    const broken = defineTool({
      name: "broken",
      description: "always throws",
      args: z.object({}),
      run() {
        throw new Error("database handle is null");
      },
    });
    const world = ToolWorld.create({ fixtures: {}, tools: [broken], config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });
    expect(world.call("broken", {}, "a").outcome).toMatchObject({ ok: false, error: { code: "server_error", message: expect.stringContaining("database handle is null") } });
  });

  it("turns an answer outside the contract into a server_error that names what the tool did", () => {
    const answering = (name: string, answer: () => unknown) =>
      defineTool({ name, description: name, args: z.object({}), run: answer as () => ReturnType<typeof toolOk> });
    const tools = [
      answering("own_code", () => ({ ok: false, error: { code: "account_locked", message: "the account is locked" } })),
      answering("no_answer", () => "done"),
      answering("promise", () => Promise.reject(new Error("later"))),
      answering("big", () => ({ ok: true, result: { n: 1n } })),
      answering("fixed_code", () => ({ ok: false, error: { code: "rule_violation", message: "too early", retryable: true } })),
    ];
    const world = ToolWorld.create({ fixtures: {}, tools, config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });
    const outcome = (name: string) => world.call(name, {}, name).outcome;
    expect(outcome("own_code")).toEqual({
      ok: false,
      error: { code: "server_error", retryable: false, message: expect.stringMatching(/own_code failed with error code "account_locked", which is not one of .*rule_violation.*: the account is locked/) },
    });
    expect(outcome("no_answer")).toMatchObject({ ok: false, error: { code: "server_error", message: expect.stringContaining("not a tool answer") } });
    expect(outcome("promise")).toMatchObject({ ok: false, error: { code: "server_error", message: expect.stringContaining("synchronously") } });
    expect(outcome("big")).toMatchObject({ ok: false, error: { code: "server_error", message: expect.stringContaining("not plain JSON") } });
    expect(outcome("fixed_code")).toEqual({ ok: false, error: { code: "rule_violation", message: "too early", retryable: true } });
    // Every record of the log is valid under the schema the run directory is read with.
    expect(() => WorldSnapshot.parse(world.snapshot())).not.toThrow();
  });

  it("gives different normal latencies for different seeds, but the same world state", () => {
    const run = (seed: number) => {
      const world = makeWorld([], seed);
      for (let i = 0; i < 5; i++) world.call("search_slots", search, `c${i}`);
      return world;
    };
    expect(run(1).log.map((r) => r.latencyMs)).not.toEqual(run(2).log.map((r) => r.latencyMs));
    expect(run(1).snapshot().collections).toEqual(run(2).snapshot().collections);
  });
});
