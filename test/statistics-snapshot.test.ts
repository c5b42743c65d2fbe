// The offline statistics snapshot: published SCB figures, how SCB's codes are parsed, and the facts' invariants.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTRY_ID, isAreaId } from '../lib/area-id.ts';
import { readCsv } from '../lib/csv.ts';
import { factKey, factsFromDataset, parseAgeCode, parsePeriod, parseSexCode } from '../subgraphs/statistics/facts/from-dataset.ts';
import { CATEGORY_LABELS, categoryLabel, loadSnapshot, SNAPSHOT_INPUTS } from '../subgraphs/statistics/facts/snapshot.ts';
import type { FactRow, FactSet } from '../subgraphs/statistics/facts/types.ts';
import type { DecodedDataset } from '../subgraphs/statistics/pxweb/types.ts';

const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

let snapshot: FactSet;
let byKey: Map<string, FactRow>;

type KeyFields = Partial<Pick<FactRow, 'sex' | 'ageFrom' | 'ageTo' | 'category'>>;

/** The one fact with this key; sex, ages and category default to totals. */
function fact(areaId: string, measure: FactRow['measure'], period: string, key: KeyFields = {}): FactRow | undefined {
  return byKey.get(factKey({ areaId, measure, period, sex: 'total', ageFrom: 0, ageTo: null, category: '', ...key }));
}

function valueOf(...args: Parameters<typeof fact>): number | null | undefined {
  return fact(...args)?.value;
}

beforeAll(() => {
  const started = performance.now();
  snapshot = loadSnapshot(DATA_DIR);
  const ms = Math.round(performance.now() - started);
  console.info(`loadSnapshot: ${snapshot.facts.length} facts in ${snapshot.datasets.length} datasets, ${ms} ms`);
  byKey = new Map(snapshot.facts.map((f) => [factKey(f), f]));
});

