// drizzle tables of the NYKO store: schemes, versions, areas, lineage between versions and correspondence to DeSO/RegSO.
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Applied migrations, one row each; the store's schema version is the highest. */
export const schemaVersion = sqliteTable('schema_version', {
  version: integer('version').primaryKey(),
  description: text('description').notNull(),
  appliedAt: text('applied_at').notNull(),
});

/** A kommun's key-code scheme: the divisions it keeps versions of (Göteborg: `1480/omraden`). */
export const schemes = sqliteTable('scheme', {
  /** `<kommun>/<scheme slug>`. */
  id: text('id').primaryKey(),
  kommun: text('kommun').notNull(),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  /** JSON `[{ slug, name }]`, coarse to fine: the levels of the version valid last. */
  levels: text('levels').notNull(),
  createdAt: text('created_at').notNull(),
});

/** One import of a scheme: valid from its date until the day before the next version's. */
export const versions = sqliteTable(
  'version',
  {
    /** `<kommun>/<scheme slug>/<label>`. */
    id: text('id').primaryKey(),
    scheme: text('scheme').notNull(),
    label: text('label').notNull(),
    /** ISO dates; validTo is null for the version valid now. */
    validFrom: text('valid_from').notNull(),
    validTo: text('valid_to'),
    importedAt: text('imported_at').notNull(),
    /** A token's subject, `cli` or `embedded`. */
    importedBy: text('imported_by').notNull(),
    /** JSON `[{ fileName, level, bytes, sha256 }]`. */
    sources: text('sources').notNull(),
    /** The CRS(s) the files were read in, e.g. `EPSG:3007`. */
    sourceCrs: text('source_crs'),
    featureCount: integer('feature_count').notNull(),
    areaCount: integer('area_count').notNull(),
    /** JSON `[{ level, slug, name, count, codeLength, origin, parentLink }]`, coarse to fine. */
    levels: text('levels').notNull(),
    /** JSON of the import's statistics per level (area, overlaps, gaps, kommun coverage). */
    stats: text('stats').notNull(),
    /** JSON of the import's warnings (the import had no errors, or it would not be here), capped. */
    warnings: text('warnings').notNull(),
  },
  (table) => [uniqueIndex('version_scheme_label').on(table.scheme, table.label), uniqueIndex('version_scheme_valid_from').on(table.scheme, table.validFrom)],
);

/** Every area of every version; the id is the federated `Area` id. */
export const areas = sqliteTable(
  'area',
  {
    /** `nyko:<kommun>/<scheme>/<version>/<level>/<code>`. */
    id: text('id').primaryKey(),
    version: text('version').notNull(),
    /** 1 = coarsest level of the version. */
    level: integer('level').notNull(),
    levelSlug: text('level_slug').notNull(),
    levelName: text('level_name').notNull(),
    code: text('code').notNull(),
    name: text('name'),
    parentCode: text('parent_code'),
    /** The parent's area id; `kommun:<code>` for the top level. */
    parentId: text('parent_id').notNull(),
    /** RFC 7946 GeoJSON (WGS84, 7 decimals); null for a restpost or a code-list row. */
    geometry: text('geometry'),
    /** Measured in SWEREF 99 TM. */
    areaM2: real('area_m2'),
    minLon: real('min_lon'),
    minLat: real('min_lat'),
    maxLon: real('max_lon'),
    maxLat: real('max_lat'),
    /** A point inside the area (not the centroid, which can fall outside), for labels and lookups. */
    pointLon: real('point_lon'),
    pointLat: real('point_lat'),
    /** The feature's own properties, JSON, untouched. */
    properties: text('properties').notNull(),
    sourceFile: text('source_file'),
    feature: integer('feature'),
  },
  (table) => [index('area_version_level').on(table.version, table.levelSlug, table.code), index('area_parent').on(table.parentId)],
);

/**
 * How areas of one level changed between two consecutive versions of a scheme, measured by overlap in SWEREF 99 TM.
 * A row links a from-area and a to-area; `new` rows have no from-area and `retired` rows no to-area.
 */
