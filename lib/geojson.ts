// Pure geometry functions over GeoJSON Point/Polygon/MultiPolygon: reprojection, area, centroid, lookups, simplification.
import { EPSG_SWEREF99TM, EPSG_WGS84, getTransform, type Crs } from './crs.ts';

export type Position = [number, number];
export interface Point {
  type: 'Point';
  coordinates: Position;
}
export interface Polygon {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygon {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export type Geometry = Point | Polygon | MultiPolygon;
/** [minX, minY, maxX, maxY] in the geometry's own coordinates. */
export type BBox = [number, number, number, number];

/** Decimals for output: 6 in degrees is about 0.1 m (RFC 7946 §11.2), 2 in metres is 1 cm. */
export const OUTPUT_DECIMALS: Record<Crs, number> = { WGS84: 6, SWEREF99TM: 2 };

/** The polygons of a geometry as lists of rings, so Polygon and MultiPolygon share one code path. */
function polygonsOf(geometry: Polygon | MultiPolygon): Position[][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** Rebuilds a geometry ring by ring; the generic keeps the caller's geometry type. */
function mapRings<G extends Geometry>(geometry: G, fn: (ring: Position[], isExterior: boolean) => Position[]): G {
  if (geometry.type === 'Point') return { type: 'Point', coordinates: geometry.coordinates } as G;
  const mapPolygon = (rings: Position[][]): Position[][] => rings.map((ring, i) => fn(ring, i === 0));
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: mapPolygon(geometry.coordinates) } as G;
  return { type: 'MultiPolygon', coordinates: geometry.coordinates.map(mapPolygon) } as G;
}

/** A new geometry with every position replaced by fn(position); the input is left untouched. */
export function mapPositions<G extends Geometry>(geometry: G, fn: (position: Position) => Position): G {
  if (geometry.type === 'Point') return { type: 'Point', coordinates: fn(geometry.coordinates) } as G;
  return mapRings(geometry, (ring) => ring.map(fn));
}

/** The geometry converted between EPSG codes; returned as is when the codes are equal. */
export function reproject<G extends Geometry>(geometry: G, fromEpsg: number, toEpsg: number): G {
  if (fromEpsg === toEpsg) return geometry;
  return mapPositions(geometry, getTransform(fromEpsg, toEpsg));
}

/** Positions rounded to `decimals`, e.g. OUTPUT_DECIMALS[crs], to keep responses small without visible loss. */
export function roundPositions<G extends Geometry>(geometry: G, decimals: number): G {
  const factor = 10 ** decimals;
  return mapPositions(geometry, ([x, y]) => [Math.round(x * factor) / factor, Math.round(y * factor) / factor]);
}

/** Twice the signed area of a ring: positive when counter-clockwise with x east and y north. */
function signedArea2(ring: Position[]): number {
  const n = ring.length;
  if (n < 3) return 0;
  // Measuring from the first vertex keeps products small, so metre coordinates near 6.5e6 lose no precision.
  const x0 = ring[0][0];
  const y0 = ring[0][1];
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += (ring[j][0] - x0) * (ring[i][1] - y0) - (ring[i][0] - x0) * (ring[j][1] - y0);
  }
  return sum;
}

/** Exterior rings counter-clockwise and holes clockwise, as RFC 7946 §3.1.6 asks of writers. */
export function rewindRfc7946<G extends Geometry>(geometry: G): G {
  return mapRings(geometry, (ring, isExterior) => {
    const ccw = signedArea2(ring) > 0;
    return ccw === isExterior ? ring.slice() : ring.slice().reverse();
  });
}

export function bboxOf(geometry: Geometry): BBox {
  if (geometry.type === 'Point') {
    const [x, y] = geometry.coordinates;
    return [x, y, x, y];
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const polygon of polygonsOf(geometry)) {
    // Holes lie inside the exterior, so only exterior rings can widen the box.
    const exterior = polygon[0];
    if (!exterior) continue;
    for (const [x, y] of exterior) {
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Ray-casting crossing count of one ring, half-open in y so a vertex on the ray is counted once. */
function ringCrossings(x: number, y: number, ring: Position[]): number {
  let crossings = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0];
    const yi = ring[i][1];
    const xj = ring[j][0];
    const yj = ring[j][1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) crossings++;
  }
  return crossings;
}

/**
 * Whether [x, y] lies in the polygon area (holes excluded); a Point never contains anything.
 * Even–odd ray casting assigns a point on a border shared by two areas to exactly one of them, so lookups never double count.
 */
export function pointInGeometry(position: Position, geometry: Geometry): boolean {
  if (geometry.type === 'Point') return false;
  const [x, y] = position;
  for (const polygon of polygonsOf(geometry)) {
    let crossings = 0;
    for (const ring of polygon) crossings += ringCrossings(x, y, ring);
    if (crossings % 2 === 1) return true;
  }
  return false;
}

function inBox(x: number, y: number, bbox: BBox): boolean {
  return x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3];
}

/** Liang–Barsky clipping: whether the segment from a to b touches the closed box. */
function segmentIntersectsBox(ax: number, ay: number, bx: number, by: number, bbox: BBox): boolean {
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  for (let side = 0; side < 4; side++) {
    // Each side (west, east, south, north) bounds t by p·t ≤ q: p is motion along its outward normal, q the start's distance inside.
    const p = side === 0 ? -dx : side === 1 ? dx : side === 2 ? -dy : dy;
    const q = side === 0 ? ax - bbox[0] : side === 1 ? bbox[2] - ax : side === 2 ? ay - bbox[1] : bbox[3] - ay;
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
  }
  return true;
}

/** Exact test whether the geometry (holes honoured) and the closed box share any point; both in the same CRS. */
export function geometryIntersectsBBox(geometry: Geometry, bbox: BBox): boolean {
  if (geometry.type === 'Point') return inBox(geometry.coordinates[0], geometry.coordinates[1], bbox);
  const own = bboxOf(geometry);
  if (own[0] > bbox[2] || own[2] < bbox[0] || own[1] > bbox[3] || own[3] < bbox[1]) return false;
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      for (const [x, y] of ring) if (inBox(x, y, bbox)) return true;
    }
  }
  const corners: Position[] = [
    [bbox[0], bbox[1]],
    [bbox[2], bbox[1]],
    [bbox[2], bbox[3]],
    [bbox[0], bbox[3]],
  ];
  for (const corner of corners) if (pointInGeometry(corner, geometry)) return true;
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      for (let i = 1; i < ring.length; i++) {
        if (segmentIntersectsBox(ring[i - 1][0], ring[i - 1][1], ring[i][0], ring[i][1], bbox)) return true;
      }
    }
  }
  return false;
}

