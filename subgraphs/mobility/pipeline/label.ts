// Home, work and other labels for one device's stays, from local clock time (night hours, weekday mornings).
import { HOME, OTHER, WORK } from '../model.ts';
import { DAY_SECONDS, HOUR_SECONDS, type LocalClock } from './clock.ts';
import { STAY, type SegmentBuffer } from './segment.ts';

export interface LabelOptions {
  /** Local hours counted as night for the home: [nightFromHour, nightToHour), may wrap midnight (default 0–6). */
  nightFromHour?: number;
  nightToHour?: number;
  /** A work stay lasts at least this long (default 4 h) … */
  workMinSeconds?: number;
  /** … and starts on a weekday between these local hours, both included (default 6 and 11). */
  workStartFromHour?: number;
  workStartToHour?: number;
  /** Local dates ("YYYY-MM-DD") that are not workdays although Monday–Friday, e.g. public holidays. */
  holidays?: string[];
  /**
   * Distinct days with a qualifying stay the work area needs (default 1, so one occurrence suffices for batches of a
   * day or a week; raise it for a month, e.g. to half the workdays, as multimno's usual-environment labels do).
   */
  minWorkDays?: number;
}

/** Labels stays device by device, reusing per-area scratch arrays that are reset through the list of areas touched. */
export class Labeller {
  private readonly nightFrom: number;
  private readonly nightLength: number;
  private readonly workMin: number;
  private readonly workFrom: number;
  private readonly workTo: number;
  private readonly minWorkDays: number;
  private readonly holidays: Set<number>;
  private readonly nightSeconds: Float64Array;
  private readonly workDays: Uint32Array;
  private readonly workSeconds: Float64Array;
  private readonly workLastDay: Float64Array;
  private readonly touched: Int32Array;
  /** The last device's labels: types[k - from] for each stay k. */
  types = new Uint8Array(64);

  constructor(
    private readonly clock: LocalClock,
    areaCount: number,
    options: LabelOptions = {},
  ) {
    const hour = (name: string, value: number) => {
      if (!(value >= 0 && value <= 24)) throw new Error(`${name} must be an hour from 0 to 24, got ${value}`);
      return value * HOUR_SECONDS;
    };
    this.nightFrom = hour('nightFromHour', options.nightFromHour ?? 0);
    const nightTo = hour('nightToHour', options.nightToHour ?? 6);
    this.nightLength = (((nightTo - this.nightFrom) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;
    this.workMin = options.workMinSeconds ?? 4 * HOUR_SECONDS;
    this.workFrom = hour('workStartFromHour', options.workStartFromHour ?? 6);
    this.workTo = hour('workStartToHour', options.workStartToHour ?? 11);
    this.minWorkDays = options.minWorkDays ?? 1;
    this.holidays = new Set(
      (options.holidays ?? []).map((date) => {
        const ms = Date.parse(`${date}T00:00:00Z`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new Error(`holiday "${date}" is not a YYYY-MM-DD date`);
        return ms / 1000 / DAY_SECONDS;
      }),
    );
    this.nightSeconds = new Float64Array(areaCount);
    this.workDays = new Uint32Array(areaCount);
    this.workSeconds = new Float64Array(areaCount);
    this.workLastDay = new Float64Array(areaCount).fill(-1);
    this.touched = new Int32Array(areaCount);
  }

  /**
   * Sets this.types[k - from] to HOME, WORK or OTHER for every stay k in segments[from, to) and returns the home area (-1
   * when the device has no night-time stay). Home: the area with the most stay time in night hours over the whole
   * batch (ties: the first). Work: a stay away from home of at least workMinSeconds starting on a workday morning, in
   * the area with the most days of such stays (ties: more such time, then the first).
   */
  label(segments: SegmentBuffer, from: number, to: number): number {
    const { state, area, start, end } = segments;
    const clock = this.clock;
    let touched = 0;
    for (let k = from; k < to; k++) {
      if (state[k] !== STAY) continue;
      const night = this.nightOverlap(start[k], end[k]);
      if (night === 0) continue;
      if (this.nightSeconds[area[k]] === 0) this.touched[touched++] = area[k];
      this.nightSeconds[area[k]] += night;
    }
    let home = -1;
    for (let j = 0; j < touched; j++) {
      const a = this.touched[j];
      if (home < 0 || this.nightSeconds[a] > this.nightSeconds[home]) home = a;
    }
    for (let j = 0; j < touched; j++) this.nightSeconds[this.touched[j]] = 0;

    if (this.types.length < to - from) this.types = new Uint8Array(2 * (to - from));
    const types = this.types;
    // First pass: WORK marks the stays that qualify as work, in whichever area.
    touched = 0;
    for (let k = from; k < to; k++) {
      types[k - from] = OTHER;
      if (state[k] !== STAY || area[k] === home || end[k] - start[k] < this.workMin) continue;
      const day = clock.dayOf(start[k]);
      const second = clock.secondOfDay(start[k]);
      if (clock.weekdayOf(start[k]) > 4 || this.holidays.has(day) || second < this.workFrom || second > this.workTo) continue;
      types[k - from] = WORK;
      const a = area[k];
      if (this.workDays[a] === 0) this.touched[touched++] = a;
      if (this.workLastDay[a] !== day) {
        this.workDays[a]++;
        this.workLastDay[a] = day;
      }
      this.workSeconds[a] += end[k] - start[k];
    }
    let work = -1;
    for (let j = 0; j < touched; j++) {
      const a = this.touched[j];
      const better = work < 0 || this.workDays[a] > this.workDays[work] || (this.workDays[a] === this.workDays[work] && this.workSeconds[a] > this.workSeconds[work]);
      if (better) work = a;
    }
    if (work >= 0 && this.workDays[work] < this.minWorkDays) work = -1;
    for (let j = 0; j < touched; j++) {
      const a = this.touched[j];
      this.workDays[a] = 0;
      this.workSeconds[a] = 0;
      this.workLastDay[a] = -1;
    }

    for (let k = from; k < to; k++) {
      if (state[k] !== STAY) continue;
      if (area[k] === home) types[k - from] = HOME;
      else if (area[k] !== work) types[k - from] = OTHER;
    }
    return home;
  }

  /** Seconds of [s, e] inside the local night windows, daylight-saving changes included. */
  private nightOverlap(s: number, e: number): number {
    if (this.nightLength === 0) return 0;
    let total = 0;
    // A window that wraps midnight starts the day before.
    for (let day = this.clock.dayOf(s) - 1; ; day++) {
      const windowStart = day * DAY_SECONDS + this.nightFrom;
      const from = this.clock.instant(windowStart);
      if (from >= e) break;
      const to = this.clock.instant(windowStart + this.nightLength);
      const overlap = Math.min(e, to) - Math.max(s, from);
      if (overlap > 0) total += overlap;
    }
    return total;
  }
}
