import { Command } from "commander";
import { printErrorAndExit } from "./print-error.ts";
import { registerCommands } from "./commands/index.ts";

const program = new Command()
  .name("voicesim")
  .description("Simulate phone calls against a voice agent and turn the good ones into fine-tuning data.")
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

registerCommands(program);

program.parseAsync(process.argv).catch(printErrorAndExit);
