// Importing a version of a NYKO scheme into the store: validate, compute lineage and correspondence, then write it all in one transaction.
import { createHash } from 'node:crypto';
import { and, eq, or } from 'drizzle-orm';
import { EPSG_SWEREF99TM, EPSG_WGS84, toWgs84 } from '../../lib/crs.ts';
import { bboxOf, reproject, roundPositions, type MultiPolygon, type Polygon } from '../../lib/geojson.ts';
import { interiorPoint, PlanarPolygon } from '../../lib/geometry.ts';
import {
  computeCorrespondence,
  kommunBoundaryOf,
  populationSurfaceFor,
  targetsForKommun,
  type CorrespondenceArea,
  type CorrespondenceTolerances,
  type TargetKind,
} from './correspondence.ts';
import { formatNykoId, kommunProblem, labelProblem, schemeKey, slugify, slugProblem, versionKey } from './ids.ts';
import { importNyko, importNykoLayers, type NykoCommonOptions, type NykoImportOptions, type NykoInput, type NykoLayerInput, type NykoParseResult, type NykoPhase, type NykoTolerances } from './import/index.ts';
import { computeLineage, type LineageArea, type LineageLink, type LineageSummary, type LineageTolerances } from './lineage.ts';
import { versionInfo, type VersionInfo, type VersionLevel } from './queries.ts';
import type { NykoStore } from './store.ts';
import { areas, correspondence, lineage, schemes, targetCoverage, versions, type VersionRow } from './tables.ts';

export type ImportPhase = NykoPhase | 'lineage' | 'correspondence' | 'write' | 'done';

export interface ImportProgress {
  phase: ImportPhase;
  /** Of the whole import, 0 to 1; only grows. */
  fraction: number;
}

export interface ImportVersionRequest {
  /** Four-digit kommun code. */
  kommun: string;
  /** Scheme slug, e.g. `omraden`: a kommun keeps versions of each of its schemes. */
  scheme: string;
  /** Display name of the scheme; kept from before when not given (default: the slug). */
  schemeName?: string;
  /** Version label, e.g. `2024`. */
  label: string;
  /** First day the version is valid, `YYYY-MM-DD`; the version before it ends the day before. */
  validFrom: string;
  /** One file per level, coarse to fine (Göteborg: stadsområde, mellanområde, primärområde, basområde)… */
  layers?: NykoLayerInput[];
  /** …or one file: levels by code prefix (options.levels), a level or parent field, or a single level. */
  input?: NykoInput;
  /** For `input`: levels, mapping, crs, codeWidth … as importNyko takes them. */
  options?: Omit<NykoImportOptions, keyof NykoCommonOptions>;
  tolerances?: Partial<NykoTolerances>;
  /** The kommun outline for the outside-the-municipality check; default SCB's generalised outline from data/geo, null for none. */
  kommunBoundary?: Polygon | MultiPolygon | null;
  /** A token's subject, `cli` or `embedded`. */
  importedBy: string;
  /** Replace a version with the same label instead of refusing. */
  replace?: boolean;
  /** Validate and compute everything, write nothing. */
  dryRun?: boolean;
  lineageTolerances?: Partial<LineageTolerances>;
  correspondenceTolerances?: Partial<CorrespondenceTolerances>;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Test hook: throws inside the write transaction once this many rows are written, to prove nothing is kept. */
  failAfterRows?: number;
}

export const REFUSAL_CODES = {
  INVALID_REQUEST: 'The kommun, scheme, label, valid-from date or inputs are malformed or missing.',
  VERSION_EXISTS: 'The scheme already has a version with this label; ask for replace to overwrite it.',
  VALID_FROM_TAKEN: 'Another version of the scheme starts on the same day.',
  STORE_CHANGED: 'Another import changed the scheme while this one was being computed; run it again.',
} as const;

export type RefusalCode = keyof typeof REFUSAL_CODES;

