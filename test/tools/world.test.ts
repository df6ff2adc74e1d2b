import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinTools, defineTool, type FaultKind, toolFromYamlSpec, toolOk, ToolWorld, YamlToolSpec } from "../../tools/index.ts";
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
