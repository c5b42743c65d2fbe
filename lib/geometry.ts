// Planar polygon algorithms in metres (SWEREF 99 TM): orientation, validity, interior points, overlap and union areas.
import Flatbush from 'flatbush';
import { bboxOf, planarAreaM2, pointInGeometry, type BBox, type MultiPolygon, type Polygon, type Position } from './geojson.ts';

/**
 * Distances below this many coordinate units (metres here) count as zero when deciding whether segments touch or
 * run along each other. Far above the rounding error of metre coordinates (about 1e-9 m) and far below any
 * surveyed distance, so shared borders written with the same vertices are recognised as shared.
 */
export const EPSILON = 1e-6;

/** The polygons of a geometry as lists of rings, so Polygon and MultiPolygon share one code path. */
export function polygonsOf(geometry: Polygon | MultiPolygon): Position[][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** Signed area of a ring, positive when counter-clockwise with x east and y north; closed or not. */
export function ringSignedArea(ring: readonly Position[]): number {
  const n = ring.length;
  if (n < 3) return 0;
  // Measured from the first vertex so metre coordinates near 6.5e6 lose no precision in the products.
  const x0 = ring[0][0];
  const y0 = ring[0][1];
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) sum += (ring[j][0] - x0) * (ring[i][1] - y0) - (ring[i][0] - x0) * (ring[j][1] - y0);
  return sum / 2;
}

export function isClockwise(ring: readonly Position[]): boolean {
  return ringSignedArea(ring) < 0;
}

/** Even–odd test of one ring; a point on the border may fall either way. */
export function pointInRing(x: number, y: number, ring: readonly Position[]): boolean {
  return pointInGeometry([x, y], { type: 'Polygon', coordinates: [ring as Position[]] });
}

function ringBBox(ring: readonly Position[]): BBox {
  return bboxOf({ type: 'Polygon', coordinates: [ring as Position[]] });
}

function boxesOverlap(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

// ---- interior points ---------------------------------------------------------------------------------------

/**
 * The midpoint of the widest stretch of a horizontal line inside the polygon. The line runs halfway between the
 * vertex heights nearest the box centre, so it passes through no vertex (the approach of JTS InteriorPointArea).
 */
function polygonInteriorPoint(rings: readonly Position[][]): { position: Position; width: number } | null {
  const shell = rings[0];
  if (!shell || shell.length < 4) return null;
  const [, minY, , maxY] = ringBBox(shell);
  const centre = (minY + maxY) / 2;
  let below = -Infinity;
  let above = Infinity;
  for (const ring of rings) {
    for (const [, y] of ring) {
      if (y <= centre && y > below) below = y;
      if (y > centre && y < above) above = y;
    }
  }
  const scanY = Number.isFinite(below) && Number.isFinite(above) ? (below + above) / 2 : centre;
  const xs: number[] = [];
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      const [x1, y1] = ring[i - 1];
      const [x2, y2] = ring[i];
      if (y1 > scanY !== y2 > scanY) xs.push(x1 + ((scanY - y1) * (x2 - x1)) / (y2 - y1));
    }
  }
  xs.sort((a, b) => a - b);
  let best: { position: Position; width: number } | null = null;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const width = xs[i + 1] - xs[i];
    if (width > 0 && (!best || width > best.width)) best = { position: [(xs[i] + xs[i + 1]) / 2, scanY], width };
  }
  return best;
}

/**
 * A point strictly inside the geometry (unlike the centroid, which can fall outside a crescent or in a hole),
 * taken in the largest part; null for an empty or degenerate geometry.
 */
export function interiorPoint(geometry: Polygon | MultiPolygon): Position | null {
  let best: Position | null = null;
  let bestArea = -1;
  for (const rings of polygonsOf(geometry)) {
    const area = Math.abs(ringSignedArea(rings[0] ?? []));
    if (area <= bestArea) continue;
    const found = polygonInteriorPoint(rings);
    if (found) {
      best = found.position;
      bestArea = area;
    }
  }
  return best;
}

// ---- assembling rings ------------------------------------------------------------------------------------

/**
 * Polygons from a flat list of rings whose orientation tells shells from holes, as in shapefiles (shells clockwise)
 * or traced outlines (shells counter-clockwise). Each hole goes to the smallest shell containing it; a hole that no
 * shell contains is returned as a shell of its own (GDAL does the same) and its index is listed in `orphanHoles`.
 */
export function polygonsFromRings(
  rings: readonly Position[][],
  shellsClockwise: boolean,
): { polygons: Position[][][]; orphanHoles: number[] } {
  const shells: { rings: Position[][]; area: number; bbox: BBox }[] = [];
  const holes: number[] = [];
  rings.forEach((ring, i) => {
    const area = ringSignedArea(ring);
    if (area === 0) return;
    if (area < 0 === shellsClockwise) shells.push({ rings: [ring], area: Math.abs(area), bbox: ringBBox(ring) });
    else holes.push(i);
  });
  const orphanHoles: number[] = [];
  for (const i of holes) {
    const hole = rings[i];
    // A hole may touch its shell at vertices, so it is placed by a point strictly inside it.
    const inside = polygonInteriorPoint([hole])?.position ?? hole[0];
    let owner: (typeof shells)[number] | null = null;
    for (const shell of shells) {
      if (owner && shell.area >= owner.area) continue;
      const [x, y] = inside;
      if (x < shell.bbox[0] || x > shell.bbox[2] || y < shell.bbox[1] || y > shell.bbox[3]) continue;
      if (pointInRing(x, y, shell.rings[0])) owner = shell;
    }
    if (owner) owner.rings.push(hole);
    else {
      orphanHoles.push(i);
      shells.push({ rings: [hole.slice().reverse()], area: Math.abs(ringSignedArea(hole)), bbox: ringBBox(hole) });
    }
  }
  return { polygons: shells.map((shell) => shell.rings), orphanHoles };
}

// ---- edge sets -------------------------------------------------------------------------------------------

