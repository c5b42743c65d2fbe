// Long journeys: chaining trips through en-route activities to final destinations, and travel modes, on hand-made and generated traces.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config.ts';
import { TRAVEL_MODES, type CellPlan, type EventBatch, type Journey, type PipelineResult, type TravelMode } from '../subgraphs/mobility/model.ts';
import { detectJourneys, runPipeline } from '../subgraphs/mobility/pipeline/index.ts';
import { generateSynthetic, type SyntheticDataset } from '../subgraphs/mobility/synthetic/generate.ts';
import { DEFAULT_PARAMETERS } from '../subgraphs/mobility/synthetic/parameters.ts';

const HOUR = 3600;
const KM = 1000;
const pct = (share: number) => Math.round(share * 1000) / 10;

/** A straight corridor 800 km long: a cell every 2 km, each adjacent to the next, five cells (10 km) to an area. */
const CELL_KM = 2;
const CELLS_PER_AREA = 5;
const corridor: CellPlan = {
  cells: Array.from({ length: 401 }, (_, id) => ({ id, area: Math.floor(id / CELLS_PER_AREA), x: 500_000 + id * CELL_KM * KM, y: 6_500_000 })),
  neighbours: Array.from({ length: 401 }, (_, id) => [id - 1, id + 1].filter((n) => n >= 0 && n <= 400)),
};
const areaAt = (km: number) => Math.floor(Math.round(km / CELL_KM) / CELLS_PER_AREA);

/**
 * One device's events every 10 minutes at the cell nearest to where it is: waypoints (hour, km along the corridor),
 * linear between them, so equal km in a row make a stay; none inside the `silent` hour windows (a flight, an outage).
 */
function trace(waypoints: [number, number][], silent: [number, number][] = []): EventBatch {
  const times: number[] = [];
  const cells: number[] = [];
  let k = 0;
  for (let t = waypoints[0][0] * HOUR; t <= waypoints[waypoints.length - 1][0] * HOUR; t += 600) {
    while (waypoints[k + 1][0] * HOUR < t) k++;
    if (silent.some(([from, to]) => t >= from * HOUR && t < to * HOUR)) continue;
    const [h0, km0] = waypoints[k];
    const [h1, km1] = waypoints[k + 1];
    const km = km0 + ((km1 - km0) * (t / HOUR - h0)) / (h1 - h0);
    times.push(t);
    cells.push(Math.round(km / CELL_KM));
  }
  const length = times.length;
  return { epoch: '2022-11-07T00:00:00+01:00', device: new Uint32Array(length), time: Uint32Array.from(times), cell: Uint32Array.from(cells), length };
}

const journeysOf = (waypoints: [number, number][], silent: [number, number][] = []) =>
  detectJourneys(runPipeline(trace(waypoints, silent), corridor), corridor);

describe('chaining trips into journeys', () => {
  it('makes a journey with a 50-minute stop on the way one journey of two legs to the final destination', () => {
    const journeys = journeysOf([[0, 0], [8, 0], [10, 150], [10 + 50 / 60, 150], [12 + 50 / 60, 300], [18, 300]]);
    expect(journeys).toEqual([
      expect.objectContaining({
        device: 0, origin: areaAt(0), destination: areaAt(300), originCell: 0, destinationCell: 150, start: 8 * HOUR,
        end: Math.round((12 + 50 / 60) * HOUR), distance: 300 * KM, legs: 2, long: true,
      }),
    ]);
  });

  it('ends a journey at a stay of 3 hours, which is a visit, not a stop on the way', () => {
    const journeys = journeysOf([[0, 0], [8, 0], [10, 150], [13, 150], [15, 300], [20, 300]]);
    expect(journeys.map((j) => [j.origin, j.destination, j.legs, j.long])).toEqual([
      [areaAt(0), areaAt(150), 1, true],
      [areaAt(150), areaAt(300), 1, true],
    ]);
  });

  it('chains no journey across an UNKNOWN gap: a 3-hour silence while travelling splits it', () => {
    const waypoints: [number, number][] = [[0, 0], [8, 0], [10, 150], [10 + 50 / 60, 150], [13 + 50 / 60, 300], [14 + 40 / 60, 300], [16, 400], [20, 400]];
    const journeys = journeysOf(waypoints, [[10.9, 13.8]]);
    // The stops at 150 and 300 km are 50 minutes each, but nothing is known of the way between them.
    expect(journeys.map((j) => [j.origin, j.destination, j.legs])).toEqual([
      [areaAt(0), areaAt(150), 1],
      [areaAt(300), areaAt(400), 1],
    ]);
    expect(journeysOf(waypoints).map((j) => [j.origin, j.destination, j.legs])).toEqual([[areaAt(0), areaAt(400), 3]]);
  });

  it('does not chain a short visit on a trip out and back: two journeys, not one from home to home', () => {
    const journeys = journeysOf([[0, 0], [8, 0], [10, 150], [11.5, 150], [13.5, 0], [20, 0]]);
    expect(journeys.map((j) => [j.origin, j.destination, j.legs, j.distance])).toEqual([
      [areaAt(0), areaAt(150), 1, 150 * KM],
      [areaAt(150), areaAt(0), 1, 150 * KM],
    ]);
  });

  it('reports journeys under the threshold as not long, with no mode, and honours a configured threshold and longOnly', () => {
    const waypoints: [number, number][] = [[0, 0], [8, 0], [9, 80], [20, 80]];
    expect(journeysOf(waypoints)).toEqual([expect.objectContaining({ distance: 80 * KM, long: false, mode: 'UNKNOWN' })]);
    const result = runPipeline(trace(waypoints), corridor);
    expect(detectJourneys(result, corridor, { longOnly: true })).toEqual([]);
    expect(detectJourneys(result, corridor, { longMetres: 50 * KM, longOnly: true })).toEqual([expect.objectContaining({ long: true, mode: 'ROAD' })]);
  });

  it('rejects trips that do not join consecutive activities and options out of range', () => {
    const result = runPipeline(trace([[0, 0], [8, 0], [10, 150], [18, 150]]), corridor);
    const shifted: PipelineResult = { ...result, trips: result.trips.map((trip) => ({ ...trip, start: trip.start + 1 })) };
    expect(() => detectJourneys(shifted, corridor)).toThrow(/trips\[0\] \(device 0\) does not join two consecutive activities/);
    expect(() => detectJourneys(result, corridor, { maxDetour: 0.5 })).toThrow(/maxDetour/);
    expect(() => detectJourneys(result, corridor, { maxModeRatio: 1 })).toThrow(/maxModeRatio/);
  });
});

