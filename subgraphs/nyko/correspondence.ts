// Correspondence between NYKO areas and SCB's DeSO/RegSO: overlap weights both ways, by area and, where a population surface exists, by population.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Flatbush from 'flatbush';
import { formatAreaId, gridSquareCorner, type AreaKind } from '../../lib/area-id.ts';
import { EPSG_SWEREF99TM, EPSG_WGS84 } from '../../lib/crs.ts';
import { readCsv } from '../../lib/csv.ts';
import { reproject, type MultiPolygon, type Polygon } from '../../lib/geojson.ts';
import { intersectionAreas, PlanarPolygon } from '../../lib/geometry.ts';
import { IssueLog } from './import/issues.ts';
import { readLayer } from './import/readers.ts';

export type TargetKind = 'deso' | 'regso';

/** A shipped file of SCB areas with geometry, and the kommuner it covers (files cover regions, not the country). */
interface TargetLayerSpec {
  kind: TargetKind;
  vintage: number;
  /** Relative to the data folder. */
  file: string;
  codeProperty: string;
  /** The property holding the kommun code; DeSO and RegSO never cross kommun borders, so a kommun's targets are its own. */
  kommunProperty: string;
  covers: (kommun: string) => boolean;
  source: string;
}

/** The 13 kommuner of Göteborgsregionen, as data/SOURCES.md lists them for the two Göteborgsregionen files. */
const GOTEBORGSREGIONEN = new Set(['1384', '1401', '1402', '1407', '1415', '1419', '1440', '1441', '1462', '1480', '1481', '1482', '1489']);

const TARGET_LAYERS: TargetLayerSpec[] = [
  { kind: 'deso', vintage: 2025, file: 'geo/deso_2025_goteborgsregionen.wgs84.geojson', codeProperty: 'desokod', kommunProperty: 'kommunkod', covers: (k) => GOTEBORGSREGIONEN.has(k), source: 'SCB DeSO 2025 (2025_v1), Göteborgsregionen' },
  { kind: 'deso', vintage: 2025, file: 'geo/deso_2025_dalarna_wfs_raw.epsg3006.geojson', codeProperty: 'desokod', kommunProperty: 'kommunkod', covers: (k) => k.startsWith('20'), source: 'SCB DeSO 2025 (2025_v2), Dalarnas län' },
  { kind: 'deso', vintage: 2025, file: 'geo/deso_2025_falkenberg.wgs84.geojson', codeProperty: 'desokod', kommunProperty: 'kommunkod', covers: (k) => k === '1382', source: 'SCB DeSO 2025 (2025_v1), Falkenberg' },
  { kind: 'deso', vintage: 2018, file: 'geo/deso_2018_stockholms_lan_simplified.wgs84.geojson', codeProperty: 'id', kommunProperty: 'kommun', covers: (k) => k.startsWith('01'), source: 'SCB DeSO 2018, Stockholms län, simplified' },
  { kind: 'regso', vintage: 2025, file: 'geo/regso_2025_goteborgsregionen.epsg3006.geojson', codeProperty: 'regsokod', kommunProperty: 'kommunkod', covers: (k) => GOTEBORGSREGIONEN.has(k), source: 'SCB RegSO 2025 (2025_v1), Göteborgsregionen' },
  { kind: 'regso', vintage: 2025, file: 'geo/regso_2025_falkenberg.wgs84.geojson', codeProperty: 'regsokod', kommunProperty: 'kommunkod', covers: (k) => k === '1382', source: 'SCB RegSO 2025 (2025_v1), Falkenberg' },
];

/** A population surface: cells (squares, or mesh blocks drawn as rectangles) whose residents are spread evenly over each. */
interface PopulationSurfaceSpec {
  layer: string;
  year: number;
  file: string;
  covers: (kommun: string) => boolean;
}

const POPULATION_SURFACES: PopulationSurfaceSpec[] = [
  // SCB's populated 1 km squares of Dalarnas län (cells whose centre lies in a Dalarna DeSO).
  { layer: 'scb-grid-1km', year: 2025, file: 'geo/befolkning_1km_2025_dalarna.csv', covers: (k) => k.startsWith('20') },
];

/** An SCB area to correspond to, in SWEREF 99 TM. */
export interface TargetArea {
  kind: TargetKind;
  vintage: number;
  code: string;
  /** The federated `Area` id, e.g. `deso2025:1480C2650`. */
  id: string;
  polygon: PlanarPolygon;
}

/** The targets of one kind and vintage in one kommun, with where they come from. */
export interface TargetSet {
  kind: TargetKind;
  vintage: number;
  source: string;
  areas: TargetArea[];
}

