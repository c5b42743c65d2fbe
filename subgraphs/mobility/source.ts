// The mobility store (built from the synthetic default through the pipeline) and the plain-row reads over it.
import { desoSplits } from '../../lib/deso-splits.ts';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type { AppConfig, DisclosureConfig } from '../../lib/config.ts';
import { openStore, type Store, type StoreSpec } from '../../lib/db.ts';
import { groupBy, groupIndexes } from '../../lib/group.ts';
import type { Logger } from '../../lib/log.ts';
import { loadMobilityStore, type AreaRow, type Level } from './build.ts';
import { TRAVEL_MODES } from './model.ts';
import { ANY_TYPE, WHOLE_DAY } from './pipeline/index.ts';
import { runPipeline } from './pipeline/index.ts';
import { generateSynthetic, SYNTHETIC_INPUTS } from './synthetic/generate.ts';
import { datasetMeta, mobilityArea, tables } from './tables.ts';

/** Code whose behaviour decides the stored aggregates: a change rebuilds the store like a changed input file. */
const BUILD_CODE = ['./build.ts', './model.ts', './pipeline', './synthetic'];

export type Direction = 'OUTGOING' | 'INCOMING';

/** Unprotected counts of one cell: trips or persons (extrapolated) and the distinct devices behind them. */
export interface Counts {
  devices: number;
  value: number;
  trips?: number;
}

export interface PresenceKey {
  area: number;
  date: string;
}

/** Per hour 0–23 (and 24 for the whole day) and type (home, work, other, any): devices and persons; index hour * 4 + type. */
export interface PresenceRow {
  devices: Int32Array;
  persons: Float64Array;
  /** True when a value is a sum of delivered cells the provider had already suppressed some of: the true value is at least this. */
  lowerBound?: boolean;
}

export interface TripsKey {
  area: number;
  level: Level;
  date: string;
  direction: Direction;
}

export interface HourlyTrips {
  hours: Counts[];
  total: Counts;
  /** True when a value is a sum of delivered cells the provider had already suppressed some of: the true value is at least this. */
  lowerBound?: boolean;
}

export interface FlowsKey extends TripsKey {
  /** Level the other ends are grouped at. */
  otherLevel: Level;
}

export interface FlowRow extends Counts {
  other: number;
}

export interface FlowsResult {
  flows: FlowRow[];
  total: Counts;
  /** True when a value is a sum of delivered cells the provider had already suppressed some of: the true value is at least this. */
  lowerBound?: boolean;
}

/** Long journeys of areas by travel mode: counts per index of TRAVEL_MODES, and all of them. */
export interface ModeCounts {
  modes: Counts[];
  total: Counts;
  /** True when a value is a sum of delivered cells the provider had already suppressed some of: the true value is at least this. */
  lowerBound?: boolean;
}

export type Grouping = 'OMRADESTYP' | 'DESO' | 'REGSO' | 'KOMMUN' | 'LAN' | 'GRID';

export interface MatrixCell extends Counts {
  from: string;
  to: string;
}

export interface MatrixResult {
  cells: MatrixCell[];
  total: Counts;
  split: { sameArea: number; otherAreaInRegion: number; outsideRegion: number };
  /** True when a value is a sum of delivered cells the provider had already suppressed some of: the true value is at least this. */
  lowerBound?: boolean;
}

export interface MobilitySourceInfo {
  synthetic: boolean;
  methodVersion: string;
  dates: string[];
  seed: number | null;
  sampleShare: number | null;
  description: string;
}

export interface MobilitySource {
  /** Every area at every level, by index. */
  areas: readonly AreaRow[];
  areaById(id: string): AreaRow | undefined;
  areaByIndex(idx: number): AreaRow;
  presenceFor(keys: readonly PresenceKey[]): PresenceRow[];
  tripsFor(keys: readonly TripsKey[]): HourlyTrips[];
  flowsFor(keys: readonly FlowsKey[]): FlowsResult[];
  /** Long journeys (at least 100 km) from (OUTGOING) or to areas, by final destination or first origin at otherLevel. */
  longTripsFor(keys: readonly FlowsKey[]): FlowsResult[];
  /** Long journeys from or to areas by inferred travel mode. */
  longTripModesFor(keys: readonly TripsKey[]): ModeCounts[];
  /** Trips starting in the given kommuner, grouped at both ends. */
  flowMatrix(kommuner: readonly number[], groupBy: Grouping, date: string): MatrixResult;
  info: MobilitySourceInfo;
  /** DeSO 2018 that SCB split in 2025 → their DeSO 2025 parts (the aggregates are kept on DeSO 2018). */
  desoSplits: ReadonlyMap<string, readonly string[]>;
  /** Disclosure control applied to every published value (MOBILITY_* settings). */
  disclosure: DisclosureConfig;
  store: { file: string; built: boolean };
  close(): void;
}