/** Directed edges of one or more polygons with an R-tree over them; the interior of each polygon lies to the left. */
interface EdgeSet {
  /** x1, y1, x2, y2 per edge. */
  coords: Float64Array;
  /** Which polygon (index in the caller's list) each edge belongs to. */
  owners: Int32Array;
  /** Previous and next edge in the same ring, for vertex neighbourhoods. */
  prev: Int32Array;
  next: Int32Array;
  /** Part and ring of each edge, for messages. */
  parts: Int32Array;
  ringIndex: Int32Array;
  count: number;
  index: Flatbush | null;
}

/** Rings with consecutive duplicate positions removed and the closing position restored. */
function cleanRing(ring: readonly Position[]): Position[] {
  const out: Position[] = [];
  for (const position of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== position[0] || last[1] !== position[1]) out.push([position[0], position[1]]);
  }
  if (out.length > 1 && (out[0][0] !== out[out.length - 1][0] || out[0][1] !== out[out.length - 1][1])) out.push([out[0][0], out[0][1]]);
  return out;
}

function buildEdgeSet(owned: { polygons: readonly Position[][][]; owner: number }[]): EdgeSet {
  let count = 0;
  for (const { polygons } of owned) for (const rings of polygons) for (const ring of rings) count += Math.max(0, ring.length - 1);
  const set: EdgeSet = {
    coords: new Float64Array(count * 4),
    owners: new Int32Array(count),
    prev: new Int32Array(count),
    next: new Int32Array(count),
    parts: new Int32Array(count),
    ringIndex: new Int32Array(count),
    count,
    index: count > 0 ? new Flatbush(count) : null,
  };
  let e = 0;
  for (const { polygons, owner } of owned) {
    polygons.forEach((rings, part) => {
      rings.forEach((ring, r) => {
        const first = e;
        const n = ring.length - 1;
        for (let i = 0; i < n; i++, e++) {
          const [x1, y1] = ring[i];
          const [x2, y2] = ring[i + 1];
          set.coords.set([x1, y1, x2, y2], e * 4);
          set.owners[e] = owner;
          set.parts[e] = part;
          set.ringIndex[e] = r;
          set.prev[e] = i === 0 ? first + n - 1 : e - 1;
          set.next[e] = i === n - 1 ? first : e + 1;
          set.index?.add(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2));
        }
      });
    });
  }
  set.index?.finish();
  return set;
}

/** A stretch of an edge that runs along an edge of another polygon, in edge parameters t0..t1. */
interface Coincidence {
  t0: number;
  t1: number;
  owner: number;
  /** Whether both edges point the same way, i.e. both interiors lie on the same side. */
  same: boolean;
}

/**
 * Cuts the segment a→b wherever it meets an edge of `set` (other than those of `skipOwner`) and calls `visit` for
 * each piece with the edges it runs along. Between cuts a piece is either wholly inside or wholly outside every
 * other polygon, so one point-in-polygon test at its midpoint classifies it.
 */
function forEachPiece(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  set: EdgeSet,
  skipOwner: number,
  visit: (x1: number, y1: number, x2: number, y2: number, along: Coincidence[]) => void,
): void {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  if (length2 === 0) return;
  const length = Math.sqrt(length2);
  const candidates = set.index
    ? set.index.search(Math.min(ax, bx) - EPSILON, Math.min(ay, by) - EPSILON, Math.max(ax, bx) + EPSILON, Math.max(ay, by) + EPSILON)
    : [];
  const cuts = [0, 1];
  const along: Coincidence[] = [];
  const { coords } = set;
  for (const k of candidates) {
    if (set.owners[k] === skipOwner) continue;
    const cx = coords[k * 4];
    const cy = coords[k * 4 + 1];
    const ex = coords[k * 4 + 2];
    const ey = coords[k * 4 + 3];
    const gx = ex - cx;
    const gy = ey - cy;
    const otherLength = Math.hypot(gx, gy);
    if (otherLength === 0) continue;
    // Signed distances of each segment's ends from the other's line: the same four numbers decide every case.
    const dC = (dx * (cy - ay) - dy * (cx - ax)) / length;
    const dD = (dx * (ey - ay) - dy * (ex - ax)) / length;
    const dA = (gx * (ay - cy) - gy * (ax - cx)) / otherLength;
    const dB = (gx * (by - cy) - gy * (bx - cx)) / otherLength;
    if (Math.abs(dC) <= EPSILON && Math.abs(dD) <= EPSILON && Math.abs(dA) <= EPSILON && Math.abs(dB) <= EPSILON) {
      const tC = ((cx - ax) * dx + (cy - ay) * dy) / length2;
      const tD = ((ex - ax) * dx + (ey - ay) * dy) / length2;
      const t0 = Math.max(0, Math.min(tC, tD));
      const t1 = Math.min(1, Math.max(tC, tD));
      if ((t1 - t0) * length > EPSILON) {
        cuts.push(t0, t1);
        along.push({ t0, t1, owner: set.owners[k], same: dx * gx + dy * gy > 0 });
      }
      continue;
    }
    if ((dC > EPSILON && dD > EPSILON) || (dC < -EPSILON && dD < -EPSILON)) continue;
    if ((dA > EPSILON && dB > EPSILON) || (dA < -EPSILON && dB < -EPSILON)) continue;
    if (dA === dB) continue;
    const t = dA / (dA - dB);
    if (t > 0 && t < 1) cuts.push(t);
  }
  cuts.sort((a, b) => a - b);
  // Cuts closer than the tolerance are merged: such short pieces carry no area worth misclassifying them for.
  const minStep = EPSILON / length;
  const kept = [0];
  for (const t of cuts) if (t - kept[kept.length - 1] > minStep) kept.push(t);
  if (kept.length === 1) return;
  kept[kept.length - 1] = 1;
  // Exact ends at t = 0 and t = 1, so pieces of consecutive edges meet at the very same vertex.
  const xAt = (t: number) => (t === 0 ? ax : t === 1 ? bx : ax + t * dx);
  const yAt = (t: number) => (t === 0 ? ay : t === 1 ? by : ay + t * dy);
  for (let i = 1; i < kept.length; i++) {
    const t0 = kept[i - 1];
    const t1 = kept[i];
    const mid = (t0 + t1) / 2;
    visit(xAt(t0), yAt(t0), xAt(t1), yAt(t1), along.length ? along.filter((c) => c.t0 <= mid && mid <= c.t1) : along);
  }
}