/** Why an import was refused before its files were judged (the files' own problems are in `report.issues`). */
export interface ImportRefusal {
  code: RefusalCode;
  message: string;
  hint: string;
}

export interface LineageComputed {
  from: string;
  to: string;
  /** Per level present in both versions. */
  levels: { level: string; summary: LineageSummary }[];
  /** Levels of one version only: no lineage for them. */
  unmatched: string[];
}

export interface CorrespondenceComputed {
  level: string;
  targetKind: TargetKind;
  targetVintage: number;
  source: string;
  pairs: number;
  targets: number;
  /** Targets the level overlaps at all: their area weights sum to 1. */
  targetsCovered: number;
  /** Targets the level covers (almost) wholly, ≥ 99 % of their area. */
  targetsWhollyCovered: number;
  /** The population surface the population weights come from, or null. */
  weightLayer: string | null;
  weightYear: number | null;
}

export interface ImportVersionResult {
  /** The version was written, or (dry run) would be. */
  ok: boolean;
  written: boolean;
  dryRun: boolean;
  refusal: ImportRefusal | null;
  /** The import library's report: per-feature errors and warnings, levels, sources, stats; null when refused before reading. */
  report: NykoParseResult | null;
  /** The version as written (or as it would be). */
  version: VersionInfo | null;
  /** The version it replaced, when replace was asked for and one existed. */
  replaced: VersionInfo | null;
  lineage: LineageComputed[];
  correspondence: CorrespondenceComputed[];
  /** Rows written (or to write) in all tables. */
  rows: number;
  timingsMs: { import: number; lineage: number; correspondence: number; write: number; total: number };
}

