// Seeded randomness for the generator: sfc32 streams derived from (seed, stage, keys), so no draw depends on iteration order.

/** Murmur3's finaliser: spreads every input bit over the 32-bit output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string, to turn stage names into stream keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit hash of integer parts; different orders or values give unrelated results. */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) h = fmix32((h ^ fmix32(part >>> 0)) + 0x7f4a7c15 + Math.imul(h, 31));
  return h;
}

/** sfc32 (Chris Doty-Humphrey's small fast counting generator): 128-bit state, passes PractRand, cheap in JS. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = hashInts(seed, 1);
    this.b = hashInts(seed, 2);
    this.c = hashInts(seed, 3);
    this.d = 1;
    // The first outputs of a freshly keyed sfc32 are still correlated with the key.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator of one stream: a stage name plus integer keys (area, agent, day …) under the run's seed. */
  static stream(seed: number, stage: string, ...keys: number[]): Rng {
    return new Rng(hashInts(seed, hashString(stage), ...keys));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer on [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal by Box–Muller; the second variate is discarded so each call costs a fixed two draws. */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Normal with the given mean and standard deviation, clamped to [low, high]. */
  clampedNormal(mean: number, sd: number, low: number, high: number): number {
    return Math.min(high, Math.max(low, mean + sd * this.normal()));
  }

  /** Lognormal given its median and the standard deviation of its logarithm. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential waiting time with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** A point uniform in a disc of the given radius around (x, y). */
  inDisc(x: number, y: number, radius: number): [number, number] {
    const r = radius * Math.sqrt(this.next());
    const angle = 2 * Math.PI * this.next();
    return [x + r * Math.cos(angle), y + r * Math.sin(angle)];
  }
}

/** Index i in [from, to) drawn from row-local cumulative weights (cumulative[to-1] is the row's total) with uniform u. */
export function sampleCumulative(cumulative: Float64Array, from: number, to: number, u: number): number {
  const target = u * cumulative[to - 1];
  let low = from;
  let high = to - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid] > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Index drawn with probability proportional to weights (non-negative, not all zero). */
export function sampleWeights(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let target = u * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}
