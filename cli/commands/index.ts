import type { Command } from "commander";
import { registerSimulateCommand } from "./simulate.ts";

/** Every command registers itself here; each lives in its own file and only parses arguments. */
export function registerCommands(program: Command): void {
  registerSimulateCommand(program);
}
