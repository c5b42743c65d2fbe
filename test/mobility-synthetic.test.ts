// The seeded synthetic mobile-network generator against real data and the published figures of research §4.9 (T1–T5, T9).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EPSG_SWEREF99TM, EPSG_WGS84 } from '../lib/crs.ts';
import { readCsv } from '../lib/csv.ts';
import { planarCentroid, reproject, type Geometry } from '../lib/geojson.ts';
import { loadConfig } from '../lib/config.ts';
import { MIN_STAY_SECONDS, OTHER, type EventBatch, type FrameArea, type PipelineResult } from '../subgraphs/mobility/model.ts';
import { presenceByHour, presenceIndex, runPipeline } from '../subgraphs/mobility/pipeline/index.ts';
import { buildCalendar } from '../subgraphs/mobility/synthetic/calendar.ts';
import { commutingShares, dayNightByType, employmentByType, metroRegionOf, metroTripSplit, OMRADESTYPER } from '../subgraphs/mobility/synthetic/calibration.ts';
import { kommunFlows } from '../subgraphs/mobility/synthetic/commuting.ts';
import { largestRemainder } from '../subgraphs/mobility/synthetic/frame.ts';
import { generateSynthetic, type SyntheticDataset } from '../subgraphs/mobility/synthetic/generate.ts';
import { Rng } from '../subgraphs/mobility/synthetic/random.ts';

const dataDir = loadConfig().dataDir;
/** Half the default sample (about 52,000 devices) keeps the metro-region shares within a few tenths of a point. */
const SAMPLE = 0.005;

let main: SyntheticDataset;
let detected: PipelineResult;

beforeAll(() => {
  main = generateSynthetic({ dataDir, seed: 1, sampleShare: SAMPLE });
  detected = runPipeline(main.events, main.plan, main.frame.length);
});

function hashOf(frame: FrameArea[], events: EventBatch): string {
  const hash = createHash('sha256').update(JSON.stringify(frame)).update(events.epoch);
  for (const column of [events.device, events.time, events.cell]) hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  return hash.digest('hex');
}

const pct = (value: number) => Math.round(value * 1000) / 10;

