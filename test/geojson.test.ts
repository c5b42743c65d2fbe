// Tests for the CRS conversions and geometry functions in lib/crs.ts and lib/geojson.ts.
import { describe, it, expect } from 'vitest';
import {
  crsToEpsg,
  epsgFromGeoJsonCrsName,
  fromWgs84,
  sweref99tmToWgs84,
  toWgs84,
  wgs84ToSweref99tm,
} from '../lib/crs.ts';
import {
  areaAndCentroid,
  areaKm2,
  bboxOf,
  centroid,
  geometryIntersectsBBox,
  mapPositions,
  planarAreaM2,
  planarCentroid,
  pointInGeometry,
  reproject,
  rewindRfc7946,
  roundPositions,
  simplify,
  squareFromLowerLeft,
  type MultiPolygon,
  type Polygon,
  type Position,
} from '../lib/geojson.ts';

/** Signed shoelace area, positive for counter-clockwise rings, computed independently of the library. */
function signedArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 1; i < ring.length; i++) sum += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return sum / 2;
}

function ring(points: Position[]): Position[] {
  return [...points, points[0]];
}

/** A circle of 360 vertices around (cx, cy) with deterministic ±2 m radial noise. */
function noisyCircle(cx: number, cy: number, radius: number): Polygon {
  const points: Position[] = [];
  for (let i = 0; i < 360; i++) {
    const angle = (i * Math.PI) / 180;
    const r = radius + 2 * Math.sin(i * 7.3) * Math.cos(i * 3.1);
    points.push([cx + r * Math.cos(angle), cy + r * Math.sin(angle)]);
  }
  return { type: 'Polygon', coordinates: [ring(points)] };
}

