// The pipeline's file formats: an operator's events.csv and cells.csv in (streamed, validated line by line), and
// activities.csv, trips.csv out, written to a temporary folder that replaces the output folder only when complete.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, createReadStream, fsyncSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ACTIVITY_TYPES, type CellPlan, type EventBatch, type PipelineResult } from '../model.ts';
import { LocalClock } from './clock.ts';
import { MAX_DEVICE_ID } from './run.ts';

/**
 * Events are held in memory as typed arrays: 12 bytes each while reading plus 12 in the sorted batch, so about
 * 24 bytes per event at peak (6.4 GB at this limit) and some 100 bytes per device id. A larger trace must be split by
 * device (e.g. on a hash of the id): devices are processed independently, so the parts' outputs can be concatenated.
 */
export const MAX_EVENTS = 2 ** 28;
/** Devices per run: the pipeline indexes arrays by device (MAX_DEVICE_ID, 67,108,864). */
export const MAX_DEVICES = MAX_DEVICE_ID;
/** Events are buffered in chunks of this many while reading, so the buffer grows without copying. */
const CHUNK = 1 << 20;
/** A longer line is refused rather than buffered (a file without line breaks, or a quoted field left open). */
const MAX_LINE_LENGTH = 1 << 20;
/** Invalid lines are all counted but only this many are described. */
const MAX_REPORTED = 10;
/** Unix seconds are held in a Uint32Array: 1970-01-01 to 2106-02-07. */
const MAX_UNIX = 2 ** 32 - 1;

export const EVENT_COLUMNS = ['device', 'time', 'cell'] as const;
export const CELL_COLUMNS = ['cell', 'area', 'x', 'y', 'neighbours'] as const;
export const ACTIVITY_COLUMNS = ['device', 'area', 'start', 'end', 'type'] as const;
export const TRIP_COLUMNS = ['device', 'origin', 'destination', 'start', 'end', 'distance_m'] as const;
/** The files the output folder holds; a folder holding anything else is never replaced. */
export const OUTPUT_FILES = ['activities.csv', 'trips.csv', 'summary.json'] as const;

/** Plausible SWEREF 99 TM (EPSG:3006) extent, as lib/coordinates.ts checks client points. */
const SWEREF_X: [number, number] = [-1_200_000, 2_000_000];
const SWEREF_Y: [number, number] = [5_500_000, 8_000_000];

/** A file that failed validation: every invalid line counted, the first MAX_REPORTED described with their numbers. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
    readonly count: number,
  ) {
    const more = count > problems.length ? `\n  … and ${count - problems.length} more` : '';
    super(`${file}: ${count} ${count === 1 ? 'problem' : 'problems'}, nothing was written\n  ${problems.join('\n  ')}${more}`);
  }
}

/** Collects line problems of one file. */
class Problems {
  private readonly list: { line: number; message: string }[] = [];
  count = 0;
  constructor(readonly file: string) {}
  add(line: number, message: string): void {
    this.count++;
    if (this.list.length < MAX_REPORTED) this.list.push({ line, message: `${this.file} line ${line}: ${message}` });
  }
  throwIfAny(): void {
    const described = [...this.list].sort((a, b) => a.line - b.line).map((problem) => problem.message);
    if (this.count > 0) throw new InputError(this.file, described, this.count);
  }
}

export interface FileDigest {
  /** The path as given. */
  path: string;
  bytes: number;
  sha256: string;
  /** Lines read, the header and blank lines included. */
  lines: number;
}

/**
 * Streams a UTF-8 text file line by line (LF or CRLF, a byte-order mark dropped), hashing it on the way. `onLine`
 * gets each line without its break and its 1-based number; a line longer than 1 MiB is refused.
 */
export async function readLines(file: string, onLine: (line: string, number: number) => void): Promise<FileDigest> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  let bytes = 0;
  const emit = (line: string) => {
    number++;
    if (number === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    onLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, number);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_LENGTH) throw new Error(`${file} line ${number + 1}: longer than ${MAX_LINE_LENGTH} characters; expected one record per line`);
  }
  rest += decoder.end();
  if (rest.length > 0) emit(rest);
  return { path: file, bytes, sha256: hash.digest('hex'), lines: number };
}

