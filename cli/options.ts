import { InvalidArgumentError } from "commander";

/** Parses a whole number option, with the option's name in the error. */
export function intOption(name: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? "∞" : max}`);
    }
    return parsed;
  };
}

export function rateOption(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError(`${name} takes a number from 0 to 1`);
    return parsed;
  };
}

/** `--scenarios a,b,c` or `all`. */
export function listOption(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A default run directory name: runs/<pack>-<yyyymmdd-hhmmss>. */
export function defaultRunDir(packId: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `runs/${packId}-${stamp}`;
}
