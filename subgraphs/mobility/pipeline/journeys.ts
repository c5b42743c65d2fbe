// Journeys: a device's consecutive trips chained through short en-route activities, with final destination, distance and travel mode.
import { DOOR_TO_DOOR, OTHER, type CellPlan, type DoorToDoor, type Journey, type KnownTravelMode, type PipelineResult, type Trip, type TravelMode } from '../model.ts';
import { preparePlan } from './plan.ts';

export interface JourneyOptions {
  /**
   * An activity is en route, and the journey goes on through it, when it is of type other and shorter than this
   * (default 2 h: a meal or a change of train takes less; a 3-hour stay is a visit, so a destination).
   */
  maxStopSeconds?: number;
  /**
   * … and when the way through it is at most this many times the straight line from the journey's origin to the next
   * activity (default 1.5): a stop on the way, not a visit on a trip out and back.
   */
  maxDetour?: number;
  /** A journey is long from this straight-line distance between its origin and final destination (default 100 km). */
  longMetres?: number;
  /** Return the long journeys only (default false): one object per journey is most of the cost, and most are short. */
  longOnly?: boolean;
  /** Door-to-door time by mode, which the moving time of a long journey is compared with (default DOOR_TO_DOOR). */
  modes?: Record<KnownTravelMode, DoorToDoor>;
  /** Air is inferred only from this distance on (default 200 km, about the shortest domestic routes, e.g. Stockholm–Visby) … */
  minAirMetres?: number;
  /**
   * … and when the moving time is at most this share of the faster ground mode's (default 0.8): up to about 500 km a
   * flight takes about as long door to door as the train, and the rare class needs clear evidence.
   */
  airMaxGroundShare?: number;
  /**
   * Seconds a leg looks longer than it was (default 30 min): an activity is seen to end at its last event and to
   * start at its first, and stationary events come 20–40 minutes apart (multimno's defaults).
   */
  boundarySeconds?: number;
  /** UNKNOWN when the moving time is more than this factor off every mode's time (default 2): hidden stops, gaps. */
  maxModeRatio?: number;
}

interface ResolvedJourneyOptions {
  maxStopSeconds: number;
  maxDetour: number;
  longMetres: number;
  longOnly: boolean;
  modes: Record<KnownTravelMode, DoorToDoor>;
  minAirMetres: number;
  airMaxGroundShare: number;
  boundarySeconds: number;
  maxModeRatio: number;
}

function resolveJourneyOptions(options: JourneyOptions): ResolvedJourneyOptions {
  const resolved = {
    maxStopSeconds: options.maxStopSeconds ?? 2 * 3600,
    maxDetour: options.maxDetour ?? 1.5,
    longMetres: options.longMetres ?? 100_000,
    longOnly: options.longOnly ?? false,
    modes: options.modes ?? DOOR_TO_DOOR,
    minAirMetres: options.minAirMetres ?? 200_000,
    airMaxGroundShare: options.airMaxGroundShare ?? 0.8,
    boundarySeconds: options.boundarySeconds ?? 30 * 60,
    maxModeRatio: options.maxModeRatio ?? 2,
  };
  for (const key of ['maxStopSeconds', 'longMetres', 'minAirMetres', 'airMaxGroundShare', 'boundarySeconds'] as const) {
    if (!(resolved[key] >= 0)) throw new Error(`${key} must be a non-negative number, got ${resolved[key]}`);
  }
  if (!(resolved.maxDetour >= 1)) throw new Error(`maxDetour must be at least 1, got ${resolved.maxDetour}`);
  if (!(resolved.maxModeRatio > 1)) throw new Error(`maxModeRatio must be above 1, got ${resolved.maxModeRatio}`);
  return resolved;
}

/**
 * Chains each device's trips into journeys, in one pass over the result. A trip continues the journey of the trip
 * before it when both join at one activity (no UNKNOWN gap lies between them: the pipeline makes no trip across
 * one) and that activity is en route: of type other, shorter than maxStopSeconds, with the way through it within
 * maxDetour of the straight line. Every trip is in exactly one journey (returned unless longOnly leaves it out as
 * short). A journey's origin is the activity it leaves,
 * its final destination the activity it reaches; its distance is the straight line between their cells (positions
 * from `plan`). Long journeys (distance ≥ longMetres) get a travel mode inferred from what an operator sees: the
 * distance, the way's length and the time between the activities less the time at en-route ones (see inferMode).
 * Activities and trips must be grouped by device in time order, as runPipeline returns them.
 */
