// Geo data access: builds the area store from data/geo, answers row queries, and keeps the spatial index in memory.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Flatbush from 'flatbush';
import { sql } from 'drizzle-orm';
import { AREA_KINDS, AREA_LEVELS, COUNTRY_ID, formatAreaId, gridSquareCorner, parseAreaId, type AreaKind, type AreaLevel } from '../../lib/area-id.ts';
import type { AppConfig } from '../../lib/config.ts';
import { readCsv } from '../../lib/csv.ts';
import { openStore, type Store } from '../../lib/db.ts';
import { epsgFromGeoJsonCrsName } from '../../lib/crs.ts';
import {
  areaAndCentroid,
  bboxOf,
  geometryIntersectsBBox,
  pointInGeometry,
  reproject,
  rewindRfc7946,
  roundPositions,
  squareFromLowerLeft,
  type BBox,
  type Geometry,
  type Position,
} from '../../lib/geojson.ts';
import type { Logger } from '../../lib/log.ts';
import { areaAncestors, areas, tables, type AreaRow } from './tables.ts';

/** The files the store is built from, relative to data/geo; SOURCES.md says where each comes from. */
const FILES = {
  counties: 'counties_sjbrg.csv',
  municipalities: 'municipality_county_sjbrg.csv',
  deso2018Key: 'scb_deso2018_regso2020_key.csv',
  deso2025Key: 'deso2025_regso2025_kommun.csv',
  lanGeometry: 'lan_scb_generalized_2024.wgs84.geojson',
  kommunGeometry: 'kommuner_scb_generalized_2024.wgs84.geojson',
  deso2018Stockholm: 'deso_2018_stockholms_lan_simplified.wgs84.geojson',
  deso2025Goteborgsregionen: 'deso_2025_goteborgsregionen.wgs84.geojson',
  deso2025Dalarna: 'deso_2025_dalarna_wfs_raw.epsg3006.geojson',
  deso2025Falkenberg: 'deso_2025_falkenberg.wgs84.geojson',
  regso2025Goteborgsregionen: 'regso_2025_goteborgsregionen.epsg3006.geojson',
  regso2025Falkenberg: 'regso_2025_falkenberg.wgs84.geojson',
  tatorter: 'tatorter_2020_points.wgs84.geojson',
  grid: 'befolkning_1km_2025_dalarna.csv',
} as const;

/** Polygon layers: which file, which property holds the code, which kind of area it draws, and its provenance. */
const GEOMETRY_LAYERS: { file: keyof typeof FILES; kind: AreaKind; codeProperty: string; source: string }[] = [
  { file: 'lanGeometry', kind: 'lan', codeProperty: 'lanskod', source: 'SCB län, generalised boundaries 2024 (for maps, not analysis)' },
  { file: 'kommunGeometry', kind: 'kommun', codeProperty: 'kommunkod', source: 'SCB kommuner, generalised boundaries 2024 (for maps, not analysis)' },
  { file: 'deso2018Stockholm', kind: 'deso2018', codeProperty: 'id', source: 'SCB DeSO 2018, Stockholms län, simplified (tolerance 0.0005°)' },
  { file: 'deso2025Goteborgsregionen', kind: 'deso2025', codeProperty: 'desokod', source: 'SCB DeSO 2025 (2025_v1), Göteborgsregionen, full resolution' },
  { file: 'deso2025Dalarna', kind: 'deso2025', codeProperty: 'desokod', source: 'SCB DeSO 2025 (2025_v2), Dalarnas län, WFS stat:DeSO_2025' },
  { file: 'deso2025Falkenberg', kind: 'deso2025', codeProperty: 'desokod', source: 'SCB DeSO 2025 (2025_v1), Falkenberg, via Falkenbergs kommun' },
  { file: 'regso2025Goteborgsregionen', kind: 'regso2025', codeProperty: 'regsokod', source: 'SCB RegSO 2025 (2025_v1), Göteborgsregionen, full resolution' },
  { file: 'regso2025Falkenberg', kind: 'regso2025', codeProperty: 'regsokod', source: 'SCB RegSO 2025 (2025_v1), Falkenberg, via Falkenbergs kommun' },
];

const LEVEL_RANK = new Map<AreaLevel, number>(AREA_LEVELS.map((level, rank) => [level, rank]));