describe('crs', () => {
  it('converts an SCB reference point from WGS84 to SWEREF 99 TM within a centimetre of proj4 and 5 mm of SCB', () => {
    const [e, n] = wgs84ToSweref99tm([13.09577306, 55.5417832]);
    expect(Math.abs(e - 379844.1708)).toBeLessThan(0.01);
    expect(Math.abs(n - 6156729.8089)).toBeLessThan(0.01);
    expect(Math.abs(e - 379844.1709)).toBeLessThan(0.005);
    expect(Math.abs(n - 6156729.8055)).toBeLessThan(0.005);
  });

  it('converts the SCB reference point back from SWEREF 99 TM to the same WGS84 position', () => {
    const [lon, lat] = sweref99tmToWgs84([379844.1709, 6156729.8055]);
    // 1e-7 degrees is about 1 cm in latitude and 0.6 cm in longitude at this latitude.
    expect(Math.abs(lon - 13.09577306)).toBeLessThan(1e-7);
    expect(Math.abs(lat - 55.5417832)).toBeLessThan(1e-7);
  });

  it('places Göteborg C within a metre of its known SWEREF 99 TM coordinates, both ways', () => {
    const [e, n] = wgs84ToSweref99tm([11.9736, 57.7089]);
    expect(Math.abs(e - 319698.5)).toBeLessThan(1);
    expect(Math.abs(n - 6400328.7)).toBeLessThan(1);
    const [lon, lat] = sweref99tmToWgs84([319698.5, 6400328.7]);
    // At 57.7° N one metre is about 1.68e-5° of longitude and 0.9e-5° of latitude.
    expect(Math.abs(lon - 11.9736)).toBeLessThan(1.68e-5);
    expect(Math.abs(lat - 57.7089)).toBeLessThan(0.9e-5);
  });

  it('gives the same result through toWgs84/fromWgs84 with EPSG codes as through the SWEREF 99 TM shortcuts', () => {
    expect(fromWgs84([11.9736, 57.7089], 3006)).toEqual(wgs84ToSweref99tm([11.9736, 57.7089]));
    expect(toWgs84([319698.5, 6400328.7], 3006)).toEqual(sweref99tmToWgs84([319698.5, 6400328.7]));
  });

  it('puts a point on the central meridian of SWEREF 99 12 00 at easting 150000 and round-trips it', () => {
    const [e, n] = fromWgs84([12, 57.7], 3007);
    expect(e).toBeCloseTo(150000, 6);
    expect(n).toBeGreaterThan(6390000);
    expect(n).toBeLessThan(6410000);
    const [lon, lat] = toWgs84([e, n], 3007);
    expect(lon).toBeCloseTo(12, 9);
    expect(lat).toBeCloseTo(57.7, 9);
  });

  it('round-trips an off-meridian point through local zone EPSG:3007 to within a millimetre', () => {
    const start: Position = [12.4, 56.05];
    const local = fromWgs84(start, 3007);
    expect(local[0]).toBeGreaterThan(150000);
    const back = fromWgs84(toWgs84(local, 3007), 3007);
    expect(Math.abs(back[0] - local[0])).toBeLessThan(0.001);
    expect(Math.abs(back[1] - local[1])).toBeLessThan(0.001);
  });

  it('uses different central meridians for different local zones', () => {
    const [e3007] = fromWgs84([15, 60], 3007);
    const [e3009] = fromWgs84([15, 60], 3009);
    expect(e3009).toBeCloseTo(150000, 6);
    expect(e3007).toBeGreaterThan(300000);
  });

  it('refuses EPSG codes it has no definition for', () => {
    expect(() => toWgs84([0, 0], 2400)).toThrow(/Unsupported EPSG code 2400/);
  });

  it('maps the client CRS names to their EPSG codes', () => {
    expect(crsToEpsg('WGS84')).toBe(4326);
    expect(crsToEpsg('SWEREF99TM')).toBe(3006);
  });

  it('reads the EPSG code from the usual spellings of a GeoJSON CRS name', () => {
    expect(epsgFromGeoJsonCrsName('urn:ogc:def:crs:EPSG::3006')).toBe(3006);
    expect(epsgFromGeoJsonCrsName('urn:ogc:def:crs:EPSG:6.6:3007')).toBe(3007);
    expect(epsgFromGeoJsonCrsName('EPSG:3006')).toBe(3006);
    expect(epsgFromGeoJsonCrsName('epsg:3018')).toBe(3018);
    expect(epsgFromGeoJsonCrsName('http://www.opengis.net/def/crs/EPSG/0/3006')).toBe(3006);
    expect(epsgFromGeoJsonCrsName('https://www.opengis.net/def/crs/EPSG/0/4326')).toBe(4326);
    expect(epsgFromGeoJsonCrsName('http://www.opengis.net/gml/srs/epsg.xml#3006')).toBe(3006);
  });

  it('treats every spelling of CRS84 as WGS84', () => {
    expect(epsgFromGeoJsonCrsName('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe(4326);
    expect(epsgFromGeoJsonCrsName('urn:ogc:def:crs:OGC::CRS84')).toBe(4326);
    expect(epsgFromGeoJsonCrsName('http://www.opengis.net/def/crs/OGC/1.3/CRS84')).toBe(4326);
    expect(epsgFromGeoJsonCrsName('CRS84')).toBe(4326);
  });

  it('returns null for CRS names it does not recognise', () => {
    expect(epsgFromGeoJsonCrsName('SWEREF99TM')).toBeNull();
    expect(epsgFromGeoJsonCrsName('urn:ogc:def:crs:EPSG::')).toBeNull();
    expect(epsgFromGeoJsonCrsName('')).toBeNull();
  });
});

describe('reprojection and rounding', () => {
  it('reprojects a square to WGS84 and back to within a millimetre without touching the input', () => {
    const square = squareFromLowerLeft(674000, 6580000, 1000);
    const copy = structuredClone(square);
    const back = reproject(reproject(square, 3006, 4326), 4326, 3006);
    expect(square).toEqual(copy);
    back.coordinates[0].forEach(([e, n], i) => {
      expect(Math.abs(e - square.coordinates[0][i][0])).toBeLessThan(0.001);
      expect(Math.abs(n - square.coordinates[0][i][1])).toBeLessThan(0.001);
    });
  });

  it('applies the mapping function to every position of a MultiPolygon', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [squareFromLowerLeft(0, 0, 1).coordinates, squareFromLowerLeft(5, 5, 1).coordinates],
    };
    const shifted = mapPositions(multi, ([x, y]) => [x + 10, y + 20]);
    expect(shifted.type).toBe('MultiPolygon');
    expect(shifted.coordinates[1][0][0]).toEqual([15, 25]);
    expect(multi.coordinates[1][0][0]).toEqual([5, 5]);
  });

  it('rounds positions to the requested number of decimals', () => {
    const rounded = roundPositions({ type: 'Point', coordinates: [18.0685812345, 59.3293238765] }, 6);
    expect(rounded.coordinates).toEqual([18.068581, 59.329324]);
    const metres = roundPositions({ type: 'Point', coordinates: [674032.35678, 6580821.994] }, 2);
    expect(metres.coordinates).toEqual([674032.36, 6580821.99]);
  });
});