describe('published figures', () => {
  it('Riket 2019 and 2020 are SCB’s totals, from the 1950–2020 series', () => {
    expect(valueOf(COUNTRY_ID, 'population', '2019')).toBe(10_327_589);
    expect(valueOf(COUNTRY_ID, 'population', '2020')).toBe(10_379_295);
    expect(fact(COUNTRY_ID, 'population', '2019')?.dataset).toBe('scb-be0101-lan-riket-1950-2020');
  });

  it('the 2019 single-year ages add up to the same total, by sex and over all kommuner', () => {
    const male = valueOf(COUNTRY_ID, 'population', '2019', { sex: 'male' }) ?? 0;
    const female = valueOf(COUNTRY_ID, 'population', '2019', { sex: 'female' }) ?? 0;
    expect(male + female).toBe(10_327_589);
    const cells = snapshot.facts.filter((f) => f.dataset === 'scb-tab638-kommun-2019-age-sex');
    expect(cells).toHaveLength(290 * 101 * 2);
    expect(cells.reduce((sum, f) => sum + (f.value ?? 0), 0)).toBe(10_327_589);
  });

  it('derives age groups from single years (no Cell Key Method in 2019) and keeps 100+ open-ended', () => {
    const single = (age: number) => valueOf('kommun:0180', 'population', '2019', { sex: 'female', ageFrom: age, ageTo: age }) ?? 0;
    const group = fact('kommun:0180', 'population', '2019', { sex: 'female', ageFrom: 20, ageTo: 24 });
    expect(group?.value).toBe([20, 21, 22, 23, 24].reduce((sum, age) => sum + single(age), 0));
    expect(group?.dataset).toBe('scb-tab638-kommun-2019-age-groups');
    expect(fact('kommun:0180', 'population', '2019', { ageFrom: 100, ageTo: null })?.value).toBeGreaterThan(0);
    expect(fact('kommun:0180', 'population', '2019', { ageFrom: 100, ageTo: 100 })).toBeUndefined();
    expect(fact('lan:01', 'population', '2019', { sex: 'male', ageFrom: 0, ageTo: 9 })?.dataset).toBe('scb-tab638-lan-riket-2019-age-sex');
  });

  it('Stockholm 2025 (TAB5557): the published total and 20–24 cell, not sums of their parts', () => {
    const total = fact('kommun:0180', 'population', '2025');
    expect(total?.value).toBe(999_239);
    expect(total?.dataset).toBe('scb-tab5557-stockholm-2025-age');
    expect(valueOf('kommun:0180', 'population', '2025', { ageFrom: 20, ageTo: 24 })).toBe(54_255);
    const singles = [20, 21, 22, 23, 24].map((age) => valueOf('kommun:0180', 'population', '2025', { ageFrom: age, ageTo: age }) ?? 0);
    expect(singles.reduce((a, b) => a + b, 0)).toBe(54_253);
    // TotSA, TOT1, TOT5, TOT10 and 100+1, 100+5, 100+10 collapse into one fact each.
    expect(snapshot.facts.filter((f) => f.dataset === 'scb-tab5557-stockholm-2025-age')).toHaveLength(137 - 5);
  });

  it('Stockholms län 0–9 years, both sexes, January 2026 (TAB6471)', () => {
    const january = fact('lan:01', 'population', '2026M01', { ageFrom: 0, ageTo: 9 });
    expect(january?.value).toBe(245_284);
    expect(january).toMatchObject({ year: 2026, month: 1, dataset: 'scb-tab6471-lan-2026m01-m04-age-sex' });
  });

  it('Falun and Vansbro DeSO 2025 totals add up to 59 967 and 6 740, but no kommun total is stored from them', () => {
    // Under the Cell Key Method a kommun total is a published cell of its own, not the sum of its DeSO.
    const desoTotal = (kommun: string) =>
      snapshot.facts
        .filter((f) => f.areaId.startsWith(`deso2025:${kommun}`) && f.period === '2025' && f.measure === 'population')
        .filter((f) => f.sex === 'total' && f.ageFrom === 0 && f.ageTo === null)
        .reduce((sum, f) => sum + (f.value ?? 0), 0);
    expect(desoTotal('2080')).toBe(59_967);
    expect(desoTotal('2021')).toBe(6_740);
    expect(fact('kommun:2080', 'population', '2025')).toBeUndefined();
    expect(fact('kommun:2021', 'population', '2025')).toBeUndefined();
  });

  it('keeps the DeSO age bands as published cells, whatever they add up to', () => {
    const bands = snapshot.facts.filter(
      (f) => f.areaId === 'deso2025:2021A0010' && f.period === '2025' && f.measure === 'population' && f.sex !== 'total',
    );
    expect(bands).toHaveLength(34);
    expect(bands.find((f) => f.sex === 'female' && f.ageFrom === 80)).toMatchObject({ ageTo: null, value: 62 });
    expect(bands.reduce((sum, f) => sum + (f.value ?? 0), 0)).not.toBe(valueOf('deso2025:2021A0010', 'population', '2025'));
  });

  it('the DeSO 2025 population change agrees with TAB6574’s 2024 totals', () => {
    const deso = snapshot.facts.filter((f) => f.measure === 'population_change_share');
    expect(deso).toHaveLength(41);
    for (const change of deso) {
      const before = valueOf(change.areaId, 'population', '2024') ?? NaN;
      const after = valueOf(change.areaId, 'population', '2025') ?? NaN;
      expect(Math.abs(((after - before) / before) * 100 - (change.value ?? NaN))).toBeLessThan(0.002);
    }
  });

  it('reads the v1 responses: DeSO 2018 economic standard, län density, country median income', () => {
    expect(valueOf('deso2018:0180C1010', 'economic_standard_quartile_share', '2020', { category: 'q1' })).toBe(38);
    expect(valueOf('deso2018:0180C1010', 'median_economic_standard', '2020')).toBe(219.7);
    expect(valueOf('deso2018:0180C1010', 'economic_standard_persons', '2020')).toBe(1608);
    expect(valueOf('lan:01', 'population_density', '1991')).toBe(254.9);
    expect(snapshot.facts.filter((f) => f.measure === 'population_density')).toHaveLength(21 * 28);
    expect(valueOf(COUNTRY_ID, 'median_earned_income', '2022', { ageFrom: 16 })).toBe(316.6);
    expect(valueOf(COUNTRY_ID, 'median_earned_income', '2020', { sex: 'female', ageFrom: 16 })).toBe(254.6);
  });

  it('reads kommun income, education, households and household sizes', () => {
    expect(fact('kommun:0114', 'mean_earned_income', '2018', { sex: 'male', ageFrom: 16 })?.value).toBe(355.7);
    expect(fact('kommun:0114', 'median_earned_income', '2018', { ageFrom: 20, ageTo: 24 })?.value).toBeGreaterThan(0);
    const educated = (key: KeyFields) => fact('kommun:0114', 'persons_by_education_level', '2019', { sex: 'male', ...key });
    expect(educated({ ageFrom: 16, ageTo: 24, category: 'forgymnasial_kortare_an_9_ar' })?.value).toBe(34);
    expect(educated({ ageFrom: 95, category: 'forskarutbildning' })).toBeDefined();
    const education = snapshot.facts.filter((f) => f.measure === 'persons_by_education_level' && f.areaId.startsWith('kommun:'));
    expect(education.reduce((sum, f) => sum + (f.value ?? 0), 0)).toBe(8_375_824);
    const category = 'ensamstaende_kvinnor_till_64_utan_barn|smahus_aganderatt';
    expect(fact('kommun:0114', 'households', '2019', { category })?.value).toBe(96);
    const sizes = snapshot.facts.filter((f) => f.areaId === COUNTRY_ID && f.measure === 'persons_by_household_size');
    expect(sizes.reduce((sum, f) => sum + (f.value ?? 0), 0)).toBe(10_327_589);
  });
});