interface GeoJsonFeatureCollection {
  type: 'FeatureCollection';
  crs?: { properties?: { name?: string } };
  features: { properties: Record<string, unknown>; geometry: Geometry | null }[];
}

type NewArea = typeof areas.$inferInsert;

function newArea(kind: AreaKind, code: string, name: string | null, parentId: string | null): NewArea {
  const spec = AREA_KINDS[kind];
  return {
    id: formatAreaId(kind, code),
    kind,
    level: spec.level,
    levelRank: LEVEL_RANK.get(spec.level) ?? 0,
    vintage: spec.vintage,
    code,
    name,
    parentId,
  };
}

function readFeatures(file: string): { epsg: number; features: GeoJsonFeatureCollection['features'] } {
  const collection = JSON.parse(readFileSync(file, 'utf8')) as GeoJsonFeatureCollection;
  const crsName = collection.crs?.properties?.name;
  const epsg = crsName === undefined ? 4326 : epsgFromGeoJsonCrsName(crsName);
  if (epsg === null) throw new Error(`${file}: unknown CRS "${crsName}"; expected EPSG:4326 or EPSG:3006`);
  return { epsg, features: collection.features };
}

/** Normalises a geometry to RFC 7946 WGS84 and derives the figures stored beside it. */
function withGeometry(area: NewArea, geometry: Geometry, epsg: number, source: string): void {
  const wgs84 = roundPositions(rewindRfc7946(epsg === 4326 ? geometry : reproject(geometry, epsg, 4326)), 6);
  const [minLon, minLat, maxLon, maxLat] = bboxOf(wgs84);
  // One reprojection for both figures; a point is its own centroid and keeps SCB's own area.
  const measured = wgs84.type === 'Point' ? { areaKm2: area.areaKm2, centroid: wgs84.coordinates } : areaAndCentroid(wgs84);
  const [centroidLon, centroidLat] = measured.centroid;
  Object.assign(area, {
    geometry: JSON.stringify(wgs84),
    geometrySource: source,
    minLon,
    minLat,
    maxLon,
    maxLat,
    centroidLon,
    centroidLat,
    // Rounded to 1 m²: the outlines are not more precise than that.
    areaKm2: measured.areaKm2 == null ? null : Math.round(measured.areaKm2 * 1e6) / 1e6,
  });
}

/** Reads every shipped file into area rows; throws naming the file and code when the files disagree. */
export function readAreas(dataDir: string): NewArea[] {
  const file = (key: keyof typeof FILES) => path.join(dataDir, FILES[key]);
  const byId = new Map<string, NewArea>();
  const add = (area: NewArea) => {
    if (!byId.has(area.id)) byId.set(area.id, area);
    return byId.get(area.id) as NewArea;
  };

  add(newArea('country', 'SE', 'Sverige', null));
  for (const row of readCsv(file('counties'))) add(newArea('lan', row.county_code, row.county_name, COUNTRY_ID));
  for (const row of readCsv(file('municipalities'))) {
    add(newArea('kommun', row.municipality_code, row.municipality_name_short, formatAreaId('lan', row.county_code)));
  }
  // Kommun membership comes from the codes in SCB's keys, never from the generalised polygons (they leave gaps along water).
  for (const row of readCsv(file('deso2018Key'))) {
    const regso = add(newArea('regso2020', row.RegSOkod_2020, row.RegSO_2020.trim(), formatAreaId('kommun', row.Kommun)));
    add(newArea('deso2018', row.DeSO_2018, null, regso.id));
  }
  for (const row of readCsv(file('deso2025Key'))) {
    const regso = add(newArea('regso2025', row.regsokod, row.regsonamn, formatAreaId('kommun', row.kommunkod)));
    add(newArea('deso2025', row.desokod, null, regso.id));
  }

  for (const layer of GEOMETRY_LAYERS) {
    const { epsg, features } = readFeatures(file(layer.file));
    for (const feature of features) {
      const code = String(feature.properties[layer.codeProperty]);
      const area = byId.get(formatAreaId(layer.kind, code));
      if (!area) throw new Error(`${FILES[layer.file]}: ${layer.kind} ${code} is not in SCB's key tables`);
      if (feature.geometry) withGeometry(area, feature.geometry, epsg, layer.source);
    }
  }

  const tatorter = readFeatures(file('tatorter'));
  for (const { properties, geometry } of tatorter.features) {
    const area = add(newArea('tatort2020', String(properties.tatortskod), String(properties.tatort), formatAreaId('kommun', String(properties.kommunkod))));
    area.areaKm2 = Number(properties.area_ha) / 100;
    if (geometry) withGeometry(area, geometry, tatorter.epsg, 'SCB tätorter 2020, centre points (X/Y_koord)');
  }

  for (const row of readCsv(file('grid'))) {
    // The SCB square id is the lower-left corner: easting (6 digits) then northing (7 digits), in SWEREF 99 TM.
    const area = add(newArea('grid1km', row.rutid, null, formatAreaId('kommun', row.kommunkod)));
    const square = squareFromLowerLeft(...gridSquareCorner(row.rutid), 1000);
    withGeometry(area, square, 3006, 'SCB 1 km squares (befolkning_1km_2025), Dalarnas län, populated squares');
  }

  for (const area of byId.values()) {
    if (area.parentId !== null && area.parentId !== undefined && !byId.has(area.parentId)) {
      throw new Error(`${area.id} names parent ${area.parentId}, which no shipped table defines`);
    }
  }
  return [...byId.values()];
}

