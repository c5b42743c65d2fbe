// drizzle tables of the geo store: every area, its closure of ancestors, and its geometry.
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One row per area of every level and vintage. */
export const areas = sqliteTable(
  'area',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    level: text('level').notNull(),
    /** Position of the level in AREA_LEVELS, so pages sort coarse to fine without a CASE. */
    levelRank: integer('level_rank').notNull(),
    vintage: integer('vintage'),
    code: text('code').notNull(),
    name: text('name'),
    parentId: text('parent_id'),
    /** GeoJSON geometry in WGS84 (RFC 7946), null where no geometry is shipped. */
    geometry: text('geometry'),
    geometrySource: text('geometry_source'),
    minLon: real('min_lon'),
    minLat: real('min_lat'),
    maxLon: real('max_lon'),
    maxLat: real('max_lat'),
    centroidLon: real('centroid_lon'),
    centroidLat: real('centroid_lat'),
    areaKm2: real('area_km2'),
  },
  (table) => [index('area_parent').on(table.parentId), index('area_level_order').on(table.levelRank, table.vintage, table.id)],
);

/** Transitive closure of the hierarchy: one row per (area, ancestor), depth 1 being the parent. */
export const areaAncestors = sqliteTable(
  'area_ancestor',
  {
    areaId: text('area_id').notNull(),
    ancestorId: text('ancestor_id').notNull(),
    depth: integer('depth').notNull(),
  },
  (table) => [primaryKey({ columns: [table.areaId, table.ancestorId] }), index('area_ancestor_by_ancestor').on(table.ancestorId, table.areaId)],
);

export const tables = [areas, areaAncestors];

export type AreaRow = typeof areas.$inferSelect;
