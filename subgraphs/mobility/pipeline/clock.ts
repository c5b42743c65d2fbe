// Local clock time for batch seconds: UTC offsets from a fixed offset or an IANA zone (daylight saving included).
import type { LocalTime } from '../model.ts';

export const DAY_SECONDS = 86_400;
export const HOUR_SECONDS = 3_600;
export const DEFAULT_TIME_ZONE = 'Europe/Stockholm';

// Offsets are sampled this often and bisected to the second where they change; zones change at most a few times a year.
const SAMPLE_SECONDS = 6 * HOUR_SECONDS;
const MARGIN_SECONDS = 3 * DAY_SECONDS;
const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Seconds east of UTC that the zone's clocks show at a Unix time (seconds), from Intl's "GMT+hh:mm" name. */
function zoneOffset(format: Intl.DateTimeFormat, unixSeconds: number): number {
  const name = format.formatToParts(new Date(unixSeconds * 1000)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(name);
  if (!match) throw new Error(`cannot read the UTC offset "${name}"`);
  if (!match[1]) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

/**
 * Converts seconds since a batch's epoch to local clock time and back. Local time is counted as wall-clock seconds
 * since 1970-01-01 00:00 local, so days and weekdays follow from integer division.
 */
export class LocalClock {
  /** Unix seconds of the batch's second 0. */
  readonly epochUnix: number;
  /** Batch second at which each offset period starts (the first is -Infinity) and its offset east of UTC in seconds. */
  private readonly starts: number[];
  private readonly offsets: number[];

  /** `spanSeconds`: the last batch second the clock must cover exactly (a margin of days is added on both sides). */
  constructor(time: LocalTime, spanSeconds: number) {
    const fixed = time.utcOffsetMinutes;
    if (fixed !== undefined && !Number.isFinite(fixed)) throw new Error(`utcOffsetMinutes must be a number, got ${fixed}`);
    const format =
      fixed === undefined ? new Intl.DateTimeFormat('en-US', { timeZone: time.timeZone ?? DEFAULT_TIME_ZONE, timeZoneName: 'longOffset' }) : undefined;
    const offsetAtUnix = (unix: number) => (format ? zoneOffset(format, unix) : fixed! * 60);
    this.epochUnix = parseEpoch(time.epoch, offsetAtUnix);
    this.starts = [-Infinity];
    this.offsets = [offsetAtUnix(this.epochUnix - MARGIN_SECONDS)];
    if (!format) return;
    const last = Math.max(0, spanSeconds) + MARGIN_SECONDS;
    for (let t = -MARGIN_SECONDS; t < last; t += SAMPLE_SECONDS) {
      const next = Math.min(t + SAMPLE_SECONDS, last);
      if (offsetAtUnix(this.epochUnix + next) === this.offsets[this.offsets.length - 1]) continue;
      // Bisect to the first second with the new offset.
      let lo = t;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAtUnix(this.epochUnix + mid) === this.offsets[this.offsets.length - 1]) lo = mid;
        else hi = mid;
      }
      this.starts.push(hi);
      this.offsets.push(offsetAtUnix(this.epochUnix + hi));
    }
  }

  /** Offset east of UTC, in seconds, at batch second t. */
  offsetAt(t: number): number {
    let k = this.starts.length - 1;
    while (t < this.starts[k]) k--;
    return this.offsets[k];
  }

  /** Local wall-clock seconds since 1970-01-01 00:00 local at batch second t. */
  local(t: number): number {
    return this.epochUnix + t + this.offsetAt(t);
  }

  /** Local day number (days since 1970-01-01 local) at batch second t. */
  dayOf(t: number): number {
    return Math.floor(this.local(t) / DAY_SECONDS);
  }

  /** Local hour of the day, 0–23, at batch second t. */
  hourOf(t: number): number {
    return Math.floor(this.secondOfDay(t) / HOUR_SECONDS);
  }

  /** Seconds since local midnight at batch second t. */
  secondOfDay(t: number): number {
    const local = this.local(t);
    return local - Math.floor(local / DAY_SECONDS) * DAY_SECONDS;
  }

  /** Weekday at batch second t: 0 = Monday … 6 = Sunday. */
  weekdayOf(t: number): number {
    // 1970-01-01 was a Thursday (3 counting from Monday = 0).
    return (((this.dayOf(t) + 3) % 7) + 7) % 7;
  }

  /**
   * The first batch second at which the local clock shows `local` (wall-clock seconds since 1970 local). A time
   * repeated when clocks go back maps to its first occurrence; a time skipped when clocks go forward maps to the change.
   */
  instant(local: number): number {
    const n = this.starts.length;
    // The last period runs to Infinity, so the loop always returns.
    for (let k = 0; ; k++) {
      const from = this.starts[k] + this.epochUnix + this.offsets[k];
      const to = k + 1 < n ? this.starts[k + 1] + this.epochUnix + this.offsets[k] : Infinity;
      if (local < from) return this.starts[k];
      if (local < to) return local - this.offsets[k] - this.epochUnix;
    }
  }

  /** Batch seconds at which each of the 24 local hours of the local day containing batch second t start, plus the day's end. */
  hourBounds(t: number): Float64Array {
    const midnight = this.dayOf(t) * DAY_SECONDS;
    const bounds = new Float64Array(25);
    for (let h = 0; h <= 24; h++) bounds[h] = this.instant(midnight + h * HOUR_SECONDS);
    return bounds;
  }
}

/** Unix seconds of an ISO timestamp; without an offset it is wall-clock time in the clock's zone. */
function parseEpoch(epoch: string, offsetAtUnix: (unix: number) => number): number {
  const text = DATE_ONLY.test(epoch) ? `${epoch}T00:00:00` : epoch;
  if (HAS_OFFSET.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`epoch "${epoch}" is not an ISO timestamp`);
    return Math.round(ms / 1000);
  }
  const wall = Date.parse(`${text}Z`);
  if (Number.isNaN(wall)) throw new Error(`epoch "${epoch}" is not an ISO timestamp`);
  const asUtc = Math.round(wall / 1000);
  // Two rounds settle the offset except inside a skipped hour, where the later offset wins.
  const guess = asUtc - offsetAtUnix(asUtc);
  return asUtc - offsetAtUnix(guess);
}
