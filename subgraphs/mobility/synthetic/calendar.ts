// The simulated days on Swedish local time: the batch epoch, each day's start in batch seconds and its weekday.

export const TIME_ZONE = 'Europe/Stockholm';

export interface SimulatedDay {
  date: string;
  /** Batch seconds (since the epoch) of local midnight starting the day. */
  start: number;
  /** Monday to Friday; Swedish public holidays are not modelled. */
  workday: boolean;
}

export interface Calendar {
  /** Local midnight of the first date with its UTC offset, e.g. "2022-11-15T00:00:00+01:00". */
  epoch: string;
  days: SimulatedDay[];
}

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' });

/** Minutes east of UTC in Stockholm at noon UTC of a date (60 in winter, 120 in summer). */
function offsetMinutes(date: string): number {
  const name = offsetFormat.formatToParts(new Date(`${date}T12:00:00Z`)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** The calendar of ascending local dates (yyyy-mm-dd); a day's length is taken as 24 h even on a daylight-saving change. */
export function buildCalendar(dates: string[]): Calendar {
  if (dates.length === 0) throw new Error('at least one date is needed');
  for (let k = 0; k < dates.length; k++) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dates[k]) || Number.isNaN(Date.parse(dates[k]))) throw new Error(`not a date: ${dates[k]}`);
    if (k > 0 && dates[k] <= dates[k - 1]) throw new Error(`dates must ascend: ${dates[k - 1]} then ${dates[k]}`);
  }
  const midnightUnix = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000 - offsetMinutes(date) * 60;
  const first = dates[0];
  const offset = offsetMinutes(first);
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  return {
    epoch: `${first}T00:00:00${sign}${hh}:${mm}`,
    days: dates.map((date) => {
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      return { date, start: midnightUnix(date) - midnightUnix(first), workday: weekday >= 1 && weekday <= 5 };
    }),
  };
}
