// Reading the NYKO store: schemes, versions (also by date), areas by id, level or parent, lineage, correspondence, compositions.
import { and, asc, eq, inArray, lte, or, type SQL } from 'drizzle-orm';
import type { NykoIssue, NykoLevel, NykoStats } from './import/index.ts';
import type { Composition, WeightBasis } from '../../lib/estimate.ts';
import type { NykoStore } from './store.ts';
import type { TargetKind } from './correspondence.ts';
import {
  areas,
  correspondence,
  lineage,
  schemes,
  targetCoverage,
  versions,
  type AreaRow,
  type CorrespondenceRow,
  type LineageRow,
  type SchemeRow,
  type TargetCoverageRow,
  type VersionRow,
} from './tables.ts';

/** A level of a version: the import's description plus the slug its ids use. */
export interface VersionLevel extends NykoLevel {
  slug: string;
}

export interface SourceFile {
  fileName: string;
  /** The level the file was imported as; null for a single file holding every level. */
  level: string | null;
  bytes: number;
  sha256: string;
}

export interface SchemeInfo {
  id: string;
  kommun: string;
  slug: string;
  name: string;
  /** The levels of the version valid last, coarse to fine. */
  levels: { slug: string; name: string }[];
  createdAt: string;
}

export interface VersionInfo {
  id: string;
  scheme: string;
  kommun: string;
  label: string;
  validFrom: string;
  validTo: string | null;
  importedAt: string;
  importedBy: string;
  sources: SourceFile[];
  sourceCrs: string | null;
  featureCount: number;
  areaCount: number;
  levels: VersionLevel[];
  stats: NykoStats['levels'];
  warnings: NykoIssue[];
}

export function schemeInfo(row: SchemeRow): SchemeInfo {
  return { ...row, levels: JSON.parse(row.levels) as SchemeInfo['levels'] };
}

export function versionInfo(row: VersionRow): VersionInfo {
  return {
    id: row.id,
    scheme: row.scheme,
    kommun: row.scheme.split('/')[0],
    label: row.label,
    validFrom: row.validFrom,
    validTo: row.validTo ?? null,
    importedAt: row.importedAt,
    importedBy: row.importedBy,
    sources: JSON.parse(row.sources) as SourceFile[],
    sourceCrs: row.sourceCrs ?? null,
    featureCount: row.featureCount,
    areaCount: row.areaCount,
    levels: JSON.parse(row.levels) as VersionLevel[],
    stats: JSON.parse(row.stats) as VersionInfo['stats'],
    warnings: JSON.parse(row.warnings) as NykoIssue[],
  };
}

// ---- schemes and versions ------------------------------------------------------------------------------

export function listSchemes(store: NykoStore, kommun?: string): SchemeInfo[] {
  const query = store.db.select().from(schemes);
  return (kommun ? query.where(eq(schemes.kommun, kommun)) : query).orderBy(asc(schemes.id)).all().map(schemeInfo);
}

/** The versions of a scheme (`1480/omraden`), oldest first. */
export function listVersions(store: NykoStore, schemeId: string): VersionInfo[] {
  return store.db.select().from(versions).where(eq(versions.scheme, schemeId)).orderBy(asc(versions.validFrom)).all().map(versionInfo);
}

/** A version by id (`1480/omraden/2024`), or null. */
export function getVersion(store: NykoStore, versionId: string): VersionInfo | null {
  const row = store.db.select().from(versions).where(eq(versions.id, versionId)).get();
  return row ? versionInfo(row) : null;
}

/** The version of a scheme valid on a date (`YYYY-MM-DD`), or null before the first. */
export function versionAt(store: NykoStore, schemeId: string, date: string): VersionInfo | null {
  const row = store.db
    .select()
    .from(versions)
    .where(and(eq(versions.scheme, schemeId), lte(versions.validFrom, date)))
    .orderBy(asc(versions.validFrom))
    .all()
    .at(-1);
  return row && (row.validTo === null || row.validTo >= date) ? versionInfo(row) : null;
}

// ---- areas -----------------------------------------------------------------------------------------------

/** The areas of a version, coarse levels first and by code within a level; one level when `level` (a slug) is given. */
export function areasOfVersion(store: NykoStore, versionId: string, level?: string): AreaRow[] {
  const where = level ? and(eq(areas.version, versionId), eq(areas.levelSlug, level)) : eq(areas.version, versionId);
  return store.db.select().from(areas).where(where).orderBy(asc(areas.level), asc(areas.code)).all();
}