/** Progress shares of the phases, so one bar can cover the whole import. */
const SHARES = { import: 0.45, lineage: 0.15, correspondence: 0.35, write: 0.05 };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The day before an ISO date. */
export function dayBefore(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const round7 = (value: number) => Math.round(value * 1e7) / 1e7;

function requestProblem(request: ImportVersionRequest): string | null {
  const given = [request.layers !== undefined, request.input !== undefined].filter(Boolean).length;
  return (
    kommunProblem(request.kommun) ??
    slugProblem(request.scheme, 'scheme') ??
    labelProblem(request.label) ??
    (isDate(request.validFrom) ? null : `valid-from "${request.validFrom}" is not a date: expected YYYY-MM-DD, e.g. "2024-01-01".`) ??
    (given === 1 ? null : 'give either layers (one file per level) or input (one file), not both and not neither.') ??
    (request.layers?.length === 0 ? 'layers is empty: give at least one { level, input }.' : null) ??
    (request.importedBy.trim() === '' ? 'importedBy is empty: say who imports (a token subject, "cli").' : null)
  );
}

/** An area of the new version as it will be stored, with its planar form for the overlays. */
interface PreparedArea {
  row: typeof areas.$inferInsert;
  levelSlug: string;
  planar: PlanarPolygon | null;
}

function prepareAreas(request: ImportVersionRequest, report: NykoParseResult, levels: VersionLevel[], versionId: string): PreparedArea[] {
  const slugOf = (level: number) => levels[level - 1].slug;
  const idOf = (level: number, code: string) => formatNykoId({ kommun: request.kommun, scheme: request.scheme, version: request.label, level: slugOf(level), code });
  const fileOf = (source: number) => report.sources[source]?.fileName ?? null;
  return report.areas.map((area) => {
    // Stored at 7 decimals (about 1 cm); lineage and correspondence are computed from exactly what is stored.
    const geometry = area.geometry ? roundPositions(area.geometry, 7) : null;
    const planar = geometry ? new PlanarPolygon(reproject(geometry, EPSG_WGS84, EPSG_SWEREF99TM)) : null;
    const box = geometry ? bboxOf(geometry) : null;
    const inside = planar ? interiorPoint(planar.toGeometry()) : null;
    const point = inside ? toWgs84(inside, EPSG_SWEREF99TM) : null;
    return {
      levelSlug: slugOf(area.level),
      planar,
      row: {
        id: idOf(area.level, area.code),
        version: versionId,
        level: area.level,
        levelSlug: slugOf(area.level),
        levelName: area.levelName,
        code: area.code,
        name: area.name,
        parentCode: area.parentCode,
        parentId: area.level > 1 && area.parentCode !== null ? idOf(area.level - 1, area.parentCode) : `kommun:${request.kommun}`,
        geometry: geometry ? JSON.stringify(geometry) : null,
        areaM2: area.areaM2,
        minLon: box?.[0] ?? null,
        minLat: box?.[1] ?? null,
        maxLon: box?.[2] ?? null,
        maxLat: box?.[3] ?? null,
        pointLon: point ? round7(point[0]) : null,
        pointLat: point ? round7(point[1]) : null,
        properties: JSON.stringify(area.properties),
        sourceFile: fileOf(area.source),
        feature: area.feature,
      },
    };
  });
}

/** The areas of a stored version by level slug, in SWEREF 99 TM, for lineage. */
function storedLineageAreas(store: NykoStore, versionId: string): Map<string, LineageArea[]> {
  const rows = store.db.select({ id: areas.id, code: areas.code, levelSlug: areas.levelSlug, geometry: areas.geometry }).from(areas).where(eq(areas.version, versionId)).all();
  const byLevel = new Map<string, LineageArea[]>();
  for (const row of rows) {
    const polygon = row.geometry ? new PlanarPolygon(reproject(JSON.parse(row.geometry) as MultiPolygon, EPSG_WGS84, EPSG_SWEREF99TM)) : null;
    byLevel.set(row.levelSlug, [...(byLevel.get(row.levelSlug) ?? []), { id: row.id, code: row.code, polygon }]);
  }
  return byLevel;
}

function lineageBetween(fromId: string, from: Map<string, LineageArea[]>, toId: string, to: Map<string, LineageArea[]>, tolerances: Partial<LineageTolerances> | undefined) {
  const computed: LineageComputed = { from: fromId, to: toId, levels: [], unmatched: [] };
  const links: (LineageLink & { level: string })[] = [];
  for (const level of new Set([...from.keys(), ...to.keys()])) {
    const a = from.get(level);
    const b = to.get(level);
    if (!a || !b) {
      computed.unmatched.push(level);
      continue;
    }
    const result = computeLineage(a, b, tolerances);
    computed.levels.push({ level, summary: result.summary });
    links.push(...result.links.map((l) => ({ ...l, level })));
  }
  return { computed, links };
}

/**
 * Lineage for every pair of versions that is consecutive once the new version is in and was not before (pairs with the
 * new version always), and the `from>to` pairs that stop being consecutive. `before` includes a version being replaced,
 * `others` does not.
 */
function planLineage(
  store: NykoStore,
  before: VersionRow[],
  others: VersionRow[],
  versionId: string,
  request: ImportVersionRequest,
  prepared: PreparedArea[],
  onStep: (done: number) => void,
) {
  const after = [...others, { id: versionId, validFrom: request.validFrom }].sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  const pairKey = (from: string, to: string) => `${from}>${to}`;
  const pairsBefore = new Set(before.slice(1).map((v, i) => pairKey(before[i].id, v.id)));
  const pairsAfter = after.slice(1).map((v, i) => ({ from: after[i].id, to: v.id }));
  const toCompute = pairsAfter.filter((p) => p.from === versionId || p.to === versionId || !pairsBefore.has(pairKey(p.from, p.to)));
  const stale = [...pairsBefore].filter((key) => !pairsAfter.some((p) => pairKey(p.from, p.to) === key));
  const own = new Map<string, LineageArea[]>();
  for (const area of prepared) own.set(area.levelSlug, [...(own.get(area.levelSlug) ?? []), { id: area.row.id, code: area.row.code, polygon: area.planar }]);
  const loaded = new Map<string, Map<string, LineageArea[]>>([[versionId, own]]);
  const areasOf = (id: string) => {
    if (!loaded.has(id)) loaded.set(id, storedLineageAreas(store, id));
    return loaded.get(id) as Map<string, LineageArea[]>;
  };
  const computed: LineageComputed[] = [];
  const rows: (typeof lineage.$inferInsert)[] = [];
  toCompute.forEach((pair, i) => {
    const between = lineageBetween(pair.from, areasOf(pair.from), pair.to, areasOf(pair.to), request.lineageTolerances);
    computed.push(between.computed);
    rows.push(...between.links.map(({ level, ...link }) => ({ fromVersion: pair.from, toVersion: pair.to, levelSlug: level, ...link })));
    onStep((i + 1) / toCompute.length);
  });
  return { computed, rows, stale };
}

/** Correspondence of every level with geometry to each set of the kommun's targets; `onStep` gets the share done. */
function planCorrespondence(store: NykoStore, request: ImportVersionRequest, levels: VersionLevel[], prepared: PreparedArea[], versionId: string, onStep: (done: number) => void) {
  const targetSets = targetsForKommun(store.dataDir, request.kommun);
  const surface = populationSurfaceFor(store.dataDir, request.kommun);
  const correspondenceRows: (typeof correspondence.$inferInsert)[] = [];
  const coverageRows: (typeof targetCoverage.$inferInsert)[] = [];
  const summaries: CorrespondenceComputed[] = [];
  const measured = levels.filter((level) => prepared.some((a) => a.levelSlug === level.slug && a.planar !== null));
  const steps = Math.max(1, measured.length * targetSets.length);
  for (const level of measured) {
    const members: CorrespondenceArea[] = prepared.filter((a) => a.levelSlug === level.slug).map((a) => ({ id: a.row.id, code: a.row.code, polygon: a.planar }));
    for (const set of targetSets) {
      // Population weights are for DeSO 2025, the division the surface comes with; RegSO are whole DeSO, so area weights suffice.
      const computed = computeCorrespondence(members, set.areas, set.kind === 'deso' && set.vintage === 2025 ? surface : null, request.correspondenceTolerances);
      const key = { version: versionId, levelSlug: level.slug, targetKind: set.kind, targetVintage: set.vintage };
      for (const { target, ...values } of computed.pairs) correspondenceRows.push({ ...key, targetCode: target.code, targetId: target.id, ...values });
      for (const { target, ...values } of computed.coverage) coverageRows.push({ ...key, targetCode: target.code, targetId: target.id, ...values });
      const weighted = computed.pairs.find((p) => p.weightLayer !== null);
      summaries.push({
        level: level.slug,
        targetKind: set.kind,
        targetVintage: set.vintage,
        source: set.source,
        pairs: computed.pairs.length,
        targets: set.areas.length,
        targetsCovered: new Set(computed.pairs.map((p) => p.target.id)).size,
        targetsWhollyCovered: computed.coverage.filter((c) => c.coverage >= 0.99).length,
        weightLayer: weighted?.weightLayer ?? null,
        weightYear: weighted?.weightYear ?? null,
      });
      onStep(summaries.length / steps);
    }
  }
  return { correspondenceRows, coverageRows, summaries };
}

/** The stored fingerprint of a scheme's versions, to notice another writer between computing and writing. */
function schemeState(store: NykoStore, schemeId: string): VersionRow[] {
  return store.db.select().from(versions).where(eq(versions.scheme, schemeId)).orderBy(versions.validFrom).all();
}

const stateKey = (rows: VersionRow[]) => rows.map((v) => `${v.id}@${v.importedAt}@${v.validFrom}`).join('|');

/**
 * Imports one version of a kommun's scheme. Nothing is written unless the files pass validation (then `report.issues`
 * holds the errors); otherwise the version, its areas, the validity of its neighbours, lineage against the versions
 * before and after it and correspondence to DeSO/RegSO are written in one transaction, so a failure at any point,
 * or a crash, leaves the store as it was. Synchronous: it takes seconds for a large kommun.
 */
export function importVersion(store: NykoStore, request: ImportVersionRequest): ImportVersionResult {
  const started = performance.now();
  const timingsMs = { import: 0, lineage: 0, correspondence: 0, write: 0, total: 0 };
  const result: ImportVersionResult = {
    ok: false,
    written: false,
    dryRun: request.dryRun === true,
    refusal: null,
    report: null,
    version: null,
    replaced: null,
    lineage: [],
    correspondence: [],
    rows: 0,
    timingsMs,
  };
  const finish = () => {
    timingsMs.total = Math.round(performance.now() - started);
    return result;
  };
  const refuse = (code: RefusalCode, message: string, hint: string) => {
    result.refusal = { code, message, hint };
    return finish();
  };
  let fraction = 0;
  const progress = (phase: ImportPhase, value: number) => {
    fraction = Math.max(fraction, Math.min(1, value));
    request.onProgress?.({ phase, fraction });
  };

  const problem = requestProblem(request);
  if (problem) return refuse('INVALID_REQUEST', `The import cannot start: ${problem}`, 'Correct the request and run it again.');
  if (store.readonly && !request.dryRun) return refuse('INVALID_REQUEST', `The store ${store.file} is open read-only.`, 'Open it read-write, or ask for a dry run.');
  const schemeId = schemeKey(request.kommun, request.scheme);
  const versionId = versionKey(request.kommun, request.scheme, request.label);
  const before = schemeState(store, schemeId);
  const same = before.find((v) => v.label === request.label) ?? null;
  if (same && !request.replace) {
    return refuse(
      'VERSION_EXISTS',
      `Version ${request.label} of ${schemeId} already exists (valid from ${same.validFrom}, imported ${same.importedAt} by ${same.importedBy}).`,
      'Ask for replace (--replace) to overwrite it, or choose another label.',
    );
  }
  const others = before.filter((v) => v !== same);
  const clash = others.find((v) => v.validFrom === request.validFrom);
  if (clash) {
    return refuse('VALID_FROM_TAKEN', `Version ${clash.label} of ${schemeId} is already valid from ${request.validFrom}.`, 'Give a valid-from date no other version of the scheme starts on.');
  }
  let boundary = request.kommunBoundary ?? undefined;
  if (request.kommunBoundary === undefined) {
    const found = kommunBoundaryOf(store.dataDir, request.kommun);
    if (!found) return refuse('INVALID_REQUEST', `${request.kommun} is not one of SCB's kommun codes.`, 'Give the four-digit kommun code, e.g. 1480 for Göteborg.');
    boundary = found;
  }

  // ---- validate and normalise the files (the import library) ----
  const t0 = performance.now();
  const common: NykoCommonOptions = {
    kommun: request.kommun,
    kommunBoundary: boundary,
    tolerances: request.tolerances,
    signal: request.signal,
    onProgress: (done, total, phase) => progress(phase, (SHARES.import * done) / Math.max(1, total)),
  };
  const report = request.layers ? importNykoLayers(request.layers, common) : importNyko(request.input as NykoInput, { ...request.options, ...common });
  result.report = report;
  timingsMs.import = Math.round(performance.now() - t0);
  if (!report.ok) return finish();
  const levels: VersionLevel[] = report.levels.map((level) => ({ ...level, slug: slugify(level.name) }));
  for (const level of levels) {
    const slugIssue = slugProblem(level.slug, 'level');
    if (slugIssue) return refuse('INVALID_REQUEST', `The level "${level.name}" gives no usable slug: ${slugIssue}`, 'Name the level with letters or digits, e.g. "basområde".');
    const twin = levels.find((other) => other !== level && other.slug === level.slug);
    if (twin) return refuse('INVALID_REQUEST', `The levels "${twin.name}" and "${level.name}" have the same slug "${level.slug}".`, 'Give every level a distinct name.');
  }
  const prepared = prepareAreas(request, report, levels, versionId);

  // ---- lineage between the versions that are consecutive once this one is in ----
  const t1 = performance.now();
  const { computed: lineageComputed, rows: lineageRows, stale: toDelete } = planLineage(store, before, others, versionId, request, prepared, (done) =>
    progress('lineage', SHARES.import + SHARES.lineage * done),
  );
  result.lineage = lineageComputed;
  const next = others.find((v) => v.validFrom > request.validFrom) ?? null;
  timingsMs.lineage = Math.round(performance.now() - t1);

  // ---- correspondence to the kommun's DeSO and RegSO ----
  const t2 = performance.now();
  const { correspondenceRows, coverageRows, summaries } = planCorrespondence(store, request, levels, prepared, versionId, (done) =>
    progress('correspondence', SHARES.import + SHARES.lineage + SHARES.correspondence * done),
  );
  result.correspondence = summaries;
  timingsMs.correspondence = Math.round(performance.now() - t2);

  // ---- the version row ----
  const importedAt = new Date().toISOString();
  const inputs = request.layers ? request.layers.map((l) => ({ level: l.level, input: l.input })) : [{ level: null, input: request.input as NykoInput }];
  const versionRow: typeof versions.$inferInsert = {
    id: versionId,
    scheme: schemeId,
    label: request.label,
    validFrom: request.validFrom,
    validTo: next ? dayBefore(next.validFrom) : null,
    importedAt,
    importedBy: request.importedBy,
    sources: JSON.stringify(inputs.map(({ level, input }) => ({ fileName: input.fileName, level, bytes: input.bytes.length, sha256: sha256(input.bytes) }))),
    sourceCrs: report.sourceCrs,
    featureCount: report.stats.features,
    areaCount: report.areas.length,
    levels: JSON.stringify(levels),
    stats: JSON.stringify(report.stats.levels),
    // The list is for reading back what the import said; a few hundred say it all.
    warnings: JSON.stringify(report.issues.filter((i) => i.severity === 'warning').slice(0, 500)),
  };
  result.version = versionInfo(versionRow as VersionRow);
  result.replaced = same ? versionInfo(same) : null;
  result.rows = 1 + prepared.length + lineageRows.length + correspondenceRows.length + coverageRows.length;
  if (request.dryRun) {
    result.ok = true;
    progress('done', 1);
    return finish();
  }

  // ---- one transaction ----
  const t3 = performance.now();
  let written = 0;
  const beforeWrite = SHARES.import + SHARES.lineage + SHARES.correspondence;
  const plan: WritePlan = {
    schemeId,
    before,
    replaced: same,
    staleLineage: toDelete,
    scheme: { id: schemeId, kommun: request.kommun, slug: request.scheme, name: request.schemeName ?? request.scheme, levels: '[]', createdAt: importedAt },
    renameScheme: request.schemeName !== undefined,
    version: versionRow,
    areas: prepared.map((a) => a.row),
    lineage: lineageRows,
    correspondence: correspondenceRows,
    coverage: coverageRows,
  };
  try {
    writeVersion(store, plan, (rows) => {
      written += rows;
      progress('write', beforeWrite + (SHARES.write * written) / result.rows);
      if (request.failAfterRows !== undefined && written >= request.failAfterRows) throw new Error(`Injected failure after ${written} rows (failAfterRows ${request.failAfterRows}).`);
    });
  } catch (error) {
    if (error instanceof StoreChangedError) return refuse('STORE_CHANGED', error.message, 'Run the import again: it will be computed against the store as it is now.');
    throw error;
  }
  timingsMs.write = Math.round(performance.now() - t3);
  result.written = true;
  result.ok = true;
  const stored = store.db.select().from(versions).where(eq(versions.id, versionId)).get();
  if (stored) result.version = versionInfo(stored);
  progress('done', 1);
  return finish();
}

/** Everything one import writes, computed before the transaction so that it stays short. */
interface WritePlan {
  schemeId: string;
  /** The scheme's versions as read before computing: if they changed since, another import got in between. */
  before: VersionRow[];
  replaced: VersionRow | null;
  /** `from>to` version pairs that are no longer consecutive. */
  staleLineage: string[];
  scheme: typeof schemes.$inferInsert;
  renameScheme: boolean;
  version: typeof versions.$inferInsert;
  areas: (typeof areas.$inferInsert)[];
  lineage: (typeof lineage.$inferInsert)[];
  correspondence: (typeof correspondence.$inferInsert)[];
  coverage: (typeof targetCoverage.$inferInsert)[];
}

/** Writes a plan in one immediate transaction; `onRows` hears of every batch written and may throw to abandon it all. */
function writeVersion(store: NykoStore, plan: WritePlan, onRows: (rows: number) => void): void {
  const insertAll = <T extends object>(table: Parameters<NykoStore['db']['insert']>[0], rows: T[]) => {
    // SQLite caps bound variables per statement; 100 rows of at most 20 columns stays under it.
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      store.db.insert(table).values(chunk as never).run();
      onRows(chunk.length);
    }
  };
  store.sqlite
    .transaction(() => {
      if (stateKey(schemeState(store, plan.schemeId)) !== stateKey(plan.before)) throw new StoreChangedError(plan.schemeId);
      if (plan.replaced) deleteVersion(store, plan.replaced.id);
      for (const key of plan.staleLineage) {
        const [from, to] = key.split('>');
        store.db.delete(lineage).where(and(eq(lineage.fromVersion, from), eq(lineage.toVersion, to))).run();
      }
      const existing = store.db.select().from(schemes).where(eq(schemes.id, plan.schemeId)).get();
      if (!existing) store.db.insert(schemes).values(plan.scheme).run();
      else if (plan.renameScheme && plan.scheme.name !== existing.name) store.db.update(schemes).set({ name: plan.scheme.name }).where(eq(schemes.id, plan.schemeId)).run();
      insertAll(versions, [plan.version]);
      insertAll(areas, plan.areas);
      insertAll(lineage, plan.lineage);
      insertAll(correspondence, plan.correspondence);
      insertAll(targetCoverage, plan.coverage);
      refreshValidity(store, plan.schemeId);
    })
    .immediate();
}

