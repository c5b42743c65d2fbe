// One feature's geometry: reprojected to SWEREF 99 TM, checked to lie in Sweden, repaired where safe, validated.
import { EPSG_SWEREF99TM, EPSG_WGS84 } from '../../../lib/crs.ts';
import { reproject, rewindRfc7946, type MultiPolygon, type Polygon } from '../../../lib/geojson.ts';
import { geometryProblems, PlanarPolygon, polygonsOf, repairGeometry, ringProblems, type GeometryProblem, type GeometryProblemKind } from '../../../lib/geometry.ts';
import type { IssueLog, NykoIssueCode } from './issues.ts';
import { issuePosition, type AreaGeometry } from './model.ts';
import type { RawFeature } from './readers.ts';

/** Sweden in SWEREF 99 TM with a margin of some 50 km: eastings 265,000–925,000 m, northings 6,130,000–7,680,000 m. */
const SWEDEN_SWEREF99TM = { minE: 200_000, maxE: 1_000_000, minN: 6_050_000, maxN: 7_750_000 };

type GeometryIssueCode = Extract<NykoIssueCode, 'INVALID_GEOMETRY' | 'SELF_INTERSECTION' | 'HOLE_OUTSIDE_SHELL'>;

const PROBLEM_CODES: Record<GeometryProblemKind, GeometryIssueCode> = {
  'non-finite': 'INVALID_GEOMETRY',
  'unclosed-ring': 'INVALID_GEOMETRY',
  'too-few-points': 'INVALID_GEOMETRY',
  'zero-area': 'INVALID_GEOMETRY',
  'nested-parts': 'INVALID_GEOMETRY',
  'self-intersection': 'SELF_INTERSECTION',
  'hole-outside-shell': 'HOLE_OUTSIDE_SHELL',
};

const PROBLEM_HINTS: Record<GeometryIssueCode, string> = {
  INVALID_GEOMETRY:
    'Fix the geometry in a GIS (QGIS: Vector › Geometry Tools › Check Validity, then Fix Geometries) and export again; rings must be closed, with at least three distinct points and some area.',
  SELF_INTERSECTION:
    'Redraw the boundary so it does not cross or run along itself (QGIS: Check Validity shows where). Twisted lobes up to tolerances.repairM2 m² are cut off automatically; this one is larger or cannot be cut off.',
  HOLE_OUTSIDE_SHELL: 'Move the hole inside its outer ring, or make it an outer ring of its own (a separate part).',
};

function insideSweden(geometry: Polygon | MultiPolygon): boolean {
  for (const rings of polygonsOf(geometry)) {
    for (const [e, n] of rings[0] ?? []) {
      if (e < SWEDEN_SWEREF99TM.minE || e > SWEDEN_SWEREF99TM.maxE || n < SWEDEN_SWEREF99TM.minN || n > SWEDEN_SWEREF99TM.maxN) return false;
    }
  }
  return true;
}

/**
 * The feature's geometry ready for the overlays, or null (with the reasons logged) when it has none or is invalid.
 * `repaired` tells whether a GEOMETRY_REPAIRED warning was given.
 */
export function prepareFeatureGeometry(
  feature: RawFeature,
  epsg: number,
  what: string,
  repairM2: number,
  log: IssueLog,
): { geometry: AreaGeometry | null; repaired: boolean } {
  const at = { feature: feature.index };
  if (feature.geometryError) {
    log.error('INVALID_GEOMETRY', `${what}: the geometry cannot be used: ${feature.geometryError}.`, PROBLEM_HINTS.INVALID_GEOMETRY, at);
    return { geometry: null, repaired: false };
  }
  if (!feature.geometry) return { geometry: null, repaired: false };
  const planar = reproject(feature.geometry, epsg, EPSG_SWEREF99TM);
  if (!insideSweden(planar)) {
    log.error(
      'OUTSIDE_SWEDEN',
      `${what} lies outside Sweden when read as EPSG:${epsg}.`,
      'The CRS is probably wrong: check the .prj or crs member, or pass the crs option with the zone the file was drawn in.',
      at,
    );
    return { geometry: null, repaired: false };
  }
  const reportProblems = (problems: GeometryProblem[]) => {
    for (const problem of problems) {
      const code = PROBLEM_CODES[problem.kind];
      log.error(code, `${what}: ${problem.message}.`, PROBLEM_HINTS[code], { ...at, position: problem.position ? issuePosition(problem.position) : undefined });
    }
  };
  // Rings are judged as written first: the repair would close an open ring, or drop the shell of the only part.
  const single = polygonsOf(planar).length === 1;
  const written = ringProblems(planar).filter((p) => p.kind === 'unclosed-ring' || p.kind === 'non-finite' || (single && p.ring === 0));
  if (written.length > 0) {
    reportProblems(written);
    return { geometry: null, repaired: false };
  }
  const { geometry: repairedGeometry, repairs } = repairGeometry(planar, repairM2);
  for (const repair of repairs) {
    log.warning('GEOMETRY_REPAIRED', `${what}: ${repair.message}.`, 'Nothing to do if the repair is right; to avoid it, fix the geometry at the source.', {
      ...at,
      areaM2: repair.areaRemoved,
      position: repair.position ? issuePosition(repair.position) : undefined,
    });
  }
  if (feature.orphanHoles > 0) {
    log.warning(
      'GEOMETRY_REPAIRED',
      `${what}: ${feature.orphanHoles} ring(s) run counter-clockwise (holes in shapefile terms) but lie in no outer ring; they were read as outer rings.`,
      'Write outer rings clockwise and holes counter-clockwise, as the shapefile format asks.',
      at,
    );
  }
  const prepared = new PlanarPolygon(repairedGeometry);
  const problems = geometryProblems(repairedGeometry, { prepared });
  reportProblems(problems);
  if (problems.length > 0) return { geometry: null, repaired: repairs.length > 0 };
  const untouched = repairs.length === 0 && feature.orphanHoles === 0 && epsg === EPSG_WGS84;
  // Coordinates given in WGS84 are returned as given; everything else comes back from the repaired planar form.
  const wgs84: MultiPolygon = rewindRfc7946(
    untouched ? { type: 'MultiPolygon', coordinates: polygonsOf(feature.geometry) } : reproject(repairedGeometry, EPSG_SWEREF99TM, EPSG_WGS84),
  );
  return { geometry: { planar: prepared, wgs84 }, repaired: repairs.length > 0 || feature.orphanHoles > 0 };
}
