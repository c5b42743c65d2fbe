// The import's working state: areas and levels as the steps fill them in, and the defaults they are judged by.
import { toWgs84, EPSG_SWEREF99TM } from '../../../lib/crs.ts';
import type { MultiPolygon, Position } from '../../../lib/geojson.ts';
import type { PlanarPolygon } from '../../../lib/geometry.ts';
import type { IssueLog } from './issues.ts';
import type { NykoParentLink, NykoTolerances } from './types.ts';

export const DEFAULT_TOLERANCES: NykoTolerances = {
  overlapM2: 100,
  overlapShare: 0.01,
  noiseM2: 1,
  gapM2: 100,
  repairM2: 100,
  outsideShare: 0.5,
  outsideDistanceM: 20_000,
  outsideM2: 10_000,
  nestShare: 0.5,
};

export interface AreaGeometry {
  /** Repaired and oriented, in SWEREF 99 TM metres: what every overlay works on. */
  planar: PlanarPolygon;
  /** RFC 7946 WGS84, as returned. */
  wgs84: MultiPolygon;
}

export interface WorkingArea {
  /** Input index (layer) and feature index, or null for an area derived from codes. */
  source: number;
  feature: number | null;
  code: string | null;
  /** The code was a number, so leading zeros may have been lost. */
  fromNumber: boolean;
  /** The code value was there but unusable (reported as INVALID_CODE), so it is not reported missing too. */
  codeRejected: boolean;
  name: string | null;
  /** 1 = coarsest; 0 until levels are assigned. */
  level: number;
  /** The parent's code as a parent field gives it (normalised like a code), before linking. */
  parentRef: string | null;
  parentRefFromNumber: boolean;
  /** The level field's value, when the file has one. */
  levelValue: string | null;
  parentCode: string | null;
  parent: WorkingArea | null;
  properties: Record<string, unknown>;
  /** Usable geometry; null without one or when it is invalid. */
  geometry: AreaGeometry | null;
  /** The file gave a geometry (valid or not), so a missing one is not a restpost. */
  hadGeometry: boolean;
  repaired: boolean;
  /** Reports about this area go here, with its input's context. */
  log: IssueLog;
}

export interface WorkingLevel {
  level: number;
  name: string;
  origin: 'features' | 'derived';
  parentLink: NykoParentLink | null;
  /** Declared code length (prefix schemes). */
  codeLength: number | null;
}

/** How an area is named in messages: its level, code and feature. */
export function label(area: WorkingArea, levelName: string): string {
  const code = area.code === null ? '(no code)' : area.code;
  return area.feature === null ? `${levelName} ${code}` : `${levelName} ${code} (feature ${area.feature})`;
}

/** A SWEREF 99 TM position as WGS84 for an issue, rounded to 6 decimals (about 0.1 m). */
export function issuePosition(position: Position): Position {
  const [lon, lat] = toWgs84(position, EPSG_SWEREF99TM);
  return [Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6];
}

/** Restpost areas (people registered on the kommun without a property, protected identities) carry codes like 99 or 0. */
export function isRestpostCode(code: string | null): boolean {
  return code !== null && /^(9+|0+)$/.test(code);
}