describe('inferring the travel mode from distance and time', () => {
  it('calls 300 km in 5.5 hours ROAD, 450 km in 4.5 hours RAIL, 600 km in 3 hours with a silent flight AIR', () => {
    expect(journeysOf([[0, 0], [8, 0], [13.5, 300], [18, 300]])[0].mode).toBe('ROAD');
    expect(journeysOf([[0, 0], [8, 0], [12.5, 450], [18, 450]])[0].mode).toBe('RAIL');
    // To the airport (25 km in 45 minutes), 90 minutes in the air without a signal, 25 km from the airport.
    const flight = journeysOf([[0, 0], [7, 0], [7.75, 25], [9.25, 575], [10, 600], [17, 600]], [[7.75, 9.25]]);
    expect(flight).toEqual([expect.objectContaining({ destination: areaAt(600), legs: 1, long: true, mode: 'AIR' })]);
  });

  it('answers UNKNOWN when no mode fits: 150 km in 20 minutes is too short for a flight and too fast for the ground', () => {
    expect(journeysOf([[0, 0], [8, 0], [8 + 20 / 60, 150], [12, 150]])).toEqual([expect.objectContaining({ long: true, mode: 'UNKNOWN' })]);
  });
});

describe('long journeys on generated traces, against the truth', () => {
  const dataDir = loadConfig().dataDir;
  let data: SyntheticDataset;
  let detected: Journey[];
  /** The detected long journey of each true one that overlaps it most in time, if any. */
  let matches: (Journey | undefined)[];

  beforeAll(() => {
    // A small sample with a long trip on a fifth of the days: about 4,200 true long journeys in a few seconds.
    data = generateSynthetic({ dataDir, seed: 1, sampleShare: 0.001, parameters: { longTripShare: 0.2 } });
    detected = detectJourneys(runPipeline(data.events, data.plan, data.frame.length), data.plan);
    const longByDevice = new Map<number, Journey[]>();
    for (const journey of detected) if (journey.long) longByDevice.set(journey.device, [...(longByDevice.get(journey.device) ?? []), journey]);
    const overlap = (a: Journey, b: Journey) => Math.min(a.end, b.end) - Math.max(a.start, b.start);
    matches = data.truth.journeys.map((truth) => {
      let best: Journey | undefined;
      for (const journey of longByDevice.get(truth.device) ?? []) {
        if (overlap(journey, truth) > 0 && (!best || overlap(journey, truth) > overlap(best, truth))) best = journey;
      }
      return best;
    });
  });

  it('generates long day trips out and back with a true mode by distance and stops on the way', () => {
    const { journeys } = data.truth;
    expect(journeys.length).toBeGreaterThan(3000);
    expect(journeys.every((j) => j.long && j.distance >= DEFAULT_PARAMETERS.longTripMinKm * KM && j.originCell === -1)).toBe(true);
    const share = (mode: TravelMode, low = 0, high = Infinity) => {
      const band = journeys.filter((j) => j.distance >= low * KM && j.distance < high * KM);
      return band.filter((j) => j.mode === mode).length / band.length;
    };
    console.log('true modes ROAD / RAIL / AIR, %:', (['ROAD', 'RAIL', 'AIR'] as const).map((mode) => pct(share(mode))).join(' / '));
    expect(journeys.filter((j) => j.mode === 'AIR').every((j) => j.distance > DEFAULT_PARAMETERS.longTripAirMinKm * KM)).toBe(true);
    expect(share('AIR', 500)).toBeGreaterThan(share('AIR', 300, 500));
    expect(share('ROAD')).toBeGreaterThan(0.5);
    expect(share('RAIL')).toBeGreaterThan(0.1);
    expect(share('AIR')).toBeGreaterThan(0.05);
    expect(journeys.some((j) => j.mode === 'UNKNOWN')).toBe(false);
    // En-route activities split a fifth of the ways in two; the short stops are stays that are not activities.
    const twoLegs = journeys.filter((j) => j.legs === 2).length / journeys.length;
    expect(twoLegs).toBeGreaterThan(0.1);
    expect(twoLegs).toBeLessThan(0.35);
    expect(journeys.filter((j) => j.mode === 'AIR').every((j) => j.legs === 1)).toBe(true);
  });

  it('detects over 88 % of true long journeys and over 85 % with the right final destination DeSO', () => {
    const truth = data.truth.journeys;
    const found = matches.filter(Boolean).length / truth.length;
    const right = matches.filter((match, i) => match?.destination === truth[i].destination).length / truth.length;
    console.log(`long journeys: ${truth.length} true, ${pct(found)} % detected, ${pct(right)} % with the right final destination`);
    expect(found).toBeGreaterThan(0.88);
    expect(right).toBeGreaterThan(0.85);
  });

  it('infers AIR with high precision, ROAD and RAIL better than chance (Trafikanalys: mode is hard to capture)', () => {
    const confusion = TRAVEL_MODES.map(() => TRAVEL_MODES.map(() => 0));
    data.truth.journeys.forEach((truth, i) => {
      const match = matches[i];
      if (match) confusion[TRAVEL_MODES.indexOf(truth.mode)][TRAVEL_MODES.indexOf(match.mode)]++;
    });
    const rows = confusion.slice(0, 3).map((row, i) => `${TRAVEL_MODES[i]}\t${row.join('\t')}`);
    console.log(`mode confusion, rows true, columns inferred (${TRAVEL_MODES.join(' ')}):\n${rows.join('\n')}`);
    const [road, rail, air] = [0, 1, 2];
    const inferred = (truth: number, as: number) => confusion[truth][as] / confusion[truth].reduce((a, b) => a + b, 0);
    const precision = (mode: number) => confusion[mode][mode] / confusion.reduce((sum, row) => sum + row[mode], 0);
    expect(precision(air)).toBeGreaterThan(0.9);
    expect(inferred(air, air)).toBeGreaterThan(0.8);
    // Rail is called rail more often than road is, and road road more often than rail is.
    expect(inferred(rail, rail) - inferred(road, rail)).toBeGreaterThan(0.1);
    expect(inferred(road, road) - inferred(rail, road)).toBeGreaterThan(0.1);
    const unknown = confusion.reduce((sum, row) => sum + row[3], 0) / confusion.flat().reduce((a, b) => a + b, 0);
    expect(unknown).toBeLessThan(0.05);
  });

  it('reports no journey shorter than the threshold as long, by its own distance or, within cell precision, by the truth', () => {
    const long = detected.filter((j) => j.long);
    expect(long.length).toBeGreaterThan(3000);
    expect(long.every((j) => j.distance >= 100 * KM)).toBe(true);
    expect(detected.filter((j) => !j.long).every((j) => j.distance < 100 * KM && j.mode === 'UNKNOWN')).toBe(true);
    // Where the device truly was when the journey left its origin and reached its destination: a stay, or on the way.
    const { stays } = data.truth;
    const firstStay = new Map<number, number>();
    stays.forEach((stay, i) => firstStay.set(stay.device, firstStay.get(stay.device) ?? i));
    const positionAt = (device: number, t: number): [number, number] => {
      let k = firstStay.get(device) as number;
      while (stays[k + 1]?.device === device && stays[k + 1].start <= t) k++;
      const [stay, next] = [stays[k], stays[k + 1]];
      if (t <= stay.end || next?.device !== device) return [stay.x, stay.y];
      const f = (t - stay.end) / (next.start - stay.end);
      return [stay.x + f * (next.x - stay.x), stay.y + f * (next.y - stay.y)];
    };
    const trueKm = long.map((j) => {
      const [[x0, y0], [x1, y1]] = [positionAt(j.device, j.start), positionAt(j.device, j.end)];
      return Math.hypot(x1 - x0, y1 - y0) / KM;
    });
    // Cells stand for their area, a few km off where the device is: a journey of 95 km can measure 100. Where no cell
    // is near the way (uninhabited land), a device leaving is seen at its origin's cell for a while, and one arriving
    // at its destination's, so the device may truly be mid-way at both ends: rarely, as the figures say.
    const under = (km: number) => trueKm.filter((value) => value < km).length / long.length;
    console.log(`detected long journeys truly under 100 km: ${pct(under(100))} %, under 75 km: ${pct(under(75))} %`);
    expect(under(100)).toBeLessThan(0.01);
    expect(under(75)).toBeLessThan(0.003);
  });
});