/** Whether (x, y) lies inside the polygons of one owner, by even–odd counting of the edges the ray to the east crosses. */
function edgeSetContains(set: EdgeSet, owner: number, x: number, y: number, maxX: number): boolean {
  if (!set.index) return false;
  let inside = false;
  const { coords } = set;
  for (const k of set.index.search(x, y, maxX, y)) {
    if (set.owners[k] !== owner) continue;
    const x1 = coords[k * 4];
    const y1 = coords[k * 4 + 1];
    const x2 = coords[k * 4 + 2];
    const y2 = coords[k * 4 + 3];
    if (y1 > y !== y2 > y && x < ((x2 - x1) * (y - y1)) / (y2 - y1) + x1) inside = !inside;
  }
  return inside;
}

// ---- prepared polygons -----------------------------------------------------------------------------------

/**
 * A polygon or multipolygon in planar metres, cleaned (no repeated vertices, rings closed) and oriented (shells
 * counter-clockwise, holes clockwise) with an R-tree over its edges, ready for repeated overlay queries.
 */
export class PlanarPolygon {
  readonly polygons: Position[][][];
  readonly bbox: BBox;
  /** Area in square units (m²), holes subtracted. */
  readonly area: number;
  /** @internal */
  readonly edges: EdgeSet;

  constructor(geometry: Polygon | MultiPolygon) {
    this.polygons = [];
    for (const rings of polygonsOf(geometry)) {
      const cleaned = rings.map(cleanRing);
      // A part without a usable shell has no area; unusable holes are dropped alone.
      if (!cleaned[0] || cleaned[0].length < 4) continue;
      this.polygons.push(
        cleaned.filter((ring) => ring.length >= 4).map((ring, r) => (isClockwise(ring) === (r === 0) ? ring.reverse() : ring)),
      );
    }
    this.edges = buildEdgeSet([{ polygons: this.polygons, owner: 0 }]);
    let bbox: BBox = [Infinity, Infinity, -Infinity, -Infinity];
    for (const rings of this.polygons) {
      const [minX, minY, maxX, maxY] = ringBBox(rings[0]);
      bbox = [Math.min(bbox[0], minX), Math.min(bbox[1], minY), Math.max(bbox[2], maxX), Math.max(bbox[3], maxY)];
    }
    this.bbox = bbox;
    this.area = planarAreaM2({ type: 'MultiPolygon', coordinates: this.polygons });
  }

  get isEmpty(): boolean {
    return this.edges.count === 0;
  }

  /** Whether the point lies inside (holes excluded); a point on the border may fall either way. */
  contains(x: number, y: number): boolean {
    if (x < this.bbox[0] || x > this.bbox[2] || y < this.bbox[1] || y > this.bbox[3]) return false;
    return edgeSetContains(this.edges, 0, x, y, this.bbox[2]);
  }

  /** Distance from the point to the polygon in coordinate units: 0 inside, else to the nearest edge. */
  distanceTo(x: number, y: number): number {
    if (this.contains(x, y)) return 0;
    const { coords, count } = this.edges;
    let best = Infinity;
    for (let e = 0; e < count; e++) {
      const ax = coords[e * 4];
      const ay = coords[e * 4 + 1];
      const dx = coords[e * 4 + 2] - ax;
      const dy = coords[e * 4 + 3] - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
      best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
    }
    return best;
  }

  toGeometry(): MultiPolygon {
    return { type: 'MultiPolygon', coordinates: this.polygons };
  }
}

/** Twice the signed area a directed segment contributes to a closed outline, measured from a local origin. */
function cross(x1: number, y1: number, x2: number, y2: number, ox: number, oy: number): number {
  return (x1 - ox) * (y2 - oy) - (x2 - ox) * (y1 - oy);
}

/** Edge ids of a set whose boxes meet the box. */
function edgesIn(set: EdgeSet, bbox: BBox): number[] {
  return set.index ? set.index.search(bbox[0] - EPSILON, bbox[1] - EPSILON, bbox[2] + EPSILON, bbox[3] + EPSILON) : [];
}

/**
 * Area of the intersection of two polygons (holes and multiple parts allowed), exact up to rounding.
 * By Green's theorem the area of A∩B is the contour integral over its border, and that border is made of the parts
 * of A's edges inside B, the parts of B's edges inside A, and the stretches where both run the same way; stretches
 * where they run opposite ways (a shared border between neighbours) are not part of it. No intersection polygon is
 * built, so shared borders, touching vertices and holes need no special cases — the weakness of Greiner–Hormann.
 */
export function intersectionArea(a: PlanarPolygon, b: PlanarPolygon): number {
  if (a.isEmpty || b.isEmpty || !boxesOverlap(a.bbox, b.bbox)) return 0;
  const ox = Math.max(a.bbox[0], b.bbox[0]);
  const oy = Math.max(a.bbox[1], b.bbox[1]);
  let sum = 0;
  const pass = (from: PlanarPolygon, against: PlanarPolygon, countSame: boolean) => {
    const { coords } = from.edges;
    for (const e of edgesIn(from.edges, against.bbox)) {
      forEachPiece(coords[e * 4], coords[e * 4 + 1], coords[e * 4 + 2], coords[e * 4 + 3], against.edges, -1, (x1, y1, x2, y2, along) => {
        const keep = along.length > 0 ? countSame && along.some((c) => c.same) : against.contains((x1 + x2) / 2, (y1 + y2) / 2);
        if (keep) sum += cross(x1, y1, x2, y2, ox, oy);
      });
    }
  };
  pass(a, b, true);
  pass(b, a, false);
  return Math.max(0, sum / 2);
}

export interface AreaPair {
  /** Index in the first list. */
  a: number;
  /** Index in the second list (or the same list for selfOverlaps). */
  b: number;
  /** Area of the intersection in square units (m²). */
  area: number;
}

