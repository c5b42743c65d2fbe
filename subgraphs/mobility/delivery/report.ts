// The validation report of a delivery: every problem counted by code, the first of each described with file, line, column and value.
export type Severity = 'error' | 'warning';

/** Every problem the import reports, with its severity and what it means (docs/mobility-delivery.md lists them). */
export const PROBLEM_CODES = {
  HEADER: ['error', 'The header lacks a required column, names one twice, or the file is empty.'],
  NO_DEVICES: ['error', 'A file has no devices column and the delivery does not say it was protected by the provider (--protected-by-provider k).'],
  FIELD_COUNT: ['error', 'A line has more or fewer fields than the header, or a quoted field is not closed.'],
  BARE_AREA_CODE: ['error', 'An area is a bare code (0180C1010): write it with its kind (deso2018:0180C1010).'],
  BAD_AREA_ID: ['error', 'An area id is malformed or of a kind the area frame does not have (deso2025, tatort2020).'],
  UNKNOWN_AREA: ['error', 'An area id is well formed but not in the area frame, or a grid square lies outside Sweden.'],
  BAD_DATE: ['error', 'A date is not an ISO date (YYYY-MM-DD).'],
  OUTSIDE_PERIOD: ['error', 'A date lies outside the declared period (--from, --to).'],
  BAD_HOUR: ['error', 'An hour is not 0–23 or all.'],
  BAD_TYPE: ['error', 'An activity type is not home, work, other or all.'],
  BAD_MODE: ['error', 'A travel mode is not ROAD, RAIL, AIR, UNKNOWN or empty.'],
  BAD_NUMBER: ['error', 'A count (persons, trips) is empty or not a number.'],
  NEGATIVE: ['error', 'A count or a number of devices is negative.'],
  BAD_DEVICES: ['error', 'A number of devices is empty or not a whole number.'],
  COUNT_WITHOUT_DEVICES: ['error', 'A positive count has 0 devices behind it: an extrapolated count is a sum over devices.'],
  DUPLICATE_KEY: ['error', 'Two rows have the same key (area, date, hour, type; or origin, destination, date, hour, mode).'],
  MIXED_MODE_ROWS: ['error', 'A key has both a row without a mode (all modes) and rows by mode: summing them would count trips twice.'],
  MISSING_DATE: ['error', 'A date of the declared period has no rows at all in a file of the delivery (a period gap).'],
  PERIOD_OVERLAP: ['error', 'The period overlaps a delivery already in the store and --replace was not given.'],
  UNKNOWN_COLUMN: ['warning', 'A column is not part of the format and is ignored.'],
  MISSING_HOUR: ['warning', 'A date has rows, but none for some hour 0–23.'],
  DEVICES_ABOVE_COUNT: ['warning', 'More devices than extrapolated persons or trips: weights below 1, or devices without a weight (no home).'],
  BELOW_PROVIDER_K: ['warning', 'A cell has fewer devices than the k the provider says it protected with.'],
  WHOLE_DAY_BELOW_HOUR: ['warning', 'A whole-day presence (hour all) is below one of the same day’s hours: a device present in an hour is present that day.'],
  ALL_TYPES_BELOW_TYPE: ['warning', 'A presence of type all is below that of one type in the same hour.'],
  WHOLE_DAY_BELOW_HOURS: ['warning', 'Whole-day trips (hour all) are below the sum of the hours (by more than rounding).'],
  NO_WHOLE_DAY_ROWS: ['warning', 'Activities at a level have no hour all rows: whole-day presence is unavailable there (hours cannot be summed).'],
  NO_ALL_TYPES_ROWS: ['warning', 'Activities at a level have no type all rows: the any-type presence is the sum of the types.'],
} as const satisfies Record<string, readonly [Severity, string]>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** The file as given on the command line; absent for problems of the delivery as a whole. */
  file?: string;
  /** 1-based line number, the header being line 1; absent for problems of a whole file or period. */
  line?: number;
  column?: string;
  value?: string;
  message: string;
}

/** How many problems of each code are described; the rest are counted. */
export const MAX_PER_CODE = 50;

export class ValidationReport {
  private readonly described = new Map<ProblemCode, Problem[]>();
  private readonly counts = new Map<ProblemCode, number>();

  constructor(readonly maxPerCode = MAX_PER_CODE) {}

  add(problem: Omit<Problem, 'severity'>): void {
    const count = (this.counts.get(problem.code) ?? 0) + 1;
    this.counts.set(problem.code, count);
    const list = this.described.get(problem.code) ?? [];
    if (list.length < this.maxPerCode) list.push({ ...problem, severity: PROBLEM_CODES[problem.code][0] });
    this.described.set(problem.code, list);
  }

  count(severity: Severity): number {
    let total = 0;
    for (const [code, count] of this.counts) if (PROBLEM_CODES[code][0] === severity) total += count;
    return total;
  }

  get valid(): boolean {
    return this.count('error') === 0;
  }

  /** Problems counted per code, errors first, then by code. */
  countsByCode(): { code: ProblemCode; severity: Severity; count: number; described: number }[] {
    return [...this.counts]
      .map(([code, count]) => ({ code, severity: PROBLEM_CODES[code][0], count, described: this.described.get(code)!.length }))
      .sort((a, b) => (a.severity === b.severity ? a.code.localeCompare(b.code) : a.severity === 'error' ? -1 : 1));
  }

  /** The described problems of one severity, by file and line. */
  problems(severity: Severity): Problem[] {
    return [...this.described.values()]
      .flat()
      .filter((problem) => problem.severity === severity)
      .sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code));
  }

  /** The report as text: errors, then warnings, each line with where and what, and how many of a code were not shown. */
  format(): string {
    const lines: string[] = [];
    for (const severity of ['error', 'warning'] as const) {
      const total = this.count(severity);
      if (total === 0) continue;
      lines.push(`${total.toLocaleString('en-US')} ${severity}${total === 1 ? '' : 's'}:`);
      for (const problem of this.problems(severity)) lines.push(`  ${describe(problem)}`);
      for (const { code, count, described } of this.countsByCode()) {
        if (PROBLEM_CODES[code][0] === severity && count > described) lines.push(`  … and ${(count - described).toLocaleString('en-US')} more ${code}`);
      }
    }
    return lines.join('\n');
  }
}

function describe(problem: Problem): string {
  const where = [problem.file, problem.line === undefined ? undefined : `line ${problem.line}`, problem.column === undefined ? undefined : `column ${problem.column}`]
    .filter((part) => part !== undefined)
    .join(', ');
  return `${where ? `${where}: ` : ''}${problem.message} [${problem.code}]`;
}
