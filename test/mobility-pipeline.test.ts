// The mobile-network pipeline against seeded synthetic truth: the 40-minute rule, ping-pong, merging, labels, validation, hourly counts.
import { describe, expect, it } from 'vitest';
import { HOME, MIN_STAY_SECONDS, OTHER, WORK, type CellPlan, type EventBatch, type PipelineResult } from '../subgraphs/mobility/model.ts';
import { gridPlan, SPACING } from '../bench/mobility.ts';
import { seededRandom } from '../bench/util.ts';
import { ANY_TYPE, MOVE, presenceByHour, presenceIndex, runPipeline, segment, STAY, tripsByHour, UNKNOWN, WHOLE_DAY } from '../subgraphs/mobility/pipeline/index.ts';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
/** A Monday 00:00 in Swedish winter time. */
const EPOCH = '2022-11-07T00:00:00+01:00';

const between = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();
const exponential = (rand: () => number, mean: number) => -Math.log(1 - rand()) * mean;

/** A square grid of cells SPACING apart, 8-neighbour adjacency, areas of block × block cells. */
interface Grid {
  size: number;
  block: number;
  plan: CellPlan;
  areaCount: number;
}

function grid(size: number, block: number): Grid {
  return { size, block, ...gridPlan(size, block) };
}

/** Nearest cell of a position (metres from the grid's first cell centre). */
function nearestCell(g: Grid, px: number, py: number): number {
  const gx = Math.min(g.size - 1, Math.max(0, Math.round(px / SPACING)));
  const gy = Math.min(g.size - 1, Math.max(0, Math.round(py / SPACING)));
  return gy * g.size + gx;
}

/**
 * The cell a device at (px, py) is seen in: the nearest, or with probability pHop one of the two next nearest, which are
 * neighbours of the nearest and of each other (cells that all serve the spot hand over to each other).
 */
function observedCell(g: Grid, px: number, py: number, rand: () => number, pHop: number): number {
  const nearest = nearestCell(g, px, py);
  if (rand() >= pHop) return nearest;
  const distance = (c: number) => Math.hypot((c % g.size) * SPACING - px, Math.floor(c / g.size) * SPACING - py);
  const candidates = [...g.plan.neighbours[nearest]].sort((a, b) => distance(a) - distance(b)).slice(0, 2);
  return candidates[Math.floor(rand() * candidates.length)];
}

/** A true stay: where (metres, grid frame) and when (seconds since the epoch); place names a device's recurring location. */
interface TrueStay {
  place: number;
  x: number;
  y: number;
  start: number;
  end: number;
}

interface TraceParams {
  pHop: number;
  /** Mean seconds between events while stationary and while moving. */
  stayMean: number;
  moveMean: number;
  drop: number;
}

/** One event of a trace, the true stay it was emitted in (-1 while moving) and the true position. */
interface TraceEvent {
  time: number;
  cell: number;
  stay: number;
  x: number;
  y: number;
}

/** Poisson events along a device's true diary, with handover hops and dropped events. */
function trace(g: Grid, stays: TrueStay[], params: TraceParams, rand: () => number): TraceEvent[] {
  const events: TraceEvent[] = [];
  let k = 0;
  for (let t = stays[0].start; t <= stays[stays.length - 1].end; ) {
    while (stays[k].end < t) k++;
    const at = stays[k];
    let x = at.x;
    let y = at.y;
    const stationary = t >= at.start;
    if (!stationary) {
      const from = stays[k - 1];
      const f = (t - from.end) / (at.start - from.end);
      x = from.x + f * (at.x - from.x);
      y = from.y + f * (at.y - from.y);
    }
    if (rand() >= params.drop) events.push({ time: t, cell: observedCell(g, x, y, rand, params.pHop), stay: stationary ? k : -1, x, y });
    t += Math.max(1, Math.round(exponential(rand, stationary ? params.stayMean : params.moveMean)));
  }
  return events;
}

/** Columnar batch of several devices' traces (device i = traces[i]). */
function batchOf(traces: { time: number; cell: number }[][]): EventBatch {
  const length = traces.reduce((sum, events) => sum + events.length, 0);
  const batch: EventBatch = { epoch: EPOCH, device: new Uint32Array(length), time: new Uint32Array(length), cell: new Uint32Array(length), length };
  let i = 0;
  traces.forEach((events, device) => {
    for (const event of events) {
      batch.device[i] = device;
      batch.time[i] = event.time;
      batch.cell[i] = event.cell;
      i++;
    }
  });
  return batch;
}

