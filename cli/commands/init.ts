import { type Command, Option } from "commander";
import { initPack, PACK_TEMPLATES, type PackTemplate } from "../../scenarios/index.ts";

/** `voicesim init <dir> --template booking|collections`: a small valid pack to start from. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("scaffold a valid starter pack")
    .argument("<dir>", "new pack folder")
    .addOption(new Option("--template <name>", "starting point").choices([...PACK_TEMPLATES]).default("booking"))
    .action((dir: string, options: { template: PackTemplate }) => {
      const files = initPack(dir, options.template);
      process.stdout.write(`created ${dir} from the ${options.template} template: ${files.join(", ")}\n`);
      process.stdout.write(`next: voicesim validate ${dir} && voicesim simulate ${dir} --per-scenario 2\n`);
    });
}
