import type { Command } from "commander";
import { registerCompareCommand } from "./compare.ts";
import { registerInitCommand } from "./init.ts";
import { registerJudgeCommand } from "./judge.ts";
import { registerQueueCommand } from "./queue.ts";
import { registerRunCommand } from "./run.ts";
import { registerSchemaCommand } from "./schema.ts";
import { registerSimulateCommand } from "./simulate.ts";
import { registerValidateCommand } from "./validate.ts";
import { registerViewCommand } from "./view.ts";
import { registerWorkerCommand } from "./worker.ts";

/** Every command registers itself here; each lives in its own file and only parses arguments. */
export function registerCommands(program: Command): void {
  registerInitCommand(program);
  registerValidateCommand(program);
  registerSchemaCommand(program);
  registerSimulateCommand(program);
  registerRunCommand(program);
  registerJudgeCommand(program);
  registerViewCommand(program);
  registerCompareCommand(program);
  registerWorkerCommand(program);
  registerQueueCommand(program);
}