describe('random streams', () => {
  it('repeat per key and differ between keys', () => {
    const draws = (rng: Rng) => Array.from({ length: 5 }, () => rng.next());
    expect(draws(Rng.stream(7, 'stage', 3))).toEqual(draws(Rng.stream(7, 'stage', 3)));
    expect(draws(Rng.stream(7, 'stage', 3))).not.toEqual(draws(Rng.stream(7, 'stage', 4)));
    expect(draws(Rng.stream(7, 'stage', 3))).not.toEqual(draws(Rng.stream(8, 'stage', 3)));
    const rng = Rng.stream(1, 'uniformity');
    const mean = Array.from({ length: 100_000 }, () => rng.next()).reduce((a, b) => a + b, 0) / 100_000;
    expect(mean).toBeCloseTo(0.5, 2);
  });

  it('largest-remainder rounding keeps the total exactly', () => {
    expect(largestRemainder(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(largestRemainder(7, [0.5, 2.5, 1]).reduce((a, b) => a + b, 0)).toBe(7);
  });
});

describe('the area frame', () => {
  it('holds all 5,984 DeSO 2018 with RegSO, kommun, län, områdestyp and category', () => {
    const { frame } = main;
    expect(frame).toHaveLength(5984);
    expect(new Set(frame.map((a) => a.regso)).size).toBe(3363);
    expect(new Set(frame.map((a) => a.kommun)).size).toBe(290);
    expect(new Set(frame.map((a) => a.lan)).size).toBe(21);
    expect(frame.every((a) => a.lan === a.kommun.slice(0, 2) && a.deso.startsWith(a.kommun) && a.category === a.deso[4])).toBe(true);
    const types = Object.fromEntries(OMRADESTYPER.map((t) => [t, frame.filter((a) => a.omradestyp === t).length]));
    expect(types).toEqual({ 1: 293, 2: 467, 3: 1365, 4: 3311, 5: 548 });
  });

  it('T2: has the real category mix, A 1,080 / B 580 / C 4,324 DeSO', () => {
    const count = (c: string) => main.frame.filter((a) => a.category === c).length;
    expect([count('A'), count('B'), count('C')]).toEqual([1080, 580, 4324]);
  });

  it('sums residents per kommun to SCB folkmängd 2020 exactly', () => {
    const real = new Map(readCsv(path.join(dataDir, 'scb/folkmangd_kommun_1950-2020.csv')).filter((r) => r.ar === '2020').map((r) => [r.kommunkod, Number(r.folkmangd)]));
    const sums = new Map<string, number>();
    for (const area of main.frame) sums.set(area.kommun, (sums.get(area.kommun) ?? 0) + area.residents);
    expect(sums).toEqual(real);
    expect(main.frame.reduce((sum, a) => sum + a.residents, 0)).toBe(10_379_295);
    expect(Math.min(...main.frame.map((a) => a.residents))).toBeGreaterThan(300);
  });

  it('T1: puts 45–62 % of residents in områdestyp 4', () => {
    const total = main.frame.reduce((sum, a) => sum + a.residents, 0);
    const type4 = main.frame.filter((a) => a.omradestyp === 4).reduce((sum, a) => sum + a.residents, 0);
    expect(type4 / total).toBeGreaterThan(0.45);
    expect(type4 / total).toBeLessThan(0.62);
  });

  it('places DeSO in Sweden: Stockholms län at the real polygon centroids, C DeSO closer to their centre than A', () => {
    for (const area of main.frame) {
      expect(area.x).toBeGreaterThan(250_000);
      expect(area.x).toBeLessThan(930_000);
      expect(area.y).toBeGreaterThan(6_120_000);
      expect(area.y).toBeLessThan(7_700_000);
    }
    const stockholm = JSON.parse(readFileSync(path.join(dataDir, 'geo/deso_2018_stockholms_lan_simplified.wgs84.geojson'), 'utf8')) as {
      features: { properties: { id: string }; geometry: Geometry }[];
    };
    for (const feature of stockholm.features.slice(0, 50)) {
      const [x, y] = planarCentroid(reproject(feature.geometry, EPSG_WGS84, EPSG_SWEREF99TM));
      expect(main.frame.find((a) => a.deso === feature.properties.id)).toMatchObject({ x: Math.round(x), y: Math.round(y) });
    }
    const spread = (category: string) => {
      const byKommun = new Map<string, FrameArea[]>();
      for (const a of main.frame) if (a.lan !== '01') byKommun.set(a.kommun, [...(byKommun.get(a.kommun) ?? []), a]);
      const distances: number[] = [];
      for (const areas of byKommun.values()) {
        const centre = areas.filter((a) => a.category === 'C');
        if (centre.length === 0) continue;
        const cx = centre.reduce((s, a) => s + a.x, 0) / centre.length;
        const cy = centre.reduce((s, a) => s + a.y, 0) / centre.length;
        for (const a of areas) if (a.category === category) distances.push(Math.hypot(a.x - cx, a.y - cy));
      }
      return distances.sort((a, b) => a - b)[Math.floor(distances.length / 2)];
    };
    expect(spread('C')).toBeLessThan(spread('B'));
    expect(spread('B')).toBeLessThan(spread('A'));
  });

});

describe('the cell plan', () => {
  it('gives every DeSO cells, more where more people live, with symmetric handover neighbours', () => {
    const { plan, frame } = main;
    const perArea = new Int32Array(frame.length);
    plan.cells.forEach((cell) => perArea[cell.area]++);
    expect(plan.cells.every((cell, id) => cell.id === id)).toBe(true);
    expect(Math.min(...perArea)).toBeGreaterThan(0);
    const perResident = (c: string) => {
      const areas = frame.map((a, i) => [a, i] as const).filter(([a]) => a.category === c);
      return areas.reduce((s, [, i]) => s + perArea[i], 0) / areas.reduce((s, [a]) => s + a.residents, 0);
    };
    expect(perResident('C')).toBeGreaterThan(2 * perResident('A'));
    const sets = plan.neighbours.map((list) => new Set(list));
    const symmetric = plan.neighbours.every((list, id) => !sets[id].has(id) && list.every((other) => sets[other].has(id)));
    expect(symmetric).toBe(true);
    const mean = plan.neighbours.reduce((s, l) => s + l.length, 0) / plan.neighbours.length;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(15);
  });
});

describe('devices, diaries and events', () => {
  it('samples the given share of residents, one device per sampled resident', () => {
    const expected = (10_379_295 * SAMPLE) | 0;
    expect(Math.abs(main.devices.home.length - expected)).toBeLessThanOrEqual(1);
    expect(main.devices.work.length).toBe(main.devices.home.length);
  });

  it('sorts events by device, then time, on cells of the plan, from local midnight of 2022-11-15', () => {
    const { events, plan, devices } = main;
    expect(events.epoch).toBe('2022-11-15T00:00:00+01:00');
    expect(events.length).toBeGreaterThan(devices.home.length * 40);
    let sorted = true;
    let maxCell = 0;
    let maxTime = 0;
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && events.device[i] === events.device[i - 1] ? events.time[i] < events.time[i - 1] : i > 0 && events.device[i] !== events.device[i - 1] + 1) sorted = false;
      maxCell = Math.max(maxCell, events.cell[i]);
      maxTime = Math.max(maxTime, events.time[i]);
    }
    expect(sorted).toBe(true);
    expect(events.device[events.length - 1]).toBe(devices.home.length - 1);
    expect(maxCell).toBeLessThan(plan.cells.length);
    expect(maxTime).toBeLessThan(24 * 3600);
    expect(detected.stats.dropped / events.length).toBeGreaterThan(0.001);
    expect(detected.stats.dropped / events.length).toBeLessThan(0.01);
  });

  it('keeps the ground truth: stays, short stops that are not activities, trips between activities, some long trips', () => {
    const { truth, devices } = main;
    const others = truth.stays.filter((s) => s.type === OTHER);
    const short = others.filter((s) => s.end - s.start < MIN_STAY_SECONDS).length / others.length;
    expect(short).toBeGreaterThan(0.15);
    expect(short).toBeLessThan(0.35);
    expect(truth.activities.every((a) => a.end - a.start >= MIN_STAY_SECONDS)).toBe(true);
    const perDevice = truth.trips.length / devices.home.length;
    expect(perDevice).toBeGreaterThan(2);
    expect(perDevice).toBeLessThan(3.5);
    const long = new Set(truth.trips.filter((t) => t.distance > 100_000).map((t) => t.device)).size / devices.home.length;
    expect(long).toBeGreaterThan(0.005);
    expect(long).toBeLessThan(0.03);
  });

  it('is detected by the pipeline: most homes found, trips over 5 km recalled better than those under 2 km', () => {
    const { devices, truth } = main;
    let found = 0;
    detected.home.forEach((area, device) => (found += area === devices.home[device] ? 1 : 0));
    expect(found / devices.home.length).toBeGreaterThan(0.95);
    const count = (trips: { distance: number }[], low: number, high: number) => trips.filter((t) => t.distance >= low && t.distance < high).length;
    const recall = (low: number, high: number) => count(detected.trips, low, high) / count(truth.trips, low, high);
    expect(recall(5000, 1e9)).toBeGreaterThan(0.7);
    expect(recall(5000, 1e9)).toBeGreaterThan(recall(0, 2000));
  });
});