describe('rewindRfc7946', () => {
  const clockwiseExterior: Position[] = ring([
    [0, 0],
    [0, 10],
    [10, 10],
    [10, 0],
  ]);
  const counterClockwiseHole: Position[] = ring([
    [2, 2],
    [4, 2],
    [4, 4],
    [2, 4],
  ]);

  it('turns exterior rings counter-clockwise and holes clockwise', () => {
    const polygon: Polygon = { type: 'Polygon', coordinates: [clockwiseExterior, counterClockwiseHole] };
    const wound = rewindRfc7946(polygon);
    expect(signedArea(wound.coordinates[0])).toBeGreaterThan(0);
    expect(signedArea(wound.coordinates[1])).toBeLessThan(0);
    expect(signedArea(polygon.coordinates[0])).toBeLessThan(0);
  });

  it('leaves correctly wound MultiPolygon rings in their original order', () => {
    const square = squareFromLowerLeft(0, 0, 1);
    const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [square.coordinates] };
    expect(rewindRfc7946(multi).coordinates).toEqual(multi.coordinates);
  });
});

describe('pointInGeometry', () => {
  const withHole: Polygon = {
    type: 'Polygon',
    coordinates: [
      ring([
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
      ]),
      ring([
        [3, 3],
        [3, 7],
        [7, 7],
        [7, 3],
      ]),
    ],
  };

  it('finds a point between the exterior and a hole inside the polygon', () => {
    expect(pointInGeometry([1, 1], withHole)).toBe(true);
    expect(pointInGeometry([8.5, 5], withHole)).toBe(true);
  });

  it('treats a point in a hole as outside', () => {
    expect(pointInGeometry([5, 5], withHole)).toBe(false);
  });

  it('treats a point beyond the exterior as outside', () => {
    expect(pointInGeometry([11, 5], withHole)).toBe(false);
    expect(pointInGeometry([5, -0.001], withHole)).toBe(false);
  });

  it('finds a point in any part of a MultiPolygon', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [withHole.coordinates, squareFromLowerLeft(20, 20, 5).coordinates],
    };
    expect(pointInGeometry([22, 22], multi)).toBe(true);
    expect(pointInGeometry([1, 1], multi)).toBe(true);
    expect(pointInGeometry([5, 5], multi)).toBe(false);
    expect(pointInGeometry([15, 15], multi)).toBe(false);
  });

  it('assigns a point on a border shared by two squares to exactly one of them', () => {
    const west = squareFromLowerLeft(0, 0, 1000);
    const east = squareFromLowerLeft(1000, 0, 1000);
    const onBorder: Position = [1000, 400];
    expect(Number(pointInGeometry(onBorder, west)) + Number(pointInGeometry(onBorder, east))).toBe(1);
  });

  it('assigns a corner shared by four squares to exactly one of them', () => {
    const squares = [
      squareFromLowerLeft(0, 0, 1000),
      squareFromLowerLeft(1000, 0, 1000),
      squareFromLowerLeft(0, 1000, 1000),
      squareFromLowerLeft(1000, 1000, 1000),
    ];
    expect(squares.filter((square) => pointInGeometry([1000, 1000], square))).toHaveLength(1);
  });

  it('never reports a point inside a Point geometry', () => {
    expect(pointInGeometry([1, 1], { type: 'Point', coordinates: [1, 1] })).toBe(false);
  });
});