/** The fields of one CSV line (RFC 4180 quoting within the line), trimmed. Throws on a quote left open. */
export function parseCsvLine(line: string, separator = ','): string[] {
  if (!line.includes('"')) return line.split(separator).map((field) => field.trim());
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === separator) {
      fields.push(field.trim());
      field = '';
    } else field += char;
  }
  if (quoted) throw new Error('a quoted field is not closed (a field cannot span lines)');
  fields.push(field.trim());
  return fields;
}

/** A field quoted when it must be (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Column positions of a header that must name `columns` (any order, case-insensitive; other columns ignored). */
function headerColumns<T extends string>(line: string, columns: readonly T[], file: string): { index: Record<T, number>; width: number } {
  const expected = `expected the header ${columns.join(',')}`;
  let names: string[];
  try {
    names = parseCsvLine(line).map((name) => name.toLowerCase());
  } catch (error) {
    throw new Error(`${file} line 1: ${(error as Error).message}; ${expected}`);
  }
  const index = {} as Record<T, number>;
  const missing = columns.filter((column) => !names.includes(column));
  if (missing.length > 0) throw new Error(`${file} line 1: ${expected}, got "${line.slice(0, 200)}" (no ${missing.join(', ')})`);
  for (const column of columns) {
    if (names.indexOf(column) !== names.lastIndexOf(column)) throw new Error(`${file} line 1: column ${column} appears twice; ${expected}`);
    index[column] = names.indexOf(column);
  }
  return { index, width: names.length };
}

/**
 * Reads a CSV file row by row: line 1 names the columns (any order and case), blank lines are skipped, and a line that
 * does not parse or has the wrong number of fields is recorded as a problem instead of reaching `onRow`.
 */
async function readRows<T extends string>(
  file: string,
  columns: readonly T[],
  problems: Problems,
  onRow: (fields: string[], index: Record<T, number>, number: number) => void,
): Promise<FileDigest> {
  let header: { index: Record<T, number>; width: number } | undefined;
  const digest = await readLines(file, (line, number) => {
    if (header === undefined) {
      header = headerColumns(line, columns, file);
      return;
    }
    if (line.trim() === '') return;
    let fields: string[];
    try {
      fields = parseCsvLine(line);
    } catch (error) {
      problems.add(number, `${(error as Error).message}; expected ${columns.join(',')}`);
      return;
    }
    if (fields.length !== header.width) {
      problems.add(number, `${fields.length} fields, expected ${header.width} (${columns.join(',')})`);
      return;
    }
    onRow(fields, header.index, number);
  });
  if (header === undefined) throw new Error(`${file} is empty; expected the header ${columns.join(',')}`);
  return digest;
}

const quote = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

// --- times -----------------------------------------------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?)?$/i;
const UNIX = /^\d{1,10}(\.\d+)?$/;
export const TIME_EXPECTED = 'expected an ISO 8601 timestamp with a UTC offset (2022-11-15T08:00:00+01:00) or Unix seconds (1668495600)';