/** An axis-aligned cell of a population surface, in SWEREF 99 TM metres. */
export interface PopulationCell {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  population: number;
}

export interface PopulationSurface {
  /** e.g. `scb-grid-1km`. */
  layer: string;
  year: number;
  cells: PopulationCell[];
}

// Parsed files are kept per process: seeding and tests correspond several schemes against the same files.
const parsedTargets = new Map<string, { kommun: string; code: string; geometry: Polygon | MultiPolygon; epsg: number }[]>();
const preparedTargets = new Map<string, { code: string; polygon: PlanarPolygon }[]>();
const parsedSurfaces = new Map<string, { kommun: string; cell: PopulationCell }[]>();

/**
 * The targets of one kommun in a shipped GeoJSON file, in SWEREF 99 TM: read with the import's reader (legacy `crs`
 * member honoured), prepared for overlays only for the kommun asked for.
 */
function readTargets(dataDir: string, spec: TargetLayerSpec, kommun: string): { code: string; polygon: PlanarPolygon }[] {
  const file = path.join(dataDir, spec.file);
  const key = `${file}|${kommun}`;
  const prepared = preparedTargets.get(key);
  if (prepared) return prepared;
  let features = parsedTargets.get(file);
  if (!features) {
    const log = new IssueLog();
    const layer = readLayer(path.basename(file), readFileSync(file), undefined, log);
    if (!layer) throw new Error(`${file} could not be read: ${log.issues.map((i) => i.message).join('; ')}`);
    const epsg = layer.declaredCrs?.epsg ?? EPSG_WGS84;
    features = layer.features.flatMap((f) => (f.geometry ? [{ kommun: String(f.properties[spec.kommunProperty]), code: String(f.properties[spec.codeProperty]), geometry: f.geometry, epsg }] : []));
    parsedTargets.set(file, features);
  }
  const own = features
    .filter((f) => f.kommun === kommun)
    .map((f) => ({ code: f.code, polygon: new PlanarPolygon(reproject<Polygon | MultiPolygon>(f.geometry, f.epsg, EPSG_SWEREF99TM)) }));
  preparedTargets.set(key, own);
  return own;
}

/** The DeSO and RegSO of a kommun that the shipped geometry covers, one set per kind and vintage (empty when none). */
export function targetsForKommun(dataDir: string, kommun: string): TargetSet[] {
  const sets = new Map<string, TargetSet>();
  for (const spec of TARGET_LAYERS) {
    if (!spec.covers(kommun)) continue;
    const areas = readTargets(dataDir, spec, kommun).map((feature) => ({ kind: spec.kind, vintage: spec.vintage, code: feature.code, id: formatAreaId(`${spec.kind}${spec.vintage}` as AreaKind, feature.code), polygon: feature.polygon }));
    if (areas.length === 0) continue;
    const key = `${spec.kind}${spec.vintage}`;
    const set = sets.get(key);
    if (set) {
      set.areas.push(...areas);
      set.source += `; ${spec.source}`;
    } else sets.set(key, { kind: spec.kind, vintage: spec.vintage, source: spec.source, areas });
  }
  return [...sets.values()];
}

/** The population surface covering a kommun (its cells and every other cell of the file: residents near the border count too), or null. */
export function populationSurfaceFor(dataDir: string, kommun: string): PopulationSurface | null {
  const spec = POPULATION_SURFACES.find((s) => s.covers(kommun));
  if (!spec) return null;
  const file = path.join(dataDir, spec.file);
  let cells = parsedSurfaces.get(file);
  if (!cells) {
    cells = readCsv(file).map((row) => {
      // SCB's square id is the lower-left corner in SWEREF 99 TM.
      const [minX, minY] = gridSquareCorner(row.rutid);
      return { kommun: row.kommunkod, cell: { minX, minY, maxX: minX + 1000, maxY: minY + 1000, population: Number(row[`befolkning_${spec.year}`]) } };
    });
    parsedSurfaces.set(file, cells);
  }
  if (!cells.some((c) => c.kommun === kommun)) return null;
  return { layer: spec.layer, year: spec.year, cells: cells.map((c) => c.cell) };
}

const KOMMUN_OUTLINES = 'geo/kommuner_scb_generalized_2024.wgs84.geojson';
const parsedOutlines = new Map<string, Map<string, Polygon | MultiPolygon>>();