/** A position near a cell centre, so the nearest cell is unambiguous. */
function placeAt(gx: number, gy: number, rand: () => number): { x: number; y: number } {
  return { x: (gx + between(rand, -0.3, 0.3)) * SPACING, y: (gy + between(rand, -0.3, 0.3)) * SPACING };
}

/**
 * Two days of a device visiting four places at least 4 cells apart (so their stays cannot be adjacent), with long stays
 * (40 min to 5 h) and short stops (10–25 min, too short to reach 40 min even with approach events counted) in between,
 * often returning to the place just left. Moves at 10–20 m/s.
 */
function wanderingDiary(g: Grid, rand: () => number): TrueStay[] {
  const places: { x: number; y: number }[] = [];
  const cells: [number, number][] = [];
  while (places.length < 4) {
    const gx = Math.floor(between(rand, 1, g.size - 1));
    const gy = Math.floor(between(rand, 1, g.size - 1));
    if (cells.some(([x, y]) => Math.max(Math.abs(x - gx), Math.abs(y - gy)) < 4)) continue;
    cells.push([gx, gy]);
    places.push(placeAt(gx, gy, rand));
  }
  const stays: TrueStay[] = [];
  let place = 0;
  let t = 0;
  while (t < 2 * DAY) {
    const r = rand();
    const duration = r < 0.35 ? between(rand, 10, 25) * MINUTE : r < 0.5 ? between(rand, 41, 60) * MINUTE : between(rand, 1, 5) * HOUR;
    stays.push({ place, ...places[place], start: Math.round(t), end: Math.round(t + duration) });
    const next = (place + 1 + Math.floor(rand() * 3)) % 4;
    const distance = Math.hypot(places[next].x - places[place].x, places[next].y - places[place].y);
    t += duration + distance / between(rand, 10, 20);
    place = next;
  }
  return stays;
}

const NOISY: TraceParams = { pHop: 0.25, stayMean: 30 * MINUTE, moveMean: 10 * MINUTE, drop: 0.03 };

/** Per-device noise: stationary mean 20–40 min, moving 5–20 min, 1–5 % dropped. */
function noisyParams(rand: () => number): TraceParams {
  return { pHop: between(rand, 0.1, 0.3), stayMean: between(rand, 20, 40) * MINUTE, moveMean: between(rand, 5, 20) * MINUTE, drop: between(rand, 0.01, 0.05) };
}

function activitiesOf(result: PipelineResult, device: number) {
  return result.activities.filter((a) => a.device === device);
}

