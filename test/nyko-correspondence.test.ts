// Correspondence NYKO ↔ DeSO/RegSO (weights both ways, by area and by population) and the estimates built on it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { readCsv } from '../lib/csv.ts';
import type { Polygon } from '../lib/geojson.ts';
import { intersectionArea, PlanarPolygon } from '../lib/geometry.ts';
import { computeCorrespondence, populationSplit, targetsForKommun, type TargetArea } from '../subgraphs/nyko/correspondence.ts';
import { estimateCount, estimateRatio, type Composition } from '../lib/estimate.ts';
import { areasOfVersion, compositionOf, correspondenceOf, correspondenceOfTarget, targetCoverageOf } from '../subgraphs/nyko/queries.ts';
import { openNykoStore, type NykoStore } from '../subgraphs/nyko/store.ts';
import type { CorrespondenceRow } from '../subgraphs/nyko/tables.ts';
import { importVersion } from '../subgraphs/nyko/versions.ts';

const GEO = path.join(PROJECT_ROOT, 'data/geo');
const V2024 = '1480/omraden/2024';

let tmp: string;
let store: NykoStore;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-nyko-correspondence-'));
  store = openNykoStore(path.join(tmp, 'nyko.sqlite'));
}, 120_000);

afterAll(() => {
  store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

/** Every correspondence row of one level of a version, for one target kind. */
function levelRows(version: string, level: string, kind: 'deso' | 'regso'): CorrespondenceRow[] {
  const ids = areasOfVersion(store, version, level).map((a) => a.id);
  return correspondenceOf(store, ids, { kind, vintage: 2025 });
}

describe('Göteborg 2024 ↔ DeSO 2025 and RegSO 2025, by area', () => {
  it('gives every DeSO of Göteborg weights over the NYKO areas of each level that sum to 1', () => {
    for (const level of ['stadsomrade', 'mellanomrade', 'primaromrade', 'basomrade']) {
      const byTarget = groupBy(levelRows(V2024, level, 'deso'), (r) => r.targetId);
      expect(byTarget.size, level).toBe(320);
      for (const [target, rows] of byTarget) expect(sum(rows.map((r) => r.areaWeight)), `${level} ${target}`).toBeCloseTo(1, 9);
    }
  });

  it('reports how much of each DeSO a level covers: inland DeSO wholly, coastal ones partly (NYKO areas are land)', () => {
    const coverage = targetCoverageOf(store, V2024, 'basomrade', { kind: 'deso', vintage: 2025 });
    expect(coverage).toHaveLength(320);
    const rows = groupBy(levelRows(V2024, 'basomrade', 'deso'), (r) => r.targetId);
    for (const entry of coverage) {
      const raw = sum((rows.get(entry.targetId) ?? []).map((r) => r.areaShareOfTarget));
      // The raw shares add up to the covered part, less the slivers dropped.
      expect(raw).toBeLessThanOrEqual(entry.coverage + 1e-9);
      expect(raw / entry.coverage).toBeGreaterThan(0.99);
    }
    const whole = coverage.filter((c) => c.coverage >= 0.999);
    expect(whole.length).toBeGreaterThan(250);
    // 1480A0010 is mostly sea: its islands are all a NYKO level has of it, and there its weights still sum to 1.
    const sea = coverage.find((c) => c.targetCode === '1480A0010');
    expect(sea?.coverage).toBeLessThan(0.1);
    expect(sea?.areaM2).toBeGreaterThan(100e6);
    const islands = correspondenceOfTarget(store, 'deso2025:1480A0010', { version: V2024, level: 'stadsomrade' });
    expect(sum(islands.map((r) => r.areaWeight))).toBeCloseTo(1, 9);
    const composition = compositionOf(store, islands[0].nykoId, { kind: 'deso', vintage: 2025 })!;
    expect(composition.parts.find((p) => p.targetId === 'deso2025:1480A0010')?.inside).toBe(false);
  });

  it('holds both directions: |N∩D| = share of D × |D| = share of N × |N|, and each basområde is (almost) all in DeSO', () => {
    const areas = new Map(areasOfVersion(store, V2024, 'basomrade').map((a) => [a.id, a]));
    const targets = new Map(targetCoverageOf(store, V2024, 'basomrade', { kind: 'deso', vintage: 2025 }).map((c) => [c.targetId, c]));
    const rows = levelRows(V2024, 'basomrade', 'deso');
    for (const row of rows.slice(0, 300)) {
      expect(row.areaShareOfTarget * targets.get(row.targetId)!.areaM2).toBeCloseTo(row.overlapM2, 0);
      expect(row.areaShareOfNyko * areas.get(row.nykoId)!.areaM2!).toBeCloseTo(row.overlapM2, -1);
    }
    for (const [id, own] of groupBy(rows, (r) => r.nykoId)) expect(sum(own.map((r) => r.areaShareOfNyko)), id).toBeGreaterThan(0.99);
    expect(groupBy(rows, (r) => r.nykoId).size).toBe(1016);
  });

  it('agrees with SCB’s DeSO → RegSO key: a NYKO area’s overlap with a RegSO is the sum of its overlaps with that RegSO’s DeSO', () => {
    const regsoOf = new Map(readCsv(path.join(GEO, 'deso2025_regso2025_kommun.csv')).map((r) => [`deso2025:${r.desokod}`, `regso2025:${r.regsokod}`]));
    const areaOf = new Map(areasOfVersion(store, V2024, 'primaromrade').map((a) => [a.id, a.areaM2 as number]));
    const desoRows = levelRows(V2024, 'primaromrade', 'deso');
    const regsoRows = levelRows(V2024, 'primaromrade', 'regso');
    const viaDeso = new Map<string, number>();
    for (const row of desoRows) {
      const key = `${row.nykoId}|${regsoOf.get(row.targetId)}`;
      viaDeso.set(key, (viaDeso.get(key) ?? 0) + row.overlapM2);
    }
    let compared = 0;
    for (const row of regsoRows) {
      const expected = viaDeso.get(`${row.nykoId}|${row.targetId}`) ?? 0;
      // Slivers (under 0.1 % of the NYKO area) are dropped on each side separately, so allow for a few.
      expect(Math.abs(row.overlapM2 - expected), `${row.nykoId} ${row.targetId}`).toBeLessThan(Math.max(50, (areaOf.get(row.nykoId) as number) * 0.003));
      compared++;
    }
    expect(compared).toBeGreaterThan(147);
    for (const [target, rows] of groupBy(regsoRows, (r) => r.targetId)) expect(sum(rows.map((r) => r.areaWeight)), target).toBeCloseTo(1, 9);
  });

  it('lists the NYKO areas of a DeSO in every version and level (the target → NYKO direction)', () => {
    const rows = correspondenceOfTarget(store, 'deso2025:1480C2650', { version: V2024, level: 'basomrade' });
    expect(rows.length).toBeGreaterThan(0);
    expect(sum(rows.map((r) => r.areaWeight))).toBeCloseTo(1, 9);
    expect(rows.every((r) => r.weightLayer === null && r.popShareOfTarget === null)).toBe(true);
  });

  it('keeps totals: estimating every basområde from DeSO values gives back the sum of the DeSO values', () => {
    const values = new Map(targetCoverageOf(store, V2024, 'basomrade', { kind: 'deso', vintage: 2025 }).map((c, i) => [c.targetId, 500 + ((i * 37) % 1700)]));
    const total = sum([...values.values()]);
    const estimated = areasOfVersion(store, V2024, 'basomrade').map((a) => estimateCount(compositionOf(store, a.id, { kind: 'deso', vintage: 2025 })!, values).value as number);
    expect(sum(estimated) / total).toBeCloseTo(1, 9);
    // Primärområden hold whole DeSO more often than basområden, so more of their value is exact.
    const exactShare = (level: string) => {
      const estimates = areasOfVersion(store, V2024, level).map((a) => estimateCount(compositionOf(store, a.id, { kind: 'deso', vintage: 2025 })!, values));
      return sum(estimates.map((e) => (e.coverageExact as number) * (e.value as number))) / total;
    };
    expect(exactShare('primaromrade')).toBeGreaterThan(exactShare('basomrade'));
  });
});

describe('Stockholm basområden ↔ DeSO 2018, the other vintage', () => {
  it('corresponds to the 544 DeSO 2018 of Stockholm, whose weights sum to 1 (the simplified outlines overlap a little)', () => {
    const result = importVersion(store, {
      kommun: '0180',
      scheme: 'basomraden',
      label: '2016',
      validFrom: '2016-01-01',
      input: { fileName: 'basomraden_2016_epsg3011.geojson', bytes: readFileSync(path.join(PROJECT_ROOT, 'data/nyko/stockholm/basomraden_2016_epsg3011.geojson')) },
      options: { mapping: { code: 'nyckelkod', name: 'namn' }, levelName: 'basområde' },
      importedBy: 'test',
    });
    expect(result.ok).toBe(true);
    expect(result.correspondence).toMatchObject([{ level: 'basomrade', targetKind: 'deso', targetVintage: 2018, targets: 544, targetsCovered: 544 }]);
    const rows = correspondenceOf(store, areasOfVersion(store, '0180/basomraden/2016').map((a) => a.id), { kind: 'deso', vintage: 2018 });
    expect(rows.every((r) => r.targetId.startsWith('deso2018:0180'))).toBe(true);
    for (const [target, own] of groupBy(rows, (r) => r.targetId)) expect(sum(own.map((r) => r.areaWeight)), target).toBeCloseTo(1, 9);
  });
});

describe('the estimate for a NYKO area that is exactly one DeSO', () => {
  it('is that DeSO’s value, with lower = upper and no allocation interval', () => {
    const { features } = JSON.parse(readFileSync(path.join(GEO, 'deso_2025_goteborgsregionen.wgs84.geojson'), 'utf8')) as { features: { properties: { desokod: string }; geometry: Polygon }[] };
    const deso = features.find((f) => f.properties.desokod === '1480C2650')!;
    const file = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { NYKO: '1', NAMN: 'Stampen' }, geometry: deso.geometry }] };
    const result = importVersion(store, {
      kommun: '1480',
      scheme: 'en-deso',
      label: '2025',
      validFrom: '2025-01-01',
      input: { fileName: 'en-deso.geojson', bytes: Buffer.from(JSON.stringify(file)) },
      options: { levelName: 'område' },
      importedBy: 'test',
    });
    expect(result.ok).toBe(true);
    const id = 'nyko:1480/en-deso/2025/omrade/1';
    expect(areasOfVersion(store, '1480/en-deso/2025').map((a) => a.id)).toEqual([id]);
    const composition = compositionOf(store, id, { kind: 'deso', vintage: 2025 }) as Composition;
    expect(composition).toEqual({ basis: 'area', weightLayer: null, weightYear: null, parts: [{ targetId: 'deso2025:1480C2650', weight: 1, inside: true }] });
    const values = { 'deso2025:1480C2650': 2143, 'deso2025:1480C2640': 1800 };
    expect(estimateCount(composition, values)).toEqual({
      value: 2143,
      lower: 2143,
      upper: 2143,
      intervalLow: 2143,
      intervalHigh: 2143,
      coverageExact: 1,
      inputs: 1,
      exactInputs: 1,
      missingInputs: [],
      provenance: 'NESTED_EXACT',
      label: 'estimate',
      reason: null,
    });
    // Every other DeSO of Göteborg is reported as not covered by this scheme.
    const coverage = targetCoverageOf(store, '1480/en-deso/2025', 'omrade', { kind: 'deso', vintage: 2025 });
    expect(coverage).toHaveLength(320);
    expect(coverage.filter((c) => c.coverage > 0.999).map((c) => c.targetCode)).toEqual(['1480C2650']);
    expect(coverage.filter((c) => c.targetCode !== '1480C2650').every((c) => c.coverage < 1e-6)).toBe(true);
  });
});

