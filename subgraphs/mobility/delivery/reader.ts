// Serves the imported deliveries as a MobilitySource: each level read where delivered, otherwise summed from the finest level delivered.
import { desoSplits } from '../../../lib/deso-splits.ts';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { gridSquareCorner } from '../../../lib/area-id.ts';
import type { MobilityConfig } from '../../../lib/config.ts';
import { sweref99tmToWgs84 } from '../../../lib/crs.ts';
import type { Store } from '../../../lib/db.ts';
import { badUserInput } from '../../../lib/errors.ts';
import { groupBy, groupIndexes } from '../../../lib/group.ts';
import type { Logger } from '../../../lib/log.ts';
import type { AreaRow, Level } from '../build.ts';
import type {
  Counts,
  Direction,
  FlowsKey,
  FlowsResult,
  Grouping,
  HourlyTrips,
  MatrixResult,
  MobilitySource,
  MobilitySourceInfo,
  ModeCounts,
  OUTSIDE as SourceOutside,
  PresenceKey,
  PresenceRow,
  TripsKey,
} from '../source.ts';
import { datesBetween, fineness, HOUR_ALL, levelCode, MODES, rollsUp, TYPE_ALL, type FileKind } from './format.ts';
import { frameAreas } from './areas.ts';
import { checkFormat, readDeliveries, type DeliveryRecord } from './store.ts';
import type { CoverageEntry } from './validate.ts';

/** What the delivered source needs of the configuration: the frame's data and seed, disclosure, and the store's path. */
export interface DeliveredSourceConfig {
  dataDir: string;
  mobility: Pick<MobilityConfig, 'seed' | 'disclosure' | 'deliveryStore'>;
}

/** A MobilitySource over deliveries, with what only deliveries have: travel modes of all trips, and the delivery records. */
export interface DeliveredSource extends MobilitySource {
  deliveries: readonly DeliveryRecord[];
  /** Whole-day trips (OD) per travel mode from or to each key's area, modes with trips only; rows delivered without a mode are in none. */
  modesFor(keys: readonly TripsKey[]): { mode: string; counts: Counts }[][];
}

const OUTSIDE: typeof SourceOutside = 'OUTSIDE';
const SLOTS = (HOUR_ALL + 1) * (TYPE_ALL + 1);

/** Column of the temporary area map holding an area's ancestor at each level (itself at its own level). */
const MAP_COLUMN: Record<Level, string> = { DESO: 'deso', REGSO: 'regso', KOMMUN: 'kommun', LAN: 'lan', COUNTRY: 'country', GRID: 'grid' };

/** The columns of a trip table for the key's end ("own") and the other end, by direction. */
const ENDS: Record<Direction, { own: string; other: string; otherLevel: string }> = {
  OUTGOING: { own: 'origin', other: 'destination', otherLevel: 'd_level' },
  INCOMING: { own: 'destination', other: 'origin', otherLevel: 'o_level' },
};

const TABLE = { od: 'od', longTrips: 'long_trip' } as const satisfies Record<Exclude<FileKind, 'activities'>, string>;

/**
 * A trip table joined at the key's end: by origin through the primary key (date, origin, …), by destination through the
 * (date, destination) index, named because without statistics SQLite prefers scanning the day's primary-key range.
 */
function tripTable(kind: Exclude<FileKind, 'activities'>, direction: Direction): SQL {
  const table = TABLE[kind];
  return sql.raw(direction === 'INCOMING' ? `${table} AS o INDEXED BY ${table}_destination` : `${table} AS o`);
}

/** One delivery as the reader uses it: which rows it has, and whether its cells carry devices. */
interface DeliveryView {
  record: DeliveryRecord;
  coverage: Record<FileKind, CoverageEntry[]>;
  devices: Record<FileKind, boolean>;
  /** The provider's k when it protected the cells (absent cells: sums are lower bounds), else null. */
  k: number | null;
}

/** Summed cells as SQL returns them: the count, the devices (null when not delivered) and how many cells were summed. */
interface Summed {
  value: number;
  devices: number | null;
  cells: number;
}

/**
 * Counts of summed cells. Devices are summed when delivered (distinct devices of a coarse area are at most that sum, so
 * it over-counts devices seen in several of the parts); without devices, each delivered cell passed the provider's k,
 * so the sum stands on at least k devices and counts as k.
 */