describe('the 40-minute rule on seeded synthetic truth', () => {
  const g = grid(20, 2);
  const SEEDS = 40;
  const DEVICES = 8;

  it('detects only activities within true stays of at least 40 minutes (over many seeds)', () => {
    // Explained: 0 = not at all, 1 = only as the events show it, 2 = by a true stay of at least 40 minutes.
    const counts = [0, 0, 0];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rand = seededRandom(seed);
      const diaries = Array.from({ length: DEVICES }, () => wanderingDiary(g, rand));
      const traces = diaries.map((stays) => trace(g, stays, noisyParams(rand), rand));
      const result = runPipeline(batchOf(traces), g.plan, g.areaCount);
      diaries.forEach((stays, device) => {
        const events = traces[device];
        // What the events show of each true stay, ignoring its first and last event (the ones a boundary may take).
        const inner = stays.map((_, k) => {
          const times = events.filter((e) => e.stay === k).map((e) => e.time);
          return times.length >= 4 ? times[times.length - 2] - times[1] : 0;
        });
        const hops = (a: number, b: number) => Math.max(Math.abs((a % g.size) - (b % g.size)), Math.abs(Math.floor(a / g.size) - Math.floor(b / g.size)));
        const cellOf = (p: { x: number; y: number }) => nearestCell(g, p.x, p.y);
        // An activity must sit at one spot, at the method's spatial resolution (a stay's cells are within a hop or two of
        // its most-seen cell, and a handover hop is one cell off the true one): its first and last events were emitted within
        // three cells of the spot, its area is that of a cell within two, and any stay farther away in between is one
        // the events could not show (the device was seen at the spot alone, as if it never left: the 12-hour stay gap
        // and the merging rule). Spots are the device's places and, for stays the events make up from passing the same
        // spot twice, where the first event was. It is fully explained when a true stay of at least 40 minutes within
        // three cells of the spot overlaps it.
        const explain = (activity: { start: number; end: number; area: number }): number => {
          const first = cellOf(events.find((e) => e.time === activity.start)!);
          const last = cellOf(events.find((e) => e.time === activity.end)!);
          let best = 0;
          for (const spot of new Set([first, ...stays.map(cellOf)])) {
            if (hops(first, spot) > 3 || hops(last, spot) > 3) continue;
            if (!g.plan.cells.some((c) => c.area === activity.area && hops(c.id, spot) <= 2)) continue;
            let longThere = false;
            let hidden = true;
            for (const [k, stay] of stays.entries()) {
              if (stay.end <= activity.start || stay.start >= activity.end) continue;
              if (hops(cellOf(stay), spot) <= 3) longThere ||= stay.end - stay.start >= MIN_STAY_SECONDS;
              else if (stay.start > activity.start && stay.end < activity.end && inner[k] >= MIN_STAY_SECONDS) hidden = false;
            }
            if (hidden) best = Math.max(best, longThere ? 2 : 1);
          }
          return best;
        };
        for (const activity of activitiesOf(result, device)) {
          const explained = explain(activity);
          if (explained === 0) throw new Error(`seed ${seed}, device ${device}: activity ${JSON.stringify(activity)} is not within a true stay`);
          counts[explained]++;
        }
      });
    }
    expect(counts[1] + counts[2]).toBeGreaterThan(SEEDS * DEVICES * 5);
    // Only a few rest on unobserved comings and goings alone.
    expect(counts[2] / (counts[1] + counts[2])).toBeGreaterThan(0.99);
  });

  it('joins no two stays in the same area by a trip without a stay between (over many seeds)', () => {
    let trips = 0;
    for (let seed = 101; seed <= 100 + SEEDS; seed++) {
      const rand = seededRandom(seed);
      const traces = Array.from({ length: DEVICES }, () => trace(g, wanderingDiary(g, rand), noisyParams(rand), rand));
      const result = runPipeline(batchOf(traces), g.plan, g.areaCount);
      for (let device = 0; device < DEVICES; device++) {
        const activities = activitiesOf(result, device);
        for (const trip of result.trips.filter((t) => t.device === device)) {
          expect(trip.origin).not.toBe(trip.destination);
          // A trip joins consecutive activities: the origin's end and the destination's start.
          const k = activities.findIndex((a) => a.end === trip.start);
          expect(activities[k].area).toBe(trip.origin);
          expect(activities[k + 1]).toMatchObject({ start: trip.end, area: trip.destination });
          trips++;
        }
      }
    }
    expect(trips).toBeGreaterThan(SEEDS * DEVICES);
  });

  it('never turns ping-pong between adjacent cells into trips', () => {
    for (let seed = 201; seed <= 230; seed++) {
      const rand = seededRandom(seed);
      const stays: TrueStay[] = [{ place: 0, ...placeAt(10, 10, rand), start: 0, end: DAY }];
      const traces = [trace(g, stays, { ...NOISY, pHop: 0.3, stayMean: between(rand, 20, 40) * MINUTE }, rand)];
      const result = runPipeline(batchOf(traces), g.plan, g.areaCount);
      expect(new Set(traces[0].map((e) => e.cell)).size).toBeGreaterThan(2);
      expect(result.activities).toHaveLength(1);
      expect(result.trips).toHaveLength(0);
    }
    // Two adjacent cells in strict alternation every 5 minutes for ten hours.
    const alternating = Array.from({ length: 120 }, (_, i) => ({ time: i * 5 * MINUTE, cell: i % 2 === 0 ? 210 : 211 }));
    const result = runPipeline(batchOf([alternating]), g.plan, g.areaCount);
    expect(result.activities).toHaveLength(1);
    expect(result.trips).toHaveLength(0);
  });

  it('recalls trips over 5 km better than trips under 2 km', () => {
    const big = grid(30, 2);
    const recall = { short: [0, 0], long: [0, 0] };
    for (let seed = 301; seed <= 340; seed++) {
      const rand = seededRandom(seed);
      const traces: TraceEvent[][] = [];
      const trueTrips: { device: number; start: number; end: number; kind: 'short' | 'long' }[] = [];
      for (let device = 0; device < 6; device++) {
        const stays: TrueStay[] = [{ place: 0, ...placeAt(15, 15, rand), start: 0, end: Math.round(between(rand, 1, 4) * HOUR) }];
        while (stays.length < 12) {
          const from = stays[stays.length - 1];
          const kind = stays.length % 2 === 0 ? 'short' : 'long';
          const distance = kind === 'short' ? between(rand, 1000, 1900) : between(rand, 5500, 9000);
          const angle = between(rand, 0, 2 * Math.PI);
          const x = from.x + distance * Math.cos(angle);
          const y = from.y + distance * Math.sin(angle);
          if (x < 0 || y < 0 || x > 29 * SPACING || y > 29 * SPACING) continue;
          const start = Math.round(from.end + distance / (kind === 'short' ? between(rand, 1.4, 5) : between(rand, 8, 20)));
          stays.push({ place: stays.length, x, y, start, end: Math.round(start + between(rand, 1, 4) * HOUR) });
          trueTrips.push({ device, start: from.end, end: start, kind });
        }
        traces.push(trace(big, stays, noisyParams(rand), rand));
      }
      const result = runPipeline(batchOf(traces), big.plan, big.areaCount);
      const used = new Set<number>();
      for (const truth of trueTrips) {
        const match = result.trips.findIndex(
          (t, i) => !used.has(i) && t.device === truth.device && t.start <= truth.end + 10 * MINUTE && t.end >= truth.start - 10 * MINUTE,
        );
        if (match >= 0) used.add(match);
        recall[truth.kind][0] += match >= 0 ? 1 : 0;
        recall[truth.kind][1]++;
      }
    }
    const short = recall.short[0] / recall.short[1];
    const long = recall.long[0] / recall.long[1];
    expect(long).toBeGreaterThan(0.7);
    expect(long).toBeGreaterThan(short + 0.2);
  });
});