export function detectJourneys(result: PipelineResult, plan: CellPlan, options: JourneyOptions = {}): Journey[] {
  const resolved = resolveJourneyOptions(options);
  const { x, y } = preparePlan(plan);
  const { activities, trips } = result;
  const journeys: Journey[] = [];
  const straight = (from: number, to: number) => Math.hypot(x[to] - x[from], y[to] - y[from]);
  // activities[a] is the origin of trips[q]: trips join consecutive activities in order, so one pointer follows them.
  let a = 0;
  const originOf = (trip: Trip, q: number): number => {
    while (a + 1 < activities.length && !(activities[a].device === trip.device && activities[a].end === trip.start)) a++;
    const next = activities[a + 1];
    if (!next || activities[a].end !== trip.start || next.device !== trip.device || next.start !== trip.end) {
      throw new Error(`trips[${q}] (device ${trip.device}) does not join two consecutive activities: pass runPipeline's result`);
    }
    return a;
  };

  let q = 0;
  while (q < trips.length) {
    const first = trips[q];
    let last = first;
    let path = first.distance;
    let stopSeconds = 0;
    let legs = 1;
    let stop = originOf(first, q) + 1;
    for (q++; q < trips.length; q++) {
      const next = trips[q];
      const at = activities[stop];
      if (next.device !== first.device || next.start !== at.end) break;
      const enRoute =
        at.type === OTHER &&
        at.end - at.start < resolved.maxStopSeconds &&
        path + next.distance <= resolved.maxDetour * straight(first.originCell, next.destinationCell);
      if (!enRoute) break;
      stop = originOf(next, q) + 1;
      path += next.distance;
      stopSeconds += at.end - at.start;
      legs++;
      last = next;
    }
    const distance = straight(first.originCell, last.destinationCell);
    const long = distance >= resolved.longMetres;
    if (!long && resolved.longOnly) continue;
    const moving = last.end - first.start - stopSeconds;
    journeys.push({
      device: first.device,
      origin: first.origin,
      destination: last.destination,
      originCell: first.originCell,
      destinationCell: last.destinationCell,
      start: first.start,
      end: last.end,
      distance,
      legs,
      long,
      mode: long ? inferMode(distance, path, moving, legs, resolved) : 'UNKNOWN',
    });
  }
  return journeys;
}

/**
 * The mode whose door-to-door time for the way (path metres, plus boundarySeconds per leg) is nearest to the moving
 * seconds on a log scale (a factor off counts the same either way), UNKNOWN when even the nearest is more than
 * maxModeRatio off. Air competes only from minAirMetres and when clearly faster than the ground modes
 * (airMaxGroundShare). Road and rail take about as long door to door up to 200–300 km, so there the call is weak: mode
 * "has proved hard to capture" (Trafikanalys PM 2023:6).
 */
function inferMode(distance: number, path: number, moving: number, legs: number, options: ResolvedJourneyOptions): TravelMode {
  if (!(moving > 0)) return 'UNKNOWN';
  const expected = (mode: KnownTravelMode) => {
    const { accessSeconds, kmh } = options.modes[mode];
    return accessSeconds + (3.6 * path) / kmh + legs * options.boundarySeconds;
  };
  const ground = Math.min(expected('ROAD'), expected('RAIL'));
  const air = distance >= options.minAirMetres && moving <= options.airMaxGroundShare * ground;
  let best: TravelMode = 'UNKNOWN';
  let bestError = Math.log(options.maxModeRatio);
  for (const mode of air ? (['ROAD', 'RAIL', 'AIR'] as const) : (['ROAD', 'RAIL'] as const)) {
    const error = Math.abs(Math.log(moving / expected(mode)));
    if (error < bestError) {
      best = mode;
      bestError = error;
    }
  }
  return best;
}
