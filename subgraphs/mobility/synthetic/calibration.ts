// The published figures the generator is calibrated to (research §4.9), measured the same way on true or detected data.
import { METRO_REGIONS, type Activity, type FrameArea, type MetroRegion, type Omradestyp, type Trip } from '../model.ts';

export const OMRADESTYPER: readonly Omradestyp[] = [1, 2, 3, 4, 5];

/** Frame index → metro region, or undefined outside the three. */
export function metroRegionOf(frame: FrameArea[]): (MetroRegion | undefined)[] {
  const byKommun = new Map<string, MetroRegion>();
  for (const [region, kommuner] of Object.entries(METRO_REGIONS) as [MetroRegion, readonly string[]][]) {
    for (const kommun of kommuner) byKommun.set(kommun, region);
  }
  return frame.map((area) => byKommun.get(area.kommun));
}

export interface TripSplit {
  trips: number;
  /** Shares of trips ending in the origin's area, in another area of the origin's region, and outside the region. */
  sameArea: number;
  otherAreaInRegion: number;
  outOfRegion: number;
}

/**
 * T3: trips starting in each metro region split into same area / other area in the region / out of the region.
 * The "area" of SCB's analysis is taken to be RegSO (the områdestyp unit) unless `level` says DeSO.
 */
export function metroTripSplit(frame: FrameArea[], trips: Trip[], level: 'regso' | 'deso' = 'regso'): Record<MetroRegion, TripSplit> {
  const region = metroRegionOf(frame);
  const counts = new Map<MetroRegion, [number, number, number]>();
  for (const trip of trips) {
    const home = region[trip.origin];
    if (!home) continue;
    const row = counts.get(home) ?? [0, 0, 0];
    const same = level === 'regso' ? frame[trip.origin].regso === frame[trip.destination].regso : trip.origin === trip.destination;
    row[same ? 0 : region[trip.destination] === home ? 1 : 2]++;
    counts.set(home, row);
  }
  const split = {} as Record<MetroRegion, TripSplit>;
  for (const name of Object.keys(METRO_REGIONS) as MetroRegion[]) {
    const [same, inside, out] = counts.get(name) ?? [0, 0, 0];
    const trips = same + inside + out;
    split[name] = { trips, sameArea: same / trips, otherAreaInRegion: inside / trips, outOfRegion: out / trips };
  }
  return split;
}

export interface DayNight {
  /** Devices present at 03:00 local. */
  night: number;
  /** Mean devices present over 10:00–15:00 local. */
  day: number;
}

/**
 * T4: devices present per områdestyp at night (03:00) and on average over the day (10:00–15:00), summed over the metro
 * regions, from stays (true stays or detected activities). `dayStart` is the batch second of the day's local midnight.
 */
export function dayNightByType(frame: FrameArea[], stays: Activity[], dayStart = 0): Record<Omradestyp, DayNight> {
  const region = metroRegionOf(frame);
  const result = Object.fromEntries(OMRADESTYPER.map((type) => [type, { night: 0, day: 0 }])) as Record<Omradestyp, DayNight>;
  const night = dayStart + 3 * 3600;
  const dayFrom = dayStart + 10 * 3600;
  const dayTo = dayStart + 15 * 3600;
  for (const stay of stays) {
    if (!region[stay.area]) continue;
    const row = result[frame[stay.area].omradestyp];
    if (stay.start <= night && stay.end > night) row.night++;
    const overlap = Math.min(stay.end, dayTo) - Math.max(stay.start, dayFrom);
    if (overlap > 0) row.day += overlap / (dayTo - dayFrom);
  }
  return result;
}

/** T5: share of devices with a work place, by områdestyp of their home. */
export function employmentByType(frame: FrameArea[], home: Int32Array, work: Int32Array): Record<Omradestyp, number> {
  const employed = new Float64Array(6);
  const all = new Float64Array(6);
  home.forEach((area, device) => {
    const type = frame[area].omradestyp;
    all[type]++;
    if (work[device] >= 0) employed[type]++;
  });
  return Object.fromEntries(OMRADESTYPER.map((type) => [type, employed[type] / all[type]])) as Record<Omradestyp, number>;
}

/** Per home kommun: the share of its commuters (within the given kommuner) working in it; and the overall off-diagonal share. */
export function commutingShares(flows: Map<string, number>, kommuner: string[]): { home: Map<string, number>; offDiagonal: number } {
  const home = new Map<string, number>();
  let total = 0;
  let diagonal = 0;
  for (const from of kommuner) {
    let row = 0;
    for (const to of kommuner) row += flows.get(`${from}>${to}`) ?? 0;
    const own = flows.get(`${from}>${from}`) ?? 0;
    home.set(from, own / row);
    total += row;
    diagonal += own;
  }
  return { home, offDiagonal: 1 - diagonal / total };
}
