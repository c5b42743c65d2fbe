// Validation of points and boxes given by clients, in either CRS, into WGS84.
import { wgs84ToSweref99tm, sweref99tmToWgs84, type Crs } from './crs.ts';
import { badUserInput } from './errors.ts';
import type { BBox, Position } from './geojson.ts';

/** Plausible extents, so swapped or projected coordinates are caught with a useful message. */
const EXTENT: Record<Crs, { x: [number, number]; y: [number, number]; example: string; order: string }> = {
  WGS84: { x: [-180, 180], y: [-90, 90], example: '[11.9736, 57.7089]', order: '[longitude, latitude] in degrees' },
  SWEREF99TM: { x: [-1_200_000, 2_000_000], y: [5_500_000, 8_000_000], example: '[319698.5, 6400328.7]', order: '[easting, northing] in metres' },
};

function inRange(value: number, [min, max]: [number, number]): boolean {
  return Number.isFinite(value) && value >= min && value <= max;
}

/** Sweden spans longitudes 10.9–24.2 and latitudes 55.3–69.1, which do not overlap: a point in the swapped box was swapped. */
function looksSwapped(x: number, y: number): boolean {
  return x >= 55 && x <= 69.5 && y >= 10.5 && y <= 24.5;
}

/** Checks a point `[x, y]` in the given CRS and returns it in WGS84. */
export function parsePoint(point: readonly number[], crs: Crs): Position {
  const extent = EXTENT[crs];
  if (point.length !== 2 || !inRange(point[0], extent.x) || !inRange(point[1], extent.y)) {
    throw badUserInput(`point ${JSON.stringify(point)} is not a ${crs} position: expected ${extent.order}, e.g. ${extent.example}`, {
      argumentName: 'point',
    });
  }
  if (crs === 'WGS84' && looksSwapped(point[0], point[1])) {
    throw badUserInput(`point ${JSON.stringify(point)} reads as latitude, longitude: expected ${extent.order}, i.e. [${point[1]}, ${point[0]}]`, {
      argumentName: 'point',
    });
  }
  return crs === 'WGS84' ? [point[0], point[1]] : sweref99tmToWgs84([point[0], point[1]]);
}

/** Checks a box `[minX, minY, maxX, maxY]` in the given CRS and returns the WGS84 box that covers it. */
export function parseBBox(bbox: readonly number[], crs: Crs): BBox {
  const extent = EXTENT[crs];
  const [minX, minY, maxX, maxY] = bbox;
  const valid =
    bbox.length === 4 && inRange(minX, extent.x) && inRange(maxX, extent.x) && inRange(minY, extent.y) && inRange(maxY, extent.y) && minX <= maxX && minY <= maxY;
  if (!valid) {
    const corner = crs === 'WGS84' ? '[11.9, 57.6, 12.1, 57.8]' : '[310000, 6390000, 330000, 6410000]';
    throw badUserInput(`bbox ${JSON.stringify(bbox)} is not a ${crs} box: expected [minX, minY, maxX, maxY] with ${extent.order}, min ≤ max, e.g. ${corner}`, {
      argumentName: 'bbox',
    });
  }
  if (crs === 'WGS84') return [minX, minY, maxX, maxY];
  const corners = [sweref99tmToWgs84([minX, minY]), sweref99tmToWgs84([minX, maxY]), sweref99tmToWgs84([maxX, minY]), sweref99tmToWgs84([maxX, maxY])];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A WGS84 position in the CRS a client asked for. */
export function positionIn(position: Position, crs: Crs): Position {
  return crs === 'WGS84' ? position : wgs84ToSweref99tm(position);
}