/** Every pair (one from each list) whose intersection area exceeds minArea, pruned by an R-tree over the second list. */
export function intersectionAreas(first: readonly PlanarPolygon[], second: readonly PlanarPolygon[], minArea = 0): AreaPair[] {
  const index = boxIndex(second);
  const pairs: AreaPair[] = [];
  if (!index) return pairs;
  first.forEach((polygon, a) => {
    if (polygon.isEmpty) return;
    for (const b of index.search(...polygon.bbox)) {
      const area = intersectionArea(polygon, second[b]);
      if (area > minArea) pairs.push({ a, b, area });
    }
  });
  return pairs.sort((x, y) => x.a - y.a || x.b - y.b);
}

/** Pairs i < j of one list whose areas overlap by more than minArea: the check that areas of one level do not overlap. */
export function selfOverlaps(polygons: readonly PlanarPolygon[], minArea = 0, onProgress?: (done: number) => void): AreaPair[] {
  const index = boxIndex(polygons);
  const pairs: AreaPair[] = [];
  if (!index) return pairs;
  polygons.forEach((polygon, a) => {
    if (!polygon.isEmpty) {
      for (const b of index.search(...polygon.bbox)) {
        if (b <= a) continue;
        const area = intersectionArea(polygon, polygons[b]);
        if (area > minArea) pairs.push({ a, b, area });
      }
    }
    onProgress?.(a + 1);
  });
  return pairs.sort((x, y) => x.a - y.a || x.b - y.b);
}

function boxIndex(polygons: readonly PlanarPolygon[]): Flatbush | null {
  if (polygons.length === 0) return null;
  const index = new Flatbush(polygons.length);
  // Empty polygons get an unreachable box so indices still match list positions.
  for (const polygon of polygons) polygon.isEmpty ? index.add(Infinity, Infinity, Infinity, Infinity) : index.add(...polygon.bbox);
  index.finish();
  return index;
}

// ---- union outline ---------------------------------------------------------------------------------------

export interface UnionRing {
  /** Closed ring: counter-clockwise around covered land, clockwise around a hole (a gap between the polygons). */
  ring: Position[];
  /** Signed area in m²: positive for an outer ring, negative for a hole. */
  signedArea: number;
}

export interface UnionOutline {
  /** Area of the union in m² (overlaps counted once, holes excluded). */
  area: number;
  rings: UnionRing[];
  /** Border pieces that could not be closed into rings (rounding at near-touching borders); their count, for diagnostics. */
  openPieces: number;
}

/** Grid key of a position at 1 mm, to join piece ends computed in different passes. */
function nodeKey(x: number, y: number): string {
  return `${Math.round(x * 1000)},${Math.round(y * 1000)}`;
}

/**
 * The outline of the union of polygons: every stretch of every edge that lies inside no other polygon and is not a
 * border shared with a neighbour, chained into rings. Holes of the union are the gaps between the polygons.
 */
export function unionOutline(polygons: readonly PlanarPolygon[]): UnionOutline {
  const edges = buildEdgeSet(polygons.map((polygon, owner) => ({ polygons: polygon.polygons, owner })));
  const index = boxIndex(polygons);
  const pieces: number[] = [];
  let sum = 0;
  let ox = Infinity;
  let oy = Infinity;
  for (const polygon of polygons) {
    if (polygon.isEmpty) continue;
    ox = Math.min(ox, polygon.bbox[0]);
    oy = Math.min(oy, polygon.bbox[1]);
  }
  const { coords } = edges;
  for (let e = 0; e < edges.count; e++) {
    const owner = edges.owners[e];
    forEachPiece(coords[e * 4], coords[e * 4 + 1], coords[e * 4 + 2], coords[e * 4 + 3], edges, owner, (x1, y1, x2, y2, along) => {
      // A border shared with a neighbour is interior; a border two overlapping polygons share is kept once.
      if (along.some((c) => !c.same || c.owner < owner)) return;
      const mx = (x1 + x2) / 2;
      const my = (y1 + y2) / 2;
      for (const other of index?.search(mx, my, mx, my) ?? []) {
        if (other === owner || along.some((c) => c.owner === other)) continue;
        if (polygons[other].contains(mx, my)) return;
      }
      pieces.push(x1, y1, x2, y2);
      sum += cross(x1, y1, x2, y2, ox, oy);
    });
  }
  const { rings, openPieces } = chainPieces(pieces);
  return { area: sum / 2, rings, openPieces };
}

/**
 * Joins directed pieces end to start into closed rings. Where several pieces leave one node (outlines touching at
 * a vertex), the one turning most sharply right is taken, which keeps the covered side on the left and separates
 * the rings that touch there.
 */
function chainPieces(pieces: number[]): { rings: UnionRing[]; openPieces: number } {
  const count = pieces.length / 4;
  const outgoing = new Map<string, number[]>();
  for (let p = 0; p < count; p++) {
    const key = nodeKey(pieces[p * 4], pieces[p * 4 + 1]);
    const list = outgoing.get(key);
    if (list) list.push(p);
    else outgoing.set(key, [p]);
  }
  const used = new Uint8Array(count);
  const leaving = (x: number, y: number): number[] => {
    const exact = outgoing.get(nodeKey(x, y));
    if (exact?.some((p) => !used[p])) return exact;
    // Ends computed in different passes can straddle a grid line: look in the neighbouring cells too.
    const found: number[] = [];
    const kx = Math.round(x * 1000);
    const ky = Math.round(y * 1000);
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) found.push(...(outgoing.get(`${kx + i},${ky + j}`) ?? []));
    return found;
  };
  const rings: UnionRing[] = [];
  let openPieces = 0;
  for (let start = 0; start < count; start++) {
    if (used[start]) continue;
    const ring: Position[] = [[pieces[start * 4], pieces[start * 4 + 1]]];
    const startKey = nodeKey(pieces[start * 4], pieces[start * 4 + 1]);
    let current = start;
    let closed = false;
    let length = 0;
    for (;;) {
      used[current] = 1;
      length++;
      const x1 = pieces[current * 4];
      const y1 = pieces[current * 4 + 1];
      const x2 = pieces[current * 4 + 2];
      const y2 = pieces[current * 4 + 3];
      ring.push([x2, y2]);
      if (nodeKey(x2, y2) === startKey) {
        closed = true;
        break;
      }
      const options = leaving(x2, y2).filter((p) => !used[p]);
      if (options.length === 0) break;
      // Clockwise angle from the reversed incoming direction: the smallest is the sharpest right turn.
      const back = Math.atan2(y1 - y2, x1 - x2);
      let best = options[0];
      let bestAngle = Infinity;
      for (const p of options) {
        const out = Math.atan2(pieces[p * 4 + 3] - pieces[p * 4 + 1], pieces[p * 4 + 2] - pieces[p * 4]);
        let angle = back - out;
        while (angle <= 0) angle += 2 * Math.PI;
        while (angle > 2 * Math.PI) angle -= 2 * Math.PI;
        if (angle < bestAngle) {
          bestAngle = angle;
          best = p;
        }
      }
      current = best;
    }
    if (!closed) {
      openPieces += length;
      continue;
    }
    ring[ring.length - 1] = [ring[0][0], ring[0][1]];
    const signedArea = ringSignedArea(ring);
    if (signedArea !== 0) rings.push({ ring, signedArea });
  }
  return { rings, openPieces };
}

