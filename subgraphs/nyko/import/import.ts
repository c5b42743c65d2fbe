// The NYKO import: a municipality's key-code file(s) in, validated and normalised areas (or every reason to refuse) out.
import { EPSG_SWEREF99TM, EPSG_WGS84 } from '../../../lib/crs.ts';
import { reproject } from '../../../lib/geojson.ts';
import { PlanarPolygon, type Gap } from '../../../lib/geometry.ts';
import { checkCodes, checkGaps, checkKommunBoundary, checkOverlaps } from './checks.ts';
import { prepareFeatureGeometry } from './feature-geometry.ts';
import { codeFromValue, findField, levelNameFromCodeField, resolveMapping, restoreLeadingZeros, textFromValue, type ResolvedMapping } from './fields.ts';
import { assignSingleFileLevels, checkSpatialNesting, linkLayers } from './hierarchy.ts';
import { IssueLog } from './issues.ts';
import { DEFAULT_TOLERANCES, label, type WorkingArea, type WorkingLevel } from './model.ts';
import { readLayer, type RawLayer } from './readers.ts';
import { resolveSourceCrs } from './source-crs.ts';
import type {
  NykoArea,
  NykoCommonOptions,
  NykoFileOptions,
  NykoImportOptions,
  NykoInput,
  NykoLayerInput,
  NykoParseResult,
  NykoPhase,
  NykoSourceInfo,
  NykoStats,
  NykoTolerances,
} from './types.ts';

/** A read file: its features as working areas, not yet placed in levels or given geometry. */
interface LoadedSource {
  index: number;
  raw: RawLayer;
  epsg: number | null;
  mapping: ResolvedMapping;
  areas: WorkingArea[];
  log: IssueLog;
}

const PHASES: NykoPhase[] = ['read', 'codes', 'geometry', 'hierarchy', 'overlaps', 'gaps', 'boundary'];
/** The phases after reading, in the order they run; each is one share of the progress total. */
const WORK_PHASES: NykoPhase[] = ['geometry', 'codes', 'hierarchy', 'overlaps', 'gaps', 'boundary'];

/** State shared by the steps of one import. */
class ImportRun {
  readonly log = new IssueLog();
  readonly tolerances: NykoTolerances;
  readonly kommunBoundary: PlanarPolygon | null = null;
  readonly sources: NykoSourceInfo[] = [];
  readonly timings = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<NykoPhase, number>;
  private phaseStarted = performance.now();
  private done = 0;
  private total = 0;

  constructor(readonly options: NykoCommonOptions) {
    this.tolerances = { ...DEFAULT_TOLERANCES, ...options.tolerances };
    if (!/^\d{4}$/.test(options.kommun)) {
      this.log.error('INVALID_OPTION', `"${options.kommun}" is not a kommun code.`, 'Pass the four-digit kommun code, e.g. kommun: "1480" for Göteborg.', { value: options.kommun });
    }
    for (const [key, value] of Object.entries(this.tolerances)) {
      if (typeof value !== 'number' || !(value >= 0)) this.log.error('INVALID_OPTION', `tolerances.${key} is ${String(value)}; it must be a number ≥ 0.`, 'Leave it out to use the default.', { field: `tolerances.${key}` });
    }
    const boundary = options.kommunBoundary;
    if (boundary) {
      if (boundary.type !== 'Polygon' && boundary.type !== 'MultiPolygon') {
        this.log.error('INVALID_OPTION', 'kommunBoundary is not a Polygon or MultiPolygon.', 'Pass the kommun outline as WGS84 GeoJSON geometry.');
      } else this.kommunBoundary = new PlanarPolygon(reproject(boundary, EPSG_WGS84, EPSG_SWEREF99TM));
    }
  }

  /** Ends the current phase: adds its time, checks for cancellation. */
  phase(name: NykoPhase): void {
    const now = performance.now();
    this.timings[name] += now - this.phaseStarted;
    this.phaseStarted = now;
    this.options.signal?.throwIfAborted();
  }

  roundedTimings(): Record<NykoPhase, number> {
    return Object.fromEntries(Object.entries(this.timings).map(([phase, ms]) => [phase, Math.round(ms)])) as Record<NykoPhase, number>;
  }

  /** Every phase after reading works through each feature once, so the total is known once the files are read. */
  setWork(features: number): void {
    this.total = features * WORK_PHASES.length;
    this.done = 0;
  }

  /** The work units of one phase after reading. */
  get phaseUnits(): number {
    return this.total / WORK_PHASES.length;
  }

  advance(units: number, phase: NykoPhase): void {
    this.done = Math.min(this.total, this.done + units);
    this.options.onProgress?.(this.done, this.total, phase);
  }

