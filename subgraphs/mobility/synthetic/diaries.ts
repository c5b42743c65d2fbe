// Daily activity diaries of the sampled devices: home, work and other stays with times, following §4.5's grammar.
import { HOME, MIN_STAY_SECONDS, OTHER, WORK, type FrameArea, type Journey, type KnownTravelMode } from '../model.ts';
import type { Agents } from './agents.ts';
import type { Calendar } from './calendar.ts';
import { sampleDestination, type DestinationModel } from './commuting.ts';
import { LONG_TRIP_MODES, type SyntheticParameters } from './parameters.ts';
import { Rng, sampleWeights } from './random.ts';
import type { GridIndex } from './spatial.ts';

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
  /** When the move leaving a stay is a flight: the batch seconds the phone goes silent and is heard again (else 0, 0). */
  flightStart: Uint32Array;
  flightEnd: Uint32Array;
  first: Int32Array;
  /** Every long journey, in device and time order, with its true mode (cells -1: the truth has places). */
  journeys: Journey[];
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
  /** The DeSO positions, to find the DeSO nearest to a point on the way of a long journey. */
  areaIndex: GridIndex;
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
 * Door-to-door hours for an everyday trip of `km` under 100 km (straight line; roads are 1.3 times longer): walking or
 * cycling under 2 km, transit from centres, the car elsewhere.
 */