describe('activities, labels and gaps', () => {
  const g = grid(24, 3);
  // Places at block centres (cells 1, 4, 7, …), so handover hops stay in the same area.
  const cellAt = (gx: number, gy: number) => gy * g.size + gx;
  const area = (gx: number, gy: number) => g.plan.cells[cellAt(gx, gy)].area;
  const at = (gx: number, gy: number) => ({ x: gx * SPACING, y: gy * SPACING });

  /** Dense events: one a minute in one cell from `from` for `minutes`. */
  const dense = (cell: number, from: number, minutes: number) => Array.from({ length: minutes + 1 }, (_, i) => ({ time: from + i * MINUTE, cell }));

  it('makes a stay of 41 minutes an activity and one of 39 minutes not', () => {
    for (const minutes of [39, 41]) {
      const events = [...dense(cellAt(1, 1), 0, 10), ...dense(cellAt(10, 10), 20 * MINUTE, minutes), ...dense(cellAt(19, 19), (30 + minutes) * MINUTE, 10)];
      const result = runPipeline(batchOf([events]), g.plan, g.areaCount);
      const segments = segment(batchOf([events]), g.plan);
      if (minutes === 39) {
        expect(result.activities).toHaveLength(0);
        expect([...segments.state]).toEqual([MOVE, MOVE, MOVE]);
      } else {
        expect(result.activities).toHaveLength(1);
        expect(result.activities[0]).toMatchObject({ area: area(10, 10), start: 20 * MINUTE, end: 61 * MINUTE });
        expect([...segments.state]).toEqual([MOVE, STAY, MOVE]);
      }
    }
  });

  it('does not let a walk through adjacent cells drift into a stay, unless adjacency to any seen cell is asked for', () => {
    const walk = Array.from({ length: 7 }, (_, i) => ({ time: i * 8 * MINUTE, cell: cellAt(2 + i, 10) }));
    expect(runPipeline(batchOf([walk]), g.plan, g.areaCount).activities).toHaveLength(0);
    expect([...segment(batchOf([walk]), g.plan).state]).toEqual([MOVE, MOVE, MOVE, MOVE]);
    const literal = runPipeline(batchOf([walk]), g.plan, g.areaCount, { adjacentTo: 'anySeen' });
    expect(literal.activities).toEqual([expect.objectContaining({ start: 0, end: 48 * MINUTE })]);
  });

  it('merges a quick trip out and back into one activity', () => {
    const events = [...dense(cellAt(4, 4), 0, 90), ...dense(cellAt(16, 16), 100 * MINUTE, 20), ...dense(cellAt(4, 4), 130 * MINUTE, 90)];
    const result = runPipeline(batchOf([events]), g.plan, g.areaCount);
    expect(result.activities).toEqual([expect.objectContaining({ area: area(4, 4), start: 0, end: 220 * MINUTE })]);
    expect(result.trips).toHaveLength(0);
  });

  it('infers no trip across a silence longer than maxGapMoveSeconds (2 h), and one across a shorter one', () => {
    for (const silence of [3 * HOUR, 90 * MINUTE]) {
      const events = [...dense(cellAt(4, 4), 0, 120), ...dense(cellAt(16, 16), 120 * MINUTE + silence, 120)];
      const result = runPipeline(batchOf([events]), g.plan, g.areaCount);
      const states = [...segment(batchOf([events]), g.plan).state];
      expect(result.activities).toHaveLength(2);
      if (silence > 2 * HOUR) {
        expect(states).toEqual([STAY, UNKNOWN, STAY]);
        expect(result.trips).toHaveLength(0);
      } else {
        expect(states).toEqual([STAY, STAY]);
        expect(result.trips).toEqual([
          {
            device: 0, origin: area(4, 4), destination: area(16, 16), originCell: cellAt(4, 4), destinationCell: cellAt(16, 16),
            start: 120 * MINUTE, end: 120 * MINUTE + silence, distance: Math.hypot(12_000, 12_000),
          },
        ]);
      }
    }
  });

  it('labels home, work and other right for a typical commuter', () => {
    const rand = seededRandom(7);
    const home = at(4, 4);
    const work = at(19, 13);
    const gym = at(19, 19);
    const shop = at(10, 4);
    const stays: TrueStay[] = [];
    const add = (place: { x: number; y: number }, start: number, end: number) => stays.push({ place: 0, ...place, start: Math.round(start), end: Math.round(end) });
    let homeFrom = 0;
    for (let day = 0; day < 7; day++) {
      const midnight = day * DAY;
      if (day < 5) {
        const leave = midnight + between(rand, 7, 7.5) * HOUR;
        add(home, homeFrom, leave);
        add(work, leave + 30 * MINUTE, midnight + between(rand, 16, 16.5) * HOUR);
        if (day % 2 === 0) {
          add(gym, midnight + 17 * HOUR, midnight + 18.5 * HOUR);
          homeFrom = midnight + 19 * HOUR;
        } else homeFrom = midnight + 17.5 * HOUR;
      } else if (day === 5) {
        add(home, homeFrom, midnight + 11 * HOUR);
        add(shop, midnight + 11.5 * HOUR, midnight + 13 * HOUR);
        homeFrom = midnight + 13.5 * HOUR;
      }
    }
    add(home, homeFrom, 7 * DAY);
    const result = runPipeline(batchOf([trace(g, stays, { ...NOISY, stayMean: 25 * MINUTE }, rand)]), g.plan, g.areaCount);
    expect(result.home[0]).toBe(area(4, 4));
    const expected = (a: number) => (a === area(4, 4) ? HOME : a === area(19, 13) ? WORK : OTHER);
    for (const activity of result.activities) expect(activity.type).toBe(expected(activity.area));
    expect(result.activities.filter((a) => a.type === WORK)).toHaveLength(5);
    expect(result.activities.filter((a) => a.type === OTHER).length).toBeGreaterThanOrEqual(3);
  });

  it('reads local hours through the time zone: a stay from 05:30 UTC starts at 06:30 Swedish winter time', () => {
    const events = [...dense(cellAt(4, 4), 0, 270), ...dense(cellAt(19, 13), 330 * MINUTE, 540)];
    const batch = { ...batchOf([events]), epoch: '2022-11-07T00:00:00Z' };
    const types = (options: object) => runPipeline(batch, g.plan, g.areaCount, options).activities.map((a) => a.type);
    expect(types({})).toEqual([HOME, WORK]);
    expect(types({ utcOffsetMinutes: 60 })).toEqual([HOME, WORK]);
    expect(types({ utcOffsetMinutes: 0 })).toEqual([HOME, OTHER]);
  });
});