export const lineage = sqliteTable(
  'lineage',
  {
    fromVersion: text('from_version').notNull(),
    toVersion: text('to_version').notNull(),
    levelSlug: text('level_slug').notNull(),
    fromCode: text('from_code'),
    toCode: text('to_code'),
    fromId: text('from_id'),
    toId: text('to_id'),
    /** unchanged, boundary_change, renamed, replaced, split, merge, carved, absorbed, new, retired (see lineage.ts). */
    relation: text('relation').notNull(),
    /** |from ∩ to| / |from| and |from ∩ to| / |to|; for `new`, shareOfTo is the part of the area no old area covered, for `retired` shareOfFrom the part no new area covers. */
    shareOfFrom: real('share_of_from'),
    shareOfTo: real('share_of_to'),
    overlapM2: real('overlap_m2'),
    /** Same-code rows: intersection over union, and the to-area minus the from-area in m². */
    iou: real('iou'),
    areaDeltaM2: real('area_delta_m2'),
  },
  (table) => [
    index('lineage_from').on(table.fromId),
    index('lineage_to').on(table.toId),
    index('lineage_versions').on(table.fromVersion, table.toVersion, table.levelSlug),
  ],
);

/** Overlap of each NYKO area with the DeSO/RegSO of its kommun, both directions, by area and (where a surface exists) by population. */
export const correspondence = sqliteTable(
  'correspondence',
  {
    version: text('version').notNull(),
    levelSlug: text('level_slug').notNull(),
    nykoId: text('nyko_id').notNull(),
    nykoCode: text('nyko_code').notNull(),
    /** `deso` or `regso`. */
    targetKind: text('target_kind').notNull(),
    targetVintage: integer('target_vintage').notNull(),
    targetCode: text('target_code').notNull(),
    /** The target's federated `Area` id, e.g. `deso2025:1480C2650`. */
    targetId: text('target_id').notNull(),
    overlapM2: real('overlap_m2').notNull(),
    /** |N ∩ D| / |D| (Geocorr's afact, target → NYKO). */
    areaShareOfTarget: real('area_share_of_target').notNull(),
    /** |N ∩ D| / |N| (afact2). */
    areaShareOfNyko: real('area_share_of_nyko').notNull(),
    /** |N ∩ D| / |D ∩ level|: the share of the target's land in this level that lies in N; sums to 1 over the level. */
    areaWeight: real('area_weight').notNull(),
    /** P(N ∩ D) / P(D ∩ level), sums to 1 over the level; P(N ∩ D) / P(N); null without a population surface. */
    popShareOfTarget: real('pop_share_of_target'),
    popShareOfNyko: real('pop_share_of_nyko'),
    /** Residents in N ∩ D by the surface, e.g. SCB's 1 km grid split by area. */
    population: real('population'),
    weightLayer: text('weight_layer'),
    weightYear: integer('weight_year'),
  },
  (table) => [
    index('correspondence_nyko').on(table.nykoId, table.targetKind, table.targetVintage),
    index('correspondence_target').on(table.targetId, table.version, table.levelSlug),
  ],
);

/** Per version, level and target: how much of the target the level covers, so partial coverage is reported, not hidden. */
export const targetCoverage = sqliteTable(
  'target_coverage',
  {
    version: text('version').notNull(),
    levelSlug: text('level_slug').notNull(),
    targetKind: text('target_kind').notNull(),
    targetVintage: integer('target_vintage').notNull(),
    targetCode: text('target_code').notNull(),
    targetId: text('target_id').notNull(),
    areaM2: real('area_m2').notNull(),
    /** |D ∩ level|, slivers included. */
    coveredM2: real('covered_m2').notNull(),
    /** coveredM2 / areaM2: below 1 where the level leaves part of the target out (usually water: NYKO covers land). */
    coverage: real('coverage').notNull(),
    /** Residents of the target by the surface, and the share of them inside the level; null without a surface. */
    population: real('population'),
    populationCoverage: real('population_coverage'),
  },
  (table) => [index('target_coverage_version').on(table.version, table.levelSlug, table.targetKind, table.targetVintage)],
);

/** Every table, in the order the migrations create them. */
export const tables = [schemaVersion, schemes, versions, areas, lineage, correspondence, targetCoverage];

export type SchemeRow = typeof schemes.$inferSelect;
export type VersionRow = typeof versions.$inferSelect;
export type AreaRow = typeof areas.$inferSelect;
export type LineageRow = typeof lineage.$inferSelect;
export type CorrespondenceRow = typeof correspondence.$inferSelect;
export type TargetCoverageRow = typeof targetCoverage.$inferSelect;