function countsOf(view: DeliveryView, kind: FileKind, summed: Summed): Counts {
  if (view.devices[kind]) return { value: summed.value, devices: summed.devices ?? 0 };
  return { value: summed.value, devices: summed.cells > 0 ? view.k! : 0 };
}

/** Counts of several parts combined the same way (devices summed when delivered, else k when any part has cells). */
function combine(view: DeliveryView, kind: FileKind, parts: readonly Counts[]): Counts {
  const value = parts.reduce((sum, part) => sum + part.value, 0);
  const devices = view.devices[kind] ? parts.reduce((sum, part) => sum + part.devices, 0) : Math.max(0, ...parts.map((part) => part.devices));
  return { value, devices };
}

const zero = (): Counts => ({ value: 0, devices: 0 });

/** The rows to read for areas at `wanted`: that level when delivered, otherwise the finest delivered level that sums to it. */
function chooseLevel(entries: readonly CoverageEntry[], wanted: Level): CoverageEntry | undefined {
  return entries
    .filter((entry) => rollsUp(entry.level, wanted))
    .sort((a, b) => Number(a.level !== wanted) - Number(b.level !== wanted) || fineness(a.level) - fineness(b.level))[0];
}

/** The level pair to read for one end at `own` and the other at `other` (any, when null): delivered levels first, then the finest. */
function choosePair(entries: readonly CoverageEntry[], direction: Direction, own: Level, other: Level | null): CoverageEntry | undefined {
  const ownOf = (entry: CoverageEntry) => (direction === 'OUTGOING' ? entry.level : entry.other!);
  const otherOf = (entry: CoverageEntry) => (direction === 'OUTGOING' ? entry.other! : entry.level);
  return entries
    .filter((entry) => rollsUp(ownOf(entry), own) && (other === null || rollsUp(otherOf(entry), other)))
    .sort(
      (a, b) =>
        Number(ownOf(a) !== own) - Number(ownOf(b) !== own) ||
        fineness(ownOf(a)) - fineness(ownOf(b)) ||
        Number(otherOf(a) !== other) - Number(otherOf(b) !== other) ||
        fineness(otherOf(a)) - fineness(otherOf(b)),
    )[0];
}

function describeDeliveries(deliveries: readonly DeliveryRecord[], newest: DeliveryRecord): string {
  const each = deliveries.map((delivery) => {
    const protection = delivery.protectedByProviderK === null
      ? 'unprotected cells with devices'
      : `protected by the provider at k = ${delivery.protectedByProviderK} (cells under it absent, so sums over areas are lower bounds)`;
    return `${delivery.provider} ${delivery.periodFrom} to ${delivery.periodTo} (method ${delivery.methodVersion}, ${protection}; imported ${delivery.importedAt.slice(0, 10)})`;
  });
  const versions = [...new Set(deliveries.map((delivery) => delivery.methodVersion))];
  const versionNote = versions.length > 1
    ? ` Method versions differ (${deliveries.map((d) => `${d.methodVersion} for ${d.periodFrom} to ${d.periodTo}`).join('; ')}): methodVersion names the newest, ${newest.methodVersion}, of the latest period; values across the change are a series break.`
    : '';
  return (
    `Delivered: mobile-network aggregates imported from ${each.join('; ')}.${versionNote} Levels not delivered are summed from the finest ` +
    'level delivered and then protected again; persons summed over areas count a person with activities in two of them twice, and devices ' +
    'summed over areas over-count distinct devices. Residents and area positions come from the area frame, not from the deliveries.'
  );
}

/**
 * Opens the delivery store (config.mobility.deliveryStore) read-only and serves its deliveries. Areas are the frame's
 * (numbered as the synthetic source numbers them) followed by the delivered grid squares. Reads the store's records
 * once: restart after an import.
 */
