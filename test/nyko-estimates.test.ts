// Statistics and mobility estimated on NYKO areas through federation: nyko resolves an area's composition in DeSO 2025,
// statistics and mobility compute from it with @requires. Real figures: Göteborg's basområden on the synthetic
// mobility default, Falun's DeSO populations 2024 (SCB, TAB6574) on areas imported through the API.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { newToken } from '../subgraphs/nyko/auth.ts';
import { subgraphs } from '../subgraphs/index.ts';
import mobility from '../subgraphs/mobility/index.ts';
import statistics from '../subgraphs/statistics/index.ts';
import { desoSplitsFromCodes } from '../lib/deso-splits.ts';
import type { countEstimateOf } from '../lib/estimate.ts';
import { inProcessSubgraph, postGraphql, startStack, type Stack } from './harness.ts';

const falunToken = newToken('falun-gis', ['2080']);
const goteborgToken = newToken('goteborg-gis', ['1480']);
let stack: Stack;
let dir: string;

beforeAll(async () => {
  // Imports write: each run gets its own copy of the seeded store (Göteborg 2024).
  dir = mkdtempSync(path.join(tmpdir(), 'regiongraph-nyko-estimates-'));
  const store = path.join(dir, 'nyko.sqlite');
  copyFileSync(path.join(inject('storeDir'), 'nyko.sqlite'), store);
  stack = await startStack(subgraphs, { NYKO_STORE: store, NYKO_TOKENS: [falunToken.entry, goteborgToken.entry].join(','), RESPONSE_CACHE: 'off' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A `CountEstimate` as the gateway answers it (the shape countEstimateOf gives the resolvers). */
type Estimate = ReturnType<typeof countEstimateOf>;

const ESTIMATE = 'value lower upper intervalLow intervalHigh coverageExact inputs exactInputs missingInputs provenance label reason parts { area { id } weight inside value }';

async function query<T>(text: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphql<T>(stack.gatewayUrl, text, variables);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!;
}

/** Fields of many areas by id, in requests of at most 25 aliases (the gateway allows 30). */
async function byIds<T>(ids: string[], fields: string): Promise<T[]> {
  const found: T[] = [];
  for (let start = 0; start < ids.length; start += 25) {
    const chunk = ids.slice(start, start + 25);
    const data = await query<Record<string, T>>(`{ ${chunk.map((id, i) => `a${i}: area(id: "${id}") { ${fields} }`).join(' ')} }`);
    found.push(...chunk.map((_, i) => data[`a${i}`]));
  }
  return found;
}

/** Bounds hold around the value and the interval lies within them. */
function expectOrdered(estimate: Estimate) {
  expect(estimate.label).toBe('estimate');
  expect(estimate.value).not.toBeNull();
  const [lower, low, value, high, upper] = [estimate.lower!, estimate.intervalLow!, estimate.value!, estimate.intervalHigh!, estimate.upper!];
  expect(lower).toBeLessThanOrEqual(low + 1e-9);
  expect(low).toBeLessThanOrEqual(value + 1e-9);
  expect(value).toBeLessThanOrEqual(high + 1e-9);
  expect(high).toBeLessThanOrEqual(upper + 1e-9);
}

describe('Göteborg’s basområden: mobility estimated through federation', () => {
  type Row = { id: string; nykoComposition: { basis: string; parts: { areaId: string; weight: number; inside: boolean }[] }; mobilityEstimate: { residents: Estimate; trips: Estimate; dayNightPopulation: { night: Estimate; day: Estimate; ratio: number | null }; source: { synthetic: boolean } } };
  let rows: Row[];
  let kommun: { residents: number; trips: { total: { value: number } } };

  beforeAll(async () => {
    const data = await query<{ nykoAreas: Row[]; area: { mobility: typeof kommun } }>(`{
      nykoAreas(kommun: "1480", level: "basomrade") {
        id nykoComposition { basis parts { areaId weight inside } }
        mobilityEstimate { residents { ${ESTIMATE} } trips { ${ESTIMATE} } dayNightPopulation { night { ${ESTIMATE} } day { ${ESTIMATE} } ratio } source { synthetic } }
      }
      area(id: "kommun:1480") { mobility { residents trips { total { value } } } }
    }`);
    rows = data.nykoAreas;
    kommun = data.area.mobility;
  }, 60_000);

  it('gives every one of the 1016 basområden a composition in DeSO 2025 by area, and an estimate labelled synthetic', () => {
    expect(rows).toHaveLength(1016);
    expect(rows.every((row) => row.nykoComposition.basis === 'AREA' && row.nykoComposition.parts.length > 0)).toBe(true);
    expect(rows.every((row) => row.nykoComposition.parts.every((part) => part.areaId.startsWith('deso2025:1480')))).toBe(true);
    expect(rows.every((row) => row.mobilityEstimate.source.synthetic)).toBe(true);
  });

  it('adds the residents of the basområden up to the kommun’s, because each DeSO’s weights sum to 1 over the level', () => {
    const sum = rows.reduce((total, row) => total + row.mobilityEstimate.residents.value!, 0);
    expect(sum).toBeCloseTo(kommun.residents, 3);
    // Trips are protected per DeSO and per kommun separately (rounding, perturbation): equal within a few trips.
    const trips = rows.reduce((total, row) => total + row.mobilityEstimate.trips.value!, 0);
    expect(Math.abs(trips - kommun.trips.total.value)).toBeLessThan(50);
  });

  it('keeps every estimate within its hard bounds, and the interval within them', () => {
    for (const row of rows) {
      const { residents, dayNightPopulation } = row.mobilityEstimate;
      expectOrdered(residents);
      for (const estimate of [dayNightPopulation.night, dayNightPopulation.day]) {
        // A DeSO hour with fewer than k devices is suppressed: then the estimate is missing, and says why.
        if (estimate.value === null) expect(estimate.reason).toMatch(/suppressed by disclosure control/);
        else expectOrdered(estimate);
      }
      expect(residents.provenance).toBe(residents.parts.every((part) => part.inside) ? 'NESTED_EXACT' : 'ESTIMATED_AREA');
      // The value is the weighted sum of the parts' own values.
      const sum = residents.parts.reduce((total, part) => total + part.weight * part.value!, 0);
      expect(residents.value).toBeCloseTo(sum, 6);
    }
  });

  it('puts DeSO that SCB split in 2025 back together on DeSO 2018, where the aggregates are kept, and says so', () => {
    const merged = rows.filter((row) => row.mobilityEstimate.residents.parts.some((part) => part.area.id.startsWith('deso2018:')));
    expect(merged.length).toBeGreaterThan(0);
    for (const row of merged) {
      expect(row.mobilityEstimate.residents.reason).toMatch(/split by SCB in 2025 .* count whole, weighted by the mean of their 2025 parts’ weights/);
      expect(row.mobilityEstimate.residents.value).not.toBeNull();
    }
  });

  it('says why a Göteborg population estimate is missing offline, and how to get the figures', async () => {
    const data = await query<{ nykoAreas: { populationEstimate: { estimate: Estimate; source: unknown } }[] }>(
      '{ nykoAreas(kommun: "1480", level: "stadsomrade") { populationEstimate(year: 2024) { estimate { value inputs missingInputs reason } source { tableId } } } }',
    );
    for (const { populationEstimate } of data.nykoAreas) {
      expect(populationEstimate.estimate.value).toBeNull();
      expect(populationEstimate.estimate.missingInputs).toHaveLength(populationEstimate.estimate.inputs);
      expect(populationEstimate.estimate.reason).toContain('npm run sync -- population-deso');
      expect(populationEstimate.source).toBeNull();
    }
  });

  it('answers null estimates for areas that are not NYKO areas', async () => {
    const data = await query<{ area: { nykoComposition: null; populationEstimate: null; mobilityEstimate: null } }>(
      '{ area(id: "deso2025:1480C2650") { nykoComposition { basis } populationEstimate(year: 2024) { year } mobilityEstimate { date } } }',
    );
    expect(data.area).toEqual({ nykoComposition: null, populationEstimate: null, mobilityEstimate: null });
  });
});

describe('Falun: population estimates from SCB’s DeSO figures on areas imported through the API', () => {
  /** Falun's real DeSO 2025 outlines, SWEREF 99 TM, from the shipped WFS extract. */
  const falun = (() => {
    const file = JSON.parse(readFileSync(path.join(process.cwd(), 'data/geo/deso_2025_dalarna_wfs_raw.epsg3006.geojson'), 'utf8')) as {
      features: { properties: { desokod: string; kommunkod: string }; geometry: { type: string; coordinates: number[][][] | number[][][][] } }[];
    };
    return file.features.filter((feature) => feature.properties.kommunkod === '2080');
  })();
  const IMPORT = 'mutation($input: NykoImportInput!) { importNykoVersion(input: $input) { written areaCount } }';
  const geojson = (features: { code: string; geometry: unknown }[]) =>
    JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3006' } },
      features: features.map((f) => ({ type: 'Feature', properties: { NYKO: f.code, NAMN: `Område ${f.code}` }, geometry: f.geometry })),
    });
  async function importScheme(scheme: string, features: { code: string; geometry: unknown }[]) {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${falunToken.token}` },
      body: JSON.stringify({
        query: IMPORT,
        variables: { input: { kommun: '2080', scheme, label: '2025', validFrom: '2025-01-01', files: [{ fileName: `${scheme}.geojson`, content: geojson(features) }] } },
      }),
    });
    const body = (await response.json()) as { data?: { importNykoVersion: { written: boolean } }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data!.importNykoVersion.written).toBe(true);
  }

  it('estimates each area of a scheme whose areas are Falun’s DeSO as that DeSO’s published figure, exact and with no spread', async () => {
    await importScheme('desoexakt', falun.map((feature, i) => ({ code: String(i + 1), geometry: feature.geometry })));
    const published = await byIds<{ population: { value: number }; mobility: { residents: number } | null }>(
      falun.map((feature) => `deso2025:${feature.properties.desokod}`),
      'population(year: 2024) { value } mobility { residents }',
    );
    const data = await query<{ nykoAreas: { nyko: { code: string }; populationEstimate: { estimate: Estimate; source: { tableId: string; method: string } }; mobilityEstimate: { residents: Estimate } }[] }>(
      `{ nykoAreas(kommun: "2080", scheme: "desoexakt") { nyko { code } populationEstimate(year: 2024) { estimate { ${ESTIMATE} } source { tableId method } } mobilityEstimate { residents { ${ESTIMATE} } } } }`,
    );
    expect(data.nykoAreas).toHaveLength(falun.length);
    for (const area of data.nykoAreas) {
      const i = Number(area.nyko.code) - 1;
      const id = `deso2025:${falun[i].properties.desokod}`;
      const { population, mobility: deso } = published[i];
      expect(population.value).toBeGreaterThan(500);
      expect(area.populationEstimate.estimate, id).toMatchObject({
        value: population.value,
        lower: population.value,
        upper: population.value,
        intervalLow: population.value,
        intervalHigh: population.value,
        coverageExact: 1,
        inputs: 1,
        exactInputs: 1,
        missingInputs: [],
        provenance: 'NESTED_EXACT',
        label: 'estimate',
        parts: [{ area: { id }, weight: 1, inside: true, value: population.value }],
      });
      expect(area.populationEstimate.source).toMatchObject({ tableId: 'TAB6574', method: expect.stringContaining('estimate') });
      // Mobility keeps its aggregates on DeSO 2018: a DeSO with an unchanged code gives exactly its residents.
      if (deso) expect(area.mobilityEstimate.residents).toMatchObject({ value: deso.residents, provenance: 'NESTED_EXACT', coverageExact: 1 });
    }
    expect(Object.values(published).filter((deso) => deso.mobility !== null).length).toBeGreaterThan(falun.length / 2);
  });

  it('splits DeSO by SCB’s 1 km population grid for an area cutting across Falun, within hard bounds', async () => {
    // A 3 × 3 km square around the middle of Falun's urban DeSO (C), on the grid lines.
    const urban = falun.filter((feature) => feature.properties.desokod.includes('C'));
    const points = urban.flatMap((feature) => (feature.geometry.type === 'Polygon' ? (feature.geometry.coordinates as number[][][])[0] : (feature.geometry.coordinates as number[][][][])[0][0]));
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const [e, n] = [Math.round(median(points.map((p) => p[0])) / 1000) * 1000, Math.round(median(points.map((p) => p[1])) / 1000) * 1000];
    const square = { type: 'Polygon', coordinates: [[[e - 1500, n - 1500], [e + 1500, n - 1500], [e + 1500, n + 1500], [e - 1500, n + 1500], [e - 1500, n - 1500]]] };
    await importScheme('ruta', [{ code: '1', geometry: square }]);
    const data = await query<{ nykoAreas: { nykoComposition: { basis: string; weightLayer: string }; populationEstimate: { estimate: Estimate } }[] }>(
      `{ nykoAreas(kommun: "2080", scheme: "ruta") { nykoComposition { basis weightLayer } populationEstimate(year: 2024) { estimate { ${ESTIMATE} } } } }`,
    );
    const [{ nykoComposition, populationEstimate }] = data.nykoAreas;
    expect(nykoComposition.basis).toBe('POPULATION');
    const { estimate } = populationEstimate;
    expect(estimate.provenance).toBe('ESTIMATED_POPULATION');
    expect(estimate.inputs).toBeGreaterThan(3);
    expectOrdered(estimate);
    expect(estimate.lower!).toBeLessThan(estimate.upper!);
    expect(estimate.coverageExact!).toBeGreaterThanOrEqual(0);
    expect(estimate.coverageExact!).toBeLessThan(1);
    // Every DeSO value comes from SCB's published figure, and the estimate is their weighted sum.
    const ids = estimate.parts.map((part) => part.area.id);
    const published = await byIds<{ id: string; population: { value: number } }>(ids, 'id population(year: 2024) { value }');
    const byId = new Map(published.map((area) => [area.id, area.population.value]));
    expect(estimate.parts.every((part) => part.value === byId.get(part.area.id))).toBe(true);
    expect(estimate.value).toBeCloseTo(estimate.parts.reduce((sum, part) => sum + part.weight * byId.get(part.area.id)!, 0), 6);
  });
});

describe('batching the estimates', () => {
  const REQUIRES = (ids: string[]) =>
    ids.map((id, i) => ({
      __typename: 'Area',
      id: `nyko:1480/omraden/2024/basomrade/${i}`,
      nykoComposition: { basis: 'AREA', weightLayer: null, weightYear: null, parts: [{ areaId: id, weight: 0.5, inside: false }] },
    }));

  it('reads every DeSO figure of 200 NYKO areas’ population estimates in one statistics store call', async () => {
    const subgraph = await inProcessSubgraph(statistics);
    try {
      const factsFor = vi.spyOn(subgraph.source, 'factsFor');
      const ids = Array.from({ length: 200 }, (_, i) => `deso2025:2080C${String(1010 + 10 * (i % 20)).padStart(4, '0')}`);
      const result = await subgraph.execute<{ _entities: { populationEstimate: { estimate: { inputs: number } } }[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { populationEstimate(year: 2024) { estimate { inputs } } } } }',
        { r: REQUIRES(ids) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toHaveLength(200);
      expect(factsFor).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
      await subgraph.close();
    }
  });

  it('reads the presence of 200 NYKO areas’ DeSO for the day and night estimates in one mobility store call', async () => {
    const subgraph = await inProcessSubgraph(mobility);
    try {
      const presenceFor = vi.spyOn(subgraph.source, 'presenceFor');
      const ids = Array.from({ length: 200 }, (_, i) => `deso2025:1480C${String(1010 + 10 * (i % 50)).padStart(4, '0')}`);
      const result = await subgraph.execute<{ _entities: { mobilityEstimate: { dayNightPopulation: { night: { inputs: number } } } }[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { mobilityEstimate { dayNightPopulation { night { inputs } day { inputs } } } } } }',
        { r: REQUIRES(ids) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities).toHaveLength(200);
      expect(presenceFor).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
      await subgraph.close();
    }
  });
});

describe('DeSO splits of the 2025 revision', () => {
  it('finds a split from the codes (X…0 → X…1, X…2) and guesses nothing else', () => {
    const splits = desoSplitsFromCodes(['1480C3220', '1480C3230', '0586C2010'], ['1480C3221', '1480C3222', '1480C3230', '0586B2010']);
    expect([...splits]).toEqual([['1480C3220', ['1480C3221', '1480C3222']]]);
  });
});

describe('the issue’s query: Göteborg’s basområden with parents, lineage since 2021, DeSO weights and estimates', () => {
  it('answers the example operation after the 2021 version is imported through the API', async () => {
    const file = 'basomraden_2021_epsg3007.geojson';
    const imported = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${goteborgToken.token}` },
      body: JSON.stringify({
        query: 'mutation($input: NykoImportInput!) { importNykoVersion(input: $input) { written areaCount } }',
        variables: {
          input: {
            kommun: '1480', scheme: 'omraden', label: '2021', validFrom: '2021-01-01', files: [
              { fileName: file, level: 'basområde', content: readFileSync(path.join(process.cwd(), 'data/nyko/goteborg', file), 'utf8') },
            ],
          },
        },
      }),
    });
    const body = (await imported.json()) as { data?: { importNykoVersion: { written: boolean; areaCount: number } }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data!.importNykoVersion.written).toBe(true);

    type Area = {
      nyko: { parent: { id: string; nyko: { name: string; level: { name: string } } }; lineage: { relation: string; fromVersion: string }[]; overlaps: { weight: number }[] };
      populationEstimate: { estimate: { value: number | null; label: string; reason: string } };
      mobilityEstimate: { residents: { value: number; lower: number; upper: number; intervalLow: number; intervalHigh: number }; source: { synthetic: boolean } };
    };
    const operation = readFileSync(path.join(process.cwd(), 'schema/operations/GoteborgNyko.graphql'), 'utf8');
    const { nykoAreas } = await query<{ nykoAreas: Area[] }>(operation);
    expect(nykoAreas).toHaveLength(1016);
    expect(nykoAreas.every((area) => area.nyko.parent.nyko.level.name.toLowerCase() === 'primärområde')).toBe(true);
    // Lineage back to 2021 (counts as nyko-lineage.test.ts establishes them from the files).
    const relations = nykoAreas.flatMap((area) => area.nyko.lineage.map((link) => link.relation));
    expect(relations.filter((relation) => relation === 'UNCHANGED')).toHaveLength(881);
    expect(relations.filter((relation) => relation === 'SPLIT')).toHaveLength(6); // 41005 → 41009, 41010; 30606 and 30610 → 30611–30614
    // The 8 new codes were carved or split out of 2021 areas: every 2024 area comes from 2021 land.
    expect(nykoAreas.every((area) => area.nyko.lineage.length > 0 && area.nyko.lineage.every((link) => link.fromVersion === '2021'))).toBe(true);
    expect(nykoAreas.every((area) => area.nyko.overlaps.length > 0 && area.nyko.overlaps.every((overlap) => overlap.weight > 0 && overlap.weight <= 1))).toBe(true);
    for (const area of nykoAreas) {
      expect(area.populationEstimate.estimate).toMatchObject({ value: null, label: 'estimate', reason: expect.stringContaining('population-deso') });
      const { residents } = area.mobilityEstimate;
      expect(area.mobilityEstimate.source.synthetic).toBe(true);
      expect(residents.lower).toBeLessThanOrEqual(residents.intervalLow);
      expect(residents.intervalLow).toBeLessThanOrEqual(residents.value + 1e-9);
      expect(residents.value).toBeLessThanOrEqual(residents.intervalHigh + 1e-9);
      expect(residents.intervalHigh).toBeLessThanOrEqual(residents.upper);
    }
  }, 120_000);
});
