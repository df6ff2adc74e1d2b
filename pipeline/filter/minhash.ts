import { hashToSeed } from "../../tools/index.ts";

/**
 * Near-duplicate detection by MinHash over word shingles with LSH banding (Broder 1997; Leskovec,
 * Rajaraman and Ullman, "Mining of Massive Datasets", ch. 3): pairs that share a band become
 * candidates, and a candidate pair is a duplicate when its estimated Jaccard similarity reaches
 * the threshold. Hand-written because it is thirty lines and the packages for it are unmaintained.
 */
export interface MinHashOptions {
  /** Jaccard similarity at which two texts are near-duplicates. */
  threshold: number;
  hashes?: number;
  bands?: number;
  shingle?: number;
}

export function normaliseForDedup(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").replace(/\s+/g, " ").trim();
}

function shingles(text: string, size: number): Set<string> {
  const words = normaliseForDedup(text).split(" ").filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i + size <= Math.max(words.length, size); i++) out.add(words.slice(i, i + size).join(" "));
  return out;
}

export function signature(text: string, hashes = 128, size = 3): Uint32Array {
  const sig = new Uint32Array(hashes).fill(0xffffffff);
  for (const shingle of shingles(text, size)) {
    const base = hashToSeed(shingle) >>> 0;
    const step = hashToSeed(`${shingle}#`) >>> 0 | 1;
    for (let i = 0; i < hashes; i++) {
      // Double hashing gives a family of hash functions from two (Kirsch and Mitzenmacher 2006).
      const h = (base + Math.imul(i, step)) >>> 0;
      if (h < (sig[i] as number)) sig[i] = h;
    }
  }
  return sig;
}

export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Groups of near-duplicate items (by index). Items in no group are distinct. Groups are
 * connected components of duplicate pairs, listed in input order.
 */
export function nearDuplicateGroups(texts: readonly string[], options: MinHashOptions): number[][] {
  return nearDuplicateGroupsOf(
    texts.map((t) => signature(t, options.hashes ?? 128, options.shingle ?? 3)),
    options,
  );
}

/**
 * nearDuplicateGroups over signatures made beforehand (with the same `hashes` and `shingle`): a
 * streamed filter keeps a call's signature, not its text.
 */
export function nearDuplicateGroupsOf(sigs: readonly Uint32Array[], options: Pick<MinHashOptions, "threshold" | "bands">): number[][] {
  const hashes = sigs[0]?.length ?? 128;
  const bands = options.bands ?? 32;
  const rows = Math.floor(hashes / bands);
  const parent = sigs.map((_, i) => i);
  // Iterative, with path compression: a long chain of unions must not overflow the stack.
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    for (let at = i; parent[at] !== root; ) {
      const next = parent[at] as number;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    sigs.forEach((sig, i) => {
      const key = Array.from(sig.subarray(band * rows, band * rows + rows)).join(",");
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let x = 1; x < bucket.length; x++) {
        const a = bucket[0] as number;
        const b = bucket[x] as number;
        if (find(a) !== find(b) && estimatedJaccard(sigs[a] as Uint32Array, sigs[b] as Uint32Array) >= options.threshold) parent[find(b)] = find(a);
      }
    }
  }
  // A push per member: copying the group for each one made a large group quadratic.
  const groups = new Map<number, number[]>();
  sigs.forEach((_, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}