function ancestorRows(rows: NewArea[]): (typeof areaAncestors.$inferInsert)[] {
  const parentOf = new Map(rows.map((row) => [row.id, row.parentId ?? null]));
  const result: (typeof areaAncestors.$inferInsert)[] = [];
  for (const row of rows) {
    let depth = 1;
    for (let ancestor = row.parentId ?? null; ancestor !== null; ancestor = parentOf.get(ancestor) ?? null, depth++) {
      result.push({ areaId: row.id, ancestorId: ancestor, depth });
    }
  }
  return result;
}

function insertAll<T extends object>(db: Store, table: Parameters<Store['insert']>[0], rows: T[]): void {
  // SQLite caps bound variables per statement; 200 rows of up to 17 columns stays under it.
  for (let i = 0; i < rows.length; i += 200) db.insert(table).values(rows.slice(i, i + 200) as never).run();
}

/** Where the geo store's data comes from, so the loader and its fingerprint name the same files. */
export function geoStoreSpec(dataDir: string) {
  return {
    name: 'geo',
    loaderVersion: 2,
    tables,
    inputs: Object.values(FILES).map((name) => path.join(dataDir, name)),
    load(db: Store) {
      const rows = readAreas(dataDir);
      insertAll(db, areas, rows);
      insertAll(db, areaAncestors, ancestorRows(rows));
    },
  };
}

// ---- queries ---------------------------------------------------------------------------------------------

/** The columns every area query returns (the geometry text stays in the store until asked for). */
export type AreaSummary = Omit<AreaRow, 'geometry'> & { hasGeometry: boolean };

const SUMMARY_COLUMNS = sql.raw(
  `id, kind, level, level_rank AS levelRank, vintage, code, name, parent_id AS parentId, geometry_source AS geometrySource,
   min_lon AS minLon, min_lat AS minLat, max_lon AS maxLon, max_lat AS maxLat, centroid_lon AS centroidLon,
   centroid_lat AS centroidLat, area_km2 AS areaKm2, geometry IS NOT NULL AS hasGeometry`,
);

type RawSummary = Omit<AreaSummary, 'hasGeometry'> & { hasGeometry: number };

/**
 * A NYKO area as geo knows it: only what its id says (kind, level, code, its kommun as parent); its name, outline and
 * place in the municipality's own hierarchy come from the nyko subgraph (`Area.nyko`). Undefined for other ids.
 */
function nykoSummary(id: string, summaryById: ReadonlyMap<string, AreaSummary>): AreaSummary | undefined {
  if (!id.startsWith('nyko:')) return undefined;
  const { kind, level, code } = parseAreaId(id);
  const kommun = `kommun:${code.slice(0, 4)}`;
  return {
    id, kind, level, levelRank: LEVEL_RANK.get(level) ?? 0, vintage: null, code: decodeURIComponent(code.split('/').at(-1)!), name: null,
    parentId: summaryById.has(kommun) ? kommun : null, geometrySource: null,
    minLon: null, minLat: null, maxLon: null, maxLat: null, centroidLon: null, centroidLat: null, areaKm2: null, hasGeometry: false,
  };
}

function toSummary(row: RawSummary): AreaSummary {
  return { ...row, hasGeometry: row.hasGeometry === 1 };
}