describe('estimates', () => {
  const composition: Composition = { basis: 'area', weightLayer: null, weightYear: null, parts: [{ targetId: 'a', weight: 1 }, { targetId: 'b', weight: 0.25 }] };

  it('sums weighted values, with hard bounds from the targets wholly inside and every target touched', () => {
    const estimate = estimateCount(composition, { a: 100, b: 40 });
    expect(estimate).toMatchObject({ value: 110, lower: 100, upper: 140, inputs: 2, exactInputs: 1, provenance: 'ESTIMATED_AREA', label: 'estimate' });
    expect(estimate.coverageExact).toBeCloseTo(100 / 110, 12);
    // ±1.96·√(40 · 0.25 · 0.75), inside the bounds.
    expect(estimate.intervalLow).toBeCloseTo(110 - 1.96 * Math.sqrt(7.5), 9);
    expect(estimate.intervalHigh).toBeCloseTo(110 + 1.96 * Math.sqrt(7.5), 9);
    expect(estimateCount({ ...composition, basis: 'population' }, { a: 1, b: 1 }).provenance).toBe('ESTIMATED_POPULATION');
    // All of a coastal DeSO's land in the area, but the DeSO itself mostly sea: all of it counts, but not as exact.
    const coastal = estimateCount({ ...composition, parts: [{ targetId: 'a', weight: 1, inside: false }] }, { a: 100 });
    expect(coastal).toMatchObject({ value: 100, lower: 0, upper: 100, coverageExact: 0, exactInputs: 0, intervalLow: 100, intervalHigh: 100, provenance: 'ESTIMATED_AREA' });
  });

  it('returns no value when an input is missing, and says which', () => {
    const estimate = estimateCount(composition, new Map([['a', 100], ['b', null]]));
    expect(estimate).toMatchObject({ value: null, lower: null, missingInputs: ['b'] });
    expect(estimate.reason).toMatch(/No value for 1 of 2 targets \(b\)/);
    expect(estimateCount({ ...composition, parts: [] }, {}).reason).toMatch(/no correspondence/);
  });

  it('estimates a rate from numerator and denominator, never by averaging rates, within the targets’ own rates', () => {
    const ratio = estimateRatio(composition, { a: 30, b: 20 }, { a: 100, b: 40 });
    // (30 + 0.25·20) / (100 + 0.25·40) = 35 / 110, not the mean of 0.3 and 0.5.
    expect(ratio.value).toBeCloseTo(35 / 110, 12);
    expect([ratio.lower, ratio.upper]).toEqual([0.3, 0.5]);
    expect(ratio.numerator.value).toBe(35);
    expect(estimateRatio(composition, { a: 1, b: 1 }, { a: 0, b: 0 }).reason).toMatch(/denominator is 0/);
    expect(estimateRatio(composition, { a: 1, b: 1 }, { a: 10, b: 0 })).toMatchObject({ lower: null, upper: null });
  });
});