const COLUMN: Record<Exclude<Level, 'COUNTRY'>, string> = { DESO: 'deso', REGSO: 'regso', KOMMUN: 'kommun', LAN: 'lan', GRID: 'grid' };

/** The trip column of one end at one level; the country has none (every trip is in it). */
function endColumn(direction: Direction, level: Level, own: boolean): string | null {
  if (level === 'COUNTRY') return null;
  const end = (direction === 'OUTGOING') === own ? 'o' : 'd';
  return `${end}_${COLUMN[level]}`;
}

const DESCRIPTION =
  'Synthetic: devices generated from a seed over the real area frame (DeSO 2018 with RegSO 2020, kommun, län and ' +
  'områdestyp 2022; residents constrained to the real kommun totals), with diaries calibrated to what SCB published for ' +
  'November 2022, signal events with handover noise, and SCB’s 40-minute rule applied by the same pipeline as for ' +
  'operator traces; counts extrapolated to residents of the home DeSO.';

export function mobilityStoreSpec(config: Pick<AppConfig, 'dataDir' | 'mobility'>, log?: Logger): StoreSpec {
  const { seed, sampleShare, dates } = config.mobility;
  const code = BUILD_CODE.map((file) => fileURLToPath(new URL(file, import.meta.url)));
  return {
    name: 'mobility',
    loaderVersion: 1,
    tables,
    inputs: [...SYNTHETIC_INPUTS.map((file) => path.join(config.dataDir, file)), ...codeFiles(code)],
    parameters: JSON.stringify({ seed, sampleShare, dates }),
    load(db) {
      const started = performance.now();
      const generated = generateSynthetic({ dataDir: config.dataDir, seed, sampleShare, dates });
      const generatedMs = performance.now() - started;
      const result = runPipeline(generated.events, generated.plan, generated.frame.length);
      log?.info('mobility pipeline ran', {
        events: result.stats.events, devices: result.stats.devices, activities: result.activities.length, trips: result.trips.length,
        generateMs: Math.round(generatedMs), pipelineMs: Math.round(performance.now() - started - generatedMs),
      });
      loadMobilityStore(db, { frame: generated.frame, plan: generated.plan, result, config: config.mobility, description: DESCRIPTION });
    },
  };
}

/** Every .ts file of the given files and folders, sorted, so the fingerprint does not depend on directory order. */
function codeFiles(entries: string[]): string[] {
  return entries.flatMap((entry) => (entry.endsWith('.ts') ? [entry] : listTs(entry))).sort();
}

function listTs(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.endsWith('.ts')).map((name) => path.join(folder, name));
}

function zeroCounts(): Counts {
  return { devices: 0, value: 0, trips: 0 };
}

/** One row of counts: the key's area, a second grouping (hour, the other end's area, the mode; 0 without), counts. */
interface CountRecord {
  area: number;
  other: number;
  trips: number;
  devices: number;
  persons: number;
}

const countsOf = (row: CountRecord): Counts => ({ devices: row.devices, value: row.persons, trips: row.trips });

/** The two tables of movements: trips between consecutive activities, and long journeys to their final destinations. */
type MovementTable = 'trip' | 'long_trip';

/**
 * Counts the movements of the areas the keys ask about, grouped by a second expression (or none): one query per group
 * of keys asking the same question, each row handed to `take` for every key whose area it belongs to.
 */
