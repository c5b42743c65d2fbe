// The statistics subgraph in process: typed facts on Area from the offline snapshot, batching, sums allowed and refused, errors.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AppConfig } from '../lib/config.ts';
import { readCsv } from '../lib/csv.ts';
import { openStore } from '../lib/db.ts';
import { createLogger } from '../lib/log.ts';
import { createSubgraphServer } from '../lib/subgraph.ts';
import statistics from '../subgraphs/statistics/index.ts';
import type { StatisticsContext } from '../subgraphs/statistics/resolvers.ts';
import { statisticsStoreSpec, type StatisticsSource } from '../subgraphs/statistics/source.ts';

let tmp: string;
let config: AppConfig;
let source: StatisticsSource;
let server: ApolloServer<StatisticsContext>;

const log = createLogger('statistics', 'error');

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-statistics-'));
  config = loadConfig({ REGIONGRAPH_STORE_DIR: tmp, REGIONGRAPH_SYNC_DIR: path.join(tmp, 'sync') });
  source = await statistics.createSource(config, log);
  server = createSubgraphServer(statistics, log);
});

afterAll(async () => {
  await server?.stop();
  if (source) await statistics.closeSource?.(source);
  rmSync(tmp, { recursive: true, force: true });
});

interface Result<T> {
  data?: T;
  errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

async function execute<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<Result<T>> {
  const response = await server.executeOperation({ query, variables }, { contextValue: statistics.createContext(source) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as Result<T>;
}

/** Fields of one area, resolved as the gateway asks for them: through _entities. */
async function area<T = Record<string, unknown>>(id: string, selection: string): Promise<T> {
  const result = await execute<{ _entities: T[] }>(
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { ${selection} } } }`,
    { r: [{ __typename: 'Area', id }] },
  );
  expect(result.errors).toBeUndefined();
  return result.data!._entities[0];
}

const csv = (file: string) => readCsv(path.join(loadConfig().dataDir, 'scb', file));

interface Figure {
  value: number | null;
  status: string;
  age: { from: number; to: number | null; label: string };
  source: { tableId: string; method: string; cellKeyNoise: boolean; offline: boolean; unit: string; asOf: string };
}

describe('Area.population', () => {
  it('gives Göteborg its 2020 figure with the table, update, unit and method it comes from', async () => {
    const { population } = await area<{ population: Figure & { referenceDate: string; sex: string } }>(
      'kommun:1480',
      'population(year: 2020) { value status referenceDate sex age { from to label } source { tableId table publisher asOf unit licence method cellKeyNoise offline } }',
    );
    expect(population).toEqual({
      value: 583_056,
      status: 'PUBLISHED',
      referenceDate: '2020-12-31',
      sex: 'TOTAL',
      age: { from: 0, to: null, label: 'all ages' },
      source: {
        tableId: 'BE0101',
        table: 'Folkmängd i riket, län och kommuner 31 december 1950–2020',
        publisher: 'SCB',
        asOf: '2021-02-22',
        unit: 'persons',
        licence: 'CC0 1.0',
        method: 'published value',
        cellKeyNoise: false,
        offline: true,
      },
    });
  });

  it("gives the country SCB's published totals for 2019 and 2020, as sums of the kommun figures", async () => {
    const { a, b } = await area<{ a: Figure; b: Figure }>('country:SE', 'a: population(year: 2019) { value source { method } } b: population(year: 2020) { value }');
    expect(a.value).toBe(10_327_589);
    expect(a.source.method).toBe('sum of the kommun figures');
    expect(b.value).toBe(10_379_295);
  });

  it('answers any sex and age range of a kommun in 2019 from the single-year table, summing only what SCB did not publish', async () => {
    const rows = csv('folkmangd_kommun_alder_kon_2019.csv').filter((row) => row.kommunkod === '2080' && row.kon === 'kvinnor');
    const expected = rows.filter((row) => Number(row.alder) >= 65).reduce((sum, row) => sum + Number(row.folkmangd_2019), 0);
    const { retired, group } = await area<{ retired: Figure; group: Figure }>(
      'kommun:2080',
      'retired: population(year: 2019, sex: FEMALE, age: {from: 65}) { value age { label } source { tableId method } } ' +
        'group: population(year: 2019, sex: FEMALE, age: {from: 20, to: 24}) { value source { method } }',
    );
    expect(retired.value).toBe(expected);
    expect(retired.age.label).toBe('65+');
    expect(retired.source).toEqual({ tableId: 'TAB638', method: 'sum of single-year ages' });
    const band = rows.filter((row) => Number(row.alder) >= 20 && Number(row.alder) <= 24).reduce((sum, row) => sum + Number(row.folkmangd_2019), 0);
    expect(group.value).toBe(band);
  });

  it('lists five-year groups of one sex that add up to that sex’s total', async () => {
    const { groups, total } = await area<{ groups: Figure[]; total: Figure }>(
      'lan:20',
      'groups: populationByAge(year: 2019, sex: MALE, grouping: FIVE_YEARS) { value age { from to label } } total: population(year: 2019, sex: MALE) { value }',
    );
    expect(groups.map((g) => g.age.label)).toEqual([...Array.from({ length: 20 }, (_, i) => `${i * 5}–${i * 5 + 4}`), '100+']);
    expect(groups.reduce((sum, g) => sum + (g.value ?? 0), 0)).toBe(total.value);
  });

  it('gives only published cells of tables with cell-key noise: Stockholm 2025 ages 20–24 is 54 255, not the 54 253 of its single years', async () => {
    const { published, unpublished, total } = await area<{ published: Figure; unpublished: Figure | null; total: Figure }>(
      'kommun:0180',
      'published: population(year: 2025, age: {from: 20, to: 24}) { value source { tableId cellKeyNoise } } ' +
        'unpublished: population(year: 2025, age: {from: 20, to: 22}) { value } total: population(year: 2025) { value }',
    );
    expect(published.value).toBe(54_255);
    expect(published.source).toEqual({ tableId: 'TAB5557', cellKeyNoise: true });
    expect(unpublished).toBeNull();
    expect(total.value).toBe(999_239);
  });

  it('gives monthly figures of a län from TAB6471 with the last day of the month as reference date', async () => {
    const { month } = await area<{ month: Figure & { referenceDate: string; period: string } }>(
      'lan:01',
      'month: population(year: 2026, month: 1, age: {from: 0, to: 9}) { value referenceDate period source { tableId cellKeyNoise } }',
    );
    expect(month).toEqual({ value: 245_284, referenceDate: '2026-01-31', period: '2026M01', source: { tableId: 'TAB6471', cellKeyNoise: true } });
  });

  it('gives a kommun’s annual series from 1950 to 2020, oldest first, limited when asked', async () => {
    const { all, some } = await area<{ all: { year: number }[]; some: { year: number; value: number }[] }>(
      'kommun:1480',
      'all: populationSeries { year } some: populationSeries(from: 2019, to: 2020) { year value }',
    );
    expect(all.map((f) => f.year)).toEqual(Array.from({ length: 71 }, (_, i) => 1950 + i));
    expect(some).toEqual([
      { year: 2019, value: expect.any(Number) },
      { year: 2020, value: 583_056 },
    ]);
  });

  it('answers 290 kommuner for three years with one source call, in representation order', async () => {
    const codes = [...new Set(csv('folkmangd_kommun_1950-2020.csv').map((row) => row.kommunkod))].reverse();
    expect(codes).toHaveLength(290);
    const spy = vi.spyOn(source, 'factsFor');
    try {
      const result = await execute<{ _entities: { id: string; a: Figure; b: Figure; c: Figure }[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { id a: population(year: 1970) { value } b: population(year: 2000) { value } c: population(year: 2020) { value } } } }',
        { r: codes.map((code) => ({ __typename: 'Area', id: `kommun:${code}` })) },
      );
      expect(result.errors).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toHaveLength(870);
      expect(result.data!._entities.map((entity) => entity.id)).toEqual(codes.map((code) => `kommun:${code}`));
      expect(result.data!._entities.every((entity) => entity.a.value! > 0 && entity.c.value! > 0)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers age groups of 290 kommuner with one source call', async () => {
    const codes = [...new Set(csv('folkmangd_kommun_1950-2020.csv').map((row) => row.kommunkod))];
    const spy = vi.spyOn(source, 'ageGroupsFor');
    try {
      const result = await execute<{ _entities: { groups: Figure[] }[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { groups: populationByAge(year: 2019, grouping: TEN_YEARS) { value age { label } } } } }',
        { r: codes.map((code) => ({ __typename: 'Area', id: `kommun:${code}` })) },
      );
      expect(result.errors).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(result.data!._entities.every((entity) => entity.groups.length === 11 && entity.groups[10].age.label === '100+')).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('gives single years, and only the published groups of a table with cell-key noise', async () => {
    const { single, stockholm } = await area<{ single: Figure[]; stockholm: Figure[] }>(
      'kommun:0180',
      'single: populationByAge(year: 2019, sex: FEMALE, grouping: SINGLE_YEARS) { value age { label } } ' +
        'stockholm: populationByAge(year: 2025, grouping: FIVE_YEARS) { value age { label } source { cellKeyNoise } }',
    );
    expect(single).toHaveLength(101);
    expect(single[100].age.label).toBe('100+');
    expect(stockholm.find((g) => g.age.label === '20–24')?.value).toBe(54_255);
    expect(stockholm.every((g) => g.source.cellKeyNoise)).toBe(true);
  });

  it('is null without errors where the snapshot has nothing: a tätort, a year before 1950', async () => {
    const result = await execute<{ _entities: { population: unknown }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { population(year: 1949) { value } } } }',
      { r: [{ __typename: 'Area', id: 'tatort2020:0114TB103' }, { __typename: 'Area', id: 'kommun:1480' }] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([{ population: null }, { population: null }]);
  });

  it.each([
    ['a year before 1900', 'population(year: 1800) { value }', /from 1900 to \d{4}/],
    ['month 13', 'population(year: 2026, month: 13) { value }', /1 \(January\) to 12/],
    ['an age range upside down', 'population(year: 2019, age: {from: 30, to: 20}) { value }', /0 <= from <= to/],
  ])('rejects %s with BAD_USER_INPUT saying what is expected', async (_case, selection, message) => {
    const result = await execute(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { ${selection} } } }`, {
      r: [{ __typename: 'Area', id: 'kommun:1480' }],
    });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(message);
  });

  it('rejects a malformed area id in one representation and still answers the others', async () => {
    const result = await execute<{ _entities: ({ population: Figure } | null)[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { population(year: 2020) { value } } } }',
      { r: [{ __typename: 'Area', id: 'kommun:1480' }, { __typename: 'Area', id: 'kommun:148' }] },
    );
    expect(result.data?._entities[0]?.population.value).toBe(583_056);
    expect(result.data?._entities[1]).toBeNull();
    expect(result.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['BAD_USER_INPUT', ['_entities', 1]]]);
  });
});