/** Unix seconds (fractions dropped) of an ISO 8601 timestamp with a UTC offset or of Unix seconds; throws saying what was expected. */
export function parseTime(text: string): number {
  if (UNIX.test(text)) {
    const seconds = Math.floor(Number(text));
    if (seconds > MAX_UNIX) throw new Error(`time ${quote(text)} is after 2106: ${TIME_EXPECTED}`);
    return seconds;
  }
  const match = ISO.exec(text);
  if (!match) {
    if (/^\d{11,13}(\.\d+)?$/.test(text)) throw new Error(`time ${quote(text)} looks like milliseconds: ${TIME_EXPECTED}`);
    if (ISO_WITHOUT_OFFSET.test(text)) throw new Error(`time ${quote(text)} has no UTC offset, which is ambiguous when clocks go back: ${TIME_EXPECTED}`);
    throw new Error(`time ${quote(text)} is not a time: ${TIME_EXPECTED}`);
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((k) => Number(match[k] ?? 0));
  const offsetText = match[7].toUpperCase();
  let offset = 0;
  if (offsetText !== 'Z') {
    const digits = offsetText.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || 0);
    if (hours > 23 || minutes > 59) throw new Error(`time ${quote(text)} has an invalid UTC offset: ${TIME_EXPECTED}`);
    offset = (offsetText[0] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  if (!valid) throw new Error(`time ${quote(text)} is not a valid date and time: ${TIME_EXPECTED}`);
  const unix = ms / 1000 - offset;
  if (unix < 0 || unix > MAX_UNIX) throw new Error(`time ${quote(text)} is outside 1970–2106: ${TIME_EXPECTED}`);
  return unix;
}

/** "+01:00" for 3600 seconds east of UTC. */
function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/** ISO 8601 local time with its UTC offset, e.g. "2022-11-15T08:00:00+01:00", of a batch second. */
export function formatTime(clock: LocalClock, t: number): string {
  const offset = clock.offsetAt(t);
  return `${new Date((clock.epochUnix + t + offset) * 1000).toISOString().slice(0, 19)}${formatOffset(offset)}`;
}

/** The epoch (local midnight in `timeZone` of the day containing Unix second `unix`) as ISO with offset, and its Unix seconds. */
export function midnightBefore(unix: number, timeZone: string): { epoch: string; epochUnix: number } {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(unix * 1000));
  const clock = new LocalClock({ epoch: date, timeZone }, 0);
  return { epoch: formatTime(clock, 0), epochUnix: clock.epochUnix };
}

// --- cells.csv -------------------------------------------------------------------------------------------------

export interface CellTable {
  plan: CellPlan;
  /** Cell ids as in the file, by dense cell index (file order). */
  cellIds: string[];
  cellIndex: Map<string, number>;
  /** Area codes as in the file, by dense area index (order of first appearance). */
  areaCodes: string[];
  digest: FileDigest;
}

/**
 * Reads cells.csv (header cell,area,x,y,neighbours): any cell id, any area code, x and y SWEREF 99 TM (EPSG:3006)
 * easting and northing in metres, neighbours the ids of handover-adjacent cells separated by spaces or semicolons.
 * Adjacency is made symmetric; a cell listing itself is ignored. All-or-nothing: throws an InputError naming the
 * lines of every problem (a missing field, a number that is not one, a position outside Sweden's SWEREF 99 TM
 * extent, a repeated cell id, a neighbour that is not a cell of the file).
 */
export async function readCells(file: string): Promise<CellTable> {
  const problems = new Problems(file);
  const cellIds: string[] = [];
  const cellIndex = new Map<string, number>();
  const cellLine: number[] = [];
  const areaCodes: string[] = [];
  const areaIndex = new Map<string, number>();
  const cells: CellPlan['cells'] = [];
  const pending: { cell: number; names: string[]; line: number }[] = [];
  /** Ids of lines with a problem: reported once, not again as unknown neighbours. */
  const rejected = new Set<string>();

  /** The problem with a cell line, or undefined when it is a cell. */
  const check = (fields: string[], index: Record<(typeof CELL_COLUMNS)[number], number>): string | undefined => {
    const id = fields[index.cell];
    const x = Number(fields[index.x]);
    const y = Number(fields[index.y]);
    if (id === '') return 'the cell id is empty; expected an id';
    if (fields[index.area] === '') return `cell ${quote(id)} has no area; expected an area code, e.g. a DeSO`;
    if (fields[index.x] === '' || fields[index.y] === '' || !Number.isFinite(x) || !Number.isFinite(y)) {
      return `cell ${quote(id)} has x ${quote(fields[index.x])}, y ${quote(fields[index.y])}; expected SWEREF 99 TM (EPSG:3006) metres, e.g. 674032,6580821`;
    }
    if (x >= 10 && x <= 25 && y >= 55 && y <= 70) {
      return `cell ${quote(id)} has x ${x}, y ${y}, which look like degrees of longitude and latitude; expected SWEREF 99 TM (EPSG:3006) metres`;
    }
    if (x < SWEREF_X[0] || x > SWEREF_X[1] || y < SWEREF_Y[0] || y > SWEREF_Y[1]) {
      return `cell ${quote(id)} has x ${x}, y ${y}, outside Sweden; expected SWEREF 99 TM (EPSG:3006) easting and northing in metres`;
    }
    const seen = cellIndex.get(id);
    if (seen !== undefined) return `cell ${quote(id)} appears again (first on line ${cellLine[seen]}); expected each cell once`;
    return undefined;
  };

  const digest = await readRows(file, CELL_COLUMNS, problems, (fields, index, number) => {
    const id = fields[index.cell];
    const problem = check(fields, index);
    if (problem !== undefined) {
      problems.add(number, problem);
      if (!cellIndex.has(id)) rejected.add(id);
      return;
    }
    const cell = cellIds.length;
    cellIds.push(id);
    cellIndex.set(id, cell);
    cellLine.push(number);
    const area = fields[index.area];
    let a = areaIndex.get(area);
    if (a === undefined) {
      a = areaCodes.length;
      areaCodes.push(area);
      areaIndex.set(area, a);
    }
    cells.push({ id: cell, area: a, x: Number(fields[index.x]), y: Number(fields[index.y]) });
    const names = fields[index.neighbours].split(/[\s;]+/).filter((name) => name !== '');
    if (names.length > 0) pending.push({ cell, names, line: number });
  });

  const neighbours = cellIds.map(() => new Set<number>());
  for (const { cell, names, line } of pending) {
    for (const name of names) {
      const other = cellIndex.get(name);
      if (other === undefined) {
        if (!rejected.has(name)) {
          problems.add(line, `neighbour ${quote(name)} of cell ${quote(cellIds[cell])} is not a cell of ${path.basename(file)}; expected cell ids separated by spaces or semicolons`);
        }
        continue;
      }
      if (other === cell) continue;
      neighbours[cell].add(other);
      neighbours[other].add(cell);
    }
  }
  problems.throwIfAny();
  if (cells.length === 0) throw new Error(`${file} has no cells after the header`);
  return { plan: { cells, neighbours: neighbours.map((set) => [...set].sort((a, b) => a - b)) }, cellIds, cellIndex, areaCodes, digest };
}

// --- events.csv ------------------------------------------------------------------------------------------------

/** Events as read, in file order, in chunks: device (dense, by first appearance), Unix seconds, cell index. */
export interface EventTable {
  /** Device ids as in the file, by dense device index. */
  deviceIds: string[];
  chunks: { device: Uint32Array; time: Uint32Array; cell: Uint32Array }[];
  /** Events per dense device. */
  counts: Uint32Array;
  length: number;
  /** First and last time, Unix seconds. */
  minTime: number;
  maxTime: number;
  /** Events that come before the previous line's in (device, time) order. */
  outOfOrder: number;
  /** Events earlier than the previous event of the same device. */
  outOfOrderWithinDevice: number;
  digest: FileDigest;
}

export interface ReadEventsOptions {
  /** When set, an event before it (Unix seconds) is a problem of its line. */
  epochUnix?: number;
  /** Refuse a file with more events than this (default MAX_EVENTS). */
  maxEvents?: number;
}

/**
 * Streams events.csv (header device,time,cell): any device id, time as ISO 8601 with a UTC offset or Unix seconds, a
 * cell id of cells.csv. Any order. All-or-nothing: throws an InputError naming the lines of every malformed line,
 * unknown cell and time that is not a time; once one is found, the rest of the file is only checked.
 */
export async function readEvents(file: string, cells: CellTable, options: ReadEventsOptions = {}): Promise<EventTable> {
  const maxEvents = options.maxEvents ?? MAX_EVENTS;
  const epochUnix = options.epochUnix;
  const cellsName = path.basename(cells.digest.path);
  const problems = new Problems(file);
  const deviceIndex = new Map<string, number>();
  const deviceIds: string[] = [];
  const chunks: EventTable['chunks'] = [];
  let counts: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let lastTime: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let length = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  let outOfOrder = 0;
  let outOfOrderWithinDevice = 0;
  let previousDevice = -1;
  let previousTime = 0;

  const digest = await readRows(file, EVENT_COLUMNS, problems, (fields, index, number) => {
    const id = fields[index.device];
    if (id === '') return problems.add(number, 'the device id is empty; expected an id');
    const cell = cells.cellIndex.get(fields[index.cell]);
    if (cell === undefined) return problems.add(number, `cell ${quote(fields[index.cell])} is not in ${cellsName}; expected a cell id of its column cell`);
    let time: number;
    try {
      time = parseTime(fields[index.time]);
    } catch (error) {
      return problems.add(number, (error as Error).message);
    }
    if (epochUnix !== undefined && (time < epochUnix || time - epochUnix > MAX_UNIX)) {
      return problems.add(number, `time ${quote(fields[index.time])} is before --epoch (or 136 years after it); expected times from the epoch on`);
    }
    if (problems.count > 0) return;

    let device = deviceIndex.get(id);
    if (device === undefined) {
      device = deviceIds.length;
      if (device >= MAX_DEVICES) throw new Error(`${file} line ${number}: more than ${MAX_DEVICES.toLocaleString('en-US')} devices; split the file by device`);
      deviceIds.push(id);
      deviceIndex.set(id, device);
      if (device === counts.length) {
        counts = grow(counts);
        lastTime = grow(lastTime);
      }
      lastTime[device] = time;
    } else if (time < lastTime[device]) outOfOrderWithinDevice++;
    else lastTime[device] = time;
    if (device < previousDevice || (device === previousDevice && time < previousTime)) outOfOrder++;
    previousDevice = device;
    previousTime = time;

    if (length === maxEvents) throw new Error(`${file} line ${number}: more than ${maxEvents.toLocaleString('en-US')} events; split the file by device`);
    const k = length % CHUNK;
    if (k === 0) chunks.push({ device: new Uint32Array(CHUNK), time: new Uint32Array(CHUNK), cell: new Uint32Array(CHUNK) });
    const chunk = chunks[chunks.length - 1];
    chunk.device[k] = device;
    chunk.time[k] = time;
    chunk.cell[k] = cell;
    counts[device]++;
    length++;
    if (time < minTime) minTime = time;
    if (time > maxTime) maxTime = time;
  });
  problems.throwIfAny();
  if (length === 0) throw new Error(`${file} has no events after the header`);
  return { deviceIds, chunks, counts: counts.subarray(0, deviceIds.length), length, minTime, maxTime, outOfOrder, outOfOrderWithinDevice, digest };
}

function grow(array: Uint32Array): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(array.length * 2);
  next.set(array);
  return next;
}