function countMovements<K extends TripsKey>(
  db: Store,
  keys: readonly K[],
  table: MovementTable,
  second: (key: K) => { expression: SQL | null; group: string },
  take: (i: number, row: CountRecord) => void,
): void {
  for (const members of groupIndexes(keys, (key) => `${key.level}|${key.direction}|${key.date}|${second(key).group}`).values()) {
    const first = keys[members[0]];
    const column = endColumn(first.direction, first.level, true);
    const areas = JSON.stringify(members.map((i) => keys[i].area));
    const area = column ? sql.raw(column) : sql`0`;
    const where = column ? sql`${sql.raw(column)} IN (SELECT value FROM json_each(${areas})) AND` : sql``;
    const rows = db.all<CountRecord>(sql`
      SELECT ${area} AS area, ${second(first).expression ?? sql`0`} AS other,
             count(*) AS trips, count(DISTINCT device) AS devices, sum(weight) AS persons
      FROM ${sql.raw(table)} WHERE ${where} date = ${first.date} GROUP BY 1, 2`);
    // The country has no column: its rows are reported under area 0.
    const memberOf = groupBy(members, (i) => (column ? keys[i].area : 0));
    for (const row of rows) for (const i of memberOf.get(row.area) ?? []) take(i, row);
  }
}

const NO_SECOND = () => ({ expression: null, group: '' });

function tripsFor(db: Store, keys: readonly TripsKey[], table: MovementTable = 'trip'): HourlyTrips[] {
  const results = keys.map((): HourlyTrips => ({ hours: Array.from({ length: 24 }, zeroCounts), total: zeroCounts() }));
  countMovements(db, keys, table, () => ({ expression: sql`hour`, group: 'hour' }), (i, row) => (results[i].hours[row.other] = countsOf(row)));
  countMovements(db, keys, table, NO_SECOND, (i, row) => (results[i].total = countsOf(row)));
  return results;
}

function flowsFor(db: Store, keys: readonly FlowsKey[], table: MovementTable = 'trip'): FlowsResult[] {
  const totals = tripsFor(db, keys, table);
  const results = keys.map((_, i): FlowsResult => ({ flows: [], total: totals[i].total }));
  const otherEnd = (key: FlowsKey) => {
    const column = endColumn(key.direction, key.otherLevel, false);
    return { expression: column ? sql.raw(column) : null, group: key.otherLevel };
  };
  countMovements(db, keys, table, otherEnd, (i, row) => results[i].flows.push({ other: row.other, ...countsOf(row) }));
  return results;
}

function longTripModesFor(db: Store, keys: readonly TripsKey[]): ModeCounts[] {
  const totals = tripsFor(db, keys, 'long_trip');
  const results = keys.map((_, i): ModeCounts => ({ modes: TRAVEL_MODES.map(zeroCounts), total: totals[i].total }));
  countMovements(db, keys, 'long_trip', () => ({ expression: sql`mode`, group: 'mode' }), (i, row) => (results[i].modes[row.other] = countsOf(row)));
  return results;
}

const GROUP_COLUMN: Record<Grouping, [string, string]> = {
  OMRADESTYP: ['o_type', 'd_type'],
  DESO: ['o_deso', 'd_deso'],
  REGSO: ['o_regso', 'd_regso'],
  KOMMUN: ['o_kommun', 'd_kommun'],
  LAN: ['o_lan', 'd_lan'],
  GRID: ['o_grid', 'd_grid'],
};

export const OUTSIDE = 'OUTSIDE';

