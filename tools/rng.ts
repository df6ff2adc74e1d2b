import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * A seeded random source. Every draw in voicesim comes from one of these, derived from
 * (run seed, labels...) so that a conversation, a turn or a fork gets its own independent
 * stream: forks and resumes replay exactly without carrying generator state around.
 */
export class Rng {
  readonly #gen: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(mix32(seed));
    // Nearby seeds start nearby; a few draws decorrelate the streams of sibling labels.
    for (let i = 0; i < 4; i++) this.#gen.next();
  }

  /** A generator for the given labels, independent of every other label path. */
  static derive(seed: number, ...labels: Array<string | number>): Rng {
    return new Rng(hashToSeed([String(seed), ...labels.map(String)].join("\u241f")));
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return uniformInt(this.#gen, min, max);
  }

  /** Float in [0, 1). */
  next(): number {
    return this.int(0, 0x7fffffff) / 0x80000000;
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** Pick by weight; weights need not sum to 1. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
    if (total <= 0) return this.pick(entries.map(([v]) => v));
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= Math.max(0, weight);
      if (roll < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the whole seed. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** FNV-1a 32-bit: a stable string hash used only to derive PRNG seeds. */
export function hashToSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