/**
 * The pipeline's batch: events sorted by device, then time (stable: equal times keep file order), times in seconds
 * since `epochUnix`. A counting sort by device, then a sort of each device's events only where they are out of time
 * order. Empties `table.chunks`, so the read buffer can be freed.
 */
export function toBatch(table: EventTable, epoch: string, epochUnix: number): EventBatch {
  const n = table.length;
  if (table.minTime < epochUnix || table.maxTime - epochUnix > MAX_UNIX) throw new Error(`events span beyond 136 years from the epoch ${epoch}`);
  const deviceCount = table.counts.length;
  const starts = new Float64Array(deviceCount + 1);
  for (let d = 0; d < deviceCount; d++) starts[d + 1] = starts[d] + table.counts[d];
  const next = starts.slice(0, deviceCount);
  const device = new Uint32Array(n);
  const time = new Uint32Array(n);
  const cell = new Uint32Array(n);
  let remaining = n;
  for (const chunk of table.chunks) {
    const size = Math.min(CHUNK, remaining);
    for (let k = 0; k < size; k++) {
      const d = chunk.device[k];
      const at = next[d]++;
      device[at] = d;
      time[at] = chunk.time[k] - epochUnix;
      cell[at] = chunk.cell[k];
    }
    remaining -= size;
  }
  table.chunks.length = 0;
  for (let d = 0; d < deviceCount; d++) {
    const from = starts[d];
    const to = starts[d + 1];
    let sorted = true;
    for (let i = from + 1; i < to && sorted; i++) sorted = time[i] >= time[i - 1];
    if (!sorted) sortSlice(time, cell, from, to);
  }
  return { epoch, device, time, cell, length: n };
}