/** SCB's generalised outline of a kommun in WGS84 (for maps: it leaves out small islands), or null for an unknown code. */
export function kommunBoundaryOf(dataDir: string, kommun: string): Polygon | MultiPolygon | null {
  const file = path.join(dataDir, KOMMUN_OUTLINES);
  let outlines = parsedOutlines.get(file);
  if (!outlines) {
    const layer = readLayer(path.basename(file), readFileSync(file), undefined, new IssueLog());
    if (!layer) throw new Error(`${file} could not be read`);
    outlines = new Map(layer.features.flatMap((f) => (f.geometry ? [[String(f.properties.kommunkod), f.geometry] as const] : [])));
    parsedOutlines.set(file, outlines);
  }
  return outlines.get(kommun) ?? null;
}

// ---- population split ------------------------------------------------------------------------------------

export interface PopulationSplit {
  /** Residents of first[a] ∩ second[b], keyed `${a}:${b}`. */
  pairs: Map<string, number>;
  /** Residents of each polygon of each list. */
  first: Float64Array;
  second: Float64Array;
}

function boxIndex(polygons: readonly PlanarPolygon[]): Flatbush | null {
  if (polygons.length === 0) return null;
  const index = new Flatbush(polygons.length);
  for (const polygon of polygons) polygon.isEmpty ? index.add(Infinity, Infinity, Infinity, Infinity) : index.add(...polygon.bbox);
  index.finish();
  return index;
}

/**
 * Two-stage dasymetric split of a population surface over two layers of polygons: each cell's residents are spread
 * evenly over the cell (stage 1) and each piece first[a] ∩ second[b] ∩ cell gets its share by area (stage 2). The
 * piece areas are measured on a lattice of samplesPerSide² points per cell (100 m for 1 km squares at 10), far finer
 * than the even-spread assumption itself; where every border follows the lattice, as with mesh blocks, it is exact.
 */
export function populationSplit(cells: readonly PopulationCell[], first: readonly PlanarPolygon[], second: readonly PlanarPolygon[], samplesPerSide = 10): PopulationSplit {
  const split: PopulationSplit = { pairs: new Map(), first: new Float64Array(first.length), second: new Float64Array(second.length) };
  const indexA = boxIndex(first);
  const indexB = boxIndex(second);
  if (!indexA && !indexB) return split;
  // Areas of one layer do not overlap (beyond slivers), so the first that contains a point is the one.
  const locate = (polygons: readonly PlanarPolygon[], candidates: number[], x: number, y: number) => {
    for (const i of candidates) if (polygons[i].contains(x, y)) return i;
    return -1;
  };
  for (const cell of cells) {
    if (!(cell.population > 0)) continue;
    const candidatesA = indexA?.search(cell.minX, cell.minY, cell.maxX, cell.maxY) ?? [];
    const candidatesB = indexB?.search(cell.minX, cell.minY, cell.maxX, cell.maxY) ?? [];
    if (candidatesA.length === 0 && candidatesB.length === 0) continue;
    const share = cell.population / (samplesPerSide * samplesPerSide);
    const dx = (cell.maxX - cell.minX) / samplesPerSide;
    const dy = (cell.maxY - cell.minY) / samplesPerSide;
    for (let i = 0; i < samplesPerSide; i++) {
      const x = cell.minX + (i + 0.5) * dx;
      for (let j = 0; j < samplesPerSide; j++) {
        const y = cell.minY + (j + 0.5) * dy;
        const a = locate(first, candidatesA, x, y);
        const b = locate(second, candidatesB, x, y);
        if (a >= 0) split.first[a] += share;
        if (b >= 0) split.second[b] += share;
        if (a >= 0 && b >= 0) {
          const key = `${a}:${b}`;
          split.pairs.set(key, (split.pairs.get(key) ?? 0) + share);
        }
      }
    }
  }
  return split;
}

// ---- correspondence --------------------------------------------------------------------------------------

/** A NYKO area of one level, in SWEREF 99 TM; null polygon for a restpost or code-list row (it corresponds to nothing). */
export interface CorrespondenceArea {
  id: string;
  code: string;
  polygon: PlanarPolygon | null;
}

export interface CorrespondenceTolerances {
  /** Overlaps under this many m² are dropped (default 1). */
  sliverM2: number;
  /** …and so are overlaps under this share of both the NYKO area and the target's part in the level (default 0.001). */
  sliverShare: number;
  /** Population split resolution, see populationSplit (default 10). */
  samplesPerSide: number;
}

export const DEFAULT_CORRESPONDENCE_TOLERANCES: CorrespondenceTolerances = { sliverM2: 1, sliverShare: 0.001, samplesPerSide: 10 };