/** Shoelace area in the geometry's own units squared (m² for SWEREF 99 TM), holes subtracted; a Point has none. */
export function planarAreaM2(geometry: Geometry): number {
  if (geometry.type === 'Point') return 0;
  let area = 0;
  for (const polygon of polygonsOf(geometry)) {
    polygon.forEach((ring, i) => {
      const ringArea = Math.abs(signedArea2(ring)) / 2;
      area += i === 0 ? ringArea : -ringArea;
    });
  }
  return area;
}

/** Area in km² of a WGS84 geometry; SWEREF 99 TM scale error is within ±0.1 % across Sweden, so its planar area is used. */
export function areaKm2(geometryWgs84: Geometry): number {
  return planarAreaM2(reproject(geometryWgs84, EPSG_WGS84, EPSG_SWEREF99TM)) / 1e6;
}

/**
 * Area-weighted centroid in the geometry's own coordinates, holes subtracted and parts weighted by area.
 * Falls back to the vertex mean when the area is zero, so degenerate input still yields a position.
 */
export function planarCentroid(geometry: Geometry): Position {
  if (geometry.type === 'Point') return [geometry.coordinates[0], geometry.coordinates[1]];
  const polygons = polygonsOf(geometry);
  const origin = polygons[0]?.[0]?.[0];
  if (!origin) return [NaN, NaN];
  // Moments are taken about one shared origin to keep products small in metre coordinates.
  const [x0, y0] = origin;
  let weight = 0;
  let mx = 0;
  let my = 0;
  let sumX = 0;
  let sumY = 0;
  let count = 0;
  for (const polygon of polygons) {
    polygon.forEach((ring, r) => {
      let a2 = 0;
      let cx = 0;
      let cy = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const xj = ring[j][0] - x0;
        const yj = ring[j][1] - y0;
        const xi = ring[i][0] - x0;
        const yi = ring[i][1] - y0;
        const cross = xj * yi - xi * yj;
        a2 += cross;
        cx += (xj + xi) * cross;
        cy += (yj + yi) * cross;
        sumX += xi;
        sumY += yi;
        count++;
      }
      // Orientation of the input is not trusted: exteriors add and holes subtract whatever their winding.
      const sign = (a2 < 0 ? -1 : 1) * (r === 0 ? 1 : -1);
      weight += (sign * a2) / 2;
      mx += (sign * cx) / 6;
      my += (sign * cy) / 6;
    });
  }
  if (weight === 0 || !Number.isFinite(weight)) return [x0 + sumX / count, y0 + sumY / count];
  return [x0 + mx / weight, y0 + my / weight];
}

