import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinToolNames, builtinTools, defineTool, isToolDefinition, toolFail, toolOk, ToolWorld } from "../../tools/index.ts";
import { worldConfig } from "../fixtures/tools-fixtures.ts";

const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Look up an order by number.",
  args: z.object({
    order_number: z.string().regex(/^\d{6}$/).describe("six-digit order number"),
    include_items: z.boolean().default(false),
  }),
  result: z.object({ order_number: z.string(), status: z.enum(["open", "shipped"]) }),
  run(args) {
    if (args.order_number === "000000") return toolFail("not_found", "no such order");
    // 999999 stands for a backend that answers outside its own contract.
    return toolOk({ order_number: args.order_number, status: args.order_number === "999999" ? "lost" : "open" });
  },
});

const worldOf = (tools: Parameters<typeof ToolWorld.create>[0]["tools"]) =>
  ToolWorld.create({ fixtures: {}, tools, config: worldConfig, now: "2026-03-10T09:00:00", timezone: "UTC", faultPlan: [], seed: 1 });

describe("defineTool", () => {
  it("yields an OpenAI function schema without $schema, with descriptions and no extra properties", () => {
    const schema = lookupOrder.openAISchema();
    expect(schema).toEqual({
      type: "function",
      function: {
        name: "lookup_order",
        description: "Look up an order by number.",
        parameters: {
          type: "object",
          properties: {
            order_number: { type: "string", pattern: "^\\d{6}$", description: "six-digit order number" },
            include_items: { type: "boolean", default: false },
          },
          required: ["order_number"],
          additionalProperties: false,
        },
      },
    });
    expect(JSON.stringify(schema)).not.toContain("$schema");
  });

  it("validates arguments and lists every issue as `path: message`", () => {
    const parsed = lookupOrder.parseArgs({ order_number: "12", include_items: "yes" });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("invalid_arguments");
      expect(parsed.error.issues).toHaveLength(2);
      expect(parsed.error.issues?.[0]).toMatch(/^order_number: /);
      expect(parsed.error.issues?.[1]).toMatch(/^include_items: /);
    }
    expect(lookupOrder.parseArgs(undefined)).toMatchObject({ ok: false, error: { issues: [expect.stringMatching(/^order_number:/)] } });
    expect(lookupOrder.parseArgs({ order_number: "123456" })).toEqual({ ok: true, args: { order_number: "123456", include_items: false } });
  });

  it("runs in a world with tool errors as answers and a result that breaks its schema as a server_error", () => {
    const world = worldOf([lookupOrder]);
    expect(world.call("lookup_order", { order_number: "123456" }, "a").outcome).toEqual({ ok: true, result: { order_number: "123456", status: "open" } });
    expect(world.call("lookup_order", { order_number: "000000" }, "b").outcome).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(world.call("lookup_order", { order_number: "999999" }, "c").outcome).toMatchObject({ ok: false, error: { code: "server_error", message: expect.stringContaining("status") } });
  });

  it("is recognised by isToolDefinition, and look-alikes are not", () => {
    expect(isToolDefinition(lookupOrder)).toBe(true);
    expect(builtinTools.every(isToolDefinition)).toBe(true);
    expect(isToolDefinition({ kind: "voicesim.tool", name: "x", run: () => null })).toBe(false);
    expect(isToolDefinition(null)).toBe(false);
    expect(isToolDefinition("lookup_order")).toBe(false);
  });
});

describe("built-in tool declarations", () => {
  it("cover exactly the brief's tools, each with a valid snake_case OpenAI schema", () => {
    expect([...builtinToolNames].sort()).toEqual(
      [
        "find_customer", "verify_identity", "get_account", "add_note", "update_contact", "list_payment_methods",
        "search_slots", "book_appointment", "reschedule_appointment", "cancel_appointment", "list_appointments",
        "get_balance", "take_payment", "create_payment_plan", "record_promise_to_pay", "record_dispute",
        "set_do_not_contact", "transfer_to_human", "end_call",
      ].sort(),
    );
    for (const tool of builtinTools) {
      const parameters = tool.openAISchema().function.parameters as { type: string; properties: Record<string, unknown>; additionalProperties: boolean };
      expect(parameters.type).toBe("object");
      expect(parameters.additionalProperties).toBe(false);
      for (const name of Object.keys(parameters.properties)) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });
});
