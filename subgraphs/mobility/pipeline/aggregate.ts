// Hourly presence and trip counts of distinct devices at any area level, from a pipeline result and an area mapping.
import { ACTIVITY_TYPES, type LocalTime, type PipelineResult } from '../model.ts';
import { DAY_SECONDS, LocalClock } from './clock.ts';

/**
 * Maps a frame (DeSO) index — and the cell the activity was seen at, for levels placed by position such as grid
 * squares — to a target area index at the wanted level, or a negative number to leave it out.
 */
export type AreaMapping = (frameIndex: number, cell: number) => number;

/** Type slot counting a device once whatever its activity type, after home, work and other. */
export const ANY_TYPE = ACTIVITY_TYPES.length;
/** Hour slot counting a device once over the whole local day, after hours 0–23. */
export const WHOLE_DAY = 24;
const TYPE_SLOTS = ANY_TYPE + 1;
const HOUR_SLOTS = WHOLE_DAY + 1;

export interface PresenceOptions {
  /** Minutes an activity must overlap an hour to count in it (default 1). */
  minMinutesInHour?: number;
  /** Any second (since the epoch) of the local day to count; default 0, the epoch's day. */
  dayStart?: number;
  /** The clock, when the result does not carry one. */
  localTime?: LocalTime;
  /** Per device, the number of persons it stands for (extrapolation); when given, `persons` sums them per cell. */
  weights?: Float64Array;
}

/**
 * Distinct devices per (target area, local hour, activity type) on one local day. Layout: devices[presenceIndex(target,
 * hour, type)] with index (target * 25 + hour) * 4 + type; hour 24 is the whole day and type ANY_TYPE any activity, each
 * counting a device once. Hour h is the time the local clock shows h (two real hours when clocks go back, none when
 * they go forward).
 */
export interface HourlyPresence {
  targetCount: number;
  /** Batch seconds at which each local hour starts, and the day's end (25 values). */
  hourStarts: Float64Array;
  devices: Uint32Array;
  /** Sum of the counted devices' weights per cell, when weights were given. */
  persons?: Float64Array;
}

export function presenceIndex(target: number, hour: number, type: number): number {
  return (target * HOUR_SLOTS + hour) * TYPE_SLOTS + type;
}

/**
 * Counts every device once per target area, hour and type in which any of its activities overlaps the hour by at
 * least minMinutesInHour, so each level's counts are of distinct devices, not sums of finer areas. Activities must be
 * grouped by device, as runPipeline returns them.
 */
export function presenceByHour(result: PipelineResult, areaOf: AreaMapping, targetCount: number, options: PresenceOptions = {}): HourlyPresence {
  const dayStart = options.dayStart ?? 0;
  const minSeconds = (options.minMinutesInHour ?? 1) * 60;
  const clock = new LocalClock(clockOf(result, options.localTime), dayStart + DAY_SECONDS);
  const bounds = clock.hourBounds(dayStart);
  const devices = new Uint32Array(targetCount * HOUR_SLOTS * TYPE_SLOTS);
  const weights = options.weights;
  const persons = weights ? new Float64Array(devices.length) : undefined;
  // lastDevice[i] = device + 1 of the last device counted in cell i; devices come grouped, so a repeat is the same one.
  const lastDevice = new Float64Array(devices.length);
  const count = (index: number, device: number) => {
    if (lastDevice[index] === device + 1) return;
    lastDevice[index] = device + 1;
    devices[index]++;
    if (persons) persons[index] += weights![device];
  };
  const activities = result.activities;
  let previousDevice = -1;
  for (let i = 0; i < activities.length; i++) {
    const { device, area, cell, start, end, type } = activities[i];
    previousDevice = checkGrouped(device, previousDevice, i, 'activities');
    if (end <= bounds[0] || start >= bounds[24]) continue;
    const target = targetOf(areaOf, area, cell, targetCount);
    if (target < 0) continue;
    for (let h = 0; h < 24; h++) {
      const overlap = Math.min(end, bounds[h + 1]) - Math.max(start, bounds[h]);
      if (overlap <= 0 || overlap < minSeconds) continue;
      for (const slot of [h, WHOLE_DAY]) {
        count(presenceIndex(target, slot, type), device);
        count(presenceIndex(target, slot, ANY_TYPE), device);
      }
    }
  }
  return { targetCount, hourStarts: bounds, devices, ...(persons ? { persons } : {}) };
}