describe('input validation', () => {
  const g = grid(10, 2);
  const batch = (device: number[], time: number[], cell: number[]): EventBatch => ({
    epoch: EPOCH,
    device: Uint32Array.from(device),
    time: Uint32Array.from(time),
    cell: Uint32Array.from(cell),
    length: device.length,
  });

  it('throws naming the index of an event out of order', () => {
    expect(() => runPipeline(batch([0, 0, 0, 1, 1, 0], [0, 60, 120, 0, 60, 180], [1, 1, 1, 2, 2, 2]), g.plan)).toThrow(/event 5 \(device 0/);
    expect(() => runPipeline(batch([0, 0, 0], [0, 600, 300], [1, 1, 1]), g.plan)).toThrow(/event 2 \(device 0, time 300\)/);
    expect(() => segment(batch([3, 2], [0, 0], [1, 1]), g.plan)).toThrow(/event 1/);
    expect(() => runPipeline(batch([0, 0], [0, 60], [1, 999]), g.plan)).toThrow(/event 1: cell 999 is not in the cell plan/);
  });

  it('drops exact duplicates, counts them and gives the same result as without them', () => {
    const rand = seededRandom(11);
    const big = grid(20, 2);
    const traces = Array.from({ length: 5 }, () => trace(big, wanderingDiary(big, rand), NOISY, rand));
    const clean = runPipeline(batchOf(traces), big.plan, big.areaCount);
    let duplicates = 0;
    const repeated = traces.map((events) =>
      events.flatMap((event) => {
        if (rand() >= 0.05) return [event];
        duplicates += 2;
        return [event, event, event];
      }),
    );
    const result = runPipeline(batchOf(repeated), big.plan, big.areaCount);
    expect(duplicates).toBeGreaterThan(10);
    expect(result.stats).toEqual({ events: clean.stats.events + duplicates, devices: 5, dropped: duplicates });
    expect(result.activities).toEqual(clean.activities);
    expect(result.trips).toEqual(clean.trips);
    // Events at the same second in two cells may interleave, so a duplicate need not follow its original.
    expect(segment(batch([0, 0, 0, 0], [0, 0, 0, 60], [1, 2, 1, 1]), g.plan).stats).toEqual({ events: 4, devices: 1, dropped: 1 });
  });
});

describe('hourly aggregation', () => {
  const at = (hours: number, minutes = 0) => hours * HOUR + minutes * MINUTE;
  const result = (activities: PipelineResult['activities'], trips: PipelineResult['trips'] = [], epoch = EPOCH): PipelineResult => ({
    activities,
    trips,
    home: new Int32Array(2).fill(-1),
    stats: { events: 0, devices: 2, dropped: 0 },
    localTime: { epoch, timeZone: 'Europe/Stockholm' },
  });
  // Fine areas 0–3; coarse area = fine >> 1, so 0 and 1 make coarse 0, and 2 and 3 coarse 1.
  const fine = (a: number) => a;
  const coarse = (a: number) => a >> 1;
  const activity = (device: number, area: number, start: number, end: number, type = OTHER) => ({ device, area, cell: area, start, end, type });

  const day = result([
    activity(0, 0, at(9), at(10, 15)),
    activity(0, 2, at(10, 16), at(10, 56)),
    activity(0, 0, at(10, 58), at(11, 0, ) + 30),
    activity(1, 0, at(10), at(10, 30)),
    activity(1, 1, at(10, 35), at(11, 20), WORK),
  ]);

  it('counts a device once per area and hour, even with two activities in that hour', () => {
    const counts = presenceByHour(day, fine, 4).devices;
    expect(counts[presenceIndex(0, 10, OTHER)]).toBe(2);
    expect(counts[presenceIndex(0, 9, OTHER)]).toBe(1);
    expect(counts[presenceIndex(2, 10, OTHER)]).toBe(1);
    expect(counts[presenceIndex(1, 10, WORK)]).toBe(1);
    expect(counts[presenceIndex(1, 10, OTHER)]).toBe(0);
    // 30 seconds in hour 11 are under the default minute.
    expect(counts[presenceIndex(0, 11, OTHER)]).toBe(0);
    expect(presenceByHour(day, fine, 4, { minMinutesInHour: 0.5 }).devices[presenceIndex(0, 11, OTHER)]).toBe(1);
    const byType = (type: number) => Array.from({ length: 4 * 24 }, (_, i) => counts[presenceIndex(Math.floor(i / 24), i % 24, type)]);
    expect([HOME, WORK, OTHER].flatMap(byType).reduce((sum, n) => sum + n, 0)).toBe(6);
    // Any type and the whole day count each device once: two devices in area 0, one in areas 1 and 2.
    expect([0, 1, 2, 3].map((area) => counts[presenceIndex(area, WHOLE_DAY, ANY_TYPE)])).toEqual([2, 1, 1, 0]);
    expect(counts[presenceIndex(0, 10, ANY_TYPE)]).toBe(2);
  });

  it('sums the devices’ weights per cell when weights are given', () => {
    const presence = presenceByHour(day, fine, 4, { weights: Float64Array.from([100, 50]) });
    expect(presence.persons?.[presenceIndex(0, 10, ANY_TYPE)]).toBe(150);
    expect(presence.persons?.[presenceIndex(1, WHOLE_DAY, ANY_TYPE)]).toBe(50);
  });

  it('counts distinct devices at a coarser level rather than summing finer areas', () => {
    const fineCounts = presenceByHour(day, fine, 4).devices;
    const coarseCounts = presenceByHour(day, coarse, 2).devices;
    const any = (counts: Uint32Array, areas: number[]) => areas.reduce((sum, a) => sum + counts[presenceIndex(a, 10, OTHER)] + counts[presenceIndex(a, 10, WORK)], 0);
    // Device 1 is in fine areas 0 (other) and 1 (work) at 10; device 0 in 0 and 2.
    expect(any(fineCounts, [0, 1])).toBe(3);
    expect(coarseCounts[presenceIndex(0, 10, OTHER)]).toBe(2);
    expect(coarseCounts[presenceIndex(0, 10, WORK)]).toBe(1);
    expect(coarseCounts[presenceIndex(1, 10, OTHER)]).toBe(1);
    // Left-out areas (a negative target) are skipped.
    expect(presenceByHour(day, (a) => (a === 2 ? -1 : 0), 1).devices[presenceIndex(0, 10, OTHER)]).toBe(2);
  });

  it('follows the local clock on the day clocks go back (hour 2 lasts two hours)', () => {
    const autumn = result([activity(0, 0, at(2, 30), at(3, 30))], [], '2022-10-30T00:00:00+02:00');
    const presence = presenceByHour(autumn, fine, 4);
    expect(presence.hourStarts[3] - presence.hourStarts[2]).toBe(2 * HOUR);
    expect(presence.hourStarts[24]).toBe(25 * HOUR);
    expect(presence.devices[presenceIndex(0, 2, OTHER)]).toBe(1);
    expect(presence.devices[presenceIndex(0, 3, OTHER)]).toBe(0);
  });

  it('counts trips and distinct devices per origin, destination and start hour at any level', () => {
    const trip = (device: number, origin: number, destination: number, start: number) => ({
      device, origin, destination, originCell: origin, destinationCell: destination, start, end: start + 600, distance: 1000,
    });
    const trips = result([], [trip(0, 0, 2, at(8, 10)), trip(0, 0, 2, at(8, 40)), trip(0, 3, 0, at(17)), trip(1, 1, 2, at(8, 20)), trip(1, 0, 2, at(24 + 8))]);
    const rows = (h: ReturnType<typeof tripsByHour>) =>
      Array.from({ length: h.length }, (_, i) => [h.origin[i], h.destination[i], h.hour[i], h.trips[i], h.devices[i]]);
    expect(rows(tripsByHour(trips, fine, 4, { dayStart: 0 }))).toEqual([
      [0, 2, 8, 2, 1],
      [1, 2, 8, 1, 1],
      [3, 0, 17, 1, 1],
    ]);
    expect(rows(tripsByHour(trips, coarse, 2, { dayStart: 0 }))).toEqual([
      [0, 1, 8, 3, 2],
      [1, 0, 17, 1, 1],
    ]);
    expect(rows(tripsByHour(trips, coarse, 2))[0]).toEqual([0, 1, 8, 4, 2]);
  });
});
