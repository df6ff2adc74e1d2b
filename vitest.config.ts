import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./test/helpers/summary-reporter.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", new SummaryReporter()],
    // LangGraph and LangChain take seconds to import; a fresh module graph per test file paid
    // that ~50 times. Files share a worker's modules instead (no test relies on module state).
    isolate: false,
    pool: "threads",
    // Vitest's default is one worker fewer than the cores: on the 2-core CI machine that is one, and
    // the suite ran file after file while most files wait on child processes, sockets and disk.
    maxWorkers: 2,
  },
});
