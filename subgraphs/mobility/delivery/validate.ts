// Validation of a delivery's CSV files: each streamed line checked and staged in a scratch database, then checks across rows.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '../build.ts';
import { readLines, type FileDigest } from '../pipeline/io.ts';
import {
  datesBetween,
  DELIVERY_LEVELS,
  detectSeparator,
  FieldProblem,
  FILE_SPECS,
  HOUR_ALL,
  levelCode,
  parseArea,
  parseCount,
  parseDate,
  parseDevices,
  parseHour,
  parseMode,
  parseType,
  quote,
  splitFields,
  TYPE_ALL,
  type AreaLookup,
  type FileKind,
  type Parsed,
} from './format.ts';
import type { ProblemCode, ValidationReport } from './report.ts';
import { areaCode, CACHE_SIZE, CELL_TABLES, columnNames, tableStatements } from './tables.ts';

export interface Period {
  from: string;
  to: string;
}

/** Which rows a file has at one level (activities) or level pair (origin, destination): what the reader may use. */
export interface CoverageEntry {
  level: Level;
  /** Level of the destinations (OD and long trips). */
  other?: Level;
  rows: number;
  /** Distinct areas at `level` (origins for OD and long trips). */
  areas: number;
  /** Rows for hours 0–23. */
  hourly: boolean;
  /** Rows for hour all. */
  wholeDay: boolean;
  /** Rows of type all (activities). */
  allTypes?: boolean;
  /** Rows with a travel mode (OD and long trips). */
  modes?: boolean;
}

export interface StagedFile {
  kind: FileKind;
  /** The path as given. */
  path: string;
  digest: FileDigest;
  rows: number;
  separator: ',' | ';';
  devices: boolean;
  coverage: CoverageEntry[];
  /** Distinct areas (both ends for OD and long trips) and dates with rows. */
  areas: number;
  dates: number;
}

export interface FileProgress {
  kind: FileKind;
  file: string;
  rows: number;
  /** Bytes read so far (counted as characters: exact for ASCII). */
  bytesRead: number;
  /** True on the last report of a file. */
  done: boolean;
}

/** Area ids numbered for the store: codes the store already has are kept, new ids are numbered after its largest. */
export class AreaDictionary {
  private readonly codes: Map<string, number>;
  private readonly ids = new Map<number, string>();
  readonly added: { code: number; id: string }[] = [];
  private next: number;

  constructor(
    existing: ReadonlyMap<string, number>,
    /** The store's largest code when read; the write checks it is still the largest. */
    readonly knownMax: number,
  ) {
    this.codes = new Map(existing);
    for (const [id, code] of existing) this.ids.set(code, id);
    this.next = knownMax + 1;
  }

  codeOf(id: string): number {
    let code = this.codes.get(id);
    if (code === undefined) {
      code = this.next++;
      this.codes.set(id, code);
      this.ids.set(code, id);
      this.added.push({ code, id });
    }
    return code;
  }

  idOf(code: number): string {
    return this.ids.get(code) ?? `#${code}`;
  }
}

