// The whole pipeline in one pass per device: validate, segment, merge stays, label home/work/other, derive trips.
import type { Activity, CellPlan, EventBatch, LocalTime, PipelineResult, Trip } from '../model.ts';
import { DEFAULT_TIME_ZONE, LocalClock } from './clock.ts';
import { Labeller, type LabelOptions } from './label.ts';
import { preparePlan } from './plan.ts';
import { resolveSegmentOptions, scanBatch, SegmentBuffer, STAY, UNKNOWN, type SegmentOptions } from './segment.ts';

/** `home` is indexed by device id, so ids must be dense enough to index an array: renumber hashed ids first. */
export const MAX_DEVICE_ID = 2 ** 26;

export interface PipelineOptions extends SegmentOptions, LabelOptions {
  /** IANA time zone of the local hours (default Europe/Stockholm); ignored when utcOffsetMinutes is set. */
  timeZone?: string;
  /** A fixed UTC offset in minutes instead of a time zone, e.g. 60 for Swedish winter time. */
  utcOffsetMinutes?: number;
}

/**
 * Activities (stays of at least 40 minutes, labelled home, work or other) and trips between consecutive activities of
 * each device. Events must be sorted by device, then time; exact duplicates are dropped and counted, anything out of
 * order throws naming the event. No trip is inferred across an UNKNOWN gap. `frameAreaCount` sizes the per-area
 * arrays (default: one more than the largest area of the plan's cells).
 */
export function runPipeline(events: EventBatch, plan: CellPlan, frameAreaCount?: number, options: PipelineOptions = {}): PipelineResult {
  const prepared = preparePlan(plan);
  const areaCount = frameAreaCount ?? prepared.areaCount;
  if (!(Number.isInteger(areaCount) && areaCount >= prepared.areaCount)) {
    throw new Error(`frameAreaCount ${frameAreaCount} is below the plan's largest area index + 1 (${prepared.areaCount})`);
  }
  const segmentOptions = resolveSegmentOptions(options);
  let maxTime = 0;
  let maxDevice = -1;
  for (let i = 0; i < events.length; i++) {
    if (events.time[i] > maxTime) maxTime = events.time[i];
    if (events.device[i] > maxDevice) maxDevice = events.device[i];
  }
  if (maxDevice >= MAX_DEVICE_ID) throw new Error(`device id ${maxDevice} is too large: renumber devices 0..n-1 (at most ${MAX_DEVICE_ID})`);
  const localTime: LocalTime =
    options.utcOffsetMinutes === undefined
      ? { epoch: events.epoch, timeZone: options.timeZone ?? DEFAULT_TIME_ZONE }
      : { epoch: events.epoch, utcOffsetMinutes: options.utcOffsetMinutes };
  const labeller = new Labeller(new LocalClock(localTime, maxTime), areaCount, options);
  const { x, y } = prepared;
  const home = new Int32Array(maxDevice + 1).fill(-1);
  const activities: Activity[] = [];
  const trips: Trip[] = [];
  const buffer = new SegmentBuffer();

  const emit = (device: number): void => {
    const { state, area, start, end, cell } = buffer;
    home[device] = labeller.label(buffer, 0, buffer.length);
    const types = labeller.types;
    let previous = -1;
    let broken = false;
    for (let k = 0; k < buffer.length; k++) {
      if (state[k] === UNKNOWN) broken = true;
      if (state[k] !== STAY) continue;
      activities.push({ device, area: area[k], cell: cell[k], start: start[k], end: end[k], type: types[k] });
      if (previous >= 0 && !broken) {
        const distance = Math.hypot(x[cell[k]] - x[cell[previous]], y[cell[k]] - y[cell[previous]]);
        trips.push({
          device, origin: area[previous], destination: area[k], originCell: cell[previous], destinationCell: cell[k],
          start: end[previous], end: start[k], distance,
        });
      }
      previous = k;
      broken = false;
    }
    buffer.length = 0;
  };

  const stats = scanBatch(events, prepared, segmentOptions, buffer, emit);
  return { activities, trips, home, stats, localTime };
}
