import type { Command } from "commander";
import { packJsonSchema } from "../../scenarios/index.ts";

/** `voicesim schema`: the pack JSON Schema, for editors (`voicesim schema > pack.schema.json`). */
export function registerSchemaCommand(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of pack files, for editor completion")
    .action(() => {
      process.stdout.write(`${JSON.stringify(packJsonSchema(), null, 2)}\n`);
    });
}
