// Daily activity diaries of the sampled devices: home, work and other stays with times, following §4.5's grammar.
import { HOME, OTHER, WORK, type FrameArea } from '../model.ts';
import type { Agents } from './agents.ts';
import type { Calendar } from './calendar.ts';
import { sampleDestination, type DestinationModel } from './commuting.ts';
import type { SyntheticParameters } from './parameters.ts';
import { Rng, sampleWeights } from './random.ts';

/**
 * Every stay of every device in time order, columnar: stays of device d are [first[d], first[d + 1]). Places are
 * numbered per device (0 home, 1 work, 2… each other stop); a stay running on over midnight into the next simulated day
 * is one stay. Times are batch seconds.
 */
export interface Diaries {
  length: number;
  device: Uint32Array;
  area: Int32Array;
  place: Int32Array;
  type: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  first: Int32Array;
}

/** What diaries draw destinations from. */
export interface DiaryContext {
  frame: FrameArea[];
  radii: Float64Array;
  other: DestinationModel;
  /** Per DeSO: weight as a long-trip destination (residents plus jobs). */
  longTripWeight: Float64Array;
  /** Per DeSO: the other DeSO of its RegSO (empty when the RegSO has one DeSO). */
  neighbourhood: number[][];
}

const HOUR = 3600;
/** Nothing new starts if the device could not be back home by this local hour. */
const LAST_RETURN_HOUR = 23.5;
/** "Other" outings from home start around mid-morning, lunch and early evening (hour, sd, weight). */
const OUTING_START: [number, number, number][] = [
  [10.5, 1.2, 0.35],
  [13, 1, 0.25],
  [17.5, 1.5, 0.4],
];

/**
 * Door-to-door hours for a trip of `km` (straight line; roads are 1.3 times longer): walking or cycling under 2 km,
 * transit from centres, the car elsewhere; beyond 100 km road or rail at 100 km/h, or the faster of that and a flight
 * (2.5 h of access and waiting, then 600 km/h).
 */
export function travelHours(km: number, fromCategory: FrameArea['category']): number {
  if (km >= 100) return Math.min(0.5 + km / 100, 2.5 + km / 600);
  const speed = km < 2 ? 10 : km > 50 ? 75 : fromCategory === 'C' ? 25 : 45;
  return 5 / 60 + (1.3 * km) / speed;
}

interface Place {
  area: number;
  x: number;
  y: number;
  place: number;
  type: number;
}

/** Growable columnar stay storage. */
class StayBuffer {
  length = 0;
  device = new Uint32Array(1 << 16);
  area = new Int32Array(1 << 16);
  place = new Int32Array(1 << 16);
  type = new Uint8Array(1 << 16);
  start = new Uint32Array(1 << 16);
  end = new Uint32Array(1 << 16);
  x = new Float64Array(1 << 16);
  y = new Float64Array(1 << 16);

  push(device: number, where: Place, start: number, end: number): void {
    const last = this.length - 1;
    // A day ending at home and the next starting there (or any back-to-back visit of one place) stay one stay.
    if (last >= 0 && this.device[last] === device && this.place[last] === where.place && this.end[last] === start) {
      this.end[last] = end;
      return;
    }
    if (this.length === this.device.length) this.grow();
    const k = this.length++;
    this.device[k] = device;
    this.area[k] = where.area;
    this.place[k] = where.place;
    this.type[k] = where.type;
    this.start[k] = start;
    this.end[k] = end;
    this.x[k] = where.x;
    this.y[k] = where.y;
  }

  private grow(): void {
    const size = this.device.length * 2;
    const copy = <T extends Uint32Array | Int32Array | Uint8Array | Float64Array>(array: T, next: T): T => (next.set(array), next);
    this.device = copy(this.device, new Uint32Array(size));
    this.area = copy(this.area, new Int32Array(size));
    this.place = copy(this.place, new Int32Array(size));
    this.type = copy(this.type, new Uint8Array(size));
    this.start = copy(this.start, new Uint32Array(size));
    this.end = copy(this.end, new Uint32Array(size));
    this.x = copy(this.x, new Float64Array(size));
    this.y = copy(this.y, new Float64Array(size));
  }
}

/** One device-day being planned in local hours: where the device is, since when, and until when it stays. */
class DayPlanner {
  private here: Place;
  private since = 0;
  /** The local hour at which the device leaves `here` (at least `since`). */
  time = 0;
  private nextPlace: number;

