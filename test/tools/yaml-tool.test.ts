import { describe, expect, it } from "vitest";
import { toolFromYamlSpec, ToolWorld, YamlToolSpec } from "../../tools/index.ts";
import { worldConfig } from "../fixtures/tools-fixtures.ts";

const insurancePlans = [
  { id: "INS-1", carrier: "Blue Cross", inNetwork: true },
  { id: "INS-2", carrier: "Aetna", inNetwork: false },
];

function worldWith(specs: unknown[], fixtures: Record<string, unknown[]> = { insurancePlans }) {
  const tools = specs.map((spec) => toolFromYamlSpec(YamlToolSpec.parse(spec)));
  return ToolWorld.create({ fixtures, tools, config: worldConfig, now: "2026-03-10T09:00:00", timezone: "America/Chicago", faultPlan: [], seed: 1 });
}

describe("YAML tool arguments", () => {
  it("become a zod object whose OpenAI schema lists types, descriptions, enums and required names", () => {
    const tool = toolFromYamlSpec(
      YamlToolSpec.parse({
        name: "check_insurance",
        description: "Is a carrier in network?",
        args: {
          carrier: { type: "string", description: "carrier name" },
          plan: { type: "string", enum: ["hmo", "ppo"], required: false },
          visits: { type: "integer", required: false },
        },
        behaviour: { kind: "lookup", collection: "insurancePlans", match: { carrier: "carrier" } },
      }),
    );
    expect(tool.openAISchema().function.parameters).toEqual({
      type: "object",
      properties: {
        carrier: { type: "string", description: "carrier name" },
        plan: { type: "string", enum: ["hmo", "ppo"] },
        visits: { type: "integer", minimum: expect.any(Number), maximum: expect.any(Number) },
      },
      required: ["carrier"],
      additionalProperties: false,
    });
    expect(tool.parseArgs({ carrier: "Aetna", plan: "epo" })).toMatchObject({ ok: false, error: { code: "invalid_arguments", issues: [expect.stringMatching(/^plan:/)] } });
    expect(tool.parseArgs({ carrier: "Aetna", visits: 1.5 })).toMatchObject({ ok: false });
  });

  it("default to required and to an id prefix of REC", () => {
    const spec = YamlToolSpec.parse({ name: "add_thing", description: "d", args: { label: { type: "string" } }, behaviour: { kind: "create", collection: "things" } });
    expect(spec.args.label?.required).toBe(true);
    expect(spec.behaviour.idPrefix).toBe("REC");
    expect(YamlToolSpec.safeParse({ name: "Bad-Name", description: "d", args: {}, behaviour: { kind: "lookup", collection: "x" } }).success).toBe(false);
  });
});

