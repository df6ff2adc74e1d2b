import type { Command } from "commander";
import { formatPackIssue, loadPack, PackValidationError } from "../../scenarios/index.ts";

/** `voicesim validate <pack>`: every schema and cross-reference problem, as file: field: message. */
export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description("check a pack: every schema and cross-reference error as file: path: message")
    .argument("<pack>", "pack folder (holds pack.yaml)")
    .action(async (packDir: string) => {
      try {
        const { pack, tools, files } = await loadPack(packDir);
        const intents = pack.agent.intents.length;
        process.stdout.write(
          `${pack.id}: valid — ${pack.personas.length} personas, ${pack.scenarios.length} scenarios, ${intents} intents, ${tools.length} tools, ${files.length} files\n`,
        );
      } catch (error) {
        if (!(error instanceof PackValidationError)) throw error;
        for (const issue of error.issues) process.stdout.write(`${formatPackIssue(issue)}\n`);
        process.stderr.write(`${packDir}: ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}\n`);
        process.exitCode = 1;
      }
    });
}