describe('typed DeSO facts', () => {
  const FACTS = `
    income(year: 2024) { medianEconomicStandard { value unit status source { tableId cellKeyNoise } } meanNetIncome { value } shareLowEconomicStandard { value } }
    labourMarket(year: 2024) { employmentRate { value age { from to } } unemploymentRate { value } }
    education(year: 2025) { postSecondaryShare { value age { from to } } }
    housing(year: 2025) { rentalShare { value } apartmentBuildingResidentsShare { value status symbol } dwellingsByTenure { category label value { value } } }
    demography(year: 2025) { foreignBackgroundShare { value } shareAged20To34 { value } populationChange { value } }`;

  it('gives every DeSO of Falun and Vansbro the values of the shipped file, with units and provenance', async () => {
    const rows = csv('deso2025_stats_dalarna_vansbro_falun_2024-2025.csv');
    expect(rows).toHaveLength(41);
    for (const row of rows.slice(0, 5)) {
      const facts = await area<Record<string, Record<string, { value: number | null } & Record<string, unknown>>>>(`deso2025:${row.desokod}`, FACTS);
      expect(facts.income.medianEconomicStandard).toMatchObject({
        value: Number(row.median_disp_inkomst_tkr_2024),
        unit: 'SEK thousands',
        status: 'PUBLISHED',
        source: { tableId: 'TAB6684' },
      });
      expect(facts.labourMarket.employmentRate).toMatchObject({ value: Number(row.sysselsattningsgrad_pct_2024), age: { from: 20, to: 64 } });
      expect(facts.education.postSecondaryShare.value).toBe(Number(row.andel_eftergymnasial_utb_25_64_pct_2025));
      expect(facts.housing.rentalShare.value).toBe(Number(row.andel_hyresratt_pct_2025));
      expect(facts.demography.foreignBackgroundShare.value).toBe(Number(row.andel_utlandsk_bakgrund_pct_2025));
    }
  });

  it('keeps the one empty cell of the file null with SCB’s ".." rather than 0', async () => {
    const facts = await area<{ housing: { apartmentBuildingResidentsShare: { value: number | null; status: string; symbol: string } } }>(
      'deso2025:2080C1230',
      FACTS,
    );
    expect(facts.housing.apartmentBuildingResidentsShare).toEqual({ value: null, status: 'NOT_AVAILABLE', symbol: '..' });
  });

  it('sums Falun’s DeSO populations to the kommun total, but never stores that sum as the kommun figure', async () => {
    const rows = csv('deso2025_stats_dalarna_vansbro_falun_2024-2025.csv').filter((row) => row.kommunkod === '2080');
    let sum = 0;
    for (const row of rows) sum += (await area<{ population: Figure }>(`deso2025:${row.desokod}`, 'population(year: 2025) { value }')).population.value!;
    expect(sum).toBe(59_967);
    expect((await area<{ population: Figure | null }>('kommun:2080', 'population(year: 2025) { value }')).population).toBeNull();
  });

  it('is null for a DeSO the snapshot does not cover, and reports coverage for one it does', async () => {
    expect(await area('deso2025:1480C2650', 'income(year: 2024) { meanNetIncome { value } }')).toEqual({ income: null });
    const { statisticsCoverage } = await area<{ statisticsCoverage: { measure: string; years: number[]; tables: string[]; unit: string }[] }>(
      'deso2025:2080C1010',
      'statisticsCoverage { measure years tables unit }',
    );
    expect(statisticsCoverage).toContainEqual({ measure: 'population', years: [2024, 2025], tables: ['TAB6574'], unit: 'persons' });
    expect(statisticsCoverage).toContainEqual({ measure: 'median_economic_standard', years: [2024], tables: ['TAB6684'], unit: 'SEK thousands' });
  });

  it('gives Stockholm’s DeSO 2018 their ekonomisk standard of 2020 with quartile shares', async () => {
    const { income } = await area<{ income: { medianEconomicStandard: { value: number }; economicStandardQuartiles: { category: string; value: { value: number } }[] } }>(
      'deso2018:0180C1010',
      'income(year: 2020) { medianEconomicStandard { value } economicStandardQuartiles { category value { value } } }',
    );
    expect(income.medianEconomicStandard.value).toBe(219.7);
    expect(income.economicStandardQuartiles.map((q) => [q.category, q.value.value])).toEqual([
      ['q1', 38],
      ['q2', 28],
      ['q3', 17],
      ['q4', 16],
    ]);
  });
});