export interface AreaFilter {
  level?: AreaLevel;
  vintage?: number;
  /** Only descendants of this area. */
  withinId?: string;
  /** Only these ids (from a spatial search). */
  ids?: string[];
}

export interface AreaPageRequest extends AreaFilter {
  first: number;
  /** Sort key of the last row of the previous page. */
  after?: { levelRank: number; id: string };
}

interface SpatialEntry {
  area: AreaSummary;
  geometry: Geometry;
}

export interface GeoSource {
  /** Areas by id, in key order, null for unknown ids. */
  areasByIds(ids: readonly string[]): (AreaSummary | null)[];
  /** WGS84 geometries by id, in key order, null where an area has none. */
  geometriesByIds(ids: readonly string[]): (Geometry | null)[];
  /** Ancestors of each area, nearest first. */
  ancestorsByIds(ids: readonly string[]): AreaSummary[][];
  /** Descendants of each area matching level/vintage (newest vintage of the level when vintage is omitted). */
  descendantsByIds(ids: readonly string[], level: AreaLevel | undefined, vintage: number | undefined): AreaSummary[][];
  /** One page of areas and the total count, ordered coarse to fine, then by id. */
  page(request: AreaPageRequest): { rows: AreaSummary[]; totalCount: number; hasNextPage: boolean };
  /** Ids of areas whose geometry intersects the WGS84 box. */
  idsIntersecting(bbox: BBox): string[];
  /** Every area containing the WGS84 point: polygons hit directly, plus their ancestors by code. */
  areasAt(point: Position): AreaSummary[];
  close(): void;
}

function filterSql(filter: AreaFilter) {
  const clauses = [sql`1 = 1`];
  // By rank, not name, so the (level_rank, vintage, id) index serves the filter.
  if (filter.level) clauses.push(sql`a.level_rank = ${LEVEL_RANK.get(filter.level)}`);
  if (filter.vintage !== undefined) clauses.push(sql`a.vintage = ${filter.vintage}`);
  if (filter.withinId) clauses.push(sql`a.id IN (SELECT area_id FROM area_ancestor WHERE ancestor_id = ${filter.withinId})`);
  if (filter.ids) clauses.push(sql`a.id IN (SELECT value FROM json_each(${JSON.stringify(filter.ids)}))`);
  return sql.join(clauses, sql` AND `);
}