/** Areas by id in the order asked, null where unknown: one query per batch, as a DataLoader wants. */
export function areasByIds(store: NykoStore, ids: readonly string[]): (AreaRow | null)[] {
  const found = new Map<string, AreaRow>();
  // SQLite caps bound variables per statement.
  for (let i = 0; i < ids.length; i += 500) {
    for (const row of store.db.select().from(areas).where(inArray(areas.id, ids.slice(i, i + 500) as string[])).all()) found.set(row.id, row);
  }
  return ids.map((id) => found.get(id) ?? null);
}

export function areaById(store: NykoStore, id: string): AreaRow | null {
  return areasByIds(store, [id])[0];
}

/** The areas whose parent is `parentId`: a NYKO area's children, or with `kommun:<code>` the top level (of one version when given). */
export function childrenOf(store: NykoStore, parentId: string, versionId?: string): AreaRow[] {
  const where = versionId ? and(eq(areas.parentId, parentId), eq(areas.version, versionId)) : eq(areas.parentId, parentId);
  return store.db.select().from(areas).where(where).orderBy(asc(areas.version), asc(areas.code)).all();
}

/** The parent NYKO area, or null at the top level (whose parentId is the kommun's `kommun:<code>`). */
export function parentOf(store: NykoStore, id: string): AreaRow | null {
  const area = areaById(store, id);
  return area && area.parentId.startsWith('nyko:') ? areaById(store, area.parentId) : null;
}

// ---- lineage ---------------------------------------------------------------------------------------------

export type LineageDirection = 'forward' | 'backward' | 'both';

/** Lineage rows of an area: forward to the next version (what it became), backward to the previous (what it came from). */
export function lineageOf(store: NykoStore, areaId: string, direction: LineageDirection = 'both'): LineageRow[] {
  const conditions: SQL[] = [];
  if (direction !== 'backward') conditions.push(eq(lineage.fromId, areaId));
  if (direction !== 'forward') conditions.push(eq(lineage.toId, areaId));
  return store.db.select().from(lineage).where(or(...conditions)).orderBy(asc(lineage.fromVersion), asc(lineage.fromCode), asc(lineage.toCode)).all();
}

/** Every lineage row between two consecutive versions, optionally of one level. */
export function lineageBetweenVersions(store: NykoStore, fromVersion: string, toVersion: string, level?: string): LineageRow[] {
  const conditions = [eq(lineage.fromVersion, fromVersion), eq(lineage.toVersion, toVersion)];
  if (level) conditions.push(eq(lineage.levelSlug, level));
  return store.db.select().from(lineage).where(and(...conditions)).orderBy(asc(lineage.levelSlug), asc(lineage.fromCode), asc(lineage.toCode)).all();
}

// ---- correspondence ----------------------------------------------------------------------------------------

export interface TargetFilter {
  kind?: TargetKind;
  vintage?: number;
}

function targetConditions(filter: TargetFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.kind) conditions.push(eq(correspondence.targetKind, filter.kind));
  if (filter.vintage !== undefined) conditions.push(eq(correspondence.targetVintage, filter.vintage));
  return conditions;
}

/** Correspondence rows of NYKO areas (one query for a batch), optionally of one target kind and vintage. */
export function correspondenceOf(store: NykoStore, nykoIds: readonly string[], filter: TargetFilter = {}): CorrespondenceRow[] {
  const rows: CorrespondenceRow[] = [];
  for (let i = 0; i < nykoIds.length; i += 500) {
    const where = and(inArray(correspondence.nykoId, nykoIds.slice(i, i + 500) as string[]), ...targetConditions(filter));
    rows.push(...store.db.select().from(correspondence).where(where).orderBy(asc(correspondence.nykoId), asc(correspondence.targetId)).all());
  }
  return rows;
}

/** The other direction: the NYKO areas a DeSO/RegSO overlaps, optionally in one version and level. */
export function correspondenceOfTarget(store: NykoStore, targetId: string, options: { version?: string; level?: string } = {}): CorrespondenceRow[] {
  const conditions = [eq(correspondence.targetId, targetId)];
  if (options.version) conditions.push(eq(correspondence.version, options.version));
  if (options.level) conditions.push(eq(correspondence.levelSlug, options.level));
  return store.db.select().from(correspondence).where(and(...conditions)).orderBy(asc(correspondence.version), asc(correspondence.levelSlug), asc(correspondence.nykoCode)).all();
}