export interface CorrespondencePair {
  nykoId: string;
  nykoCode: string;
  target: Omit<TargetArea, 'polygon'>;
  overlapM2: number;
  /** |N ∩ D| / |D|. */
  areaShareOfTarget: number;
  /** |N ∩ D| / |N|. */
  areaShareOfNyko: number;
  /** |N ∩ D| / |D ∩ level|: how much of the target's land in the level lies in N; sums to 1 over the level. */
  areaWeight: number;
  /** P(N ∩ D) / P(D ∩ level), summing to 1 over the level, and P(N ∩ D) / P(N); null without a surface or residents. */
  popShareOfTarget: number | null;
  popShareOfNyko: number | null;
  population: number | null;
  weightLayer: string | null;
  weightYear: number | null;
}

export interface TargetCoverage {
  target: Omit<TargetArea, 'polygon'>;
  areaM2: number;
  /** |D ∩ level|, slivers included. */
  coveredM2: number;
  coverage: number;
  population: number | null;
  /** Share of the target's residents (by the surface) inside the level. */
  populationCoverage: number | null;
}

export interface CorrespondenceResult {
  pairs: CorrespondencePair[];
  coverage: TargetCoverage[];
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const withoutPolygon = ({ polygon: _polygon, ...target }: TargetArea): Omit<TargetArea, 'polygon'> => target;

/**
 * Overlaps of the NYKO areas of one level with one set of targets, in both directions, slivers dropped. Area weights
 * are normalised over the target's part inside the level: a coastal DeSO is mostly sea, which NYKO areas (land) leave
 * out, and its residents all live in the part the level covers. Population shares come from `surface` when given.
 */
export function computeCorrespondence(
  nyko: readonly CorrespondenceArea[],
  targets: readonly TargetArea[],
  surface: PopulationSurface | null = null,
  tolerances: Partial<CorrespondenceTolerances> = {},
): CorrespondenceResult {
  const t = { ...DEFAULT_CORRESPONDENCE_TOLERANCES, ...tolerances };
  const areas = nyko.filter((a) => a.polygon !== null && !a.polygon.isEmpty);
  const nykoPolygons = areas.map((a) => a.polygon as PlanarPolygon);
  const targetPolygons = targets.map((d) => d.polygon);
  const raw = intersectionAreas(targetPolygons, nykoPolygons, 0);
  const covered = new Float64Array(targets.length);
  for (const { a, area } of raw) covered[a] += area;
  const kept = raw.filter(({ a, b, area }) => area >= t.sliverM2 && (covered[a] <= 0 || area / covered[a] >= t.sliverShare || area / nykoPolygons[b].area >= t.sliverShare));
  const keptByTarget = new Float64Array(targets.length);
  for (const { a, area } of kept) keptByTarget[a] += area;

  const split = surface ? populationSplit(surface.cells, targetPolygons, nykoPolygons, t.samplesPerSide) : null;
  const peopleOf = (a: number, b: number) => split?.pairs.get(`${a}:${b}`) ?? 0;
  const keptPeopleByTarget = new Float64Array(targets.length);
  const keptPeopleByNyko = new Float64Array(areas.length);
  for (const { a, b } of kept) {
    keptPeopleByTarget[a] += peopleOf(a, b);
    keptPeopleByNyko[b] += peopleOf(a, b);
  }

  const pairs = kept.map(({ a, b, area }): CorrespondencePair => {
    const people = split ? peopleOf(a, b) : null;
    return {
      nykoId: areas[b].id,
      nykoCode: areas[b].code,
      target: withoutPolygon(targets[a]),
      overlapM2: round(area, 2),
      areaShareOfTarget: area / targetPolygons[a].area,
      areaShareOfNyko: area / nykoPolygons[b].area,
      areaWeight: area / keptByTarget[a],
      popShareOfTarget: people !== null && keptPeopleByTarget[a] > 0 ? people / keptPeopleByTarget[a] : null,
      popShareOfNyko: people !== null && keptPeopleByNyko[b] > 0 ? people / keptPeopleByNyko[b] : null,
      population: people === null ? null : round(people, 3),
      weightLayer: split ? (surface as PopulationSurface).layer : null,
      weightYear: split ? (surface as PopulationSurface).year : null,
    };
  });
  const coverage = targets.map((target, a): TargetCoverage => {
    const people = split ? split.first[a] : null;
    return {
      target: withoutPolygon(target),
      areaM2: round(target.polygon.area, 2),
      coveredM2: round(covered[a], 2),
      coverage: target.polygon.area > 0 ? covered[a] / target.polygon.area : 0,
      population: people === null ? null : round(people, 3),
      populationCoverage: people !== null && people > 0 ? keptPeopleByTarget[a] / people : null,
    };
  });
  return { pairs, coverage };
}
