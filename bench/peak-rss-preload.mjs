// Loaded with `node --import` into a child the memory benchmark starts: when the child exits it
// writes its peak resident set size (every thread of it) and CPU time to the file named by
// VOICESIM_PEAK_RSS_FILE. From inside, so no platform tool such as /usr/bin/time is needed.
import { writeFileSync } from "node:fs";

const target = process.env.VOICESIM_PEAK_RSS_FILE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes.
    writeFileSync(target, JSON.stringify({ peakRssMb: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