/** A scratch SQLite file (in the system's temporary folder) holding the validated rows until they are written. */
export class Staging {
  readonly dir: string;
  readonly file: string;
  readonly db: Database.Database;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-delivery-'));
    this.file = path.join(this.dir, 'staging.sqlite');
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma(`cache_size = ${CACHE_SIZE}`);
    for (const statement of tableStatements(areaCode)) this.db.exec(statement);
    // The store's tables plus the line each row came from, so a duplicate or an inconsistency names its lines.
    for (const table of Object.values(CELL_TABLES)) {
      for (const statement of tableStatements(table)) this.db.exec(statement);
      this.db.exec(`ALTER TABLE ${columnNames(table).name} ADD COLUMN line INTEGER NOT NULL DEFAULT 0`);
    }
  }

  /** Records the ids numbered during validation, for the write to add to the store's dictionary. */
  saveDictionary(dictionary: AreaDictionary): void {
    const insert = this.db.prepare('INSERT INTO area_code (code, id) VALUES (?, ?)');
    this.db.transaction(() => dictionary.added.forEach(({ code, id }) => insert.run(code, id)))();
  }

  remove(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface StageContext {
  staging: Staging;
  frame: AreaLookup;
  period: Period;
  protectedByProviderK: number | null;
  report: ValidationReport;
  dictionary: AreaDictionary;
  onProgress?: (progress: FileProgress) => void;
  signal?: AbortSignal;
}

/** Thrown inside the line callback to stop reading a file whose header cannot be read. */
class StopReading extends Error {}

interface Header {
  index: Record<string, number>;
  width: number;
  separator: ',' | ';';
}

function readHeader(kind: FileKind, line: string, file: string, context: StageContext): Header | null {
  const spec = FILE_SPECS[kind];
  const separator = detectSeparator(line, spec.required);
  const names = splitFields(line, separator).map((name) => name.toLowerCase());
  const expected = `expected the header ${[...spec.required, ...spec.optional.map((name) => `[${name}]`)].join(separator)} (separator , or ;)`;
  const missing = spec.required.filter((column) => !names.includes(column));
  const twice = names.filter((name, i) => name !== '' && names.indexOf(name) !== i);
  if (line.trim() === '' || missing.length > 0 || twice.length > 0) {
    const why = line.trim() === '' ? 'the header is empty' : missing.length > 0 ? `no column ${missing.join(', ')}` : `column ${twice[0]} appears twice`;
    context.report.add({ code: 'HEADER', file, line: 1, value: line.slice(0, 200), message: `${why}; ${expected}` });
    return null;
  }
  const index: Record<string, number> = {};
  for (const column of [...spec.required, ...spec.optional]) if (names.includes(column)) index[column] = names.indexOf(column);
  names.forEach((name) => {
    if (!(name in index)) context.report.add({ code: 'UNKNOWN_COLUMN', file, line: 1, column: name, message: `column ${quote(name)} is not part of the ${kind} format and is ignored; ${expected}` });
  });
  if (index.devices === undefined && context.protectedByProviderK === null) {
    context.report.add({
      code: 'NO_DEVICES', file, line: 1, column: 'devices',
      message: 'there is no devices column, so disclosure control cannot count distinct devices; add the column, or, if the provider already suppressed cells under its k, say so with --protected-by-provider <k>',
    });
  }
  return { index, width: names.length, separator };
}

/** A parsed row: the insert's parameters in the table's column order, and its count and devices for the row checks. */
interface RowValues {
  params: (string | number | null)[];
  count: number;
  devices: number | null;
}

/**
 * Streams one file of a delivery, checks every line and stages the good ones. Problems go to the report with file, line,
 * column and value; reading goes on after a problem so the report is complete.
 */
export async function stageFile(kind: FileKind, file: string, context: StageContext): Promise<StagedFile | null> {
  const { staging, report, frame, period, dictionary } = context;
  const spec = FILE_SPECS[kind];
  const { name: table, columns, key } = columnNames(CELL_TABLES[kind]);
  // The primary key finds duplicates: a row whose key is taken is not inserted, and the line of the first is looked up.
  const insert = staging.db.prepare(`INSERT INTO ${table} (${columns.join(', ')}, line) VALUES (${columns.map(() => '?').join(', ')}, ?) ON CONFLICT DO NOTHING`);
  const keyIndexes = key.map((column) => columns.indexOf(column));
  const firstLine = staging.db.prepare(`SELECT line FROM ${table} WHERE ${key.map((column) => `${column} = ?`).join(' AND ')}`).pluck();
  let header: Header | null | undefined;
  let rows = 0;
  let bytesRead = 0;
  let lastProgress = performance.now();
  /** Progress is reported only for files that take more than a second, then once more at their end. */
  let progressed = false;

  const problem = (line: number, column: string, value: string, parsed: FieldProblem) =>
    report.add({ code: parsed.code as ProblemCode, file, line, column, value, message: parsed.message });

  /** The value of a field, or undefined after reporting why it is not one. */
  const field = <T>(fields: string[], column: string, line: number, parse: (text: string) => Parsed<T>): T | undefined => {
    const text = fields[header!.index[column]];
    const parsed = parse(text);
    if (parsed instanceof FieldProblem) {
      problem(line, column, text, parsed);
      return undefined;
    }
    return parsed;
  };

  // A delivery repeats few area ids and dates over millions of rows: each is parsed (and numbered) once.
  const areas = new Map<string, Parsed<{ code: number; level: number }>>();
  const areaOf = (text: string) => {
    let parsed = areas.get(text);
    if (parsed === undefined) {
      const area = parseArea(text, frame);
      parsed = area instanceof FieldProblem ? area : { code: dictionary.codeOf(area.id), level: levelCode(area.level) };
      areas.set(text, parsed);
    }
    return parsed;
  };
  const dates = new Map<string, Parsed<string>>();
  const dateOf = (text: string) => {
    let parsed = dates.get(text);
    if (parsed === undefined) dates.set(text, (parsed = parseDate(text, period)));
    return parsed;
  };

  const parseRow = (fields: string[], line: number): RowValues | undefined => {
    const separator = header!.separator;
    const area = (column: string) => field(fields, column, line, areaOf);
    const date = field(fields, 'date', line, dateOf);
    const count = field(fields, spec.count, line, (text) => parseCount(text, spec.count, separator));
    const devices = header!.index.devices === undefined ? null : field(fields, 'devices', line, parseDevices);
    const mode = kind === 'activities' ? '' : header!.index.mode === undefined ? '' : field(fields, 'mode', line, parseMode);
    if (kind === 'activities') {
      const where = area('area');
      const hour = field(fields, 'hour', line, parseHour);
      const type = field(fields, 'type', line, parseType);
      if (where === undefined || date === undefined || hour === undefined || type === undefined || count === undefined || devices === undefined) return undefined;
      return { params: [where.code, where.level, date, hour, type, count, devices], count, devices };
    }
    const origin = area('origin');
    const destination = area(kind === 'od' ? 'destination' : 'final_destination');
    const hour = kind === 'od' ? field(fields, 'hour', line, parseHour) : HOUR_ALL;
    if (origin === undefined || destination === undefined || date === undefined || hour === undefined || count === undefined || devices === undefined || mode === undefined) {
      return undefined;
    }
    const ends = [origin.code, destination.code, origin.level, destination.level];
    return { params: kind === 'od' ? [...ends, date, hour, mode, count, devices] : [...ends, date, mode, count, devices], count, devices };
  };

  const onLine = (line: string, number: number) => {
    if (context.signal?.aborted) throw context.signal.reason;
    bytesRead += line.length + 1;
    if (header === undefined) {
      header = readHeader(kind, line, file, context);
      if (header === null) throw new StopReading();
      return;
    }
    if (line.trim() === '') return;
    rows++;
    if ((rows & 4095) === 0 && context.onProgress && performance.now() - lastProgress > 1000) {
      lastProgress = performance.now();
      progressed = true;
      context.onProgress({ kind, file, rows, bytesRead, done: false });
    }
    if ((line.split('"').length - 1) % 2 === 1) {
      report.add({ code: 'FIELD_COUNT', file, line: number, value: line.slice(0, 200), message: 'a quoted field is not closed (a field cannot span lines)' });
      return;
    }
    const fields = splitFields(line, header!.separator);
    if (fields.length !== header!.width) {
      report.add({ code: 'FIELD_COUNT', file, line: number, value: line.slice(0, 200), message: `${fields.length} fields, expected ${header!.width} as in the header; check the separator (${header!.separator}) and quoting` });
      return;
    }
    const row = parseRow(fields, number);
    if (row === undefined) return;
    const valueColumn = spec.count;
    if (row.devices === 0 && row.count > 0) {
      report.add({ code: 'COUNT_WITHOUT_DEVICES', file, line: number, column: 'devices', value: '0', message: `${valueColumn} ${row.count} with devices 0: an extrapolated count is a sum over devices, so it needs at least one; give the devices behind the cell, or ${valueColumn} 0` });
      return;
    }
    if (row.devices !== null && row.devices > row.count) {
      report.add({
        code: 'DEVICES_ABOVE_COUNT', file, line: number, column: 'devices', value: String(row.devices),
        message: `${row.devices} devices but ${valueColumn} ${row.count}: extrapolation weights below 1, or devices without a weight (no home); check the extrapolation`,
      });
    }
    const k = context.protectedByProviderK;
    if (k !== null && row.devices !== null && row.devices < k) {
      report.add({ code: 'BELOW_PROVIDER_K', file, line: number, column: 'devices', value: String(row.devices), message: `${row.devices} devices, fewer than the provider's k ${k} (--protected-by-provider); was the delivery really protected?` });
    }
    if (insert.run(...row.params, number).changes === 0) {
      const first = firstLine.get(...keyIndexes.map((i) => row.params[i])) as number;
      report.add({ code: 'DUPLICATE_KEY', file, line: number, message: `the same ${key.join(', ')} as line ${first}; keep one row per key (sum or drop the other)` });
    }
  };

  let digest: FileDigest;
  staging.db.exec('BEGIN');
  try {
    digest = await readLines(file, onLine);
  } catch (error) {
    if (error instanceof StopReading) return null;
    throw error;
  } finally {
    staging.db.exec('COMMIT');
  }
  if (header === undefined) {
    report.add({ code: 'HEADER', file, message: `the file is empty; expected the header ${spec.required.join(',')} and rows` });
    return null;
  }
  if (progressed) context.onProgress?.({ kind, file, rows, bytesRead, done: true });
  const staged = checkRows(kind, file, context);
  return { kind, path: file, digest, rows, separator: header!.separator, devices: header!.index.devices !== undefined, ...staged };
}

/** Checks across the staged rows of one file: period gaps, missing hours, mixed mode rows, inconsistent totals; and its coverage. */
function checkRows(kind: FileKind, file: string, context: StageContext): Pick<StagedFile, 'coverage' | 'areas' | 'dates'> {
  const { staging, report, period, dictionary } = context;
  const db = staging.db;
  const table = columnNames(CELL_TABLES[kind]).name;
  const id = (code: number) => dictionary.idOf(code);
  // Long trips have no hour: each row is a whole day.
  const hour = kind === 'longTrips' ? String(HOUR_ALL) : 'hour';

  const dated = db.prepare(`SELECT date, max(${hour} < 24) AS hourly FROM ${table} GROUP BY date`).all() as { date: string; hourly: number }[];
  const withRows = new Set(dated.map((row) => row.date));
  for (const date of datesBetween(period.from, period.to)) {
    if (!withRows.has(date)) {
      report.add({ code: 'MISSING_DATE', file, column: 'date', value: date, message: `no rows for ${date}, a day of the declared period ${period.from} to ${period.to}; deliver it, or narrow --from/--to` });
    }
  }
  if (kind !== 'longTrips' && dated.some((row) => row.hourly)) {
    const hours = new Map<string, Set<number>>();
    for (const row of db.prepare(`SELECT DISTINCT date, hour FROM ${table} WHERE hour < 24`).all() as { date: string; hour: number }[]) {
      const set = hours.get(row.date) ?? new Set();
      set.add(row.hour);
      hours.set(row.date, set);
    }
    for (const { date } of dated) {
      const missing = Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => !hours.get(date)?.has(hour));
      if (missing.length > 0) {
        report.add({ code: 'MISSING_HOUR', file, column: 'hour', value: date, message: `no rows on ${date} for hour${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; if no data was lost, ignore this` });
      }
    }
  }

  if (kind === 'activities') {
    checkActivities(file, context);
    const coverage = (db.prepare(`
      SELECT level, count(*) AS rows, count(DISTINCT area) AS areas, max(hour < 24) AS hourly, max(hour = 24) AS wholeDay, max(type = 3) AS allTypes
      FROM activity GROUP BY level ORDER BY level`).all() as { level: number; rows: number; areas: number; hourly: number; wholeDay: number; allTypes: number }[])
      .map((row): CoverageEntry => ({ level: DELIVERY_LEVELS[row.level], rows: row.rows, areas: row.areas, hourly: row.hourly === 1, wholeDay: row.wholeDay === 1, allTypes: row.allTypes === 1 }));
    for (const entry of coverage) {
      if (!entry.wholeDay) report.add({ code: 'NO_WHOLE_DAY_ROWS', file, column: 'hour', value: entry.level, message: `no hour all rows at level ${entry.level}: whole-day presence will be unavailable there (distinct persons over a day cannot be summed from hours)` });
      if (!entry.allTypes) report.add({ code: 'NO_ALL_TYPES_ROWS', file, column: 'type', value: entry.level, message: `no type all rows at level ${entry.level}: the any-type presence (day and night population) will be the sum of home, work and other, which counts a person with two types in one hour twice` });
    }
    const { areas } = db.prepare('SELECT count(DISTINCT area) AS areas FROM activity').get() as { areas: number };
    return { coverage, areas, dates: withRows.size };
  }

  const mixed = db.prepare(`
    SELECT origin, destination, date, ${hour} AS hour,
           min(CASE WHEN mode = '' THEN line END) AS whole, min(CASE WHEN mode <> '' THEN line END) AS byMode
    FROM ${table} GROUP BY origin, date, destination${kind === 'od' ? ', hour' : ''}
    HAVING whole IS NOT NULL AND byMode IS NOT NULL`).all() as { origin: number; destination: number; date: string; hour: number; whole: number; byMode: number }[];
  for (const row of mixed) {
    const when = kind === 'od' ? ` hour ${row.hour === HOUR_ALL ? 'all' : row.hour}` : '';
    report.add({
      code: 'MIXED_MODE_ROWS', file, line: Math.max(row.whole, row.byMode), column: 'mode',
      message: `${id(row.origin)} → ${id(row.destination)} on ${row.date}${when} has a row without a mode (line ${row.whole}) and rows by mode (line ${row.byMode}); give either the total or the rows by mode`,
    });
  }
  if (kind === 'od') {
    // Trips add up over hours; the whole day may exceed the hours' sum (suppressed hours) but not fall short of it beyond rounding.
    const short = db.prepare(`
      SELECT d.line, d.origin, d.destination, d.date, d.trips, sum(h.trips) AS hours
      FROM od AS d JOIN od AS h ON h.origin = d.origin AND h.date = d.date AND h.destination = d.destination AND h.mode = d.mode AND h.hour < 24
      WHERE d.hour = 24 GROUP BY d.origin, d.date, d.destination, d.mode
      HAVING d.trips < hours - max(12, 0.01 * hours)`).all() as { line: number; origin: number; destination: number; date: string; trips: number; hours: number }[];
    for (const row of short) {
      report.add({
        code: 'WHOLE_DAY_BELOW_HOURS', file, line: row.line, column: 'trips', value: String(row.trips),
        message: `${id(row.origin)} → ${id(row.destination)} on ${row.date}: hour all has ${row.trips} trips, the hours add up to ${round(row.hours)}; the whole day should be at least the sum of its hours`,
      });
    }
  }
  const coverage = (db.prepare(`
    SELECT o_level, d_level, count(*) AS rows, count(DISTINCT origin) AS areas, max(${hour} < 24) AS hourly, max(${hour} = 24) AS wholeDay,
           max(mode <> '') AS modes
    FROM ${table} GROUP BY o_level, d_level ORDER BY o_level, d_level`).all() as { o_level: number; d_level: number; rows: number; areas: number; hourly: number; wholeDay: number; modes: number }[])
    .map((row): CoverageEntry => ({
      level: DELIVERY_LEVELS[row.o_level], other: DELIVERY_LEVELS[row.d_level], rows: row.rows, areas: row.areas,
      hourly: row.hourly === 1, wholeDay: row.wholeDay === 1, modes: row.modes === 1,
    }));
  const { areas } = db.prepare(`SELECT count(*) AS areas FROM (SELECT origin FROM ${table} UNION SELECT destination FROM ${table})`).get() as { areas: number };
  return { coverage, areas, dates: withRows.size };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Presence over a day or over all types cannot be below that of one hour or one type (distinct devices, persons within rounding). */
function checkActivities(file: string, context: StageContext): void {
  const { staging, report, dictionary } = context;
  const checks = [
    {
      code: 'WHOLE_DAY_BELOW_HOUR' as const,
      join: `h.area = d.area AND h.date = d.date AND h.type = d.type AND h.hour < ${HOUR_ALL}`,
      where: `d.hour = ${HOUR_ALL}`,
      group: 'd.area, d.date, d.type',
      what: 'hour all', part: 'an hour of the day',
    },
    {
      code: 'ALL_TYPES_BELOW_TYPE' as const,
      join: `h.area = d.area AND h.date = d.date AND h.hour = d.hour AND h.type < ${TYPE_ALL}`,
      where: `d.type = ${TYPE_ALL}`,
      group: 'd.area, d.date, d.hour',
      what: 'type all', part: 'one type in the same hour',
    },
  ];
  for (const check of checks) {
    const rows = staging.db.prepare(`
      SELECT d.line, d.area, d.date, d.persons, d.devices, max(h.persons) AS maxPersons, max(h.devices) AS maxDevices
      FROM activity AS d JOIN activity AS h ON ${check.join}
      WHERE ${check.where} GROUP BY ${check.group}
      HAVING d.devices < maxDevices OR d.persons < maxPersons - 1`).all() as { line: number; area: number; date: string; persons: number; devices: number | null; maxPersons: number; maxDevices: number | null }[];
    for (const row of rows) {
      const byDevices = row.devices !== null && row.maxDevices !== null && row.devices < row.maxDevices;
      report.add({
        code: check.code, file, line: row.line, column: byDevices ? 'devices' : 'persons', value: String(byDevices ? row.devices : row.persons),
        message: `${dictionary.idOf(row.area)} on ${row.date}: ${check.what} has ${byDevices ? `${row.devices} devices` : `${row.persons} persons`}, fewer than ${check.part} (${byDevices ? row.maxDevices : round(row.maxPersons)}); a person present in the part is present in the whole`,
      });
    }
  }
}