export interface Gap {
  /** Outline of the gap (clockwise, as a hole of the union). */
  ring: Position[];
  /** Area of the gap in m², islands of covered land inside it subtracted. */
  area: number;
  /** A point inside the gap. */
  position: Position;
}

/** Holes of the union of the polygons, i.e. uncovered land enclosed by them, largest first. */
export function unionGaps(outline: UnionOutline, minArea = 0): Gap[] {
  const shells = outline.rings.filter((r) => r.signedArea > 0).map((r) => ({ ...r, bbox: ringBBox(r.ring) }));
  const gaps: Gap[] = [];
  for (const hole of outline.rings) {
    if (hole.signedArea >= 0) continue;
    const bbox = ringBBox(hole.ring);
    let area = -hole.signedArea;
    for (const island of shells) {
      const [x, y] = island.ring[0];
      if (island.bbox[0] >= bbox[0] && island.bbox[2] <= bbox[2] && island.bbox[1] >= bbox[1] && island.bbox[3] <= bbox[3] && pointInRing(x, y, hole.ring)) {
        area -= island.signedArea;
      }
    }
    if (area <= minArea) continue;
    const position = polygonInteriorPoint([hole.ring])?.position ?? hole.ring[0];
    gaps.push({ ring: hole.ring, area, position });
  }
  return gaps.sort((x, y) => y.area - x.area);
}

/** The union of the polygons as one multipolygon (for a parent drawn from its children), or null when nothing closes. */
export function dissolve(polygons: readonly PlanarPolygon[]): MultiPolygon | null {
  const outline = unionOutline(polygons);
  const { polygons: parts } = polygonsFromRings(
    outline.rings.map((r) => r.ring),
    false,
  );
  return parts.length > 0 ? { type: 'MultiPolygon', coordinates: parts } : null;
}

// ---- validity --------------------------------------------------------------------------------------------

export type GeometryProblemKind =
  | 'non-finite'
  | 'unclosed-ring'
  | 'too-few-points'
  | 'zero-area'
  | 'self-intersection'
  | 'hole-outside-shell'
  | 'nested-parts';

export interface GeometryProblem {
  kind: GeometryProblemKind;
  /** Part (polygon of a multipolygon) and ring (0 = shell) the problem was found in. */
  part: number;
  ring: number;
  /** Where, in the geometry's coordinates, when it is a place. */
  position?: Position;
  message: string;
}

function isFinitePosition(position: unknown): boolean {
  return Array.isArray(position) && position.length >= 2 && Number.isFinite(position[0]) && Number.isFinite(position[1]);
}

/**
 * The defects of single rings: non-finite coordinates, not closed, fewer than three distinct positions, no area.
 * Checked on the geometry as given, before anything (like repairGeometry) closes or cleans its rings.
 */
export function ringProblems(geometry: Polygon | MultiPolygon): GeometryProblem[] {
  const problems: GeometryProblem[] = [];
  const parts = polygonsOf(geometry);
  parts.forEach((rings, part) => {
    rings.forEach((ring, r) => {
      const where = `${r === 0 ? 'shell' : `hole ${r}`}${parts.length > 1 ? ` of part ${part + 1}` : ''}`;
      if (!ring.every(isFinitePosition)) {
        problems.push({ kind: 'non-finite', part, ring: r, message: `the ${where} has a coordinate that is not a finite number` });
        return;
      }
      const first = ring[0];
      const last = ring[ring.length - 1];
      if (ring.length > 0 && (first[0] !== last[0] || first[1] !== last[1])) {
        problems.push({ kind: 'unclosed-ring', part, ring: r, position: first, message: `the ${where} is not closed (its last position differs from its first)` });
      }
      const distinct = cleanRing(ring).length;
      if (distinct < 4) {
        problems.push({ kind: 'too-few-points', part, ring: r, message: `the ${where} has ${Math.max(0, distinct - 1)} distinct positions; a ring needs at least 3 (4 with the closing one)` });
      } else if (isFlat(cleanRing(ring))) {
        problems.push({ kind: 'zero-area', part, ring: r, message: `the ${where} encloses no area` });
      }
    });
  });
  return problems;
}

/**
 * Everything that makes a polygon invalid in the OGC simple-features sense, in planar metres: rings not closed or
 * with fewer than four positions, non-finite coordinates, no area, edges that cross or run along each other
 * (within a ring, between rings or between parts), holes outside their shell and parts inside other parts.
 * Rings touching at single points are allowed, as shapefiles and most municipal data use them.
 */