  constructor(
    private readonly context: DiaryContext,
    private readonly rng: Rng,
    private readonly parameters: SyntheticParameters,
    readonly home: Place,
    private readonly emit: (where: Place, from: number, to: number) => void,
    firstOtherPlace: number,
  ) {
    this.here = home;
    this.nextPlace = firstOtherPlace;
  }

  /** The number the next other place gets, so places stay distinct across the device's days. */
  get placesUsed(): number {
    return this.nextPlace;
  }

  private hoursBetween(a: Place, b: Place): number {
    const { frame } = this.context;
    return travelHours(Math.hypot(a.x - b.x, a.y - b.y) / 1000, frame[a.area].category);
  }

  /** Stays here until `hour` (or leaves at once if already later). */
  waitUntil(hour: number): void {
    this.time = Math.max(this.time, hour);
  }

  /** Leaves for `where` and stays there `hours`; when `checkReturn`, only if home can still be reached by LAST_RETURN_HOUR. */
  go(where: Place, hours: number, checkReturn = true): boolean {
    const travel = where === this.here ? 0 : this.hoursBetween(this.here, where);
    if (checkReturn && this.time + travel + hours + this.hoursBetween(where, this.home) > LAST_RETURN_HOUR) return false;
    if (where === this.here) {
      this.time += hours;
      return true;
    }
    this.emit(this.here, this.since, this.time);
    this.here = where;
    this.since = this.time + travel;
    this.time = this.since + hours;
    return true;
  }

  /** A new other place somewhere in the DeSO `area`. */
  newPlace(area: number): Place {
    const { frame, radii } = this.context;
    const [x, y] = this.rng.inDisc(frame[area].x, frame[area].y, radii[area]);
    return { area, x, y, place: this.nextPlace++, type: OTHER };
  }

  /** A new other place drawn from the other-trip model around the current place. */
  otherPlace(): Place {
    const near = this.context.neighbourhood[this.here.area];
    if (near.length > 0 && this.rng.bernoulli(this.parameters.neighbourhoodOther)) return this.newPlace(near[this.rng.int(near.length)]);
    return this.newPlace(sampleDestination(this.context.other, this.here.area, this.rng.next()));
  }

  /** Hours of travel from home to a place and back. */
  roundTripHours(where: Place): number {
    return this.hoursBetween(this.home, where) + this.hoursBetween(where, this.home);
  }

  /** Hours at an other place: a short stop of 10–39 minutes (not an activity) or an activity of 40 min to 4 h. */
  otherHours(forceShort = false): number {
    if (forceShort || this.rng.bernoulli(this.parameters.shortStopShare)) return this.rng.uniform(10, 39) / 60;
    const [median, sigma] = this.parameters.otherDuration;
    return Math.min(4, Math.max(40 / 60, this.rng.lognormal(median, sigma) / 60));
  }

  /** An outing from home: one other place, perhaps a second chained one, then home; skipped if it cannot fit the day. */
  outing(): void {
    if (!this.go(this.otherPlace(), this.otherHours())) return;
    if (this.rng.bernoulli(this.parameters.chainedOther)) this.go(this.otherPlace(), this.otherHours());
    this.go(this.home, 0, false);
  }

  /** Ends the day at home at 24:00 (an unused wait past midnight is cut). */
  finish(): void {
    this.go(this.home, 0, false);
    this.emit(this.here, this.since, Math.max(24, this.since));
  }
}

/**
 * Plans every device's days. Workers on a workday (workAttendance; weekendWork on Saturdays and Sundays):
 * home → (short stop)? → work (≥ 4 h) → (other){0..3} → home → (evening outing)?. Everyone else: 0–3 outings from home,
 * each to one or two other places. A share of device-days (longTripShare) is instead a day trip of more than
 * longTripMinKm to another län. Every stream is keyed by (device, day), so one device's plan never shifts another's.
 */
