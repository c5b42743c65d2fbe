// A grid bucket index over points in metres: radius queries and nearest-point search in about constant time per hit.

export class GridIndex {
  private readonly minX: number;
  private readonly minY: number;
  private readonly columns: number;
  private readonly rows: number;
  /** start[b]..start[b+1] indexes `order` with the points of bucket b (compressed sparse rows). */
  private readonly start: Int32Array;
  private readonly order: Int32Array;
  /** Buffers `within` reuses across calls, allocated on first use. */
  private scratch: { found: Int32Array; distance2: Float64Array } | undefined;
  private visiting = false;

  constructor(
    readonly xs: ArrayLike<number>,
    readonly ys: ArrayLike<number>,
    readonly bucketSize: number,
  ) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      minX = Math.min(minX, xs[i]);
      maxX = Math.max(maxX, xs[i]);
      minY = Math.min(minY, ys[i]);
      maxY = Math.max(maxY, ys[i]);
    }
    this.minX = minX;
    this.minY = minY;
    this.columns = Math.max(1, Math.floor((maxX - minX) / bucketSize) + 1);
    this.rows = Math.max(1, Math.floor((maxY - minY) / bucketSize) + 1);
    const buckets = new Int32Array(xs.length);
    const counts = new Int32Array(this.columns * this.rows + 1);
    for (let i = 0; i < xs.length; i++) {
      buckets[i] = this.bucketOf(xs[i], ys[i]);
      counts[buckets[i] + 1]++;
    }
    for (let b = 0; b < this.columns * this.rows; b++) counts[b + 1] += counts[b];
    this.start = counts.slice();
    this.order = new Int32Array(xs.length);
    // Filling in index order keeps each bucket's points ascending, so every query visits them in a fixed order.
    for (let i = 0; i < xs.length; i++) this.order[counts[buckets[i]]++] = i;
  }

  private column(x: number): number {
    return Math.min(this.columns - 1, Math.max(0, Math.floor((x - this.minX) / this.bucketSize)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.bucketSize)));
  }

  private bucketOf(x: number, y: number): number {
    return this.row(y) * this.columns + this.column(x);
  }

  /** Calls visit(i, squaredDistance) for every point within `radius` of (x, y), bucket by bucket (not re-entrant). */
  within(x: number, y: number, radius: number, visit: (i: number, distance2: number) => void): void {
    if (this.visiting) throw new Error('GridIndex.within was called from inside its own visit callback; use collect with buffers of your own');
    this.scratch ??= { found: new Int32Array(this.xs.length), distance2: new Float64Array(this.xs.length) };
    const { found, distance2 } = this.scratch;
    const count = this.collect(x, y, radius, found, distance2);
    this.visiting = true;
    try {
      for (let n = 0; n < count; n++) visit(found[n], distance2[n]);
    } finally {
      this.visiting = false;
    }
  }

  /**
   * Writes the points within `radius` of (x, y) and their squared distances into `found` and `distance2` (each at least
   * as long as the point count) and returns how many, in bucket order.
   */
  collect(x: number, y: number, radius: number, found: Int32Array, distance2: Float64Array): number {
    const r2 = radius * radius;
    const c0 = this.column(x - radius);
    const c1 = this.column(x + radius);
    const r0 = this.row(y - radius);
    const r1 = this.row(y + radius);
    let count = 0;
    for (let row = r0; row <= r1; row++) {
      for (let column = c0; column <= c1; column++) {
        const bucket = row * this.columns + column;
        for (let k = this.start[bucket]; k < this.start[bucket + 1]; k++) {
          const i = this.order[k];
          const dx = this.xs[i] - x;
          const dy = this.ys[i] - y;
          const d2 = dx * dx + dy * dy;
          if (d2 <= r2) {
            found[count] = i;
            distance2[count++] = d2;
          }
        }
      }
    }
    return count;
  }

  /** The nearest point to (x, y) accepted by `accept` (ties to the lower index), or -1 if none; searches outward ring by ring. */
  nearest(x: number, y: number, accept: ((i: number) => boolean) | null = null): number {
    const cx = this.column(x);
    const cy = this.row(y);
    let best = -1;
    let bestD2 = Infinity;
    const maxRing = Math.max(this.columns, this.rows);
    for (let ring = 0; ring <= maxRing; ring++) {
      // Points in ring k+1 or beyond are at least k bucket widths away, so the search can stop.
      const reach = (ring - 1) * this.bucketSize;
      if (best >= 0 && reach > 0 && reach * reach > bestD2) break;
      for (let row = cy - ring; row <= cy + ring; row++) {
        if (row < 0 || row >= this.rows) continue;
        const edgeRow = row === cy - ring || row === cy + ring;
        for (let column = cx - ring; column <= cx + ring; column += edgeRow ? 1 : 2 * ring) {
          if (column < 0 || column >= this.columns) continue;
          const bucket = row * this.columns + column;
          for (let k = this.start[bucket]; k < this.start[bucket + 1]; k++) {
            const i = this.order[k];
            const dx = this.xs[i] - x;
            const dy = this.ys[i] - y;
            const d2 = dx * dx + dy * dy;
            if ((d2 < bestD2 || (d2 === bestD2 && i < best)) && (accept === null || accept(i))) {
              best = i;
              bestD2 = d2;
            }
          }
          if (ring === 0) break;
        }
      }
    }
    return best;
  }
}