  /** Moves progress to the end of a work phase, from wherever its partial reports left it. */
  completePhase(phase: NykoPhase): void {
    const target = this.phaseUnits * (WORK_PHASES.indexOf(phase) + 1);
    if (target > this.done) this.advance(target - this.done, phase);
  }
}

/** Reads one file and makes a working area of each feature (codes, names, parent and level values). */
function loadSource(run: ImportRun, index: number, input: NykoInput, options: NykoFileOptions, parentCodeField: string | null, level?: string): LoadedSource | null {
  const log = run.log.with({ source: index, fileName: input.fileName, level });
  const raw = readLayer(input.fileName, input.bytes, options.layer, log);
  const info: NykoSourceInfo = {
    fileName: input.fileName,
    format: raw?.format ?? null,
    layer: raw?.layer ?? null,
    crs: null,
    crsFrom: null,
    encoding: raw?.encoding ?? null,
    mapping: { code: null, name: null, parent: null, level: null },
    fields: raw?.fields.map((f) => f.name) ?? [],
    features: raw?.features.length ?? 0,
  };
  run.sources.push(info);
  if (!raw) return null;
  if (raw.features.length === 0) {
    log.error('INVALID_FILE', `${input.fileName} has no features.`, 'Check that the right file (or layer) was exported.');
    return null;
  }
  if (options.codeWidth !== undefined && !(Number.isInteger(options.codeWidth) && options.codeWidth > 0)) {
    log.error('INVALID_OPTION', `codeWidth is ${options.codeWidth}; it must be a whole number of digits.`, 'Pass e.g. codeWidth: 5.', { field: 'codeWidth' });
  }
  const crs = resolveSourceCrs(raw, options.crs, run.options.kommunBoundary, log);
  info.crs = crs.epsg === null ? null : `EPSG:${crs.epsg}`;
  info.crsFrom = crs.from;
  const mapping = resolveMapping(raw, options.mapping, parentCodeField, log);
  info.mapping = mapping;
  const numeric = (field: string | null) => (field ? (findField(raw.fields, field)?.numeric ?? false) : false);
  const codeNumeric = numeric(mapping.code);
  const parentNumeric = numeric(mapping.parent);
  const areas: WorkingArea[] = [];
  let asNumbers = 0;
  let example: string | null = null;
  for (const feature of raw.features) {
    const value = mapping.code ? feature.properties[mapping.code] : undefined;
    const code = codeFromValue(value, codeNumeric);
    if (code.problem) {
      log.error('INVALID_CODE', `Feature ${feature.index}: ${code.problem}, so it cannot be a code.`, 'Codes are whole numbers or text; store them as text.', {
        feature: feature.index,
        field: mapping.code ?? undefined,
        value: String(value),
      });
    }
    if (code.fromNumber && code.code !== null) {
      asNumbers++;
      example ??= `${JSON.stringify(value)} → "${code.code}"`;
    }
    const parent = mapping.parent ? codeFromValue(feature.properties[mapping.parent], parentNumeric) : null;
    areas.push({
      source: index,
      feature: feature.index,
      code: code.code,
      fromNumber: code.fromNumber,
      codeRejected: code.problem !== null,
      name: mapping.name ? textFromValue(feature.properties[mapping.name]) : null,
      level: 0,
      parentRef: parent?.code ?? null,
      parentRefFromNumber: parent?.fromNumber ?? false,
      levelValue: mapping.level ? textFromValue(feature.properties[mapping.level]) : null,
      parentCode: null,
      parent: null,
      properties: feature.properties,
      geometry: null,
      hadGeometry: feature.geometry !== null || feature.geometryError !== null,
      repaired: false,
      log,
    });
  }
  if (asNumbers > 0) {
    log.warning(
      'CODE_AS_NUMBER',
      `${asNumbers} of ${raw.features.length} codes in ${mapping.code} were stored as numbers and were read as text (e.g. ${example}).`,
      'Store codes as text in the source: a number loses leading zeros and may gain decimals.',
      { field: mapping.code ?? undefined },
    );
  }
  return { index, raw, epsg: crs.epsg, mapping, areas, log };
}

/** Reprojects, repairs and validates the geometry of every feature of the loaded sources. */
function prepareGeometries(run: ImportRun, loaded: LoadedSource[], levelNameOf: (source: LoadedSource) => string): void {
  for (const source of loaded) {
    if (source.epsg === null) continue;
    const name = levelNameOf(source);
    source.areas.forEach((area, i) => {
      const feature = source.raw.features[i];
      const { geometry, repaired } = prepareFeatureGeometry(feature, source.epsg as number, label(area, name), run.tolerances.repairM2, source.log);
      area.geometry = geometry;
      area.repaired = repaired;
      if (i % 50 === 49) {
        run.options.signal?.throwIfAborted();
        run.advance(50, 'geometry');
      }
    });
  }
}