/** Sorts time[from, to) (and cell along) by time, equal times keeping their order. */
function sortSlice(time: Uint32Array, cell: Uint32Array, from: number, to: number): void {
  const order = Array.from({ length: to - from }, (_, k) => from + k);
  order.sort((a, b) => time[a] - time[b] || a - b);
  const t = order.map((i) => time[i]);
  const c = order.map((i) => cell[i]);
  time.set(t, from);
  cell.set(c, from);
}

// --- output ----------------------------------------------------------------------------------------------------

/** A CSV file written through a buffer with synchronous writes, flushed to disk on close. */
export class CsvFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  rows = 0;

  constructor(
    readonly file: string,
    header: readonly string[],
  ) {
    this.fd = openSync(file, 'w');
    this.line(header.join(','));
  }

  row(fields: readonly (string | number)[]): void {
    this.line(fields.map((field) => (typeof field === 'number' ? String(field) : csvField(field))).join(','));
    this.rows++;
  }

  private line(text: string): void {
    this.buffer.push(text, '\n');
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffer.length > 0) writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

/**
 * activities.csv (device,area,start,end,type) and trips.csv (device,origin,destination,start,end,distance_m) in
 * `folder`: original device ids and area codes, ISO local times with their UTC offset, distances in whole metres.
 */