export interface TripOptions {
  /** Any second (since the epoch) of a local day to restrict to trips starting that day; default: all trips. */
  dayStart?: number;
  /** The clock, when the result does not carry one. */
  localTime?: LocalTime;
}

/** Trips and distinct devices per (origin target, destination target, local hour of the trip's start), sorted by those. */
export interface HourlyTrips {
  origin: Uint32Array;
  destination: Uint32Array;
  hour: Uint8Array;
  trips: Uint32Array;
  devices: Uint32Array;
  length: number;
}

/** Counts trips by origin, destination and start hour at a target level; trips must be grouped by device. */
export function tripsByHour(result: PipelineResult, areaOf: AreaMapping, targetCount: number, options: TripOptions = {}): HourlyTrips {
  const trips = result.trips;
  let span = options.dayStart ?? 0;
  for (const trip of trips) span = Math.max(span, trip.start);
  const clock = new LocalClock(clockOf(result, options.localTime), span + DAY_SECONDS);
  const bounds = options.dayStart === undefined ? undefined : clock.hourBounds(options.dayStart);
  const rowOf = new Map<number, number>();
  const keys: number[] = [];
  const counts: number[] = [];
  const deviceCounts: number[] = [];
  const lastDevice: number[] = [];
  let previousDevice = -1;
  for (let i = 0; i < trips.length; i++) {
    const { device, origin, destination, originCell, destinationCell, start } = trips[i];
    previousDevice = checkGrouped(device, previousDevice, i, 'trips');
    if (bounds && (start < bounds[0] || start >= bounds[24])) continue;
    const from = targetOf(areaOf, origin, originCell, targetCount);
    const to = targetOf(areaOf, destination, destinationCell, targetCount);
    if (from < 0 || to < 0) continue;
    const key = (from * targetCount + to) * 24 + clock.hourOf(start);
    let row = rowOf.get(key);
    if (row === undefined) {
      row = keys.length;
      rowOf.set(key, row);
      keys.push(key);
      counts.push(0);
      deviceCounts.push(0);
      lastDevice.push(-1);
    }
    counts[row]++;
    if (lastDevice[row] !== device) {
      lastDevice[row] = device;
      deviceCounts[row]++;
    }
  }
  const order = keys.map((_, row) => row).sort((a, b) => keys[a] - keys[b]);
  const n = order.length;
  const out: HourlyTrips = {
    origin: new Uint32Array(n),
    destination: new Uint32Array(n),
    hour: new Uint8Array(n),
    trips: new Uint32Array(n),
    devices: new Uint32Array(n),
    length: n,
  };
  for (let j = 0; j < n; j++) {
    const row = order[j];
    const key = keys[row];
    out.hour[j] = key % 24;
    const pair = (key - out.hour[j]) / 24;
    out.destination[j] = pair % targetCount;
    out.origin[j] = (pair - out.destination[j]) / targetCount;
    out.trips[j] = counts[row];
    out.devices[j] = deviceCounts[row];
  }
  return out;
}

function clockOf(result: PipelineResult, override: LocalTime | undefined): LocalTime {
  const time = override ?? result.localTime;
  if (!time) throw new Error('the pipeline result carries no localTime: pass options.localTime');
  return time;
}

function targetOf(areaOf: AreaMapping, area: number, cell: number, targetCount: number): number {
  const target = areaOf(area, cell);
  if (!Number.isInteger(target) || target >= targetCount) {
    throw new Error(`areaOf(${area}, ${cell}) = ${target} is not an integer below targetCount ${targetCount}`);
  }
  return target;
}

function checkGrouped(device: number, previous: number, i: number, what: string): number {
  if (device < previous) throw new Error(`${what} must be grouped by device in ascending order: ${what}[${i}] has device ${device} after ${previous}`);
  return device;
}