export function openDeliveredSource(config: DeliveredSourceConfig, log?: Logger): DeliveredSource {
  const file = config.mobility.deliveryStore;
  if (!existsSync(file)) {
    throw new Error(`No mobility delivery store at ${file}: import a delivery first (npm run mobility:import -- --help), or point MOBILITY_DELIVERY_STORE at the store`);
  }
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return serve(sqlite, file, config, log);
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

function serve(sqlite: Database.Database, file: string, config: DeliveredSourceConfig, log?: Logger): DeliveredSource {
  checkFormat(sqlite, file);
  const deliveries = readDeliveries(sqlite);
  if (deliveries.length === 0) throw new Error(`${file} holds no delivery: import one with npm run mobility:import`);
  const db: Store = drizzle({ client: sqlite });

  const frame = frameAreas(config.dataDir, config.mobility.seed);
  const country = frame.find((area) => area.level === 'COUNTRY')!.idx;
  const dictionary = sqlite.prepare('SELECT code, id FROM area_code ORDER BY id').all() as { code: number; id: string }[];
  const squares = dictionary
    .filter((entry) => entry.id.startsWith('grid1km:'))
    .map((entry, i): AreaRow => {
      const [east, north] = gridSquareCorner(entry.id.slice('grid1km:'.length));
      const [lon, lat] = sweref99tmToWgs84([east + 500, north + 500]);
      // A square's kommun is not in the delivery (squares straddle borders): it sums only to the country.
      return { idx: frame.length + i, id: entry.id, level: 'GRID', omradestyp: null, residents: 0, lon, lat, regso: null, kommun: null, lan: null };
    });
  const areas: AreaRow[] = [...frame, ...squares];
  const byId = new Map(areas.map((area) => [area.id, area]));

  // Each stored code with its area's ancestors at every level, so SQL sums any level's rows to any coarser level.
  sqlite.exec(`CREATE TEMP TABLE area_map (code INTEGER PRIMARY KEY, level INTEGER NOT NULL, deso INTEGER, regso INTEGER, kommun INTEGER,
    lan INTEGER, country INTEGER, grid INTEGER, omradestyp INTEGER)`);
  const insertMap = sqlite.prepare('INSERT INTO temp.area_map VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const unknown: string[] = [];
  sqlite.transaction(() => {
    for (const { code, id } of dictionary) {
      const area = byId.get(id);
      if (!area) {
        unknown.push(id);
        continue;
      }
      const own = (level: Level) => (area.level === level ? area.idx : null);
      insertMap.run(code, levelCode(area.level), own('DESO'), area.regso, area.kommun, area.lan, country, own('GRID'), area.level === 'DESO' ? area.omradestyp : null);
    }
  })();
  if (unknown.length > 0) {
    log?.warn('delivered areas not in the area frame are left out', { count: unknown.length, examples: unknown.slice(0, 5) });
  }

  const views: DeliveryView[] = deliveries.map((record) => {
    const byKind = (kind: FileKind) => record.files.find((entry) => entry.kind === kind);
    const coverage = (kind: FileKind) => byKind(kind)?.coverage ?? [];
    const devices = (kind: FileKind) => byKind(kind)?.devices ?? false;
    return {
      record,
      coverage: { activities: coverage('activities'), od: coverage('od'), longTrips: coverage('longTrips') },
      devices: { activities: devices('activities'), od: devices('od'), longTrips: devices('longTrips') },
      k: record.protectedByProviderK,
    };
  });
  const viewOfDate = new Map<string, DeliveryView>();
  for (const view of views) for (const date of datesBetween(view.record.periodFrom, view.record.periodTo)) viewOfDate.set(date, view);
  const newest = [...deliveries].sort((a, b) => b.periodTo.localeCompare(a.periodTo))[0];
  const info: MobilitySourceInfo = {
    synthetic: false,
    methodVersion: newest.methodVersion,
    dates: [...viewOfDate.keys()].sort(),
    seed: null,
    sampleShare: null,
    description: describeDeliveries(deliveries, newest),
  };
  log?.info('mobility deliveries ready', { file, deliveries: deliveries.length, dates: info.dates.length, gridSquares: squares.length });

  const areaByIndex = (idx: number) => areas[idx];
  const inList = (values: readonly number[]) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;
  const column = (level: Level) => sql.raw(MAP_COLUMN[level]);

  function presenceFor(keys: readonly PresenceKey[]): PresenceRow[] {
    const results: PresenceRow[] = keys.map(() => ({ devices: new Int32Array(SLOTS), persons: new Float64Array(SLOTS) }));
    for (const members of groupIndexes(keys, (key) => `${key.date}|${areas[key.area].level}`).values()) {
      const { date } = keys[members[0]];
      const level = areas[keys[members[0]].area].level;
      const view = viewOfDate.get(date);
      const entry = view && chooseLevel(view.coverage.activities, level);
      if (!view || !entry) continue;
      // area_map drives (CROSS JOIN keeps it outer): one primary-key range of activity per delivered area.
      const rows = db.all<Summed & { area: number; hour: number; type: number }>(sql`
        SELECT m.${column(level)} AS area, a.hour, a.type, sum(a.persons) AS value, sum(a.devices) AS devices, count(*) AS cells
        FROM area_map AS m CROSS JOIN activity AS a ON a.area = m.code AND a.date = ${date}
        WHERE m.level = ${levelCode(entry.level)} AND m.${column(level)} IN ${inList(members.map((i) => keys[i].area))}
        GROUP BY 1, 2, 3`);
      const memberOf = groupBy(members, (i) => keys[i].area);
      for (const row of rows) {
        const counts = countsOf(view, 'activities', row);
        for (const i of memberOf.get(row.area) ?? []) {
          results[i].devices[row.hour * (TYPE_ALL + 1) + row.type] = counts.devices;
          results[i].persons[row.hour * (TYPE_ALL + 1) + row.type] = counts.value;
        }
      }
      for (const i of members) {
        const result = results[i];
        if (!entry.allTypes) {
          for (let hour = 0; hour <= HOUR_ALL; hour++) {
            const at = (type: number) => hour * (TYPE_ALL + 1) + type;
            const parts = [0, 1, 2].map((type) => ({ value: result.persons[at(type)], devices: result.devices[at(type)] }));
            const any = combine(view, 'activities', parts);
            result.persons[at(TYPE_ALL)] = any.value;
            result.devices[at(TYPE_ALL)] = any.devices;
          }
        }
        result.lowerBound = view.k !== null && entry.level !== level;
      }
    }
    return results;
  }

  /** Trips of each key's area per start hour (24: the delivered whole day), from the chosen OD rows. */
  function tripsFor(keys: readonly TripsKey[]): HourlyTrips[] {
    const results = keys.map((): HourlyTrips => ({ hours: Array.from({ length: 24 }, zero), total: zero() }));
    for (const members of groupIndexes(keys, (key) => `${key.date}|${key.level}|${key.direction}`).values()) {
      const { date, level, direction } = keys[members[0]];
      const view = viewOfDate.get(date);
      const entry = view && choosePair(view.coverage.od, direction, level, null);
      if (!view || !entry) continue;
      const ends = ENDS[direction];
      const otherLevel = direction === 'OUTGOING' ? entry.other! : entry.level;
      const ownLevel = direction === 'OUTGOING' ? entry.level : entry.other!;
      const rows = db.all<Summed & { area: number; hour: number }>(sql`
        SELECT m.${column(level)} AS area, o.hour, sum(o.trips) AS value, sum(o.devices) AS devices, count(*) AS cells
        FROM area_map AS m CROSS JOIN ${tripTable('od', direction)} ON o.${sql.raw(ends.own)} = m.code AND o.date = ${date}
        WHERE m.level = ${levelCode(ownLevel)} AND o.${sql.raw(ends.otherLevel)} = ${levelCode(otherLevel)}
          AND m.${column(level)} IN ${inList(members.map((i) => keys[i].area))}
        GROUP BY 1, 2`);
      const memberOf = groupBy(members, (i) => keys[i].area);
      for (const row of rows) {
        const counts = countsOf(view, 'od', row);
        for (const i of memberOf.get(row.area) ?? []) {
          if (row.hour === HOUR_ALL) results[i].total = counts;
          else results[i].hours[row.hour] = counts;
        }
      }
      for (const i of members) {
        // Trips add up over hours: without delivered whole-day rows the day is the sum of its hours.
        if (!entry.wholeDay) results[i].total = combine(view, 'od', results[i].hours);
        results[i].lowerBound = view.k !== null;
      }
    }
    return results;
  }

  /** Whole-day flows of each key's area grouped at key.otherLevel, from OD or long-trip rows. */
  function flowsOf(kind: 'od' | 'longTrips', keys: readonly FlowsKey[]): FlowsResult[] {
    const results = keys.map((): FlowsResult => ({ flows: [], total: zero() }));
    for (const members of groupIndexes(keys, (key) => `${key.date}|${key.level}|${key.otherLevel}|${key.direction}`).values()) {
      const { date, level, otherLevel, direction } = keys[members[0]];
      const view = viewOfDate.get(date);
      const entry = view && choosePair(view.coverage[kind], direction, level, otherLevel);
      if (!view || !entry) continue;
      const ends = ENDS[direction];
      const [ownLevel, deliveredOther] = direction === 'OUTGOING' ? [entry.level, entry.other!] : [entry.other!, entry.level];
      const rows = db.all<Summed & { area: number; other: number }>(sql`
        SELECT m.${column(level)} AS area, n.${column(otherLevel)} AS other, sum(o.trips) AS value, sum(o.devices) AS devices, count(*) AS cells
        FROM area_map AS m CROSS JOIN ${tripTable(kind, direction)} ON o.${sql.raw(ends.own)} = m.code AND o.date = ${date}
        JOIN area_map AS n ON n.code = o.${sql.raw(ends.other)}
        WHERE m.level = ${levelCode(ownLevel)} AND o.${sql.raw(ends.otherLevel)} = ${levelCode(deliveredOther)} AND ${wholeDayRows(kind, entry)}
          AND m.${column(level)} IN ${inList(members.map((i) => keys[i].area))}
        GROUP BY 1, 2`);
      const memberOf = groupBy(members, (i) => keys[i].area);
      for (const row of rows) {
        const counts = countsOf(view, kind, row);
        for (const i of memberOf.get(row.area) ?? []) results[i].flows.push({ other: row.other, ...counts });
      }
      for (const i of members) {
        results[i].total = combine(view, kind, results[i].flows);
        results[i].lowerBound = view.k !== null;
      }
    }
    return results;
  }

  /**
   * Whole-day trips (OD) or long trips of each key's area per travel mode (index of MODES) and in all: the total counts
   * every row, rows without a mode included. OD modes come from whole-day rows by mode when the delivery has them, else
   * from the hours by mode summed (a delivery may give modes only by hour).
   */
  function modeCounts(kind: 'od' | 'longTrips', keys: readonly TripsKey[]): ModeCounts[] {
    const results = keys.map((): ModeCounts => ({ modes: MODES.map(zero), total: zero() }));
    for (const members of groupIndexes(keys, (key) => `${key.date}|${key.level}|${key.direction}`).values()) {
      const { date, level, direction } = keys[members[0]];
      const view = viewOfDate.get(date);
      const entry = view && choosePair(view.coverage[kind], direction, level, null);
      if (!view || !entry) continue;
      const ends = ENDS[direction];
      const [ownLevel, otherLevel] = direction === 'OUTGOING' ? [entry.level, entry.other!] : [entry.other!, entry.level];
      const rows = db.all<Summed & { area: number; mode: string; wholeDay: number }>(sql`
        SELECT m.${column(level)} AS area, o.mode, ${kind === 'od' ? sql`o.hour = ${HOUR_ALL}` : sql`1`} AS wholeDay,
               sum(o.trips) AS value, sum(o.devices) AS devices, count(*) AS cells
        FROM area_map AS m CROSS JOIN ${tripTable(kind, direction)} ON o.${sql.raw(ends.own)} = m.code AND o.date = ${date}
        WHERE m.level = ${levelCode(ownLevel)} AND o.${sql.raw(ends.otherLevel)} = ${levelCode(otherLevel)}
          AND m.${column(level)} IN ${inList(members.map((i) => keys[i].area))}
        GROUP BY 1, 2, 3`);
      const modesWholeDay = rows.some((row) => row.wholeDay === 1 && row.mode !== '');
      const memberOf = groupBy(members, (i) => keys[i].area);
      const totals = new Map<number, Counts[]>();
      for (const row of rows) {
        const counts = countsOf(view, kind, row);
        if ((row.wholeDay === 1) === entry.wholeDay) totals.set(row.area, [...(totals.get(row.area) ?? []), counts]);
        if (row.mode === '' || (row.wholeDay === 1) !== modesWholeDay) continue;
        for (const i of memberOf.get(row.area) ?? []) results[i].modes[MODES.indexOf(row.mode)] = counts;
      }
      for (const i of members) {
        results[i].total = combine(view, kind, totals.get(keys[i].area) ?? []);
        results[i].lowerBound = view.k !== null;
      }
    }
    return results;
  }

  function flowMatrix(kommuner: readonly number[], groupBy: Grouping, date: string): MatrixResult {
    const empty: MatrixResult = { cells: [], total: zero(), split: { sameArea: 0, otherAreaInRegion: 0, outsideRegion: 0 } };
    const view = viewOfDate.get(date);
    if (!view) return empty;
    if (groupBy === 'GRID') {
      throw badUserInput('groupBy GRID needs the kommun of every grid square, which delivered squares do not carry; choose DESO, REGSO, KOMMUN, LAN or OMRADESTYP', { argumentName: 'groupBy' });
    }
    // Both ends must lie in kommuner (the region is a set of kommuner) and sum to the grouping; områdestyp is a DeSO's.
    const target: Level = groupBy === 'OMRADESTYP' ? 'DESO' : groupBy;
    const inKommun = (level: Level) => level === 'DESO' || level === 'REGSO' || level === 'KOMMUN';
    const candidates = view.coverage.od.filter((entry) => inKommun(entry.level) && inKommun(entry.other!) && rollsUp(entry.level, target) && rollsUp(entry.other!, target));
    const entry = choosePair(candidates, 'OUTGOING', target, target);
    if (!entry) {
      const delivered = view.coverage.od.map((candidate) => `${candidate.level}→${candidate.other}`).join(', ') || 'none';
      throw badUserInput(
        `the delivery for ${date} has OD rows at ${delivered}; a flow matrix grouped by ${groupBy} needs both ends at ${groupBy === 'OMRADESTYP' ? 'DESO' : `${groupBy} or finer (DESO, REGSO or KOMMUN)`}: choose a coarser groupBy`,
        { argumentName: 'groupBy' },
      );
    }
    const group = sql.raw(groupBy === 'OMRADESTYP' ? 'omradestyp' : MAP_COLUMN[groupBy]);
    // "Same area" is the same RegSO, as for the synthetic data, where both ends are that fine; else the same kommun.
    const same = sql.raw(entry.level !== 'KOMMUN' && entry.other !== 'KOMMUN' ? 'regso' : 'kommun');
    const region = inList(kommuner);
    const from = sql`
      FROM area_map AS m CROSS JOIN od AS o ON o.origin = m.code AND o.date = ${date}
      JOIN area_map AS n ON n.code = o.destination
      WHERE m.level = ${levelCode(entry.level)} AND o.d_level = ${levelCode(entry.other!)} AND ${wholeDayRows('od', entry)} AND m.kommun IN ${region}`;
    const rows = db.all<Summed & { origin: number; destination: number | null }>(sql`
      SELECT m.${group} AS origin, CASE WHEN n.kommun IN ${region} THEN n.${group} END AS destination,
             sum(o.trips) AS value, sum(o.devices) AS devices, count(*) AS cells
      ${from} GROUP BY 1, 2`);
    const totals = db.get<Summed & { same: number; outside: number }>(sql`
      SELECT coalesce(sum(o.trips), 0) AS value, sum(o.devices) AS devices, count(*) AS cells,
             coalesce(sum(CASE WHEN m.${same} = n.${same} THEN o.trips END), 0) AS same,
             coalesce(sum(CASE WHEN n.kommun IS NULL OR n.kommun NOT IN ${region} THEN o.trips END), 0) AS outside
      ${from}`)!;
    const name = (value: number) => (groupBy === 'OMRADESTYP' ? String(value) : areaByIndex(value).id);
    const trips = totals.value || 1;
    return {
      cells: rows.map((row) => ({ from: name(row.origin), to: row.destination === null ? OUTSIDE : name(row.destination), ...countsOf(view, 'od', row) })),
      total: countsOf(view, 'od', totals),
      split: { sameArea: totals.same / trips, otherAreaInRegion: (totals.value - totals.same - totals.outside) / trips, outsideRegion: totals.outside / trips },
      lowerBound: view.k !== null,
    };
  }

  return {
    areas,
    areaById: (id) => byId.get(id),
    areaByIndex,
    presenceFor,
    tripsFor,
    flowsFor: (keys) => flowsOf('od', keys),
    flowMatrix,
    longTripsFor: (keys) => flowsOf('longTrips', keys),
    longTripModesFor: (keys) => modeCounts('longTrips', keys),
    modesFor: (keys) => modeCounts('od', keys).map((result) => MODES.flatMap((mode, i) => (result.modes[i].value > 0 || result.modes[i].devices > 0 ? [{ mode, counts: result.modes[i] }] : []))),
    info,
    desoSplits: desoSplits(config.dataDir),
    deliveries,
    disclosure: config.mobility.disclosure,
    store: { file, built: false },
    close: () => sqlite.close(),
  };
}

/** Whole-day OD rows when the level pair has them (exact distinct devices), else the hours summed; long trips are per day. */
function wholeDayRows(kind: 'od' | 'longTrips', entry: CoverageEntry): SQL {
  if (kind === 'longTrips') return sql`1`;
  return entry.wholeDay ? sql`o.hour = ${HOUR_ALL}` : sql`o.hour < ${HOUR_ALL}`;
}