/** Opens (building first if needed) the geo store and loads the spatial index. */
export function createGeoSource(config: AppConfig, log: Logger): GeoSource {
  const started = performance.now();
  const { db, built } = openStore(config.storeDir, geoStoreSpec(path.join(config.dataDir, 'geo')));
  const all = <T>(query: ReturnType<typeof sql>) => db.all<T>(query);

  // Every area's summary fits in memory (about 20,000 rows, a few MB): id lookups and point lookups need no query.
  const summaryById = new Map(all<RawSummary>(sql`SELECT ${SUMMARY_COLUMNS} FROM area a`).map((row) => [row.id, toSummary(row)]));
  const spatial: SpatialEntry[] = all<{ id: string; geometry: string }>(sql`SELECT id, geometry FROM area WHERE geometry IS NOT NULL ORDER BY id`).map(
    (row) => ({ area: summaryById.get(row.id) as AreaSummary, geometry: JSON.parse(row.geometry) as Geometry }),
  );
  // The boxes were computed when the store was built; the index reuses them.
  const index = new Flatbush(spatial.length);
  for (const { area } of spatial) index.add(area.minLon ?? 0, area.minLat ?? 0, area.maxLon ?? 0, area.maxLat ?? 0);
  index.finish();
  const geometryById = new Map(spatial.map((entry) => [entry.area.id, entry.geometry]));
  log.info('geo source ready', { built, areasWithGeometry: spatial.length, ms: Math.round(performance.now() - started) });

  const summaries = (query: ReturnType<typeof sql>) => all<RawSummary>(query).map(toSummary);

  const summaryOf = (id: string): AreaSummary | undefined => summaryById.get(id) ?? nykoSummary(id, summaryById);
  const areasByIds = (ids: readonly string[]) => ids.map((id) => summaryOf(id) ?? null);

  const ancestorsOf = (id: string): AreaSummary[] => {
    const found: AreaSummary[] = [];
    for (let parent = summaryOf(id)?.parentId; parent; parent = summaryById.get(parent)?.parentId) {
      const row = summaryById.get(parent);
      if (row) found.push(row);
    }
    return found;
  };

  const newestVintage = (filter: AreaFilter): number | undefined => {
    const row = all<{ vintage: number | null }>(sql`SELECT max(a.vintage) AS vintage FROM area a WHERE ${filterSql(filter)}`)[0];
    return row?.vintage ?? undefined;
  };

  return {
    areasByIds,
    geometriesByIds: (ids) => ids.map((id) => geometryById.get(id) ?? null),
    ancestorsByIds: (ids) => ids.map(ancestorsOf),
    descendantsByIds(ids, level, vintage) {
      if (ids.length === 0) return [];
      const grouped = new Map<string, AreaSummary[]>(ids.map((id) => [id, []]));
      const rows = level
        ? all<RawSummary & { rootId: string }>(
            sql`SELECT c.ancestor_id AS rootId, ${SUMMARY_COLUMNS} FROM area_ancestor c JOIN area a ON a.id = c.area_id
                WHERE c.ancestor_id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) AND a.level = ${level} ORDER BY a.level_rank, a.id`,
          )
        : all<RawSummary & { rootId: string }>(
            sql`SELECT a.parent_id AS rootId, ${SUMMARY_COLUMNS} FROM area a WHERE a.parent_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
                ORDER BY a.level_rank, a.vintage, a.id`,
          );
      for (const { rootId, ...row } of rows) grouped.get(rootId)?.push(toSummary(row));
      if (!level) return ids.map((id) => grouped.get(id) ?? []);
      // Without a vintage, each area gets the newest vintage among its own descendants (a RegSO 2020 keeps its DeSO 2018).
      return ids.map((id) => {
        const found = grouped.get(id) ?? [];
        const wanted = vintage ?? Math.max(...found.map((row) => row.vintage ?? -Infinity));
        return found.filter((row) => row.vintage === null || row.vintage === wanted);
      });
    },
    page(request) {
      const filter: AreaFilter = { ...request };
      if (filter.level && filter.vintage === undefined) filter.vintage = newestVintage(filter);
      const where = filterSql(filter);
      const after = request.after
        ? sql` AND (a.level_rank > ${request.after.levelRank} OR (a.level_rank = ${request.after.levelRank} AND a.id > ${request.after.id}))`
        : sql``;
      // One row more than asked tells whether another page follows.
      const rows = summaries(sql`SELECT ${SUMMARY_COLUMNS} FROM area a WHERE ${where}${after} ORDER BY a.level_rank, a.id LIMIT ${request.first + 1}`);
      const totalCount = all<{ n: number }>(sql`SELECT count(*) AS n FROM area a WHERE ${where}`)[0]?.n ?? 0;
      return { rows: rows.slice(0, request.first), totalCount, hasNextPage: rows.length > request.first };
    },
    idsIntersecting(bbox) {
      return index
        .search(...bbox)
        .map((i) => spatial[i])
        .filter((entry) => geometryIntersectsBBox(entry.geometry, bbox))
        .map((entry) => entry.area.id);
    },
    areasAt(point) {
      const hits = index
        .search(point[0], point[1], point[0], point[1])
        .map((i) => spatial[i])
        .filter((entry) => pointInGeometry(point, entry.geometry));
      // Simplified layers overlap slightly at shared edges: keep the smallest polygon of each kind.
      const smallest = new Map<string, AreaSummary>();
      for (const { area } of hits) {
        const current = smallest.get(area.kind);
        if (!current || (area.areaKm2 ?? 0) < (current.areaKm2 ?? 0)) smallest.set(area.kind, area);
      }
      const fine = [...smallest.values()].filter((area) => area.level !== 'KOMMUN' && area.level !== 'LAN');
      // Kommun and län follow from the finer areas' codes; their generalised polygons only speak where nothing finer is drawn.
      const found = new Map<string, AreaSummary>();
      for (const area of fine.length > 0 ? fine : smallest.values()) for (const row of [area, ...ancestorsOf(area.id)]) found.set(row.id, row);
      return [...found.values()].sort((a, b) => a.levelRank - b.levelRank || (a.vintage ?? 0) - (b.vintage ?? 0) || a.id.localeCompare(b.id));
    },
    close: () => db.$client.close(),
  };
}