export function travelHours(km: number, fromCategory: FrameArea['category']): number {
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

/** Hours after leaving at which a flight's phone goes silent and is heard again. */
type Flight = [number, number];

/** A long journey as planned: legs to each en-route stop and then to the destination, door to door. */
interface JourneyPlan {
  mode: KnownTravelMode;
  /** Where each leg ends, its hours of travel and of stay (the last leg's stay is the caller's). */
  legs: { to: Place; travel: number; stay: number }[];
  flight?: Flight;
  /** Hours from leaving the origin to arriving at the destination, stops included. */
  hours: number;
}

/** A long journey as travelled, in the day's local hours. */
interface TravelledJourney {
  mode: KnownTravelMode;
  origin: Place;
  destination: Place;
  start: number;
  end: number;
  /** Trips between activities: one more than the stops long enough to be activities. */
  legs: number;
}

const distanceKm = (a: Place, b: Place) => Math.hypot(a.x - b.x, a.y - b.y) / 1000;

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
  flightStart = new Uint32Array(1 << 16);
  flightEnd = new Uint32Array(1 << 16);

  /** Adds a stay; `flight` (batch seconds) when the device leaves it by air. */
  push(device: number, where: Place, start: number, end: number, flight?: Flight): void {
    const last = this.length - 1;
    // A day ending at home and the next starting there (or any back-to-back visit of one place) stay one stay.
    if (last >= 0 && this.device[last] === device && this.place[last] === where.place && this.end[last] === start) {
      this.end[last] = end;
      this.setFlight(last, flight);
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
    this.setFlight(k, flight);
  }

  private setFlight(k: number, flight: Flight | undefined): void {
    this.flightStart[k] = flight ? flight[0] : 0;
    this.flightEnd[k] = flight ? flight[1] : 0;
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
    this.flightStart = copy(this.flightStart, new Uint32Array(size));
    this.flightEnd = copy(this.flightEnd, new Uint32Array(size));
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
    private readonly emit: (where: Place, from: number, to: number, flight?: Flight) => void,
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
    const km = distanceKm(a, b);
    // The rare everyday trip of 100 km or more (a long commute) goes by road.
    return km >= 100 ? doorToDoorHours(this.parameters, 'ROAD', km, 1) : travelHours(km, this.context.frame[a.area].category);
  }

  /** Stays here until `hour` (or leaves at once if already later). */
  waitUntil(hour: number): void {
    this.time = Math.max(this.time, hour);
  }

  /** Leaves for `where` and stays there `hours`; when `checkReturn`, only if home can still be reached by LAST_RETURN_HOUR. */
  go(where: Place, hours: number, checkReturn = true): boolean {
    const travel = where === this.here ? 0 : this.hoursBetween(this.here, where);
    if (checkReturn && this.time + travel + hours + this.hoursBetween(where, this.home) > LAST_RETURN_HOUR) return false;
    this.moveTo(where, travel, hours);
    return true;
  }

  /** Travels a planned long journey from here and stays `hours` at its destination. */
  travel(journey: JourneyPlan, hours: number): TravelledJourney {
    const origin = this.here;
    const start = this.time;
    let legs = 1;
    journey.legs.forEach((leg, i) => {
      const last = i + 1 === journey.legs.length;
      if (!last && leg.stay * HOUR >= MIN_STAY_SECONDS) legs++;
      this.moveTo(leg.to, leg.travel, last ? hours : leg.stay, journey.flight);
    });
    return { mode: journey.mode, origin, destination: this.here, start, end: this.since, legs };
  }

  /** Leaves for `where`, arriving `travel` hours later (silent during `flight`, hours after leaving), to stay `hours`. */
  private moveTo(where: Place, travel: number, hours: number, flight?: Flight): void {
    if (where === this.here) {
      this.time += hours;
      return;
    }
    this.emit(this.here, this.since, this.time, flight && [this.time + flight[0], this.time + flight[1]]);
    this.here = where;
    this.since = this.time + travel;
    this.time = this.since + hours;
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
 * longTripMinKm to another län by road, rail or air, whose ways out and back are recorded as journeys. Every stream is
 * keyed by (device, day), so one device's plan never shifts another's.
 */
export function buildDiaries(context: DiaryContext, agents: Agents, calendar: Calendar, parameters: SyntheticParameters, seed: number): Diaries {
  const out = new StayBuffer();
  const journeys: Journey[] = [];
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
      const seconds = (hour: number) => day.start + Math.round(hour * HOUR);
      const emit = (where: Place, from: number, to: number, flight?: Flight) => {
        if (to > from) out.push(device, where, seconds(from), seconds(to), flight && [seconds(flight[0]), seconds(flight[1])]);
      };
      const record = ({ mode, origin, destination, start, end, legs }: TravelledJourney) => {
        const distance = distanceKm(origin, destination) * 1000;
        journeys.push({
          device, origin: origin.area, destination: destination.area, originCell: -1, destinationCell: -1,
          start: seconds(start), end: seconds(end), distance, legs, long: distance >= parameters.longTripMinKm * 1000, mode,
        });
      };
      const plan = new DayPlanner(context, rng, parameters, home, emit, places);
      const working = work !== null && rng.bernoulli(day.workday ? parameters.workAttendance : parameters.weekendWork);
      const travelling = rng.bernoulli(parameters.longTripShare) && longTrip(plan, context, rng, parameters, record);
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
    flightStart: out.flightStart.slice(0, out.length),
    flightEnd: out.flightEnd.slice(0, out.length),
    first,
    journeys,
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
 * A day trip to another län at least longTripMinKm away, out and back by one mode: leave about longTripDeparture,
 * stay 1–7 hours, be home by longTripHomeBy. The destination is drawn ∝ (residents + jobs) / distance; the mode by
 * distance (modeShares) among those that fit the day. Records both journeys. Returns false (nothing planned) if no
 * mode fits.
 */
function longTrip(plan: DayPlanner, context: DiaryContext, rng: Rng, parameters: SyntheticParameters, record: (journey: TravelledJourney) => void): boolean {
  const { frame, longTripWeight, radii } = context;
  const home = plan.home;
  const lan = frame[home.area].lan;
  const weights = new Float64Array(frame.length);
  let any = false;
  for (let j = 0; j < frame.length; j++) {
    // Every place of the DeSO (within its radius of its position) is then at least longTripMinKm away.
    const km = (Math.hypot(frame[j].x - home.x, frame[j].y - home.y) - radii[j]) / 1000;
    if (km < parameters.longTripMinKm || frame[j].lan === lan) continue;
    weights[j] = longTripWeight[j] / km;
    any = true;
  }
  if (!any) return false;
  const destination = plan.newPlace(sampleWeights(weights, rng.next()));
  const depart = rng.clampedNormal(parameters.longTripDeparture[0], parameters.longTripDeparture[1], 5, 12);
  const km = distanceKm(home, destination);
  const spread = parameters.longTripSpeedSpread;
  const speedOut = rng.uniform(1 - spread, 1 + spread);
  const speedBack = rng.uniform(1 - spread, 1 + spread);
  const door = (mode: KnownTravelMode, speed: number) => doorToDoorHours(parameters, mode, km, speed);
  const central = frame[home.area].category === 'C' && frame[destination.area].category === 'C';
  const homeBy = parameters.longTripHomeBy;
  const shares = modeShares(km, central, parameters).map((share, m) => {
    const mode = LONG_TRIP_MODES[m];
    return homeBy - depart - door(mode, speedOut) - door(mode, speedBack) >= 1 ? share : 0;
  });
  if (!shares.some((share) => share > 0)) return false;
  const mode = LONG_TRIP_MODES[sampleWeights(shares, rng.next())];
  let out = planJourney(plan, context, rng, parameters, home, destination, mode, speedOut, true);
  let back = planJourney(plan, context, rng, parameters, destination, home, mode, speedBack, true);
  if (homeBy - depart - out.hours - back.hours < 1) {
    // The stops would leave too little time there: the traveller goes straight.
    out = planJourney(plan, context, rng, parameters, home, destination, mode, speedOut, false);
    back = planJourney(plan, context, rng, parameters, destination, home, mode, speedBack, false);
  }
  const hours = Math.min(rng.uniform(2, 7), homeBy - depart - out.hours - back.hours);
  plan.waitUntil(depart);
  record(plan.travel(out, hours));
  record(plan.travel(back, 0));
  return true;
}

/** Shares of road, rail and air (LONG_TRIP_MODES order) for a long trip of `km`; `central` between two C DeSO. */
export function modeShares(km: number, central: boolean, parameters: SyntheticParameters): [number, number, number] {
  const { longTripAirMinKm, longTripAirFullKm, longTripAirMaxShare, longTripRailShare } = parameters;
  const air = km <= longTripAirMinKm ? 0 : longTripAirMaxShare * Math.min(1, (km - longTripAirMinKm) / (longTripAirFullKm - longTripAirMinKm));
  const rail = (1 - air) * (central ? longTripRailShare.central : longTripRailShare.other);
  return [1 - air - rail, rail, air];
}

/** Door-to-door hours of a way of `km` by `mode` at `speed` times the mode's speed. */
function doorToDoorHours(parameters: SyntheticParameters, mode: KnownTravelMode, km: number, speed: number): number {
  const { accessSeconds, kmh } = parameters.longTripDoorToDoor[mode];
  return accessSeconds / HOUR + km / (speed * kmh);
}

/**
 * A journey from `from` to `to` by `mode` at `speed` times the mode's door-to-door speed. With `stops`, a road or rail
 * journey of at least longTripStopMinHours may stop on the way: an activity (longTripLongStop) around mid-way and a
 * short stop (longTripShortStop) anywhere, each in the DeSO nearest to its point on the straight line (for rail a
 * central one, where the stations are). The moving time is shared between the legs by length. A flight is direct and
 * silent in the air (airborneKmh) between airportAccessKm from each end; of the rest, 60 % is before take-off
 * (to the airport, check-in, security), 40 % after landing.
 */
function planJourney(
  plan: DayPlanner,
  context: DiaryContext,
  rng: Rng,
  parameters: SyntheticParameters,
  from: Place,
  to: Place,
  mode: KnownTravelMode,
  speed: number,
  stops: boolean,
): JourneyPlan {
  const km = distanceKm(from, to);
  if (mode === 'AIR') {
    const hours = doorToDoorHours(parameters, mode, km, speed);
    const airborne = Math.max(0, km - 2 * parameters.airportAccessKm) / (speed * parameters.airborneKmh);
    const takeOff = 0.6 * (hours - airborne);
    return { mode, legs: [{ to, travel: hours, stay: 0 }], flight: [takeOff, takeOff + airborne], hours };
  }
  const onTheWay: { at: number; place: Place; stay: number }[] = [];
  if (stops && doorToDoorHours(parameters, mode, km, speed) >= parameters.longTripStopMinHours) {
    const stopAt = (at: number, minutes: [number, number]) => {
      const x = from.x + at * (to.x - from.x);
      const y = from.y + at * (to.y - from.y);
      const area = context.areaIndex.nearest(x, y, mode === 'RAIL' ? (j) => context.frame[j].category === 'C' : null);
      const stay = rng.uniform(minutes[0], minutes[1]) / 60;
      if (area >= 0 && area !== from.area && area !== to.area) onTheWay.push({ at, place: plan.newPlace(area), stay });
    };
    if (rng.bernoulli(parameters.longTripLongStop[mode])) stopAt(rng.uniform(0.35, 0.65), parameters.longTripLongStopMinutes);
    if (rng.bernoulli(parameters.longTripShortStop[mode])) stopAt(rng.uniform(0.2, 0.8), parameters.longTripShortStopMinutes);
    onTheWay.sort((a, b) => a.at - b.at);
  }
  const points = [from, ...onTheWay.map((stop) => stop.place), to];
  const lengths = points.slice(1).map((point, i) => distanceKm(points[i], point));
  const path = lengths.reduce((sum, length) => sum + length, 0);
  const moving = doorToDoorHours(parameters, mode, path, speed);
  const legs = lengths.map((length, i) => ({ to: points[i + 1], travel: (moving * length) / path, stay: onTheWay[i]?.stay ?? 0 }));
  return { mode, legs, hours: moving + onTheWay.reduce((sum, stop) => sum + stop.stay, 0) };
}