/**
 * Level checks, result assembly and statistics, shared by both entry points; `linkLevel` links a level to the one
 * above it where that was not done while assigning levels (separate layers).
 */
function finish(run: ImportRun, loaded: LoadedSource[], levels: WorkingLevel[], all: WorkingArea[], linkLevel: (child: WorkingLevel) => void): NykoParseResult {
  const levelName = (level: number) => levels[level - 1]?.name ?? 'area';
  checkCodes(
    all,
    levelName,
    new Set(loaded.filter((s) => s.raw.hasGeometry).map((s) => s.index)),
    new Set(loaded.filter((s) => s.mapping.code === null).map((s) => s.index)),
  );
  run.completePhase('codes');
  run.phase('codes');

  for (const level of levels.slice(1)) linkLevel(level);
  for (const level of levels.slice(1)) {
    checkSpatialNesting(
      all.filter((a) => a.level === level.level),
      level.name,
      levelName(level.level - 1),
      run.tolerances,
    );
  }
  run.completePhase('hierarchy');
  run.phase('hierarchy');

  const stats: NykoStats['levels'] = levels.map((level) => ({ name: level.name, areaM2: 0, overlapPairs: 0, overlapM2: 0, gaps: 0, gapM2: 0, kommunCoverage: null }));
  const byLevel = levels.map((level) => all.filter((a) => a.level === level.level));
  const measured = levels.map((level, i) => level.origin === 'features' && byLevel[i].some((a) => a.geometry !== null));
  const perLevelShare = run.phaseUnits / Math.max(1, measured.filter(Boolean).length);
  levels.forEach((level, i) => {
    stats[i].areaM2 = byLevel[i].reduce((sum, a) => sum + (a.geometry?.planar.area ?? 0), 0);
    if (!measured[i]) return;
    let reported = 0;
    const overlaps = checkOverlaps(byLevel[i], level.name, run.tolerances, (done) => {
      const units = (perLevelShare * done) / byLevel[i].length - reported;
      if (units >= 1) {
        run.advance(units, 'overlaps');
        reported += units;
      }
    });
    stats[i].overlapPairs = overlaps.pairs;
    stats[i].overlapM2 = overlaps.areaM2;
  });
  run.completePhase('overlaps');
  run.phase('overlaps');

  // Finest level first, so a coarser level repeats no gap its areas share with the finer one.
  const finerGaps: Gap[] = [];
  for (let i = levels.length - 1; i >= 0; i--) {
    if (!measured[i]) continue;
    const { gaps, areaM2 } = checkGaps(byLevel[i], levels[i].name, run.tolerances, run.log, finerGaps);
    stats[i].gaps = gaps.length;
    stats[i].gapM2 = areaM2;
    finerGaps.push(...gaps);
  }
  run.completePhase('gaps');
  run.phase('gaps');

  if (run.kommunBoundary) {
    const finest = measured.lastIndexOf(true);
    levels.forEach((level, i) => {
      if (measured[i]) stats[i].kommunCoverage = checkKommunBoundary(byLevel[i], level.name, run.kommunBoundary!, run.options.kommun, run.tolerances, run.log, i === finest);
    });
  }
  run.completePhase('boundary');
  run.phase('boundary');

  const areas: NykoArea[] = all
    .filter((a) => a.level >= 1 && a.code !== null)
    .sort((a, b) => a.level - b.level || a.source - b.source || (a.feature ?? Infinity) - (b.feature ?? Infinity) || a.code!.localeCompare(b.code!))
    .map((a) => ({
      code: a.code as string,
      name: a.name,
      level: a.level,
      levelName: levelName(a.level),
      parentCode: a.parent?.code ?? null,
      geometry: a.geometry?.wgs84 ?? null,
      areaM2: a.geometry ? Math.round(a.geometry.planar.area * 100) / 100 : null,
      source: a.source,
      feature: a.feature,
      properties: a.properties,
    }));
  const crsList = [...new Set(run.sources.map((s) => s.crs).filter((c): c is string => c !== null))];
  return {
    ok: !run.log.hasErrors,
    kommun: run.options.kommun,
    areas,
    levels: levels.map((level, i) => {
      const lengths = new Set(byLevel[i].flatMap((a) => (a.code === null ? [] : [a.code.length])));
      return {
        level: level.level,
        name: level.name,
        count: byLevel[i].length,
        codeLength: level.codeLength ?? (lengths.size === 1 ? [...lengths][0] : null),
        origin: level.origin,
        parentLink: level.parentLink,
      };
    }),
    sourceCrs: crsList.length > 0 ? crsList.join(', ') : null,
    sources: run.sources,
    issues: run.log.sorted(),
    stats: {
      features: loaded.reduce((sum, s) => sum + s.raw.features.length, 0),
      areas: areas.length,
      withGeometry: areas.filter((a) => a.geometry !== null).length,
      repaired: all.filter((a) => a.repaired).length,
      levels: stats,
      timingsMs: run.roundedTimings(),
    },
  };
}

