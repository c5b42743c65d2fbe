// Coordinate reference systems for Swedish geometry: WGS84, SWEREF 99 TM and the SWEREF 99 local zones, via proj4.
import proj4 from 'proj4';
import type { Position } from './geojson.ts';

/** The two CRSs a client can ask for; every other EPSG code is input-only. */
export type Crs = 'WGS84' | 'SWEREF99TM';

export const EPSG_WGS84 = 4326;
export const EPSG_SWEREF99TM = 3006;

/** SWEREF 99 TM is UTM zone 33 on GRS80; towgs84 zeros because SWEREF 99 coincides with WGS84 to well under a metre. */
const SWEREF99TM_DEF = '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';

/** Central meridians of the twelve local zones EPSG:3007–3018, in EPSG order (12 00, 13 30, … 23 15). */
const LOCAL_ZONE_MERIDIANS = [12, 13.5, 15, 16.5, 18, 14.25, 15.75, 17.25, 18.75, 20.25, 21.75, 23.25];

/** proj4 definitions by EPSG code; municipal files often come in a local zone, so those are registered too. */
const DEFINITIONS = new Map<number, string>([
  [EPSG_SWEREF99TM, SWEREF99TM_DEF],
  ...LOCAL_ZONE_MERIDIANS.map(
    (lon0, i): [number, string] => [
      3007 + i,
      `+proj=tmerc +lat_0=0 +lon_0=${lon0} +k=1 +x_0=150000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`,
    ],
  ),
]);

for (const [code, definition] of DEFINITIONS) proj4.defs(`EPSG:${code}`, definition);

/** Every EPSG code the converters accept. */
export const SUPPORTED_EPSG: readonly number[] = [EPSG_WGS84, ...DEFINITIONS.keys()];

export function isSupportedEpsg(code: number): boolean {
  return code === EPSG_WGS84 || DEFINITIONS.has(code);
}

export type Transform = (position: Position) => Position;

const identity: Transform = (position) => [position[0], position[1]];

/** Converters are costly to build (definition parsing), so each pair is built once and reused. */
const transforms = new Map<string, Transform>();

/** A cached function converting positions from one EPSG code to another; throws for codes not in SUPPORTED_EPSG. */
export function getTransform(fromEpsg: number, toEpsg: number): Transform {
  const key = `${fromEpsg}>${toEpsg}`;
  const cached = transforms.get(key);
  if (cached) return cached;
  for (const code of [fromEpsg, toEpsg]) {
    if (!isSupportedEpsg(code)) {
      throw new Error(`Unsupported EPSG code ${code}; supported: ${SUPPORTED_EPSG.join(', ')}`);
    }
  }
  let transform: Transform;
  if (fromEpsg === toEpsg) transform = identity;
  else {
    const converter = proj4(`EPSG:${fromEpsg}`, `EPSG:${toEpsg}`);
    // proj4 returns a fresh [x, y] for two-element input; longer positions are cut first so z never leaks through.
    transform = (position) => converter.forward(position.length === 2 ? position : [position[0], position[1]]);
  }
  transforms.set(key, transform);
  return transform;
}

export function toWgs84(position: Position, fromEpsg: number): Position {
  return getTransform(fromEpsg, EPSG_WGS84)(position);
}

export function fromWgs84(position: Position, toEpsg: number): Position {
  return getTransform(EPSG_WGS84, toEpsg)(position);
}

/** [easting, northing] in SWEREF 99 TM to [longitude, latitude]. */
export function sweref99tmToWgs84(position: Position): Position {
  return getTransform(EPSG_SWEREF99TM, EPSG_WGS84)(position);
}

/** [longitude, latitude] to [easting, northing] in SWEREF 99 TM. */
export function wgs84ToSweref99tm(position: Position): Position {
  return getTransform(EPSG_WGS84, EPSG_SWEREF99TM)(position);
}

export function crsToEpsg(crs: Crs): number {
  return crs === 'WGS84' ? EPSG_WGS84 : EPSG_SWEREF99TM;
}

/** The client-facing CRS of an EPSG code, or null for input-only codes such as the local zones. */
export function epsgToCrs(code: number): Crs | null {
  if (code === EPSG_WGS84) return 'WGS84';
  if (code === EPSG_SWEREF99TM) return 'SWEREF99TM';
  return null;
}

/** CRS84 is WGS84 in longitude–latitude order, which is how GeoJSON positions are written anyway. */
const CRS84_NAME = /^(?:(?:urn:(?:x-)?ogc:def:crs:OGC:[\d.]*:)|(?:https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/[\d.]+\/)|(?:OGC:))?CRS84$/i;

const EPSG_NAMES = [
  /^urn:(?:x-)?ogc:def:crs:EPSG:[\d.]*:(\d+)$/i,
  /^EPSG::?(\d+)$/i,
  /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[\d.]+\/(\d+)$/i,
  /^https?:\/\/www\.opengis\.net\/gml\/srs\/epsg\.xml#(\d+)$/i,
];

/**
 * The EPSG code named by a GeoJSON `crs.properties.name` (URN, `EPSG:n`, OGC URL or CRS84), or null if unrecognised.
 * The code is returned even when unsupported so the caller can name it in its error; check it with isSupportedEpsg.
 */
export function epsgFromGeoJsonCrsName(name: string): number | null {
  const trimmed = name.trim();
  if (CRS84_NAME.test(trimmed)) return EPSG_WGS84;
  for (const pattern of EPSG_NAMES) {
    const match = pattern.exec(trimmed);
    if (match) return Number(match[1]);
  }
  return null;
}
