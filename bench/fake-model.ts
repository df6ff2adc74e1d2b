// The bench's pretend model (bench/fake-model-process.ts), started in a process of its own so a
// benchmark's CPU figures are the client's alone.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ModelProcess {
  baseUrl: string;
  stop(): void;
}

export async function startModelProcess(): Promise<ModelProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/fake-model-process.ts"], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the pretend model exited (${code})`)));
  });
  return { baseUrl, stop: () => child.stdin?.end() };
}