export function geometryProblems(geometry: Polygon | MultiPolygon, options: { maxSelfIntersections?: number; prepared?: PlanarPolygon } = {}): GeometryProblem[] {
  const problems = ringProblems(geometry);
  if (problems.length > 0) return problems;
  if (polygonsOf(geometry).length === 0) return [{ kind: 'zero-area', part: 0, ring: 0, message: 'the geometry has no polygons' }];
  // The caller may have prepared the same geometry already; building the edge index is a third of the work.
  const prepared = options.prepared ?? new PlanarPolygon(geometry);
  problems.push(...selfIntersections(prepared.edges, options.maxSelfIntersections ?? 5));
  if (problems.length > 0) return problems;

  // Without crossings, one point inside a hole tells whether the whole hole lies in its shell.
  prepared.polygons.forEach((rings, part) => {
    for (let r = 1; r < rings.length; r++) {
      const inside = polygonInteriorPoint([rings[r]])?.position;
      if (inside && !pointInRing(inside[0], inside[1], rings[0])) {
        problems.push({ kind: 'hole-outside-shell', part, ring: r, position: inside, message: `hole ${r}${prepared.polygons.length > 1 ? ` of part ${part + 1}` : ''} lies outside its shell` });
      }
    }
  });
  for (const { part, inside, containers } of nestedParts(prepared.polygons)) {
    problems.push({ kind: 'nested-parts', part, ring: 0, position: inside, message: `part ${part + 1} lies inside part ${containers[0] + 1}; parts of a multipolygon must not overlap` });
  }
  return problems;
}

// ---- repair ----------------------------------------------------------------------------------------------

export type GeometryRepairKind = 'degenerate-ring' | 'spike' | 'twisted-lobe' | 'nested-part';

export interface GeometryRepair {
  kind: GeometryRepairKind;
  /** Part and ring in the input geometry. */
  part: number;
  ring: number;
  /** Area removed, in m² (0 for repairs that leave the covered set unchanged). */
  areaRemoved: number;
  position?: Position;
  message: string;
}

/**
 * Whether a ring encloses no area: all its vertices on one line. (A zero signed area is not enough: the two lobes of a
 * symmetric figure eight cancel.)
 */
function isFlat(ring: readonly Position[]): boolean {
  if (ring.length < 4) return true;
  const [ax, ay] = ring[0];
  let far = ring[0];
  let farthest = 0;
  for (const p of ring) {
    const d = Math.hypot(p[0] - ax, p[1] - ay);
    if (d > farthest) {
      farthest = d;
      far = p;
    }
  }
  if (farthest <= EPSILON) return true;
  const ux = (far[0] - ax) / farthest;
  const uy = (far[1] - ay) / farthest;
  return ring.every(([x, y]) => Math.abs(ux * (y - ay) - uy * (x - ax)) <= EPSILON);
}

/** Removes vertices where the ring runs out and straight back (zero-width spikes); returns where they were. */
function removeSpikes(ring: Position[]): { ring: Position[]; removed: Position[] } {
  const vertices = ring.slice(0, -1);
  const removed: Position[] = [];
  const isSpike = (a: Position, b: Position, c: Position) => {
    const ux = b[0] - a[0];
    const uy = b[1] - a[1];
    const length = Math.hypot(ux, uy);
    const offLine = Math.abs(ux * (c[1] - a[1]) - uy * (c[0] - a[0])) / length;
    return offLine <= EPSILON && ux * (c[0] - b[0]) + uy * (c[1] - b[1]) < 0;
  };
  let k = 0;
  let unchanged = 0;
  // Walk round the ring until a whole lap finds nothing more to remove; removing a tip can expose another.
  while (vertices.length >= 3 && unchanged < vertices.length) {
    const n = vertices.length;
    const a = vertices[(k + n - 1) % n];
    const b = vertices[k % n];
    const c = vertices[(k + 1) % n];
    // A tip removed leaves its two neighbours equal; the repeat goes without being counted as a spike.
    const repeated = a[0] === b[0] && a[1] === b[1];
    if (repeated || isSpike(a, b, c)) {
      if (!repeated) removed.push(b);
      vertices.splice(k % n, 1);
      unchanged = 0;
      k = Math.max(0, (k % n) - 1);
    } else {
      unchanged++;
      k = (k + 1) % n;
    }
  }
  return { ring: vertices.length > 0 ? [...vertices, vertices[0]] : [], removed };
}

/**
 * Splits a ring at the places it crosses itself into simple loops (the shape of a figure eight is two loops).
 * Gives up and returns the ring whole when the loops would run along each other or there are too many crossings.
 */
function splitLoops(ring: Position[], budget = { crossings: 50 }): Position[][] {
  const set = buildEdgeSet([{ polygons: [[ring]], owner: 0 }]);
  const crossing = findCrossings(set, 20).find((c) => c.kind === 'crossing');
  if (!crossing || budget.crossings-- <= 0) return [ring];
  const { i, j, position } = crossing;
  const n = ring.length - 1;
  const a: Position[] = [position];
  for (let k = i + 1; k <= j; k++) a.push(ring[k]);
  a.push(position);
  const b: Position[] = [position];
  for (let k = j + 1; k <= i + n; k++) b.push(ring[k % n]);
  b.push(position);
  return [cleanRing(a), cleanRing(b)].filter((loop) => loop.length >= 4).flatMap((loop) => splitLoops(loop, budget));
}

/**
 * Repairs the defects that format conversion and coordinate rounding leave in real files, without moving any border:
 * rings with fewer than three distinct positions or no area are dropped (a part, if it was its shell), zero-width
 * spikes are cut off, twisted lobes (a loop of the ring turned inside out, as when rounding pushes a vertex across
 * the next edge) are cut off when all of them together cover at most `maxLobeArea` m², and a part lying inside one
 * larger part becomes a hole in it. Whatever it cannot repair stays in the geometry for geometryProblems to report.
 */