/** Centroid of a WGS84 geometry, computed in SWEREF 99 TM where areas are true, returned in WGS84; a Point returns itself. */
export function centroid(geometryWgs84: Geometry): Position {
  if (geometryWgs84.type === 'Point') return [geometryWgs84.coordinates[0], geometryWgs84.coordinates[1]];
  const projected = reproject(geometryWgs84, EPSG_WGS84, EPSG_SWEREF99TM);
  return getTransform(EPSG_SWEREF99TM, EPSG_WGS84)(planarCentroid(projected));
}

/** Area in km² and WGS84 centroid of a WGS84 geometry from a single reprojection, for start-up over thousands of areas. */
export function areaAndCentroid(geometryWgs84: Geometry): { areaKm2: number; centroid: Position } {
  if (geometryWgs84.type === 'Point') return { areaKm2: 0, centroid: centroid(geometryWgs84) };
  const projected = reproject(geometryWgs84, EPSG_WGS84, EPSG_SWEREF99TM);
  return {
    areaKm2: planarAreaM2(projected) / 1e6,
    centroid: getTransform(EPSG_SWEREF99TM, EPSG_WGS84)(planarCentroid(projected)),
  };
}

/** Squared distance from p to the segment a–b; a zero-length segment measures to the point a. */
function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  let t = length2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / length2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (ax + t * dx);
  const ey = py - (ay + t * dy);
  return ex * ex + ey * ey;
}

/** Index of the vertex in (first, last) farthest from the segment first–last, with its squared distance. */
function farthest(xs: Float64Array, ys: Float64Array, first: number, last: number): [number, number] {
  let index = -1;
  let max = -1;
  for (let i = first + 1; i < last; i++) {
    const d = segmentDistance2(xs[i], ys[i], xs[first], ys[first], xs[last], ys[last]);
    if (d > max) {
      max = d;
      index = i;
    }
  }
  return [index, max];
}

/**
 * Douglas–Peucker over a closed ring, measured in projected metres but returning the original positions.
 * The closing vertex doubles as the end, so the first split goes at the vertex farthest from the start.
 */
function simplifyRing(ring: Position[], project: (position: Position) => Position, tolerance: number): Position[] {
  const n = ring.length;
  if (n <= 4) return ring.slice();
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y] = project(ring[i]);
    xs[i] = x;
    ys[i] = y;
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const tolerance2 = tolerance * tolerance;
  // An explicit stack instead of recursion, since rings of many thousand vertices would otherwise risk stack depth.
  const stack: number[] = [0, n - 1];
  while (stack.length > 0) {
    const last = stack.pop() as number;
    const first = stack.pop() as number;
    if (last - first < 2) continue;
    const [index, distance2] = farthest(xs, ys, first, last);
    if (distance2 > tolerance2) {
      keep[index] = 1;
      stack.push(first, index, index, last);
    }
  }
  const kept: Position[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) kept.push(ring[i]);
  if (kept.length >= 4) return kept;
  // Too small for the tolerance: keep the widest triangle so the ring stays valid and its area does not vanish.
  const [a] = farthest(xs, ys, 0, n - 1);
  let b = -1;
  let max = -1;
  for (let i = 1; i < n - 1; i++) {
    if (i === a) continue;
    const d = segmentDistance2(xs[i], ys[i], xs[0], ys[0], xs[a], ys[a]);
    if (d > max) {
      max = d;
      b = i;
    }
  }
  const [i1, i2] = a < b ? [a, b] : [b, a];
  return [ring[0], ring[i1], ring[i2], ring[n - 1]];
}

/**
 * Douglas–Peucker simplification with a tolerance in metres; WGS84 input is measured in SWEREF 99 TM.
 * Every ring keeps at least four positions, so no polygon or hole is dropped and the output stays valid GeoJSON.
 */
export function simplify<G extends Geometry>(geometry: G, toleranceMetres: number, crsOfGeometry: Crs): G {
  if (geometry.type === 'Point' || !(toleranceMetres > 0)) return mapRings(geometry, (ring) => ring.slice());
  const project = crsOfGeometry === 'WGS84' ? getTransform(EPSG_WGS84, EPSG_SWEREF99TM) : (p: Position) => p;
  return mapRings(geometry, (ring) => simplifyRing(ring, project, toleranceMetres));
}

/** A grid square in SWEREF 99 TM from its lower-left corner, as a closed counter-clockwise ring. */
export function squareFromLowerLeft(e: number, n: number, sizeMetres: number): Polygon {
  const e2 = e + sizeMetres;
  const n2 = n + sizeMetres;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [e, n],
        [e2, n],
        [e2, n2],
        [e, n2],
        [e, n],
      ],
    ],
  };
}
