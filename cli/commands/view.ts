import type { Command } from "commander";
import { intOption } from "../options.ts";

/** `voicesim view <run-dir>`: replay a run's calls in the browser, following it while it grows. */
export function registerViewCommand(program: Command): void {
  program
    .command("view")
    .description("replay calls of a run in the browser (follows a run that is still being written)")
    .argument("<run-dir>", "a run directory")
    .option("--port <p>", "port (default: a free one)", intOption("--port", { min: 0, max: 65535 }), 0)
    .option("--host <h>", "address to listen on; 127.0.0.1 keeps transcripts on this machine", "127.0.0.1")
    .option(
      "--allow-origin <origin>",
      "let a page from this origin (e.g. http://localhost:3000) read the viewer; repeatable. Only the viewer's own address is allowed otherwise",
      // Checked by startViewer, so this module does not load the viewer for every command.
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (runDir: string, options: { port: number; host: string; allowOrigin: string[] }) => {
      const { startViewer } = await import("../../viewer/index.ts");
      const viewer = await startViewer({ runDir, port: options.port, host: options.host, allowOrigins: options.allowOrigin });
      process.stdout.write(`viewer: ${viewer.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void viewer.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