function flowMatrix(db: Store, areaById: (idx: number) => AreaRow, kommuner: readonly number[], groupBy: Grouping, date: string): MatrixResult {
  const region = JSON.stringify(kommuner);
  const [from, to] = GROUP_COLUMN[groupBy];
  const rows = db.all<{ origin: number; destination: number | null; trips: number; devices: number; persons: number }>(sql`
    SELECT ${sql.raw(from)} AS origin,
           CASE WHEN d_kommun IN (SELECT value FROM json_each(${region})) THEN ${sql.raw(to)} END AS destination,
           count(*) AS trips, count(DISTINCT device) AS devices, sum(weight) AS persons
    FROM trip WHERE o_kommun IN (SELECT value FROM json_each(${region})) AND date = ${date}
    GROUP BY 1, 2`);
  const total = db.get<{ trips: number; devices: number; persons: number; same: number; outside: number }>(sql`
    SELECT count(*) AS trips, count(DISTINCT device) AS devices, coalesce(sum(weight), 0) AS persons,
           coalesce(sum(CASE WHEN o_regso = d_regso THEN weight END), 0) AS same,
           coalesce(sum(CASE WHEN d_kommun NOT IN (SELECT value FROM json_each(${region})) THEN weight END), 0) AS outside
    FROM trip WHERE o_kommun IN (SELECT value FROM json_each(${region})) AND date = ${date}`)!;
  const name = (value: number) => (groupBy === 'OMRADESTYP' ? String(value) : areaById(value).id);
  const persons = total.persons || 1;
  return {
    cells: rows.map((row) => ({
      from: name(row.origin),
      to: row.destination === null ? OUTSIDE : name(row.destination),
      devices: row.devices,
      value: row.persons,
      trips: row.trips,
    })),
    total: { devices: total.devices, value: total.persons, trips: total.trips },
    split: {
      sameArea: total.same / persons,
      otherAreaInRegion: (total.persons - total.same - total.outside) / persons,
      outsideRegion: total.outside / persons,
    },
  };
}

function presenceFor(db: Store, keys: readonly PresenceKey[]): PresenceRow[] {
  const size = (WHOLE_DAY + 1) * (ANY_TYPE + 1);
  const results = keys.map(() => ({ devices: new Int32Array(size), persons: new Float64Array(size) }));
  if (keys.length === 0) return results;
  const params = JSON.stringify(keys.map((key, i) => [i, key.area, key.date]));
  const rows = db.all<{ idx: number; hour: number; type: number; devices: number; persons: number }>(sql`
    SELECT k.value ->> 0 AS idx, p.hour, p.type, p.devices, p.persons
    FROM json_each(${params}) AS k JOIN presence AS p ON p.area = k.value ->> 1 AND p.date = k.value ->> 2`);
  for (const row of rows) {
    const cell = row.hour * (ANY_TYPE + 1) + row.type;
    results[row.idx].devices[cell] = row.devices;
    results[row.idx].persons[cell] = row.persons;
  }
  return results;
}

function readInfo(db: Store): MobilitySourceInfo {
  const meta = new Map(db.select().from(datasetMeta).all().map((row) => [row.key, row.value]));
  const need = (key: string): string => {
    const value = meta.get(key);
    if (value === undefined) throw new Error(`The mobility store lacks "${key}" in mobility_meta; delete it to rebuild`);
    return value;
  };
  const synthetic = need('synthetic') === 'true';
  return {
    synthetic,
    methodVersion: need('methodVersion'),
    dates: JSON.parse(need('dates')) as string[],
    seed: synthetic ? Number(need('seed')) : null,
    sampleShare: synthetic ? Number(need('sampleShare')) : null,
    description: need('description'),
  };
}

/** Opens (building when needed: generation and pipeline, some seconds) the mobility store under config.storeDir. */
export function createMobilitySource(config: Pick<AppConfig, 'dataDir' | 'storeDir' | 'mobility'>, log?: Logger): MobilitySource {
  const { db, built, file } = openStore(config.storeDir, mobilityStoreSpec(config, log));
  const areas = db.select().from(mobilityArea).orderBy(mobilityArea.idx).all() as AreaRow[];
  const byId = new Map(areas.map((area) => [area.id, area]));
  const info = readInfo(db);
  log?.info('mobility store ready', { file, built, areas: areas.length });
  const areaByIndex = (idx: number) => areas[idx];
  return {
    areas,
    areaById: (id) => byId.get(id),
    areaByIndex,
    presenceFor: (keys) => presenceFor(db, keys),
    tripsFor: (keys) => tripsFor(db, keys),
    flowsFor: (keys) => flowsFor(db, keys),
    longTripsFor: (keys) => flowsFor(db, keys, 'long_trip'),
    longTripModesFor: (keys) => longTripModesFor(db, keys),
    flowMatrix: (kommuner, groupBy, date) => flowMatrix(db, areaByIndex, kommuner, groupBy, date),
    info,
    desoSplits: desoSplits(config.dataDir),
    disclosure: config.mobility.disclosure,
    store: { file, built },
    close: () => db.$client.close(),
  };
}