describe('bbox', () => {
  it('computes the bounding box over all parts of a MultiPolygon', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [squareFromLowerLeft(-5, 2, 1).coordinates, squareFromLowerLeft(10, 20, 3).coordinates],
    };
    expect(bboxOf(multi)).toEqual([-5, 2, 13, 23]);
    expect(bboxOf({ type: 'Point', coordinates: [3, 4] })).toEqual([3, 4, 3, 4]);
  });

  const triangle: Polygon = {
    type: 'Polygon',
    coordinates: [
      ring([
        [0, 0],
        [10, 0],
        [0, 10],
      ]),
    ],
  };

  it('intersects a box lying wholly inside the polygon', () => {
    expect(geometryIntersectsBBox(triangle, [1, 1, 2, 2])).toBe(true);
  });

  it('intersects a box that contains the whole polygon', () => {
    expect(geometryIntersectsBBox(triangle, [-1, -1, 11, 11])).toBe(true);
  });

  it('intersects a box that only a polygon edge crosses, with no vertex or corner inside the other', () => {
    const sliver: Polygon = {
      type: 'Polygon',
      coordinates: [
        ring([
          [-10, 4.9],
          [10, 4.9],
          [10, 5.1],
          [-10, 5.1],
        ]),
      ],
    };
    expect(geometryIntersectsBBox(sliver, [0, 0, 1, 10])).toBe(true);
  });

  it('does not intersect a box inside the polygon bbox but beyond its diagonal edge', () => {
    expect(geometryIntersectsBBox(triangle, [8, 8, 9, 9])).toBe(false);
  });

  it('does not intersect a box far from the polygon', () => {
    expect(geometryIntersectsBBox(triangle, [20, 20, 30, 30])).toBe(false);
  });

  it('does not intersect a box lying wholly inside a hole', () => {
    const withHole: Polygon = {
      type: 'Polygon',
      coordinates: [squareFromLowerLeft(0, 0, 10).coordinates[0], squareFromLowerLeft(2, 2, 6).coordinates[0]],
    };
    expect(geometryIntersectsBBox(withHole, [4, 4, 5, 5])).toBe(false);
    expect(geometryIntersectsBBox(withHole, [1, 4, 5, 5])).toBe(true);
  });

  it('intersects a Point only when it lies in the box', () => {
    expect(geometryIntersectsBBox({ type: 'Point', coordinates: [1, 1] }, [0, 0, 2, 2])).toBe(true);
    expect(geometryIntersectsBBox({ type: 'Point', coordinates: [3, 1] }, [0, 0, 2, 2])).toBe(false);
  });
});

describe('area', () => {
  it('gives a 1 km grid square an area of 1 000 000 m²', () => {
    expect(planarAreaM2(squareFromLowerLeft(674000, 6580000, 1000))).toBeCloseTo(1e6, 3);
  });

  it('gives a 1 km grid square an area of 1 km² from its WGS84 coordinates', () => {
    const wgs84 = reproject(squareFromLowerLeft(674000, 6580000, 1000), 3006, 4326);
    expect(areaKm2(wgs84)).toBeCloseTo(1, 6);
  });

  it('counts clockwise rings as positive area and subtracts holes', () => {
    const outer = squareFromLowerLeft(0, 0, 10).coordinates[0].slice().reverse();
    const hole = squareFromLowerLeft(2, 2, 2).coordinates[0];
    expect(planarAreaM2({ type: 'Polygon', coordinates: [outer, hole] })).toBeCloseTo(96, 9);
  });

  it('sums the parts of a MultiPolygon', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [squareFromLowerLeft(0, 0, 1000).coordinates, squareFromLowerLeft(5000, 0, 2000).coordinates],
    };
    expect(planarAreaM2(multi)).toBeCloseTo(5e6, 3);
  });
});

describe('centroid', () => {
  it('puts the centroid of a WGS84 grid square at its SWEREF 99 TM centre', () => {
    const wgs84 = reproject(squareFromLowerLeft(674000, 6580000, 1000), 3006, 4326);
    const [e, n] = wgs84ToSweref99tm(centroid(wgs84));
    expect(Math.abs(e - 674500)).toBeLessThan(0.01);
    expect(Math.abs(n - 6580500)).toBeLessThan(0.01);
  });

  it('moves the centroid away from a hole', () => {
    const withHole: Polygon = {
      type: 'Polygon',
      coordinates: [squareFromLowerLeft(0, 0, 10).coordinates[0], squareFromLowerLeft(1, 1, 2).coordinates[0]],
    };
    const [x, y] = planarCentroid(withHole);
    expect(x).toBeCloseTo(492 / 96, 9);
    expect(y).toBeCloseTo(492 / 96, 9);
  });

  it('weights the parts of a MultiPolygon by their area', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [squareFromLowerLeft(0, 0, 1).coordinates, squareFromLowerLeft(10, 0, 2).coordinates],
    };
    const [x, y] = planarCentroid(multi);
    expect(x).toBeCloseTo(8.9, 9);
    expect(y).toBeCloseTo(0.9, 9);
  });

  it('gives the same area and centroid in one call as areaKm2 and centroid separately', () => {
    const wgs84 = reproject(noisyCircle(674000, 6580000, 1000), 3006, 4326);
    const both = areaAndCentroid(wgs84);
    expect(both.areaKm2).toBeCloseTo(areaKm2(wgs84), 12);
    expect(both.areaKm2).toBeCloseTo(Math.PI, 1);
    expect(both.centroid).toEqual(centroid(wgs84));
  });

  it('returns a Point as its own centroid', () => {
    expect(centroid({ type: 'Point', coordinates: [18.07, 59.33] })).toEqual([18.07, 59.33]);
  });
});