export function buildDiaries(context: DiaryContext, agents: Agents, calendar: Calendar, parameters: SyntheticParameters, seed: number): Diaries {
  const out = new StayBuffer();
  const first = new Int32Array(agents.count + 1);
  for (let device = 0; device < agents.count; device++) {
    first[device] = out.length;
    const home: Place = { area: agents.home[device], x: agents.homeX[device], y: agents.homeY[device], place: 0, type: HOME };
    const workArea = agents.work[device];
    const work: Place | null =
      workArea < 0 ? null : { area: workArea, x: agents.workX[device], y: agents.workY[device], place: 1, type: WORK };
    let places = 2;
    calendar.days.forEach((day, dayIndex) => {
      const rng = Rng.stream(seed, 'diary', device, dayIndex);
      const emit = (where: Place, from: number, to: number) => {
        if (to > from) out.push(device, where, day.start + Math.round(from * HOUR), day.start + Math.round(to * HOUR));
      };
      const plan = new DayPlanner(context, rng, parameters, home, emit, places);
      const working = work !== null && rng.bernoulli(day.workday ? parameters.workAttendance : parameters.weekendWork);
      const travelling = rng.bernoulli(parameters.longTripShare) && longTrip(plan, context, rng, parameters);
      if (!travelling) {
        if (work && working) workDay(plan, rng, parameters, work);
        else freeDay(plan, rng, parameters);
      }
      plan.finish();
      places = plan.placesUsed;
    });
  }
  first[agents.count] = out.length;
  return {
    length: out.length,
    device: out.device.slice(0, out.length),
    area: out.area.slice(0, out.length),
    place: out.place.slice(0, out.length),
    type: out.type.slice(0, out.length),
    start: out.start.slice(0, out.length),
    end: out.end.slice(0, out.length),
    x: out.x.slice(0, out.length),
    y: out.y.slice(0, out.length),
    first,
  };
}

/** home → (short stop)? → work (4–10 h) → (other){0..3} → home → (evening outing)? */
function workDay(plan: DayPlanner, rng: Rng, parameters: SyntheticParameters, work: Place): void {
  plan.waitUntil(rng.clampedNormal(parameters.workDeparture[0], parameters.workDeparture[1], 5, 10.5));
  if (rng.bernoulli(parameters.preWorkOther)) plan.go(plan.otherPlace(), plan.otherHours(true));
  plan.go(work, 0, false);
  const arrived = plan.time;
  const end = rng.clampedNormal(parameters.workEnd[0], parameters.workEnd[1], 12, 21);
  plan.waitUntil(Math.min(arrived + 10, LAST_RETURN_HOUR - plan.roundTripHours(work) / 2, Math.max(arrived + 4, end)));
  for (const p of parameters.afterWorkOther) {
    if (!rng.bernoulli(p) || !plan.go(plan.otherPlace(), plan.otherHours())) break;
  }
  plan.go(plan.home, 0, false);
  if (rng.bernoulli(parameters.eveningOuting)) {
    plan.waitUntil(plan.time + rng.uniform(0.5, 2));
    plan.outing();
  }
}

/** 0–3 outings from home, started around mid-morning, lunch or early evening. */
function freeDay(plan: DayPlanner, rng: Rng, parameters: SyntheticParameters): void {
  const count = sampleWeights(parameters.outings, rng.next());
  const weights = OUTING_START.map((component) => component[2]);
  const starts = Array.from({ length: count }, () => {
    const [mean, sd] = OUTING_START[sampleWeights(weights, rng.next())];
    return rng.clampedNormal(mean, sd, 8, 21);
  }).sort((a, b) => a - b);
  for (const start of starts) {
    plan.waitUntil(Math.max(start, plan.time + 0.5));
    plan.outing();
  }
}

/**
 * A day trip to another län at least longTripMinKm away: leave about 08:00, stay 2–7 hours, be home by 23:30.
 * The destination is drawn ∝ (residents + jobs) / distance. Returns false (nothing planned) if no destination fits.
 */
function longTrip(plan: DayPlanner, context: DiaryContext, rng: Rng, parameters: SyntheticParameters): boolean {
  const { frame, longTripWeight } = context;
  const home = plan.home;
  const lan = frame[home.area].lan;
  const weights = new Float64Array(frame.length);
  let any = false;
  const min2 = (parameters.longTripMinKm * 1000) ** 2;
  for (let j = 0; j < frame.length; j++) {
    const d2 = (frame[j].x - home.x) ** 2 + (frame[j].y - home.y) ** 2;
    if (d2 < min2 || frame[j].lan === lan) continue;
    weights[j] = (1000 * longTripWeight[j]) / Math.sqrt(d2);
    any = true;
  }
  if (!any) return false;
  const destination = plan.newPlace(sampleWeights(weights, rng.next()));
  const depart = rng.clampedNormal(8, 1.5, 5, 12);
  const hours = Math.min(rng.uniform(2, 7), LAST_RETURN_HOUR - depart - plan.roundTripHours(destination));
  if (hours < 1) return false;
  plan.waitUntil(depart);
  plan.go(destination, hours, false);
  return true;
}