describe("YAML tool behaviours", () => {
  const lookup = { name: "check_insurance", description: "d", args: { carrier: { type: "string" } }, behaviour: { kind: "lookup", collection: "insurancePlans", match: { carrier: "carrier" } } };

  it("lookup finds a record ignoring case and spaces, or answers not_found", () => {
    const world = worldWith([lookup]);
    expect(world.call("check_insurance", { carrier: " blue cross " }, "a").outcome).toEqual({ ok: true, result: { record: insurancePlans[0] } });
    expect(world.call("check_insurance", { carrier: "Cigna" }, "b").outcome).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("list returns every match and the total, at most twenty records", () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `R-${i}`, kind: i % 5 === 0 ? "rare" : "common" }));
    const world = worldWith([{ name: "list_items", description: "d", args: { kind: { type: "string" } }, behaviour: { kind: "list", collection: "items", match: { kind: "kind" } } }], { items: many });
    const common = world.call("list_items", { kind: "common" }, "a").outcome;
    expect(common.ok && (common.result as { records: unknown[]; total: number }).records.length).toBe(20);
    expect(common.ok && (common.result as { total: number }).total).toBe(24);
    expect(world.call("list_items", { kind: "rare" }, "b").outcome).toMatchObject({ ok: true, result: { total: 6 } });
    expect(world.call("list_items", { kind: "none" }, "c").outcome).toEqual({ ok: true, result: { records: [], total: 0 } });
  });

  it("create writes set and fixed fields with a prefixed id and the simulated time, refusing duplicates", () => {
    const world = worldWith(
      [{ name: "request_refill", description: "d", args: { rx: { type: "string" }, pharmacy: { type: "string", required: false } }, behaviour: { kind: "create", collection: "refills", set: { rx: "rxNumber", pharmacy: "pharmacy" }, fixed: { status: "requested" }, unique: ["rxNumber"], idPrefix: "RFL" } }],
      { refills: [] },
    );
    expect(world.call("request_refill", { rx: "RX-1" }, "a").outcome).toEqual({
      ok: true,
      result: { record: { id: "RFL-9001", rxNumber: "RX-1", status: "requested", createdAt: "2026-03-10T09:00:00.000-05:00" } },
    });
    expect(world.call("request_refill", { rx: "rx-1" }, "b").outcome).toMatchObject({ ok: false, error: { code: "rule_violation" } });
    expect(world.call("request_refill", { rx: "RX-2", pharmacy: "Main St" }, "c").outcome).toMatchObject({ ok: true, result: { record: { id: "RFL-9002", pharmacy: "Main St" } } });
    expect(world.changesSince({ refills: [] }).map((c) => `${c.op} ${c.id}`)).toEqual(["create RFL-9001", "create RFL-9002"]);
  });

  it("create does not treat two records that both leave a unique field empty as duplicates", () => {
    const world = worldWith(
      [{ name: "add_contact", description: "d", args: { name: { type: "string" }, email: { type: "string", required: false } }, behaviour: { kind: "create", collection: "contacts", set: { name: "name", email: "email" }, unique: ["email"] } }],
      { contacts: [{ id: "REC-1", name: "Ann" }] },
    );
    expect(world.call("add_contact", { name: "Bob" }, "a").outcome.ok).toBe(true);
  });

  it("update changes a record only when its status allows it", () => {
    const world = worldWith(
      [{ name: "cancel_order", description: "d", args: { order: { type: "string" } }, behaviour: { kind: "update", collection: "orders", match: { order: "id" }, fixed: { status: "cancelled" }, requireStatus: { field: "status", equals: ["new", "held"] } } }],
      { orders: [{ id: "ORD-1", status: "held" }, { id: "ORD-2", status: "shipped" }] },
    );
    expect(world.call("cancel_order", { order: "ORD-1" }, "a").outcome).toEqual({ ok: true, result: { record: { id: "ORD-1", status: "cancelled" } } });
    expect(world.call("cancel_order", { order: "ORD-2" }, "b").outcome).toMatchObject({ ok: false, error: { code: "rule_violation", message: expect.stringContaining("shipped") } });
    expect(world.call("cancel_order", { order: "ORD-9" }, "c").outcome).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(world.collection("orders").map((o) => o.status)).toEqual(["cancelled", "shipped"]);
  });

  it("delete removes the matching record, honouring the status rule", () => {
    const world = worldWith(
      [{ name: "drop_hold", description: "d", args: { hold: { type: "string" } }, behaviour: { kind: "delete", collection: "holds", match: { hold: "id" }, requireStatus: { field: "status", equals: ["active"] } } }],
      { holds: [{ id: "H-1", status: "active" }, { id: "H-2", status: "expired" }] },
    );
    expect(world.call("drop_hold", { hold: "H-1" }, "a").outcome).toEqual({ ok: true, result: { deleted: "H-1" } });
    expect(world.call("drop_hold", { hold: "H-2" }, "b").outcome).toMatchObject({ ok: false, error: { code: "rule_violation" } });
    expect(world.call("drop_hold", { hold: "H-1" }, "c").outcome).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(world.collection("holds").map((h) => h.id)).toEqual(["H-2"]);
  });
});