/** How much of each target a level of a version covers. */
export function targetCoverageOf(store: NykoStore, versionId: string, level: string, filter: TargetFilter = {}): TargetCoverageRow[] {
  const conditions = [eq(targetCoverage.version, versionId), eq(targetCoverage.levelSlug, level)];
  if (filter.kind) conditions.push(eq(targetCoverage.targetKind, filter.kind));
  if (filter.vintage !== undefined) conditions.push(eq(targetCoverage.targetVintage, filter.vintage));
  return store.db.select().from(targetCoverage).where(and(...conditions)).orderBy(asc(targetCoverage.targetId)).all();
}

/** A target at least this much inside a NYKO area counts as wholly inside (the rest is slivers along its border). */
export const WHOLLY_INSIDE_SHARE = 0.99;

/** Inside by geometry: no other area of the level has a real part of the target, and it is not mostly outside the scheme. */
export function isWhollyInside(row: Pick<CorrespondenceRow, 'areaWeight' | 'areaShareOfTarget'>): boolean {
  return row.areaWeight >= 1 - 1e-9 && row.areaShareOfTarget >= WHOLLY_INSIDE_SHARE;
}

/**
 * What a NYKO area is made of in one target division, ready for estimateCount: area weights, or population weights
 * where every part has one (otherwise area weights, said by `basis`). Null when the area has no correspondence there.
 * A population weight is the share of the target's residents (by the surface) inside the area, P(N ∩ D) / P(D), given
 * the target's residents in `targetPopulation`: unlike land, residents need no normalising over the level's coverage,
 * so a scheme covering only part of a DeSO gets only that part's residents. Without it, P(N ∩ D) / P(D ∩ level).
 */
export function compositionFromRows(rows: readonly CorrespondenceRow[], basis: WeightBasis, targetPopulation?: ReadonlyMap<string, number | null>): Composition | null {
  if (rows.length === 0) return null;
  const byPopulation = basis === 'population' && rows.every((row) => row.popShareOfTarget !== null);
  const populationWeight = (row: CorrespondenceRow) => {
    const total = targetPopulation?.get(row.targetId);
    return total && total > 0 && row.population !== null ? Math.min(1, row.population / total) : (row.popShareOfTarget as number);
  };
  return {
    basis: byPopulation ? 'population' : 'area',
    weightLayer: byPopulation ? rows[0].weightLayer : null,
    weightYear: byPopulation ? rows[0].weightYear : null,
    parts: rows.map((row) => ({
      targetId: row.targetId,
      weight: byPopulation ? populationWeight(row) : row.areaWeight,
      inside: isWhollyInside(row),
    })),
  };
}

/** A target in one level of one version: what the population surface counts residents of (a correspondence row names one). */
export type TargetOfLevel = Pick<CorrespondenceRow, 'version' | 'levelSlug' | 'targetId'>;

export const targetOfLevelKey = (target: TargetOfLevel) => `${target.version}|${target.levelSlug}|${target.targetId}`;

/** The residents (by the population surface) of each target of a version's level, keyed by targetOfLevelKey. */
export function targetPopulations(store: NykoStore, targets: readonly TargetOfLevel[]): Map<string, number | null> {
  const found = new Map<string, number | null>();
  const ids = [...new Set(targets.map((target) => target.targetId))];
  const versions = [...new Set(targets.map((target) => target.version))];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = store.db.select().from(targetCoverage)
      .where(and(inArray(targetCoverage.targetId, ids.slice(i, i + 500)), inArray(targetCoverage.version, versions))).all();
    for (const row of rows) found.set(targetOfLevelKey(row), row.population);
  }
  return found;
}

/** compositionFromRows for one area and one target kind and vintage. */
export function compositionOf(store: NykoStore, areaId: string, target: Required<TargetFilter>, basis: WeightBasis = 'area'): Composition | null {
  const rows = correspondenceOf(store, [areaId], target);
  const populations = targetPopulations(store, rows);
  return compositionFromRows(rows, basis, new Map(rows.map((row) => [row.targetId, populations.get(targetOfLevelKey(row)) ?? null])));
}