/** The result of an import that could not get past reading its inputs. */
function refused(run: ImportRun): NykoParseResult {
  return {
    ok: false,
    kommun: run.options.kommun,
    areas: [],
    levels: [],
    sourceCrs: null,
    sources: run.sources,
    issues: run.log.sorted(),
    stats: { features: 0, areas: 0, withGeometry: 0, repaired: 0, levels: [], timingsMs: run.roundedTimings() },
  };
}

/**
 * Imports one file: GeoJSON (WGS84, or SWEREF 99 TM / a local zone with a legacy `crs` member), a zipped shapefile
 * or a CSV code list. The levels come from `levels` (prefix-nested codes), a level or parent field, or are one level.
 * Nothing is stored: the result carries the areas when `ok`, and every issue found either way.
 */
export function importNyko(input: NykoInput, options: NykoImportOptions): NykoParseResult {
  const run = new ImportRun(options);
  if (options.levels && options.codeWidth !== undefined && options.levels.some((l) => l.codeLength !== undefined)) {
    run.log.error('INVALID_OPTION', 'codeWidth cannot be combined with levels that have code lengths.', 'The levels’ codeLength already says how long codes are; use restoreLeadingZeros to pad codes that lost zeros.');
  }
  const source = loadSource(run, 0, input, options, null);
  run.phase('read');
  if (!source) return refused(run);
  run.setWork(source.raw.features.length);
  const singleName = options.levelName ?? options.levels?.[0]?.name ?? levelNameFromCodeField(source.mapping.code);
  prepareGeometries(run, [source], () => (options.levels && options.levels.length > 1 ? 'area' : singleName));
  run.completePhase('geometry');
  run.phase('geometry');

  const { levels, derived } = assignSingleFileLevels(source.areas, options.levels, singleName, source.mapping, options.restoreLeadingZeros ?? false, source.log);
  const prefixScheme = levels.some((l) => l.codeLength !== null);
  if (!prefixScheme) {
    const finest = levels.length;
    for (const level of levels) {
      const members = source.areas.filter((a) => a.level === level.level);
      restoreLeadingZeros(members, level.name, { codeWidth: level.level === finest ? options.codeWidth : undefined, restore: options.restoreLeadingZeros }, source.log);
    }
  }
  return finish(run, [source], levels, [...source.areas, ...derived], () => undefined);
}

/**
 * Imports a scheme whose levels come in separate files (Göteborg: stadsområden, mellanområden, primärområden,
 * basområden), listed coarse to fine. Each layer is linked to the one above it by a parent field, by code prefix
 * or by containment of an interior point (see NykoLayerInput.parentLink).
 */
export function importNykoLayers(layers: NykoLayerInput[], options: NykoCommonOptions): NykoParseResult {
  const run = new ImportRun(options);
  if (layers.length === 0) {
    run.log.error('INVALID_OPTION', 'No layers were given.', 'Pass at least one { level, input }.');
    return refused(run);
  }
  const loaded: (LoadedSource | null)[] = [];
  layers.forEach((layer, i) => {
    const parentCodeField = i > 0 ? (loaded[i - 1]?.mapping.code ?? null) : null;
    loaded.push(loadSource(run, i, layer.input, layer, parentCodeField, layer.level));
  });
  run.phase('read');
  const sources = loaded.filter((s): s is LoadedSource => s !== null);
  if (sources.length !== layers.length) return refused(run);
  run.setWork(sources.reduce((sum, s) => sum + s.raw.features.length, 0));
  prepareGeometries(run, sources, (s) => layers[s.index].level);
  run.completePhase('geometry');
  run.phase('geometry');

  const levels: WorkingLevel[] = layers.map((layer, i) => ({
    level: i + 1,
    name: layer.level,
    origin: 'features',
    parentLink: null,
    codeLength: null,
  }));
  for (const source of sources) {
    for (const area of source.areas) area.level = source.index + 1;
    // The top layer's areas hang under the kommun: a parent field there means nothing.
    if (source.index === 0) for (const area of source.areas) area.parentRef = null;
    const layer = layers[source.index];
    restoreLeadingZeros(source.areas, layer.level, { codeWidth: layer.codeWidth, restore: layer.restoreLeadingZeros }, source.log);
  }
  const all = sources.flatMap((s) => s.areas);
  return finish(run, sources, levels, all, (level) => {
    const i = level.level - 1;
    level.parentLink = linkLayers(sources[i].areas, sources[i - 1].areas, level, levels[i - 1], layers[i].parentLink ?? 'auto', sources[i].log);
  });
}