// ---- population weights ------------------------------------------------------------------------------------

/** A rectangle in metres from an origin far from anything (the method is pure geometry). */
function box(x0: number, x1: number, y0 = 0, y1 = 1000): Polygon {
  return { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
}

describe('population weights', () => {
  it('reproduces the ABS mesh-block example: zones [0,2] and [2,4] onto [0,1], [1,3], [3,4] with blocks of 20, 5, 50, 10', () => {
    // The zones play the DeSO (targets), the three areas the NYKO areas; kilometres become 1,000 m.
    const zones: TargetArea[] = [
      { kind: 'deso', vintage: 2025, code: 'Z1', id: 'z1', polygon: new PlanarPolygon(box(0, 2000)) },
      { kind: 'deso', vintage: 2025, code: 'Z2', id: 'z2', polygon: new PlanarPolygon(box(2000, 4000)) },
    ];
    const nyko = [
      { id: 'A', code: 'A', polygon: new PlanarPolygon(box(0, 1000)) },
      { id: 'B', code: 'B', polygon: new PlanarPolygon(box(1000, 3000)) },
      { id: 'C', code: 'C', polygon: new PlanarPolygon(box(3000, 4000)) },
    ];
    const blocks = [20, 5, 50, 10].map((population, i) => ({ minX: i * 1000, minY: 0, maxX: (i + 1) * 1000, maxY: 1000, population }));
    const { pairs, coverage } = computeCorrespondence(nyko, zones, { layer: 'mesh-blocks', year: 2021, cells: blocks });
    const weights = Object.fromEntries(pairs.map((p) => [`${p.target.code}→${p.nykoCode}`, [p.areaShareOfTarget, p.popShareOfTarget, p.popShareOfNyko]]));
    const expected = {
      'Z1→A': [0.5, 20 / 25, 1],
      'Z1→B': [0.5, 5 / 25, 5 / 55],
      'Z2→B': [0.5, 50 / 60, 50 / 55],
      'Z2→C': [0.5, 10 / 60, 1],
    };
    expect(Object.keys(weights)).toEqual(Object.keys(expected));
    for (const [pair, values] of Object.entries(expected)) values.forEach((value, i) => expect(weights[pair][i], pair).toBeCloseTo(value, 12));
    expect(pairs.every((p) => p.weightLayer === 'mesh-blocks' && p.weightYear === 2021)).toBe(true);
    expect(coverage.map((c) => [c.target.code, c.coverage])).toEqual([
      ['Z1', 1],
      ['Z2', 1],
    ]);
    expect(coverage.map((c) => c.population)).toEqual([expect.closeTo(25, 9), expect.closeTo(60, 9)]);
  });

  it('splits a cell by area between the pieces it straddles (stage two)', () => {
    const split = populationSplit([{ minX: 0, minY: 0, maxX: 1000, maxY: 1000, population: 100 }], [new PlanarPolygon(box(0, 300)), new PlanarPolygon(box(300, 1000))], [new PlanarPolygon(box(0, 1000, 0, 500))]);
    expect([...split.first]).toEqual([30, 70]);
    expect([...split.second]).toEqual([50]);
    expect(Object.fromEntries(split.pairs)).toEqual({ '0:0': 15, '1:0': 35 });
  });

  describe('on SCB’s 1 km grid: Falun cut into 5 km squares on the grid lines', () => {
    const cells = readCsv(path.join(GEO, 'befolkning_1km_2025_dalarna.csv'));
    const falun = targetsForKommun(path.join(PROJECT_ROOT, 'data'), '2080').find((s) => s.kind === 'deso' && s.vintage === 2025)!;
    const [minX, minY, maxX, maxY] = falun.areas.reduce(
      (b, d) => [Math.min(b[0], d.polygon.bbox[0]), Math.min(b[1], d.polygon.bbox[1]), Math.max(b[2], d.polygon.bbox[2]), Math.max(b[3], d.polygon.bbox[3])],
      [Infinity, Infinity, -Infinity, -Infinity],
    );
    const squares: { code: string; geometry: Polygon; inside: number }[] = [];
    for (let x = Math.floor(minX / 5000) * 5000; x < maxX; x += 5000) {
      for (let y = Math.floor(minY / 5000) * 5000; y < maxY; y += 5000) {
        const geometry = box(x, x + 5000, y, y + 5000);
        const square = new PlanarPolygon(geometry);
        const inside = sum(falun.areas.map((d) => intersectionArea(square, d.polygon)));
        if (inside > 0) squares.push({ code: `${x / 1000}${y / 1000}`, geometry, inside });
      }
    }
    let rows: CorrespondenceRow[];
    beforeAll(() => {
      const file = {
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3006' } },
        features: squares.map((s) => ({ type: 'Feature', properties: { NYKO: s.code }, geometry: s.geometry })),
      };
      const result = importVersion(store, {
        kommun: '2080',
        scheme: 'rutor',
        label: '1',
        validFrom: '2025-01-01',
        input: { fileName: 'rutor.geojson', bytes: Buffer.from(JSON.stringify(file)) },
        options: { levelName: 'ruta' },
        importedBy: 'test',
      });
      expect(result.report?.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(result.correspondence).toMatchObject([{ targetKind: 'deso', targetVintage: 2025, weightLayer: 'scb-grid-1km', weightYear: 2025, targets: 37, targetsCovered: 37 }]);
      rows = correspondenceOf(store, areasOfVersion(store, '2080/rutor/1').map((a) => a.id), { kind: 'deso', vintage: 2025 });
    }, 60_000);

    it('gives every Falun DeSO population weights that sum to 1, and every square shares that sum to 1', () => {
      for (const [target, own] of groupBy(rows, (r) => r.targetId)) {
        expect(sum(own.map((r) => r.areaWeight)), target).toBeCloseTo(1, 9);
        expect(sum(own.map((r) => r.popShareOfTarget as number)), target).toBeCloseTo(1, 9);
      }
      for (const [square, own] of groupBy(rows, (r) => r.nykoId)) {
        const people = sum(own.map((r) => r.population as number));
        if (people > 0) expect(sum(own.map((r) => r.popShareOfNyko as number)), square).toBeCloseTo(1, 9);
      }
    });

    it('puts exactly the residents of its 1 km squares in a 5 km square wholly inside Falun', () => {
      const interior = squares.filter((s) => s.inside > 25e6 - 1);
      expect(interior.length).toBeGreaterThan(10);
      for (const square of interior) {
        const [x, y] = square.geometry.coordinates[0][0];
        const expected = sum(cells.filter((c) => Number(c.e) > x && Number(c.e) < x + 5000 && Number(c.n) > y && Number(c.n) < y + 5000).map((c) => Number(c.befolkning_2025)));
        const got = sum(rows.filter((r) => r.nykoCode === square.code).map((r) => r.population as number));
        expect(got, square.code).toBeCloseTo(expected, 6);
      }
    });

    it('weights by where people live: forest-heavy DeSO split between squares get population weights far from their area weights', () => {
      const gaps = rows.map((r) => Math.abs((r.popShareOfTarget as number) - r.areaWeight));
      expect(Math.max(...gaps)).toBeGreaterThan(0.3);
      const composition = compositionOf(store, rows[0].nykoId, { kind: 'deso', vintage: 2025 }, 'population')!;
      expect(composition).toMatchObject({ basis: 'population', weightLayer: 'scb-grid-1km', weightYear: 2025 });
      expect(estimateCount(composition, { [rows[0].targetId]: 100 }).provenance).toMatch(/NESTED_EXACT|ESTIMATED_POPULATION/);
    });

    it('falls back to area weights, and says so, where no population surface exists (Göteborg)', () => {
      expect(compositionOf(store, 'nyko:1480/omraden/2024/basomrade/10101', { kind: 'deso', vintage: 2025 }, 'population')?.basis).toBe('area');
    });
  });
});
