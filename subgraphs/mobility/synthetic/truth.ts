// Ground truth behind the events: every true stay, the true activities (stays of 40 min or more), the trips between them, long journeys.
import { MIN_STAY_SECONDS, type Activity, type Journey, type Trip } from '../model.ts';
import type { Diaries } from './diaries.ts';

/** A true stay, short stops (under MIN_STAY_SECONDS, not activities) included; position in SWEREF 99 TM metres. */
export interface TrueStay extends Activity {
  x: number;
  y: number;
}

export interface GroundTruth {
  stays: TrueStay[];
  /** Stays of at least MIN_STAY_SECONDS; two at the same place with only short stops between are one activity. */
  activities: Activity[];
  /** Trips between consecutive activities, with the straight-line distance between their places. */
  trips: Trip[];
  /**
   * Long journeys (the long trips' ways out and back): origin and final destination, departure and arrival, legs
   * (split by en-route activities) and the true travel mode.
   */
  journeys: Journey[];
}

/** The truth the pipeline's output is measured against, in the model's shapes. */
export function groundTruth(diaries: Diaries): GroundTruth {
  const stays: TrueStay[] = [];
  const activities: Activity[] = [];
  const trips: Trip[] = [];
  for (let device = 0; device + 1 < diaries.first.length; device++) {
    let last = -1;
    let current: Activity | null = null;
    for (let k = diaries.first[device]; k < diaries.first[device + 1]; k++) {
      const area = diaries.area[k];
      const start = diaries.start[k];
      const end = diaries.end[k];
      const type = diaries.type[k];
      // The truth has places, not cells: cell -1.
      const stay: TrueStay = { device, area, cell: -1, start, end, type, x: diaries.x[k], y: diaries.y[k] };
      stays.push(stay);
      if (stay.end - stay.start < MIN_STAY_SECONDS) continue;
      if (current && diaries.place[last] === diaries.place[k]) {
        current.end = stay.end;
        continue;
      }
      if (current) {
        const distance = Math.hypot(diaries.x[k] - diaries.x[last], diaries.y[k] - diaries.y[last]);
        trips.push({ device, origin: current.area, destination: stay.area, originCell: -1, destinationCell: -1, start: current.end, end: stay.start, distance });
      }
      current = { device, area, cell: -1, start, end, type };
      activities.push(current);
      last = k;
    }
  }
  return { stays, activities, trips, journeys: diaries.journeys };
}