describe('calibration to the published figures', () => {
  it('T3: detected trips in each metro region split about 20 / 76 / 4 % (same RegSO / other area in region / out), ±3 pp', () => {
    const split = metroTripSplit(main.frame, detected.trips);
    const figures = Object.fromEntries(Object.entries(split).map(([region, s]) => [region, [pct(s.sameArea), pct(s.otherAreaInRegion), pct(s.outOfRegion)]]));
    console.log('T3 detected (same / other in region / out, %):', JSON.stringify(figures));
    for (const s of Object.values(split)) {
      expect(s.trips).toBeGreaterThan(5000);
      expect(Math.abs(s.sameArea - 0.2)).toBeLessThanOrEqual(0.03);
      expect(Math.abs(s.otherAreaInRegion - 0.76)).toBeLessThanOrEqual(0.03);
      expect(Math.abs(s.outOfRegion - 0.04)).toBeLessThanOrEqual(0.03);
    }
  });

  it('T4: on a weekday the day population exceeds the night one in type 4 and falls short in types 1 and 5 (metro regions)', () => {
    const metro = metroRegionOf(main.frame);
    const typeOf = (area: number) => (metro[area] ? main.frame[area].omradestyp - 1 : -1);
    const presence = presenceByHour(detected, typeOf, 5);
    const persons = (type: number, hour: number) => [0, 1, 2].reduce((s, t) => s + presence.devices[presenceIndex(type, hour, t)], 0);
    const change = OMRADESTYPER.map((type) => {
      const day = [10, 11, 12, 13, 14].reduce((s, h) => s + persons(type - 1, h), 0) / 5;
      return (day - persons(type - 1, 3)) / persons(type - 1, 3);
    });
    console.log('T4 detected day − night, % of night, types 1–5:', change.map(pct).join(' '));
    expect(change[3]).toBeGreaterThan(0);
    expect(change[0]).toBeLessThan(0);
    expect(change[4]).toBeLessThan(0);
    const truth = dayNightByType(main.frame, main.truth.stays);
    expect(truth[4].day).toBeGreaterThan(truth[4].night);
    expect(truth[1].day).toBeLessThan(truth[1].night);
    expect(truth[5].day).toBeLessThan(truth[5].night);
  });

  it('T5: employment in type 1 is about 31 pp below type 5 (±5)', () => {
    const rates = employmentByType(main.frame, main.devices.home, main.devices.work);
    console.log('T5 employment by type, %:', OMRADESTYPER.map((t) => pct(rates[t])).join(' '));
    expect(Math.abs(rates[5] - rates[1] - 0.31)).toBeLessThanOrEqual(0.05);
  });

  it("reproduces Norrbotten's commuting (SCB ArRegPend2, 2022): own-kommun shares, cross-kommun total, Boden → Luleå", () => {
    const real = new Map<string, number>();
    for (const row of readCsv(path.join(dataDir, 'mobility/commuting_norrbotten_kommun_2020-2024_scb_arregpend2.csv'))) {
      if (row.year === '2022' && row.sex === 'totalt') real.set(`${row.residence_code}>${row.workplace_code}`, Number(row.employed));
    }
    const kommuner = [...new Set(main.frame.filter((a) => a.lan === '25').map((a) => a.kommun))];
    expect(kommuner).toHaveLength(14);
    const flows = kommunFlows(main.frame, main.commute, new Set(kommuner));
    const model = commutingShares(flows, kommuner);
    const scb = commutingShares(real, kommuner);
    console.log('Norrbotten off-diagonal share, model vs SCB, %:', pct(model.offDiagonal), pct(scb.offDiagonal));
    let error = 0;
    for (const kommun of kommuner) {
      const gap = (model.home.get(kommun) as number) - (scb.home.get(kommun) as number);
      expect(Math.abs(gap)).toBeLessThanOrEqual(0.2);
      error += Math.abs(gap) / kommuner.length;
    }
    expect(error).toBeLessThan(0.08);
    expect(Math.abs(model.offDiagonal - scb.offDiagonal)).toBeLessThanOrEqual(0.04);
    // Boden → Luleå is the largest flow between two kommuner, and three times Luleå → Boden in SCB's data.
    const largest = (matrix: Map<string, number>) =>
      [...matrix].filter(([key]) => key.split('>')[0] !== key.split('>')[1] && kommuner.includes(key.split('>')[0])).sort((a, b) => b[1] - a[1])[0][0];
    expect(largest(real)).toBe('2582>2580');
    expect(largest(flows)).toBe('2582>2580');
    expect(flows.get('2582>2580') as number).toBeGreaterThan(1.5 * (flows.get('2580>2582') as number));
  });
});