export function repairGeometry(geometry: Polygon | MultiPolygon, maxLobeArea: number): { geometry: MultiPolygon; repairs: GeometryRepair[] } {
  const repairs: GeometryRepair[] = [];
  // First the defects of single rings, which never move a border: empty rings, spikes.
  const cleaned: { rings: Position[][]; part: number; ringIndex: number[] }[] = [];
  polygonsOf(geometry).forEach((rings, part) => {
    const kept: Position[][] = [];
    const ringIndex: number[] = [];
    for (let r = 0; r < rings.length; r++) {
      const role = r === 0 ? 'shell' : `hole ${r}`;
      const { ring, removed } = removeSpikes(cleanRing(rings[r]));
      for (const position of removed) {
        repairs.push({ kind: 'spike', part, ring: r, areaRemoved: 0, position, message: `removed a spike (the ${role} ran out and straight back)` });
      }
      if (ring.length < 4 || isFlat(ring)) {
        const message = r === 0 ? `dropped part ${part + 1}, whose shell encloses no area` : `dropped ${role}, which encloses no area`;
        repairs.push({ kind: 'degenerate-ring', part, ring: r, areaRemoved: 0, position: rings[r][0], message });
        if (r === 0) return;
        continue;
      }
      kept.push(ring);
      ringIndex.push(r);
    }
    cleaned.push({ rings: kept, part, ringIndex });
  });
  // Then twisted lobes: one search over all edges finds the rings that cross themselves; only those are split.
  const edges = buildEdgeSet([{ polygons: cleaned.map((c) => c.rings), owner: 0 }]);
  const twisted = new Set<string>();
  for (const crossing of findCrossings(edges, Infinity)) {
    const sameRing = edges.parts[crossing.i] === edges.parts[crossing.j] && edges.ringIndex[crossing.i] === edges.ringIndex[crossing.j];
    if (crossing.kind === 'crossing' && sameRing) twisted.add(`${edges.parts[crossing.i]}:${edges.ringIndex[crossing.i]}`);
  }
  const parts: Position[][][] = [];
  cleaned.forEach(({ rings, part, ringIndex }, c) => {
    const shells: Position[][] = [];
    const holes: Position[][] = [];
    rings.forEach((ring, k) => {
      const r = ringIndex[k];
      const target = r === 0 ? shells : holes;
      const loops = twisted.has(`${c}:${k}`) ? splitLoops(ring) : [ring];
      if (loops.length === 1) {
        target.push(ring);
        return;
      }
      // The loops turned the other way from the largest one are the twisted lobes.
      const largest = loops.reduce((best, loop) => (Math.abs(ringSignedArea(loop)) > Math.abs(ringSignedArea(best)) ? loop : best));
      const clockwise = isClockwise(largest);
      const lobes = loops.filter((loop) => isClockwise(loop) !== clockwise);
      const lobeArea = lobes.reduce((sum, loop) => sum + Math.abs(ringSignedArea(loop)), 0);
      if (lobes.length === 0 || lobeArea > maxLobeArea) {
        target.push(ring);
        return;
      }
      target.push(...loops.filter((loop) => isClockwise(loop) === clockwise));
      for (const lobe of lobes) {
        const area = Math.abs(ringSignedArea(lobe));
        const where = polygonInteriorPoint([lobe])?.position ?? lobe[0];
        const role = r === 0 ? 'shell' : `hole ${r}`;
        repairs.push({ kind: 'twisted-lobe', part, ring: r, areaRemoved: area, position: where, message: `cut off a twisted lobe of ${area.toFixed(1)} m² where the ${role} crosses itself` });
      }
    });
    if (shells.length === 1) {
      parts.push([shells[0], ...holes]);
      return;
    }
    // A shell cut in several loops: each hole goes with the loop that contains it (shells counter-clockwise, holes clockwise).
    const oriented = [...shells.map((ring) => (isClockwise(ring) ? ring.slice().reverse() : ring)), ...holes.map((ring) => (isClockwise(ring) ? ring : ring.slice().reverse()))];
    const { polygons, orphanHoles } = polygonsFromRings(oriented, false);
    // A hole outside every loop stays in the first one, where geometryProblems reports it.
    const assembled = polygons.slice(0, polygons.length - orphanHoles.length);
    assembled[0]?.push(...orphanHoles.map((i) => oriented[i]));
    parts.push(...assembled);
  });
  // A part inside another adds nothing to their union, so it can only mean a hole: files converted without ring
  // roles write holes as parts. Parity decides, as for rings: inside one part it is a hole, inside two an island.
  const holeOf = new Map<number, number>();
  for (const { part, containers, inside } of nestedParts(parts)) {
    if (containers.length % 2 === 0) continue;
    const host = containers[0];
    holeOf.set(part, host);
    const area = Math.abs(ringSignedArea(parts[part][0]));
    repairs.push({
      kind: 'nested-part',
      part,
      ring: 0,
      areaRemoved: area,
      position: inside,
      message: `read a part of ${area.toFixed(0)} m² lying inside another part as a hole in it (holes must be inner rings of their polygon, not parts)`,
    });
  }
  for (const [part, host] of holeOf) {
    const shell = parts[part][0];
    parts[host].push(isClockwise(shell) ? shell : shell.slice().reverse());
  }
  return { geometry: { type: 'MultiPolygon', coordinates: parts.filter((_, k) => !holeOf.has(k)) }, repairs };
}

/**
 * Parts lying inside larger parts (not in one of their holes), judged by an interior point, with every larger part
 * containing them, smallest first; assumes no edges cross.
 */
function nestedParts(parts: readonly Position[][][]): { part: number; containers: number[]; inside: Position }[] {
  if (parts.length < 2) return [];
  const areas = parts.map((rings) => Math.abs(ringSignedArea(rings[0])));
  const boxes = parts.map((rings) => ringBBox(rings[0]));
  const found: { part: number; containers: number[]; inside: Position }[] = [];
  parts.forEach((rings, part) => {
    const inside = polygonInteriorPoint(rings)?.position;
    if (!inside) return;
    const containers = parts
      .map((_, o) => o)
      .filter((o) => o !== part && areas[o] > areas[part] && boxesOverlap(boxes[o], boxes[part]) && pointInGeometry(inside, { type: 'Polygon', coordinates: parts[o] }))
      .sort((x, y) => areas[x] - areas[y]);
    if (containers.length > 0) found.push({ part, containers, inside });
  });
  return found;
}

/** Angle of the direction from v to p, for the vertex-crossing test. */
function direction(v: Position, p: Position): number {
  return Math.atan2(p[1] - v[1], p[0] - v[0]);
}

/** Counter-clockwise turn from angle `from` to angle `to`, in [0, 2π). */
function ccwTurn(from: number, to: number): number {
  const turn = (to - from) % (2 * Math.PI);
  return turn < 0 ? turn + 2 * Math.PI : turn;
}

/**
 * Whether two boundary paths through the shared vertex v cross there rather than touch: path A runs a1 → v → a2,
 * path B b1 → v → b2; they cross when b1 and b2 lie in different sectors cut out by A's two edges.
 */
