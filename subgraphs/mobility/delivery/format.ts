// The delivery format of operator/SCB mobile-network aggregates: file kinds, columns, levels, and the parser of each field.
import { AREA_KINDS, gridSquareCorner, parseAreaId, type AreaKind } from '../../../lib/area-id.ts';
import type { AreaRow, Level } from '../build.ts';
import { ACTIVITY_TYPES, TRAVEL_MODES } from '../model.ts';
import { ANY_TYPE, WHOLE_DAY } from '../pipeline/index.ts';
import { parseCsvLine } from '../pipeline/io.ts';

export const FILE_KINDS = ['activities', 'od', 'longTrips'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export interface FileSpec {
  /** The CLI option naming the file. */
  option: string;
  /** Columns every file of the kind has, in the documented order. */
  required: readonly string[];
  /** Columns a file may have. */
  optional: readonly string[];
  /** Name of the count column: persons (activities) or trips. */
  count: string;
}

export const FILE_SPECS: Record<FileKind, FileSpec> = {
  activities: { option: '--activities', required: ['area', 'date', 'hour', 'type', 'persons'], optional: ['devices'], count: 'persons' },
  od: { option: '--od', required: ['origin', 'destination', 'date', 'hour', 'trips'], optional: ['devices', 'mode'], count: 'trips' },
  longTrips: { option: '--long-trips', required: ['origin', 'final_destination', 'date', 'trips'], optional: ['devices', 'mode'], count: 'trips' },
};

/** Levels as stored (the index is the level's code in the store's rows). */
export const DELIVERY_LEVELS = ['DESO', 'REGSO', 'KOMMUN', 'LAN', 'COUNTRY', 'GRID'] as const satisfies readonly Level[];
export const levelCode = (level: Level): number => DELIVERY_LEVELS.indexOf(level);

/** The area-id kinds a delivery may use, by level: the area frame is DeSO 2018 with RegSO 2020. */
export const ACCEPTED_KINDS: Record<Level, AreaKind> = {
  DESO: 'deso2018', REGSO: 'regso2020', KOMMUN: 'kommun', LAN: 'lan', COUNTRY: 'country', GRID: 'grid1km',
};
const KIND_LEVEL = new Map(Object.entries(ACCEPTED_KINDS).map(([level, kind]) => [kind as string, level as Level]));
export const ID_FORMS = 'deso2018:0180C1010, regso2020:0180R001, kommun:0180, lan:01, country:SE or grid1km:3520006860000';

/** The administrative hierarchy, fine to coarse; a grid square rolls up only to the country (squares cross borders). */
const CHAIN: readonly Level[] = ['DESO', 'REGSO', 'KOMMUN', 'LAN', 'COUNTRY'];

/** Whether rows at level `from` can be summed to areas of level `to`. */
export function rollsUp(from: Level, to: Level): boolean {
  if (from === to) return true;
  if (from === 'GRID') return to === 'COUNTRY';
  if (to === 'GRID') return false;
  return CHAIN.indexOf(from) < CHAIN.indexOf(to);
}

/** Fine to coarse for "the finest level delivered"; grid squares count only where no administrative level is delivered. */
export function fineness(level: Level): number {
  return level === 'GRID' ? 3.5 : CHAIN.indexOf(level);
}

/** SWEREF 99 TM extent a grid square's lower-left corner must lie in (Sweden with a margin). */
export const GRID_EXTENT = { east: [200_000, 1_000_000], north: [6_100_000, 7_700_000] } as const;

/** Stored hour of `all` (the whole day) and type of `all` (any activity type), as in the synthetic store. */
export const HOUR_ALL = WHOLE_DAY;
export const TYPE_ALL = ANY_TYPE;
export const ACTIVITY_TYPE_NAMES = [...ACTIVITY_TYPES, 'all'] as const;
export const MODES: readonly string[] = TRAVEL_MODES;

/** A field that did not parse: the problem code and a message that says what was expected. */
export class FieldProblem {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

export type Parsed<T> = T | FieldProblem;

export const quote = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

/** The separator a header line uses: `;` when it splits the header into the expected columns and `,` does not. */
export function detectSeparator(header: string, required: readonly string[]): ',' | ';' {
  const names = (separator: string) => splitFields(header, separator).map((name) => name.toLowerCase());
  const fits = (separator: string) => required.every((column) => names(separator).includes(column));
  return !fits(',') && fits(';') ? ';' : ',';
}

/** The trimmed fields of one line (quoted fields as RFC 4180 has them, within the line). */
export function splitFields(line: string, separator: string): string[] {
  // An unclosed quote is reported by the caller; a plain split still lets the header check name what is missing.
  if ((line.split('"').length - 1) % 2 === 1) return line.split(separator).map((field) => field.trim());
  return parseCsvLine(line, separator);
}

export interface DeliveredArea {
  id: string;
  level: Level;
}

/** Frame areas by id, for checking a delivery's area ids. */
export type AreaLookup = ReadonlyMap<string, AreaRow>;

/** What a bare code probably was, for the message that refuses it. */
function bareCodeHint(code: string): string {
  for (const [level, kind] of Object.entries(ACCEPTED_KINDS)) {
    if (level !== 'COUNTRY' && AREA_KINDS[kind].pattern.test(code)) return ` Did you mean "${kind}:${code}"?`;
  }
  if (/^\d{3}$/.test(code)) return ` A kommun code has 4 digits: did a spreadsheet drop the leading zero of "0${code}"?`;
  if (/^\d$/.test(code)) return ` A län code has 2 digits: did a spreadsheet drop the leading zero of "0${code}"?`;
  return '';
}

/**
 * An area id of the delivery: a kind and a code (bare codes are refused: DeSO and RegSO codes recur across vintages),
 * of a kind the area frame has, naming an area of the frame or a grid square inside Sweden's extent.
 */
export function parseArea(text: string, frame: AreaLookup): Parsed<DeliveredArea> {
  if (text === '') return new FieldProblem('BAD_AREA_ID', `the area is empty; expected an area id like ${ID_FORMS}`);
  if (!text.includes(':')) {
    return new FieldProblem('BARE_AREA_CODE', `${quote(text)} is a bare code; write area ids with their kind (${ID_FORMS}), since DeSO and RegSO codes recur across vintages.${bareCodeHint(text)}`);
  }
  let kind: string;
  let code: string;
  try {
    ({ kind, code } = parseAreaId(text));
  } catch (error) {
    return new FieldProblem('BAD_AREA_ID', (error as Error).message);
  }
  const level = KIND_LEVEL.get(kind);
  if (level === undefined) {
    const hint = kind === 'deso2025' || kind === 'regso2025' ? ' Deliver DeSO 2018 / RegSO 2020 ids (the vintage of SCB’s områdestyp table).' : '';
    return new FieldProblem('BAD_AREA_ID', `${quote(text)} is a ${kind} id, which the mobility area frame does not have; expected ${ID_FORMS}.${hint}`);
  }
  if (level === 'GRID') {
    const [east, north] = gridSquareCorner(code);
    const inside = east >= GRID_EXTENT.east[0] && east < GRID_EXTENT.east[1] && north >= GRID_EXTENT.north[0] && north < GRID_EXTENT.north[1];
    if (!inside) {
      return new FieldProblem('UNKNOWN_AREA', `grid square ${quote(text)} (lower-left corner E ${east}, N ${north}) is outside Sweden; expected SCB's rutid in SWEREF 99 TM (EPSG:3006): easting ${GRID_EXTENT.east.join('–')}, northing ${GRID_EXTENT.north.join('–')}`);
    }
    return { id: text, level };
  }
  if (!frame.has(text)) return new FieldProblem('UNKNOWN_AREA', `${quote(text)} is not in the area frame (DeSO 2018, RegSO 2020, today's kommuner and län); check the code`);
  return { id: text, level };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a valid ISO calendar date (YYYY-MM-DD). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [1, 2, 3].map((i) => Number(match[i]));
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Every date from `from` to `to`, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

export function parseDate(text: string, period: { from: string; to: string }): Parsed<string> {
  if (!isIsoDate(text)) return new FieldProblem('BAD_DATE', `date ${quote(text)} is not an ISO date; expected YYYY-MM-DD, e.g. ${period.from}`);
  if (text < period.from || text > period.to) {
    return new FieldProblem('OUTSIDE_PERIOD', `date ${text} is outside the declared period ${period.from} to ${period.to}; fix --from/--to or remove the row`);
  }
  return text;
}

/** An hour 0–23 (local clock hour) or `all` (the whole day, stored as HOUR_ALL). */
export function parseHour(text: string): Parsed<number> {
  if (text.toLowerCase() === 'all') return HOUR_ALL;
  const hour = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (hour >= 0 && hour <= 23) return hour;
  return new FieldProblem('BAD_HOUR', `hour ${quote(text)} is not an hour; expected 0–23 (local clock hour) or all (the whole day)`);
}

/** home, work, other or all (any type, stored as TYPE_ALL); any case. */
export function parseType(text: string): Parsed<number> {
  const type = (ACTIVITY_TYPE_NAMES as readonly string[]).indexOf(text.toLowerCase());
  if (type >= 0) return type;
  return new FieldProblem('BAD_TYPE', `type ${quote(text)} is not an activity type; expected one of ${ACTIVITY_TYPE_NAMES.join(', ')}`);
}

/** ROAD, RAIL, AIR, UNKNOWN (any case), or empty when the row is not broken down by mode. */
export function parseMode(text: string): Parsed<string> {
  const mode = text.toUpperCase();
  if (mode === '' || MODES.includes(mode)) return mode;
  return new FieldProblem('BAD_MODE', `mode ${quote(text)} is not a travel mode; expected one of ${MODES.join(', ')}, or empty`);
}

const DECIMAL = /^\d+(\.\d+)?$/;
const DECIMAL_COMMA = /^\d+(,\d+)?$/;

/**
 * An extrapolated count: a non-negative decimal with a decimal point, or a decimal comma when the file's separator is
 * `;` (a comma cannot be both the separator and the decimal mark).
 */
export function parseCount(text: string, column: string, separator: string): Parsed<number> {
  if (DECIMAL.test(text)) return Number(text);
  if (separator === ';' && DECIMAL_COMMA.test(text)) return Number(text.replace(',', '.'));
  const example = separator === ';' ? '12.5 or 12,5' : '12.5';
  if (text === '') return new FieldProblem('BAD_NUMBER', `${column} is empty; expected a count of 0 or more, e.g. ${example}`);
  if (/^-\s*\d/.test(text)) return new FieldProblem('NEGATIVE', `${column} ${quote(text)} is negative; counts are 0 or more`);
  const why = /\d[\s\u00a0]\d/.test(text) ? ' (no thousands separators)' : /^\d+,\d+$/.test(text) ? ' (a decimal comma needs the ; separator; write 12.5)' : '';
  return new FieldProblem('BAD_NUMBER', `${column} ${quote(text)} is not a number${why}; expected a count of 0 or more, e.g. ${example}`);
}

/** Distinct devices: a whole number of 0 or more. */
export function parseDevices(text: string): Parsed<number> {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '') return new FieldProblem('BAD_DEVICES', 'devices is empty; expected the number of distinct devices behind the cell (a whole number, 0 or more)');
  if (/^-\s*\d/.test(text)) return new FieldProblem('NEGATIVE', `devices ${quote(text)} is negative; expected the number of distinct devices (0 or more)`);
  return new FieldProblem('BAD_DEVICES', `devices ${quote(text)} is not a whole number; expected the number of distinct devices behind the cell, e.g. 17`);
}