class StoreChangedError extends Error {
  constructor(schemeId: string) {
    super(`Another import changed the versions of ${schemeId} while this one was computed; nothing was written.`);
  }
}

/** Deletes a version and everything hanging off it; the caller runs it inside a transaction. */
function deleteVersion(store: NykoStore, versionId: string): void {
  store.db.delete(lineage).where(or(eq(lineage.fromVersion, versionId), eq(lineage.toVersion, versionId))).run();
  store.db.delete(correspondence).where(eq(correspondence.version, versionId)).run();
  store.db.delete(targetCoverage).where(eq(targetCoverage.version, versionId)).run();
  store.db.delete(areas).where(eq(areas.version, versionId)).run();
  store.db.delete(versions).where(eq(versions.id, versionId)).run();
}

/** Each version ends the day before the next begins; the last is open. The scheme lists the levels of the last. */
function refreshValidity(store: NykoStore, schemeId: string): void {
  const ordered = schemeState(store, schemeId);
  ordered.forEach((version, i) => {
    const validTo = i + 1 < ordered.length ? dayBefore(ordered[i + 1].validFrom) : null;
    if (version.validTo !== validTo) store.db.update(versions).set({ validTo }).where(eq(versions.id, version.id)).run();
  });
  const last = ordered.at(-1);
  if (last) {
    const levels = (JSON.parse(last.levels) as VersionLevel[]).map((l) => ({ slug: l.slug, name: l.name }));
    store.db.update(schemes).set({ levels: JSON.stringify(levels) }).where(eq(schemes.id, schemeId)).run();
  }
}