describe('missing and blanked cells', () => {
  it('the one empty DeSO cell is null with status "..", never 0', () => {
    expect(fact('deso2025:2080C1230', 'share_persons_in_apartment_buildings', '2025')).toMatchObject({ value: null, status: '..' });
  });

  it('every empty cell of the DeSO file is a null fact', () => {
    const empty = readCsv(path.join(DATA_DIR, 'scb/deso2025_stats_dalarna_vansbro_falun_2024-2025.csv')).flatMap((record) =>
      Object.entries(record)
        .filter(([, value]) => value === '')
        .map(([column]) => `${record.desokod} ${column}`),
    );
    expect(empty).toEqual(['2080C1230 andel_flerbostadshus_pct_2025']);
    const nulls = snapshot.facts.filter((f) => f.areaId.startsWith('deso2025:') && f.value === null);
    expect(nulls.map((f) => `${f.areaId} ${f.measure}`)).toEqual(['deso2025:2080C1230 share_persons_in_apartment_buildings']);
  });

  it('household counts blanked by SCB (fewer than five, 0 in the file) are "..", not 0', () => {
    const households = snapshot.facts.filter((f) => f.measure === 'households');
    expect(households.some((f) => f.value === 0)).toBe(false);
    expect(households.some((f) => f.value !== null && f.value < 5)).toBe(false);
    expect(households.filter((f) => f.value === null).every((f) => f.status === '..')).toBe(true);
  });

  it('a fact with a status has no value, and a fact without a value says why', () => {
    for (const f of snapshot.facts) {
      if (f.status !== null) expect(f.value).toBeNull();
      if (f.value === null) expect(f.status).not.toBeNull();
    }
  });
});

describe('invariants', () => {
  it('every fact’s area id parses', () => {
    expect(snapshot.facts.filter((f) => !isAreaId(f.areaId)).map((f) => f.areaId)).toEqual([]);
  });

  it('no two facts share (area, measure, period, sex, ages, category)', () => {
    expect(new Set(snapshot.facts.map(factKey)).size).toBe(snapshot.facts.length);
  });

  it('every fact belongs to a dataset, and every dataset has facts and a shipped input file', () => {
    const ids = snapshot.datasets.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const used = new Set(snapshot.facts.map((f) => f.dataset));
    expect([...used].filter((id) => !ids.includes(id))).toEqual([]);
    expect(ids.filter((id) => !used.has(id))).toEqual([]);
    for (const dataset of snapshot.datasets) {
      expect(SNAPSHOT_INPUTS).toContain(dataset.file);
      expect(dataset).toMatchObject({ publisher: 'SCB', licence: 'CC0 1.0', shipped: true });
      expect(dataset.updated).toMatch(/^\d{4}(-\d\d-\d\d(T\d\d:\d\d:\d\dZ?)?)?$/);
    }
    for (const input of SNAPSHOT_INPUTS) expect(existsSync(path.join(DATA_DIR, input))).toBe(true);
  });

  it('marks Cell Key Method noise from reference year 2025 on', () => {
    const noisy = (id: string) => snapshot.datasets.find((d) => d.id === id)?.cellKeyNoise;
    expect(noisy('scb-tab5557-stockholm-2025-age')).toBe(true);
    expect(noisy('scb-tab6471-lan-2026m01-m04-age-sex')).toBe(true);
    expect(noisy('scb-tab6574-deso2025-falun-vansbro-2025')).toBe(true);
    expect(noisy('scb-tab6683-deso2025-falun-vansbro-2024')).toBe(false);
    expect(noisy('scb-tab6574-deso2025-dalarna-2024')).toBe(false);
    expect(noisy('scb-tab638-kommun-2019-age-sex')).toBe(false);
  });

  it('every category part has a Swedish label', () => {
    const parts = new Set(snapshot.facts.flatMap((f) => (f.category === '' ? [] : f.category.split('|'))));
    expect([...parts].filter((part) => !(part in CATEGORY_LABELS))).toEqual([]);
    expect(categoryLabel('sammanboende_med_3_plus_barn|flerbostadshus_hyresratt')).toBe(
      'sammanboende med barn 0-24 år, 3+ barn, flerbostadshus, hyresrätt',
    );
  });
});

