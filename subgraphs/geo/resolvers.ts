// Geo resolvers: arguments checked and turned into loader calls; no data access of their own.
import { parseAreaId, type AreaLevel } from '../../lib/area-id.ts';
import { parseBBox, parsePoint, positionIn } from '../../lib/coordinates.ts';
import type { Crs } from '../../lib/crs.ts';
import { badUserInput } from '../../lib/errors.ts';
import { OUTPUT_DECIMALS, bboxOf, reproject, roundPositions, simplify } from '../../lib/geojson.ts';
import { GeoJSONScalar } from '../../lib/scalars.ts';
import type { GeoLoaders } from './loaders.ts';
import type { AreaSummary, GeoSource } from './source.ts';

export interface GeoContext {
  source: GeoSource;
  loaders: GeoLoaders;
}

const MAX_PAGE = 10_000;

interface Cursor {
  levelRank: number;
  id: string;
}

function encodeCursor(row: AreaSummary): string {
  return Buffer.from(JSON.stringify([row.levelRank, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const [levelRank, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof levelRank === 'number' && typeof id === 'string') return { levelRank, id };
  } catch {
    // Falls through to the coded error below.
  }
  throw badUserInput(`"${cursor}" is not a cursor of this connection: pass pageInfo.endCursor from the previous page unchanged`, {
    argumentName: 'after',
  });
}

/** Checks an id's format; malformed ids are BAD_USER_INPUT, well-formed unknown ones resolve to null later. */
function checkedId(id: string): string {
  return parseAreaId(id).id;
}

export const resolvers = {
  GeoJSON: GeoJSONScalar,
  Query: {
    area: (_: unknown, { id }: { id: string }, { loaders }: GeoContext) => loaders.area.load(checkedId(id)),
    areasByIds: (_: unknown, { ids }: { ids: string[] }, { loaders }: GeoContext) => loaders.area.loadMany(ids.map(checkedId)),
    areas(
      _: unknown,
      args: { level?: AreaLevel; vintage?: number; within?: string; bbox?: number[]; crs: Crs; first: number; after?: string },
      { source }: GeoContext,
    ) {
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE) {
        throw badUserInput(`first: ${args.first} is out of range: expected a page size from 1 to ${MAX_PAGE}`, { argumentName: 'first' });
      }
      const ids = args.bbox ? source.idsIntersecting(parseBBox(args.bbox, args.crs)) : undefined;
      const page = source.page({
        level: args.level ?? undefined,
        vintage: args.vintage ?? undefined,
        withinId: args.within ? checkedId(args.within) : undefined,
        ids,
        first: args.first,
        after: args.after ? decodeCursor(args.after) : undefined,
      });
      const { rows, totalCount, hasNextPage } = page;
      const edges = rows.map((node) => ({ node, cursor: encodeCursor(node) }));
      return { edges, nodes: rows, totalCount, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
    areasAt: (_: unknown, { point, crs }: { point: number[]; crs: Crs }, { source }: GeoContext) => source.areasAt(parsePoint(point, crs)),
  },
  Area: {
    // async, so one malformed representation fails only its own entry, not the whole _entities list.
    __resolveReference: async ({ id }: { id: string }, { loaders }: GeoContext) => loaders.area.load(checkedId(id)),
    parent: (area: AreaSummary, _: unknown, { loaders }: GeoContext) => (area.parentId ? loaders.area.load(area.parentId) : null),
    ancestors: (area: AreaSummary, _: unknown, { loaders }: GeoContext) => loaders.ancestors.load(area.id),
    children: (area: AreaSummary, args: { level?: AreaLevel; vintage?: number }, { loaders }: GeoContext) =>
      loaders.descendants.load({ id: area.id, level: args.level ?? undefined, vintage: args.vintage ?? undefined }),
    async geometry(area: AreaSummary, { crs, simplify: tolerance }: { crs: Crs; simplify: number }, { loaders }: GeoContext) {
      if (!Number.isFinite(tolerance) || tolerance < 0) {
        throw badUserInput(`simplify: ${tolerance} is not a tolerance: expected metres ≥ 0, e.g. 50`, { argumentName: 'simplify' });
      }
      const stored = area.hasGeometry ? await loaders.geometry.load(area.id) : null;
      if (!stored) return null;
      const simplified = tolerance > 0 ? simplify(stored, tolerance, 'WGS84') : stored;
      const projected = crs === 'WGS84' ? simplified : reproject(simplified, 4326, 3006);
      return tolerance > 0 || crs !== 'WGS84' ? roundPositions(projected, OUTPUT_DECIMALS[crs]) : projected;
    },
    async bbox(area: AreaSummary, { crs }: { crs: Crs }, { loaders }: GeoContext) {
      if (!area.hasGeometry || area.minLon === null || area.minLat === null || area.maxLon === null || area.maxLat === null) return null;
      if (crs === 'WGS84') return [area.minLon, area.minLat, area.maxLon, area.maxLat];
      // A projected box must come from the projected geometry: the corners of the WGS84 box do not bound it.
      const stored = await loaders.geometry.load(area.id);
      return stored ? roundPositionsOfBox(bboxOf(reproject(stored, 4326, 3006))) : null;
    },
    centroid: (area: AreaSummary, { crs }: { crs: Crs }) =>
      area.centroidLon === null || area.centroidLat === null ? null : positionIn([area.centroidLon, area.centroidLat], crs).map((v) => round(v, OUTPUT_DECIMALS[crs])),
  },
};

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundPositionsOfBox(box: number[]): number[] {
  return box.map((v) => round(v, OUTPUT_DECIMALS.SWEREF99TM));
}