describe('kommun breakdowns', () => {
  it('labels education levels as SCB names them and sums sexes and age bands only for tables without cell-key noise', async () => {
    const rows = csv('utbildningsniva_kommun_alder_kon_2019.csv').filter((row) => row.kommunkod === '2080');
    const { education } = await area<{ education: { byLevel: { label: string; value: { value: number; source: { method: string } } }[] } }>(
      'kommun:2080',
      'education(year: 2019) { byLevel { label value { value source { method } } } }',
    );
    expect(education.byLevel).toHaveLength(new Set(rows.map((row) => row.utbildningsniva)).size);
    for (const level of education.byLevel) {
      const expected = rows.filter((row) => row.utbildningsniva === level.label).reduce((sum, row) => sum + Number(row.personer_2019), 0);
      expect(level.value.value).toBe(expected);
      expect(level.value.source.method).toMatch(/^sum of \d+ published cells/);
    }
  });

  it('gives households by type summed over tenures, saying how many cells SCB did not publish', async () => {
    const { households } = await area<{ households: { byType: { label: string; value: { value: number; source: { method: string } } }[] } }>(
      'kommun:0180',
      'households(year: 2019) { byType { label value { value source { method } } } }',
    );
    expect(households.byType.length).toBe(12);
    const total = households.byType.reduce((sum, type) => sum + type.value.value, 0);
    const rows = csv('hushall_hushallstyp_boendeform_kommun_2019.csv').filter((row) => row.kommunkod === '0180');
    expect(total).toBe(rows.reduce((sum, row) => sum + Number(row.hushall_2019), 0));
  });
});

describe('SCB region codes in the schema', () => {
  it('gives each area its SCB code and reads codes back, pseudo-regions included', async () => {
    expect(await area('deso2025:1480C2650', 'scbRegionCode')).toEqual({ scbRegionCode: '1480C2650_DeSO2025' });
    const result = await execute('{ a: scbRegion(code: "1480C2650_DeSO2025") { areaId pseudoRegion } b: scbRegion(code: "0010") { areaId pseudoRegion } }');
    expect(result.data).toEqual({
      a: { areaId: 'deso2025:1480C2650', pseudoRegion: null },
      b: { areaId: null, pseudoRegion: 'Stor-Stockholm' },
    });
  });
});

describe('the statistics store', () => {
  it('is built on first use and reused while its inputs are unchanged', () => {
    expect(source.store.built).toBe(true);
    const again = openStore(config.storeDir, statisticsStoreSpec(config));
    try {
      expect(again.built).toBe(false);
      expect(again.file).toBe(source.store.file);
    } finally {
      again.db.$client.close();
    }
  });
});