describe('parseAgeCode', () => {
  it.each([
    ['tot', 0, null],
    ['totalt', 0, null],
    ['TotSA', 0, null],
    ['TOT1', 0, null],
    ['TOT5', 0, null],
    ['TOT10', 0, null],
    ['totalt, samtliga åldrar', 0, null],
    ['0', 0, 0],
    ['42', 42, 42],
    ['99', 99, 99],
    ['100+', 100, null],
    ['100+1', 100, null],
    ['100+5', 100, null],
    ['100+10', 100, null],
    ['-4', 0, 4],
    ['-9', 0, 9],
    ['0-9', 0, 9],
    ['5-9', 5, 9],
    ['16-19', 16, 19],
    ['80-', 80, null],
    ['tot16+', 16, null],
    ['tot20+', 20, null],
    ['totalt 16+ år', 16, null],
    ['totalt 20+ år', 20, null],
    ['20-24 år', 20, 24],
    ['20–24 år', 20, 24],
    ['95+ år', 95, null],
    ['0 år', 0, 0],
  ])('%s → %s–%s', (code, ageFrom, ageTo) => {
    expect(parseAgeCode(code)).toEqual({ ageFrom, ageTo });
  });

  it.each(['', 'SC', '9-5', '100+2', 'ålder', '1+2'])('rejects %j', (code) => {
    expect(parseAgeCode(code)).toBeNull();
  });
});

describe('parseSexCode and parsePeriod', () => {
  it('reads SCB’s Kon codes and labels', () => {
    const codes = ['1', '2', '1+2', 'TotSa', 'totalt', 'män', 'kvinnor'];
    expect(codes.map(parseSexCode)).toEqual(['male', 'female', 'total', 'total', 'total', 'male', 'female']);
    expect(parseSexCode('3')).toBeNull();
  });

  it('reads years and months, and refuses other periods', () => {
    expect(parsePeriod('2019')).toEqual({ period: '2019', year: 2019, month: null });
    expect(parsePeriod('2026M03')).toEqual({ period: '2026M03', year: 2026, month: 3 });
    expect(() => parsePeriod('2026K2')).toThrow(/Unsupported SCB period/);
    expect(() => parsePeriod('2026M13')).toThrow(/Unsupported SCB period/);
  });
});

