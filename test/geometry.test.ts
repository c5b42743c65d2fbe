// Tests for lib/geometry.ts: orientation, interior points, ring assembly, validity, repair, overlap and union areas.
import { describe, expect, it } from 'vitest';
import type { MultiPolygon, Polygon, Position } from '../lib/geojson.ts';
import {
  dissolve,
  geometryProblems,
  interiorPoint,
  intersectionArea,
  intersectionAreas,
  isClockwise,
  PlanarPolygon,
  pointInRing,
  polygonsFromRings,
  repairGeometry,
  ringSignedArea,
  selfOverlaps,
  unionGaps,
  unionOutline,
} from '../lib/geometry.ts';

const closed = (points: Position[]): Position[] => [...points, points[0]];
const polygon = (...rings: Position[][]): Polygon => ({ type: 'Polygon', coordinates: rings.map(closed) });
const rect = (x: number, y: number, w: number, h = w): Position[] => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
];
const square = (x: number, y: number, w: number, h = w) => new PlanarPolygon(polygon(rect(x, y, w, h)));
const planar = (geometry: Polygon | MultiPolygon) => new PlanarPolygon(geometry);

/** Sutherland–Hodgman against a convex counter-clockwise clip: a reference that is right whenever the clip is convex. */
function convexClipArea(subject: Position[], clip: Position[]): number {
  let output = subject;
  for (let i = 0; i < clip.length; i++) {
    const [ax, ay] = clip[i];
    const [bx, by] = clip[(i + 1) % clip.length];
    const inside = ([x, y]: Position) => (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0;
    const cut = ([px, py]: Position, [qx, qy]: Position): Position => {
      const dp = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
      const dq = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax);
      const t = dp / (dp - dq);
      return [px + t * (qx - px), py + t * (qy - py)];
    };
    const input = output;
    output = [];
    for (let k = 0; k < input.length; k++) {
      const current = input[k];
      const previous = input[(k + input.length - 1) % input.length];
      if (inside(current)) {
        if (!inside(previous)) output.push(cut(previous, current));
        output.push(current);
      } else if (inside(previous)) output.push(cut(previous, current));
    }
    if (output.length === 0) return 0;
  }
  let sum = 0;
  for (let i = 0; i < output.length; i++) {
    const [x1, y1] = output[i];
    const [x2, y2] = output[(i + 1) % output.length];
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}

/** A deterministic pseudo-random sequence (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A star-shaped (simple, usually concave) polygon around (cx, cy). */
function star(next: () => number, cx: number, cy: number, radius: number, vertices: number): Position[] {
  return Array.from({ length: vertices }, (_, i) => {
    const angle = (2 * Math.PI * i) / vertices;
    const r = radius * (0.3 + 0.7 * next());
    return [cx + r * Math.cos(angle), cy + r * Math.sin(angle)] as Position;
  });
}

/** A convex counter-clockwise polygon: points on a circle at random increasing angles. */
function convex(next: () => number, cx: number, cy: number, radius: number, vertices: number): Position[] {
  const angles = Array.from({ length: vertices }, () => next() * 2 * Math.PI).sort((a, b) => a - b);
  return angles.map((angle) => [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as Position);
}

describe('orientation and point in ring', () => {
  it('gives a counter-clockwise unit square area +1 and its reverse -1', () => {
    const ring = closed(rect(0, 0, 1));
    expect(ringSignedArea(ring)).toBe(1);
    expect(ringSignedArea(ring.slice().reverse())).toBe(-1);
    expect(isClockwise(ring)).toBe(false);
    expect(isClockwise(ring.slice().reverse())).toBe(true);
  });

  it('keeps full precision for metre coordinates far from the origin', () => {
    const ring = closed(rect(319_698.25, 6_400_328.75, 0.5, 0.25));
    expect(ringSignedArea(ring)).toBeCloseTo(0.125, 12);
  });

  it('tells points inside a concave ring from points in its notch', () => {
    const u = closed([
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ]);
    expect(pointInRing(0.5, 2, u)).toBe(true);
    expect(pointInRing(1.5, 2, u)).toBe(false);
    expect(pointInRing(1.5, 0.5, u)).toBe(true);
  });
});

describe('interiorPoint', () => {
  it('lies inside a U shape whose centroid falls in the notch', () => {
    const u = polygon([
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ]);
    const point = interiorPoint(u) as Position;
    expect(planar(u).contains(point[0], point[1])).toBe(true);
  });

  it('avoids the hole of a polygon and picks the largest part of a multipolygon', () => {
    const holed = polygon(rect(0, 0, 10), rect(2, 2, 6).reverse());
    const point = interiorPoint(holed) as Position;
    expect(planar(holed).contains(point[0], point[1])).toBe(true);
    const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [[closed(rect(0, 0, 1))], [closed(rect(10, 10, 5))]] };
    const [x, y] = interiorPoint(multi) as Position;
    expect(x).toBeGreaterThan(10);
    expect(y).toBeGreaterThan(10);
  });
});

describe('polygonsFromRings', () => {
  it('assigns a counter-clockwise hole to the clockwise shell that contains it, as in shapefiles', () => {
    const shell = closed(rect(0, 0, 10)).reverse();
    const hole = closed(rect(2, 2, 2));
    const island = closed(rect(20, 0, 5)).reverse();
    const { polygons, orphanHoles } = polygonsFromRings([shell, hole, island], true);
    expect(polygons).toHaveLength(2);
    expect(polygons[0]).toEqual([shell, hole]);
    expect(orphanHoles).toEqual([]);
    expect(planar({ type: 'MultiPolygon', coordinates: polygons }).area).toBe(100 - 4 + 25);
  });

  it('gives a hole the smallest shell around it and turns a hole outside every shell into a shell', () => {
    const outer = closed(rect(0, 0, 100)).reverse();
    const inner = closed(rect(10, 10, 20)).reverse();
    const hole = closed(rect(15, 15, 2));
    const stray = closed(rect(200, 200, 3));
    const { polygons, orphanHoles } = polygonsFromRings([outer, inner, hole, stray], true);
    expect(polygons.find((p) => p[0] === inner)).toEqual([inner, hole]);
    expect(orphanHoles).toEqual([3]);
    expect(polygons).toHaveLength(3);
  });
});

describe('intersectionArea', () => {
  it('measures hand-computed overlaps of squares', () => {
    expect(intersectionArea(square(0, 0, 2), square(1, 1, 2))).toBe(1);
    expect(intersectionArea(square(0, 0, 2), square(0, 0, 2))).toBe(4);
    expect(intersectionArea(square(0, 0, 2), square(0.5, 0.5, 1))).toBe(1);
    expect(intersectionArea(square(0, 0, 2), square(0, 0, 1))).toBe(1);
    expect(intersectionArea(square(0, 0, 2), square(5, 5, 1))).toBe(0);
  });

  it('gives zero for neighbours sharing a border, also along part of an edge and at a corner', () => {
    expect(intersectionArea(square(0, 0, 2), square(2, 0, 2))).toBe(0);
    expect(intersectionArea(square(0, 0, 2), square(2, 1, 2))).toBe(0);
    expect(intersectionArea(square(0, 0, 2), square(2, 2, 2))).toBe(0);
  });

  it('measures a concave L against a square (0.5·2 + 0.5·1.5 = 1.75)', () => {
    const l = planar(
      polygon([
        [0, 0],
        [3, 0],
        [3, 1],
        [1, 1],
        [1, 3],
        [0, 3],
      ]),
    );
    expect(l.area).toBe(5);
    expect(intersectionArea(l, square(0.5, 0.5, 2))).toBeCloseTo(1.75, 12);
  });

  it('measures a diamond |x| + |y| ≤ 1 against the unit square (0.5) and a triangle against a square', () => {
    const diamond = planar(
      polygon([
        [1, 0],
        [0, 1],
        [-1, 0],
        [0, -1],
      ]),
    );
    expect(intersectionArea(diamond, square(0, 0, 1))).toBeCloseTo(0.5, 12);
    const triangle = planar(
      polygon([
        [0, 0],
        [4, 0],
        [0, 4],
      ]),
    );
    // The square [1,3]² minus the corner above x + y = 4: 4 − 2 = 2.
    expect(intersectionArea(triangle, square(1, 1, 2))).toBeCloseTo(2, 12);
  });

  it('honours holes: a polygon filling the hole overlaps nothing, one covering all overlaps the ring', () => {
    const holed = planar(polygon(rect(0, 0, 4), rect(1, 1, 2).reverse()));
    expect(holed.area).toBe(12);
    expect(intersectionArea(holed, square(1, 1, 2))).toBe(0);
    expect(intersectionArea(holed, square(-1, -1, 6))).toBe(12);
    expect(intersectionArea(holed, square(0, 0, 4, 2))).toBe(6);
    expect(intersectionArea(square(0.5, 0.5, 3), holed)).toBe(9 - 4);
  });

  it('counts each part of a multipolygon', () => {
    const multi = planar({ type: 'MultiPolygon', coordinates: [[closed(rect(0, 0, 1))], [closed(rect(2, 0, 1))]] });
    expect(intersectionArea(multi, square(0.5, 0, 2))).toBe(0.5 + 0.5);
  });

  it('is the same either way round and at SWEREF 99 TM coordinates', () => {
    const e = 319_000;
    const n = 6_400_000;
    const a = square(e, n, 200);
    const b = square(e + 150, n + 50, 100);
    expect(intersectionArea(a, b)).toBeCloseTo(50 * 100, 6);
    expect(intersectionArea(b, a)).toBeCloseTo(50 * 100, 6);
  });

  it('agrees with a convex clip reference on 200 random concave subjects to 1e-9 relative', () => {
    const next = random(42);
    for (let i = 0; i < 200; i++) {
      const subject = star(next, 0, 0, 100, 5 + Math.floor(next() * 40));
      const clip = convex(next, (next() - 0.5) * 150, (next() - 0.5) * 150, 30 + next() * 100, 3 + Math.floor(next() * 12));
      const expected = convexClipArea(subject, clip);
      const actual = intersectionArea(planar(polygon(subject)), planar(polygon(clip)));
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
    }
  });

  it('agrees on 100 random pairs of concave polygons with the sum over a fan of convex triangles', () => {
    const next = random(7);
    for (let i = 0; i < 100; i++) {
      const a = star(next, 0, 0, 100, 6 + Math.floor(next() * 30));
      const [cx, cy] = [(next() - 0.5) * 120, (next() - 0.5) * 120];
      const b = star(next, cx, cy, 80, 6 + Math.floor(next() * 30));
      // A star polygon is the union of the disjoint triangles (centre, vᵢ, vᵢ₊₁), each convex and counter-clockwise.
      const expected = b.reduce((sum, v, k) => sum + convexClipArea(a, [[cx, cy], v, b[(k + 1) % b.length]]), 0);
      const pa = planar(polygon(a));
      const pb = planar(polygon(b));
      expect(Math.abs(intersectionArea(pa, pb) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
      expect(intersectionArea(pb, pa)).toBeCloseTo(intersectionArea(pa, pb), 9);
    }
  });
});

describe('overlaps and unions of many polygons', () => {
  const grid = (skip: (i: number, j: number) => boolean) => {
    const squares: PlanarPolygon[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (!skip(i, j)) squares.push(square(i * 1000, j * 1000, 1000));
    return squares;
  };

  it('finds no overlap among tiles and the pairs that do overlap', () => {
    expect(selfOverlaps(grid(() => false))).toEqual([]);
    const pairs = selfOverlaps([square(0, 0, 2), square(1, 1, 2), square(10, 10, 1), square(2.5, 2.5, 1)]);
    expect(pairs).toEqual([
      { a: 0, b: 1, area: 1 },
      { a: 1, b: 3, area: 0.25 },
    ]);
    expect(intersectionAreas([square(0, 0, 2)], [square(1, 0, 2), square(5, 5, 1)])).toEqual([{ a: 0, b: 0, area: 2 }]);
  });

  it('finds the hole in a ring of eight tiles as a gap of 1 km² with a point inside it', () => {
    const outline = unionOutline(grid((i, j) => i === 1 && j === 1));
    expect(outline.area).toBe(8e6);
    expect(outline.openPieces).toBe(0);
    const gaps = unionGaps(outline);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].area).toBe(1e6);
    const [x, y] = gaps[0].position;
    expect(x > 1000 && x < 2000 && y > 1000 && y < 2000).toBe(true);
  });

  it('counts overlapping polygons once in the union area', () => {
    expect(unionOutline([square(0, 0, 2), square(1, 1, 2)]).area).toBe(7);
    expect(unionOutline([square(0, 0, 2), square(0, 0, 2)]).area).toBe(4);
  });

  it('dissolves tiles into one polygon of their joint area', () => {
    const union = dissolve(grid(() => false)) as MultiPolygon;
    expect(union.coordinates).toHaveLength(1);
    expect(union.coordinates[0]).toHaveLength(1);
    expect(planar(union).area).toBe(9e6);
    const ring = dissolve(grid((i, j) => i === 1 && j === 1)) as MultiPolygon;
    expect(ring.coordinates[0]).toHaveLength(2);
    expect(planar(ring).area).toBe(8e6);
  });
});

describe('geometryProblems', () => {
  const kinds = (geometry: Polygon | MultiPolygon) => geometryProblems(geometry).map((p) => p.kind);

  it('accepts a valid polygon with a hole, and rings touching at one vertex', () => {
    expect(kinds(polygon(rect(0, 0, 4), rect(1, 1, 2).reverse()))).toEqual([]);
    const touching = polygon(
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
      ],
      [
        [0, 0],
        [1, 2],
        [2, 1],
      ],
    );
    expect(kinds(touching)).toEqual([]);
  });

  it('reports unclosed rings, too few points and no area', () => {
    const unclosed: Polygon = { type: 'Polygon', coordinates: [rect(0, 0, 1)] };
    expect(kinds(unclosed)).toContain('unclosed-ring');
    expect(kinds(polygon([[0, 0], [1, 1]]))).toEqual(['too-few-points']);
    expect(kinds(polygon([[0, 0], [1, 1], [2, 2]]))).toEqual(['zero-area']);
    expect(kinds({ type: 'Polygon', coordinates: [[[0, 0], [1, Number.NaN], [1, 1], [0, 0]]] })).toEqual(['non-finite']);
  });

  it('reports a bow-tie crossing where it crosses', () => {
    const bowtie = polygon([
      [0, 0],
      [4, 4],
      [4, 0],
      [0, 3],
    ]);
    const problems = geometryProblems(bowtie);
    expect(problems.map((p) => p.kind)).toEqual(['self-intersection']);
    const [x, y] = problems[0].position as Position;
    // The edges (0,0)→(4,4) and (4,0)→(0,3) cross at x = y = 12/7.
    expect(x).toBeCloseTo(12 / 7, 9);
    expect(y).toBeCloseTo(12 / 7, 9);
  });

  it('reports a ring passing through another edge at a vertex, and edges running along each other', () => {
    // The vertex (2, 0) lies on the first edge and the ring comes from above it and leaves below it.
    const throughVertex = polygon([
      [0, 0],
      [4, 0],
      [4, 3],
      [2, 0],
      [3, -2],
      [0, -2],
    ]);
    expect(geometryProblems(throughVertex).map((p) => p.message)).toEqual(['the boundary crosses an edge at a vertex at (2.00, 0.00)']);
    // The same vertex touching the edge from one side only is allowed.
    const touchingVertex = polygon([
      [0, 0],
      [4, 0],
      [4, 3],
      [2, 0],
      [0, 3],
    ]);
    expect(kinds(touchingVertex)).toEqual([]);
    const doubled = polygon([
      [0, 0],
      [4, 0],
      [4, 2],
      [3, 2],
      [3, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ]);
    expect(kinds(doubled)).toContain('self-intersection');
  });

  it('reports a hole outside its shell and a part inside another part', () => {
    expect(kinds(polygon(rect(0, 0, 2), rect(5, 5, 1).reverse()))).toEqual(['hole-outside-shell']);
    const nested: MultiPolygon = { type: 'MultiPolygon', coordinates: [[closed(rect(0, 0, 10))], [closed(rect(2, 2, 1))]] };
    expect(kinds(nested)).toEqual(['nested-parts']);
  });
});

describe('repairGeometry', () => {
  it('removes a spike without changing the area', () => {
    const spiked = polygon([
      [0, 0],
      [2, 0],
      [2, 1],
      [5, 1],
      [2, 1],
      [2, 2],
      [0, 2],
    ]);
    expect(geometryProblems(spiked).map((p) => p.kind)).toContain('self-intersection');
    const { geometry, repairs } = repairGeometry(spiked, 100);
    expect(repairs.map((r) => r.kind)).toEqual(['spike']);
    expect(geometryProblems(geometry)).toEqual([]);
    expect(planar(geometry).area).toBe(4);
  });

  it('cuts off a twisted lobe below the limit and leaves a larger one to be reported', () => {
    // A 10 × 10 square whose last vertex was pushed 0.5 across the first edge: a lobe of about 0.22 turned inside out.
    const twisted = polygon([
      [0, 0.5],
      [10, 0],
      [10, 10],
      [0, 10],
      [0.5, -0.5],
    ]);
    expect(geometryProblems(twisted).map((p) => p.kind)).toEqual(['self-intersection']);
    const { geometry, repairs } = repairGeometry(twisted, 1);
    expect(repairs.map((r) => r.kind)).toEqual(['twisted-lobe']);
    expect(repairs[0].areaRemoved).toBeGreaterThan(0);
    expect(repairs[0].areaRemoved).toBeLessThan(1);
    expect(geometryProblems(geometry)).toEqual([]);
    const bowtie = polygon([
      [0, 0],
      [4, 4],
      [4, 0],
      [0, 4],
    ]);
    const kept = repairGeometry(bowtie, 1);
    expect(kept.repairs).toEqual([]);
    expect(geometryProblems(kept.geometry).map((p) => p.kind)).toEqual(['self-intersection']);
  });

  it('drops an empty part and reads a part inside another part as a hole', () => {
    const withEmpty: MultiPolygon = { type: 'MultiPolygon', coordinates: [[closed(rect(0, 0, 2))], [[[5, 5], [6, 6], [5, 5]]]] };
    const dropped = repairGeometry(withEmpty, 100);
    expect(dropped.repairs.map((r) => r.kind)).toEqual(['degenerate-ring']);
    expect(dropped.geometry.coordinates).toHaveLength(1);
    const nested: MultiPolygon = { type: 'MultiPolygon', coordinates: [[closed(rect(0, 0, 10))], [closed(rect(2, 2, 1))], [closed(rect(20, 0, 1))]] };
    const { geometry, repairs } = repairGeometry(nested, 100);
    expect(repairs.map((r) => [r.kind, r.areaRemoved])).toEqual([['nested-part', 1]]);
    expect(geometryProblems(geometry)).toEqual([]);
    expect(planar(geometry).area).toBe(100 - 1 + 1);
  });
});

describe('PlanarPolygon.distanceTo', () => {
  it('is zero inside and the distance to the nearest edge outside', () => {
    const s = square(0, 0, 10);
    expect(s.distanceTo(5, 5)).toBe(0);
    expect(s.distanceTo(13, 14)).toBe(5);
    expect(s.distanceTo(-2, 5)).toBe(2);
  });
});