describe('simplify', () => {
  const circle = noisyCircle(674000, 6580000, 1000);

  it('reduces the vertex count of a noisy circle and keeps the ring closed and its area', () => {
    const simple = simplify(circle, 10, 'SWEREF99TM');
    const outer = simple.coordinates[0];
    expect(outer.length).toBeLessThan(60);
    expect(outer.length).toBeGreaterThanOrEqual(4);
    expect(outer[outer.length - 1]).toEqual(outer[0]);
    expect(Math.abs(planarAreaM2(simple) / planarAreaM2(circle) - 1)).toBeLessThan(0.02);
  });

  it('keeps only positions of the input', () => {
    const input = new Set(circle.coordinates[0].map(([x, y]) => `${x},${y}`));
    for (const [x, y] of simplify(circle, 10, 'SWEREF99TM').coordinates[0]) expect(input.has(`${x},${y}`)).toBe(true);
  });

  it('measures the tolerance of a WGS84 geometry in metres', () => {
    const wgs84 = reproject(circle, 3006, 4326);
    const fromWgs84Input = simplify(wgs84, 10, 'WGS84').coordinates[0].length;
    const fromMetricInput = simplify(circle, 10, 'SWEREF99TM').coordinates[0].length;
    expect(fromWgs84Input).toBe(fromMetricInput);
    expect(fromWgs84Input).toBeLessThan(wgs84.coordinates[0].length);
  });

  it('keeps a polygon smaller than the tolerance as a valid four-position ring with area', () => {
    const tiny = noisyCircle(674000, 6580000, 20);
    const simple = simplify(tiny, 500, 'SWEREF99TM');
    const outer = simple.coordinates[0];
    expect(outer).toHaveLength(4);
    expect(outer[3]).toEqual(outer[0]);
    expect(planarAreaM2(simple)).toBeGreaterThan(0);
  });

  it('keeps every part and hole of a MultiPolygon with at least four positions each', () => {
    const withHole: Polygon = {
      type: 'Polygon',
      coordinates: [circle.coordinates[0], noisyCircle(674000, 6580000, 5).coordinates[0]],
    };
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [withHole.coordinates, squareFromLowerLeft(690000, 6580000, 3).coordinates],
    };
    const simple = simplify(multi, 10, 'SWEREF99TM');
    expect(simple.coordinates).toHaveLength(2);
    expect(simple.coordinates[0]).toHaveLength(2);
    for (const polygon of simple.coordinates) {
      for (const r of polygon) {
        expect(r.length).toBeGreaterThanOrEqual(4);
        expect(r[r.length - 1]).toEqual(r[0]);
      }
    }
  });

  it('returns the geometry unchanged for a tolerance of zero', () => {
    expect(simplify(circle, 0, 'SWEREF99TM')).toEqual(circle);
  });
});

describe('squareFromLowerLeft', () => {
  it('builds a closed counter-clockwise ring starting at the lower-left corner', () => {
    const square = squareFromLowerLeft(100, 200, 1000);
    const outer = square.coordinates[0];
    expect(outer).toHaveLength(5);
    expect(outer[0]).toEqual([100, 200]);
    expect(outer[2]).toEqual([1100, 1200]);
    expect(outer[4]).toEqual(outer[0]);
    expect(signedArea(outer)).toBeGreaterThan(0);
  });
});