describe('factsFromDataset', () => {
  const dimension = (code: string, codes: string[], role: { time?: boolean; content?: boolean } = {}) => ({
    code,
    label: code,
    time: role.time ?? false,
    content: role.content ?? false,
    values: codes.map((c) => ({ code: c, label: c })),
  });
  const dataset = (dimensions: DecodedDataset['dimensions'], rows: DecodedDataset['rows']): DecodedDataset => ({
    tableId: 'TEST',
    label: 'test',
    updated: '2026-01-01T00:00:00Z',
    source: 'SCB',
    notes: [],
    units: {},
    cellKeyNoise: false,
    dimensions,
    rows,
  });
  const cell = (codes: string[], value: number | null, status: string | null = null) => ({ codes, value, status });
  const contents = (...codes: string[]) => dimension('ContentsCode', codes, { content: true });
  const time = (...codes: string[]) => dimension('Tid', codes, { time: true });
  const population = { dataset: 'test', measures: { A: 'population' as const } };

  it('maps region, sex, age, time and other dimensions; skips pseudo-regions, unknown codes and unlisted contents', () => {
    const decoded = dataset(
      [
        dimension('Region', ['0180', '0010', '9999X', '1480C2650_DeSO2025']),
        dimension('Kon', ['1']),
        dimension('Alder', ['-4']),
        dimension('Hustyp', ['FLERBOST']),
        contents('A', 'B'),
        time('2026M03'),
      ],
      [
        cell(['0180', '1', '-4', 'FLERBOST', 'A', '2026M03'], 5),
        cell(['0180', '1', '-4', 'FLERBOST', 'B', '2026M03'], 6),
        cell(['0010', '1', '-4', 'FLERBOST', 'A', '2026M03'], 7),
        cell(['9999X', '1', '-4', 'FLERBOST', 'A', '2026M03'], 8),
        cell(['1480C2650_DeSO2025', '1', '-4', 'FLERBOST', 'A', '2026M03'], null, '..'),
      ],
    );
    const common = { measure: 'population', period: '2026M03', year: 2026, month: 3 };
    const key = { ...common, sex: 'male', ageFrom: 0, ageTo: 4, category: 'FLERBOST' };
    expect(factsFromDataset(decoded, population)).toEqual([
      { areaId: 'kommun:0180', ...key, value: 5, status: null, dataset: 'test' },
      { areaId: 'deso2025:1480C2650', ...key, value: null, status: '..', dataset: 'test' },
    ]);
  });

  it('a 2025-vintage code before its division existed is "not existing", never 0', () => {
    const decoded = dataset(
      [dimension('Region', ['2080C1010_DeSO2025']), contents('A'), time('2023', '2024')],
      [cell(['2080C1010_DeSO2025', 'A', '2023'], 0), cell(['2080C1010_DeSO2025', 'A', '2024'], 1200)],
    );
    expect(factsFromDataset(decoded, population).map((f) => [f.period, f.value, f.status])).toEqual([
      ['2023', null, 'not existing'],
      ['2024', 1200, null],
    ]);
  });

  it('without a Region dimension the facts are the country’s; content categories and dropped dimensions shape the category', () => {
    const decoded = dataset(
      [dimension('Civilstand', ['SC']), contents('Q1', 'Q2'), time('2020')],
      [cell(['SC', 'Q1', '2020'], 25), cell(['SC', 'Q2', '2020'], 75)],
    );
    const facts = factsFromDataset(decoded, {
      dataset: 'test',
      measures: { Q1: 'economic_standard_quartile_share', Q2: 'economic_standard_quartile_share' },
      contentCategories: { Q1: 'q1', Q2: 'q2' },
      dropDimensions: ['Civilstand'],
    });
    expect(facts.map((f) => [f.areaId, f.category, f.value])).toEqual([
      [COUNTRY_ID, 'q1', 25],
      [COUNTRY_ID, 'q2', 75],
    ]);
    const twoValues = dataset([dimension('Civilstand', ['OG', 'G']), contents('Q1'), time('2020')], []);
    expect(() => factsFromDataset(twoValues, { ...population, dropDimensions: ['Civilstand'] })).toThrow(/cannot be dropped/);
  });

  it('keeps one fact when several codes name the same key, and refuses them when they disagree', () => {
    const dimensions = [dimension('Alder', ['TotSA', 'TOT5']), contents('A'), time('2025')];
    const agreeing = dataset(dimensions, [cell(['TotSA', 'A', '2025'], 10), cell(['TOT5', 'A', '2025'], 10)]);
    expect(factsFromDataset(agreeing, population)).toHaveLength(1);
    const disagreeing = dataset(dimensions, [cell(['TotSA', 'A', '2025'], 10), cell(['TOT5', 'A', '2025'], 11)]);
    expect(() => factsFromDataset(disagreeing, population)).toThrow(/same fact with different values/);
  });

  it('refuses Kon and Alder codes it cannot read', () => {
    const decoded = dataset([dimension('Kon', ['3']), contents('A'), time('2025')], [cell(['3', 'A', '2025'], 1)]);
    expect(() => factsFromDataset(decoded, population)).toThrow(/unknown Kon code "3"/);
    const ages = dataset([dimension('Alder', ['9-5']), contents('A'), time('2025')], [cell(['9-5', 'A', '2025'], 1)]);
    expect(() => factsFromDataset(ages, population)).toThrow(/unknown Alder code "9-5"/);
  });
});