export function writeResults(folder: string, result: PipelineResult, batch: EventBatch, deviceIds: string[], areaCodes: string[]): void {
  let maxTime = 0;
  for (let i = 0; i < batch.length; i++) if (batch.time[i] > maxTime) maxTime = batch.time[i];
  const clock = new LocalClock(result.localTime ?? { epoch: batch.epoch }, maxTime);
  const activities = new CsvFile(path.join(folder, 'activities.csv'), ACTIVITY_COLUMNS);
  for (const a of result.activities) {
    activities.row([deviceIds[a.device], areaCodes[a.area], formatTime(clock, a.start), formatTime(clock, a.end), ACTIVITY_TYPES[a.type]]);
  }
  activities.close();
  const trips = new CsvFile(path.join(folder, 'trips.csv'), TRIP_COLUMNS);
  for (const trip of result.trips) {
    trips.row([deviceIds[trip.device], areaCodes[trip.origin], areaCodes[trip.destination], formatTime(clock, trip.start), formatTime(clock, trip.end), Math.round(trip.distance)]);
  }
  trips.close();
}

/** Throws unless `out` is absent, an empty folder or a folder holding only a previous run's output files. */
export function checkOutputFolder(out: string): void {
  let stat;
  try {
    stat = statSync(out);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new Error(`--out ${out} exists and is not a folder`);
  const others = readdirSync(out).filter((name) => !(OUTPUT_FILES as readonly string[]).includes(name));
  if (others.length > 0) {
    throw new Error(`--out ${out} holds files this command did not write (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); give a new or empty folder`);
  }
}

/**
 * A temporary folder beside `out` to write into; `commit()` puts it in place of `out` (a previous output is moved
 * aside first, then removed), `discard()` removes it. Until commit, `out` is untouched.
 */
export class StagedFolder {
  readonly dir: string;
  private aside: string | undefined;
  /** Whether the outputs are in place. */
  committed = false;

  constructor(readonly out: string) {
    this.dir = mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.partial-`));
    // mkdtemp makes the folder private; the output gets the mode of the folder it replaces, or an ordinary one.
    let mode = 0o755;
    try {
      mode = statSync(out).mode & 0o7777;
    } catch {
      // no previous output
    }
    chmodSync(this.dir, mode);
  }

  commit(): void {
    checkOutputFolder(this.out);
    let exists = true;
    try {
      statSync(this.out);
    } catch {
      exists = false;
    }
    if (exists) {
      this.aside = `${this.dir}-previous`;
      renameSync(this.out, this.aside);
    }
    try {
      renameSync(this.dir, this.out);
    } catch (error) {
      if (this.aside) renameSync(this.aside, this.out);
      this.aside = undefined;
      throw error;
    }
    this.committed = true;
    if (this.aside) rmSync(this.aside, { recursive: true, force: true });
    this.aside = undefined;
  }

  /** Removes the temporary folder (and puts a previous output back if interrupted mid-commit). Synchronous, for signal handlers. */
  discard(): void {
    if (this.committed) return;
    if (this.aside) {
      let outExists = true;
      try {
        statSync(this.out);
      } catch {
        outExists = false;
      }
      if (outExists) rmSync(this.aside, { recursive: true, force: true });
      else renameSync(this.aside, this.out);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
