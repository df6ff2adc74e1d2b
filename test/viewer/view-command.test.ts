import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerViewCommand } from "../../cli/commands/view.ts";
import { VoicesimError } from "../../scenarios/index.ts";

describe("voicesim view", () => {
  it("refuses a run directory that does not exist, with a hint", async () => {
    const program = new Command().exitOverride();
    registerViewCommand(program);
    const error = await program.parseAsync(["node", "voicesim", "view", "runs/definitely-not-here"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicesimError);
    expect((error as VoicesimError).hint).toBeTruthy();
  });

  it("rejects a port that is not a number", async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    registerViewCommand(program);
    await expect(program.parseAsync(["node", "voicesim", "view", "test/fixtures/runs/small", "--port", "eighty"])).rejects.toThrow();
  });
});