describe('T9: determinism', () => {
  it('gives byte-identical events and frame for the same seed, other ones with the same totals (±2 %) for another', () => {
    const again = generateSynthetic({ dataDir, seed: 1, sampleShare: SAMPLE });
    expect(hashOf(again.frame, again.events)).toBe(hashOf(main.frame, main.events));
    const other = generateSynthetic({ dataDir, seed: 2, sampleShare: SAMPLE });
    expect(hashOf(other.frame, other.events)).not.toBe(hashOf(main.frame, main.events));
    const close = (a: number, b: number) => expect(Math.abs(a - b) / b).toBeLessThan(0.02);
    close(other.events.length, main.events.length);
    close(other.devices.home.length, main.devices.home.length);
    close(other.truth.trips.length, main.truth.trips.length);
    close(other.truth.stays.length, main.truth.stays.length);
    close(other.plan.cells.length, main.plan.cells.length);
    expect(other.frame.reduce((s, a) => s + a.residents, 0)).toBe(10_379_295);
  });

  it('builds the calendar on Swedish local time (2023-06-01 is in summer time, UTC+2)', () => {
    const calendar = buildCalendar(['2022-11-15', '2022-11-19', '2023-06-01']);
    expect(calendar.epoch).toBe('2022-11-15T00:00:00+01:00');
    expect(calendar.days.map((d) => [d.start / 3600, d.workday])).toEqual([
      [0, true],
      [96, false],
      [198 * 24 - 1, true],
    ]);
  });
});