function pathsCross(v: Position, a1: Position, a2: Position, b1: Position, b2: Position): boolean {
  const start = direction(v, a2);
  const span = ccwTurn(start, direction(v, a1));
  const side = (p: Position) => {
    const turn = ccwTurn(start, direction(v, p));
    return turn === 0 || turn === span ? 0 : turn < span ? 1 : -1;
  };
  const s1 = side(b1);
  const s2 = side(b2);
  return s1 !== 0 && s2 !== 0 && s1 !== s2;
}

/** A place where a boundary meets itself other than at consecutive edges: edges i and j (ids in the edge set). */
interface Crossing {
  i: number;
  j: number;
  kind: 'spike' | 'overlap' | 'crossing';
  position: Position;
  what: string;
}

/** Crossings and stretches run twice, plus spikes (reported with j = i), up to `limit`. */
function findCrossings(set: EdgeSet, limit: number): Crossing[] {
  const found: Crossing[] = [];
  const { coords } = set;
  const start = (e: number): Position => [coords[e * 4], coords[e * 4 + 1]];
  const end = (e: number): Position => [coords[e * 4 + 2], coords[e * 4 + 3]];
  /** Side of (px, py) relative to the directed edge e: +1 left, -1 right, 0 within the tolerance. Scalars: this runs per edge pair. */
  const side = (e: number, px: number, py: number) => {
    const ax = coords[e * 4];
    const ay = coords[e * 4 + 1];
    const dx = coords[e * 4 + 2] - ax;
    const dy = coords[e * 4 + 3] - ay;
    const d = (dx * (py - ay) - dy * (px - ax)) / Math.hypot(dx, dy);
    return d > EPSILON ? 1 : d < -EPSILON ? -1 : 0;
  };
  const sideOf = (e: number, p: Position) => side(e, p[0], p[1]);
  /** Parameter of p along e, for a p on e's line. */
  const along = (e: number, p: Position) => {
    const [ax, ay] = start(e);
    const [bx, by] = end(e);
    const dx = bx - ax;
    const dy = by - ay;
    return ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy);
  };
  const same = (p: Position, q: Position) => Math.hypot(p[0] - q[0], p[1] - q[1]) <= EPSILON;
  /** A vertex (start of edge e) lying inside edge f: the ring passes through f there when its neighbours are on both sides. */
  const vertexCrossesEdge = (e: number, f: number): boolean => sideOf(f, start(set.prev[e])) * sideOf(f, end(e)) < 0;

  for (let i = 0; i < set.count && found.length < limit; i++) {
    const ax = coords[i * 4];
    const ay = coords[i * 4 + 1];
    const bx = coords[i * 4 + 2];
    const by = coords[i * 4 + 3];
    // A spike: the ring runs back along the edge it came in on.
    const before = set.prev[i];
    if (before !== i && side(before, bx, by) === 0 && along(before, [bx, by]) < 1) {
      found.push({ i, j: i, kind: 'spike', position: start(i), what: 'the boundary doubles back on itself (a spike)' });
    }
    const candidates = set.index?.search(Math.min(ax, bx) - EPSILON, Math.min(ay, by) - EPSILON, Math.max(ax, bx) + EPSILON, Math.max(ay, by) + EPSILON) ?? [];
    for (const j of candidates) {
      if (j <= i || set.next[i] === j || set.prev[i] === j || found.length >= limit) continue;
      const sC = side(i, coords[j * 4], coords[j * 4 + 1]);
      const sD = side(i, coords[j * 4 + 2], coords[j * 4 + 3]);
      if (sC * sD > 0) continue;
      const sA = side(j, ax, ay);
      const sB = side(j, bx, by);
      if (sC * sD > 0 || sA * sB > 0) continue;
      if (sC === 0 && sD === 0 && sA === 0 && sB === 0) {
        const t0 = Math.max(0, Math.min(along(i, start(j)), along(i, end(j))));
        const t1 = Math.min(1, Math.max(along(i, start(j)), along(i, end(j))));
        if ((t1 - t0) * Math.hypot(bx - ax, by - ay) > EPSILON) {
          const t = (t0 + t1) / 2;
          found.push({ i, j, kind: 'overlap', position: [ax + t * (bx - ax), ay + t * (by - ay)], what: 'two edges run along each other' });
        }
        continue;
      }
      if (sC * sD < 0 && sA * sB < 0) {
        // Where the signed distances of j's ends from i's line fall to zero.
        const [cx, cy] = start(j);
        const [ex, ey] = end(j);
        const dC = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
        const dD = (bx - ax) * (ey - ay) - (by - ay) * (ex - ax);
        const u = dC / (dC - dD);
        found.push({ i, j, kind: 'crossing', position: [cx + u * (ex - cx), cy + u * (ey - cy)], what: 'edges cross' });
        continue;
      }
      // The edges touch at a point: only a vertex where the boundary passes through to the other side is a crossing.
      // Each vertex is examined as the start of its edge, so every touching point is judged once.
      const vi = start(i);
      const vj = start(j);
      if (same(vi, vj)) {
        if (pathsCross(vi, start(set.prev[i]), end(i), start(set.prev[j]), end(j))) found.push({ i, j, kind: 'crossing', position: vi, what: 'the boundary crosses itself at a vertex' });
      } else if (sC === 0 && !same(vj, end(i)) && along(i, vj) > 0 && along(i, vj) < 1) {
        if (vertexCrossesEdge(j, i)) found.push({ i, j, kind: 'crossing', position: vj, what: 'the boundary crosses an edge at a vertex' });
      } else if (sA === 0 && !same(vi, end(j)) && along(j, vi) > 0 && along(j, vi) < 1) {
        if (vertexCrossesEdge(i, j)) found.push({ i, j, kind: 'crossing', position: vi, what: 'the boundary crosses an edge at a vertex' });
      }
    }
  }
  return found;
}

function selfIntersections(set: EdgeSet, limit: number): GeometryProblem[] {
  return findCrossings(set, limit).map(({ i, position, what }) => ({
    kind: 'self-intersection',
    part: set.parts[i],
    ring: set.ringIndex[i],
    position,
    message: `${what} at (${position[0].toFixed(2)}, ${position[1].toFixed(2)})`,
  }));
}
