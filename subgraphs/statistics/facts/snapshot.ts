// The offline statistics snapshot: every SCB file shipped under data/scb turned into typed facts, each with its provenance.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COUNTRY_ID, formatAreaId, lanCodeOf, parseAreaId } from '../../../lib/area-id.ts';
import { readCsv } from '../../../lib/csv.ts';
import { decodeJsonStat, decodeV1Json, decodeV1Metadata, parseJson } from '../pxweb/jsonstat.ts';
import type { DataRow, DecodedDataset } from '../pxweb/types.ts';
import { parseScbRegion } from '../region-codes.ts';
import {
  ALL_AGES,
  datasetInfoFrom,
  factKey,
  factsFromDataset,
  parseAgeCode,
  parseSexCode,
  type AgeRange,
  type DatasetSpec,
} from './from-dataset.ts';
import type { DatasetInfo, FactRow, FactSet, MeasureId, Sex } from './types.ts';

/** The files the snapshot reads, relative to the data directory. */
const FILES = {
  population: 'scb/folkmangd_kommun_1950-2020.csv',
  populationByAge: 'scb/folkmangd_kommun_alder_kon_2019.csv',
  income: 'scb/inkomst_kommun_kon_alder_2018.csv',
  education: 'scb/utbildningsniva_kommun_alder_kon_2019.csv',
  households: 'scb/hushall_hushallstyp_boendeform_kommun_2019.csv',
  householdSize: 'scb/personer_hushallsstorlek_kommun_2019.csv',
  deso: 'scb/deso2025_stats_dalarna_vansbro_falun_2024-2025.csv',
  desoDalarna2024: 'scb/folkmangd_deso2025_2024_dalarna_pxweb_TAB6574.csv',
  tab6471: 'scb/pxweb/v2-data-TAB6471-jsonstat2.json',
  tab5557: 'scb/pxweb/v2-data-TAB5557-ckm-stockholm-2025-all-ages-jsonstat2.json',
  economicStandard: 'scb/pxweb/v1-data-Tab3InkDesoN-deso-stockholm-2020-json-sv.json',
  density: 'scb/pxweb/v1-data-BefArealTathetKon-counties-json-en-2020.json',
  densityMetadata: 'scb/pxweb/v1-metadata-BefArealTathetKon-en-2020.json',
  tab3554: 'scb/pxweb/v1-data-TAB3554-HE0110-income-jsonstat2.json',
} as const;

/** Every file loadSnapshot reads, relative to the data directory, so a store can fingerprint them. */
export const SNAPSHOT_INPUTS: readonly string[] = Object.values(FILES);

const PUBLISHED = 'published value';
const KOMMUN_SUM = 'sum of the kommun figures';
const AGE_SUM = 'sum of single-year ages and of män and kvinnor';
// The DeSO file's shares were computed by the repository it comes from (am-dashboard-se, config/indicators.json).
const SHARE_OF_CELLS = 'share computed by am-dashboard-se from published cells';

/** Swedish labels of the category slugs used by the snapshot's facts; a category "a|b" reads label(a), label(b). */
export const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  // Utbildningsnivå (SUN 2000), persons_by_education_level.
  forgymnasial_kortare_an_9_ar: 'förgymnasial utbildning kortare än 9 år',
  forgymnasial_9_10_ar: 'förgymnasial utbildning, 9 (10) år',
  gymnasial_hogst_2_ar: 'gymnasial utbildning, högst 2 år',
  gymnasial_3_ar: 'gymnasial utbildning, 3 år',
  eftergymnasial_mindre_an_3_ar: 'eftergymnasial utbildning, mindre än 3 år',
  eftergymnasial_3_ar_eller_mer: 'eftergymnasial utbildning, 3 år eller mer',
  forskarutbildning: 'forskarutbildning',
  utbildningsniva_saknas: 'uppgift om utbildningsnivå saknas',
  // Hushållstyp, first part of a households category.
  ensamstaende_kvinnor_till_64_utan_barn: 'ensamstående kvinnor -64 år utan barn',
  ensamstaende_kvinnor_65_plus_utan_barn: 'ensamstående kvinnor 65- år utan barn',
  ensamstaende_man_till_64_utan_barn: 'ensamstående män -64 år utan barn',
  ensamstaende_man_65_plus_utan_barn: 'ensamstående män 65- år utan barn',
  ensamstaende_kvinnor_med_barn: 'ensamstående kvinnor med barn 0-24 år',
  ensamstaende_man_med_barn: 'ensamstående män med barn 0-24 år',
  sammanboende_utan_barn: 'sammanboende utan barn',
  sammanboende_med_1_barn: 'sammanboende med barn 0-24 år, 1 barn',
  sammanboende_med_2_barn: 'sammanboende med barn 0-24 år, 2 barn',
  sammanboende_med_3_plus_barn: 'sammanboende med barn 0-24 år, 3+ barn',
  ovriga_hushall_utan_barn: 'övriga hushåll utan barn 0-24 år',
  ovriga_hushall_med_barn: 'övriga hushåll med barn 0-24 år',
  // Boendeform, second part of a households category.
  smahus_aganderatt: 'småhus, äganderätt',
  smahus_bostadsratt: 'småhus, bostadsrätt',
  smahus_hyresratt: 'småhus, hyresrätt',
  flerbostadshus_bostadsratt: 'flerbostadshus, bostadsrätt',
  flerbostadshus_hyresratt: 'flerbostadshus, hyresrätt',
  specialbostad: 'specialbostad',
  ovrigt_boende: 'övrigt boende',
  boendeform_saknas: 'uppgift saknas',
  // Hushållsstorlek, persons_by_household_size.
  '1_person': '1 person',
  '2_personer': '2 personer',
  '3_personer': '3 personer',
  '4_personer': '4 personer',
  '5_personer': '5 personer',
  '6_personer': '6 personer',
  '7_plus_personer': '7+ personer',
  hushallsstorlek_saknas: 'uppgift saknas',
  // Upplåtelseform (TAB6638), dwellings_by_tenure.
  hyresratt: 'hyresrätt',
  bostadsratt: 'bostadsrätt',
  aganderatt: 'äganderätt',
  ovrig_upplatelseform: 'övrigt, inklusive uppgift saknas',
  // Kvartil of ekonomisk standard, economic_standard_quartile_share.
  q1: 'kvartil 1',
  q2: 'kvartil 2',
  q3: 'kvartil 3',
  q4: 'kvartil 4',
};

/** The Swedish label of a category ("a|b" → "label a, label b"); slugs without a label are returned as they are. */
export function categoryLabel(category: string): string {
  return category
    .split('|')
    .map((part) => CATEGORY_LABELS[part] ?? part)
    .join(', ');
}

/** Slug for a published Swedish label of one breakdown; whitespace is normalised because the files carry "3+  barn". */
function slugLookup(slugs: string[]): (label: string, where: string) => string {
  const bySlug = new Map(slugs.map((slug) => [CATEGORY_LABELS[slug], slug]));
  return (label, where) => {
    const slug = bySlug.get(label.replace(/\s+/g, ' ').trim());
    if (!slug) throw new Error(`${where}: unknown category "${label}"`);
    return slug;
  };
}

const educationSlug = slugLookup([
  'forgymnasial_kortare_an_9_ar',
  'forgymnasial_9_10_ar',
  'gymnasial_hogst_2_ar',
  'gymnasial_3_ar',
  'eftergymnasial_mindre_an_3_ar',
  'eftergymnasial_3_ar_eller_mer',
  'forskarutbildning',
  'utbildningsniva_saknas',
]);
const householdTypeSlug = slugLookup(
  Object.keys(CATEGORY_LABELS).filter((slug) => /^(ensamstaende|sammanboende|ovriga_hushall)_/.test(slug)),
);
const tenureSlug = slugLookup([
  'smahus_aganderatt',
  'smahus_bostadsratt',
  'smahus_hyresratt',
  'flerbostadshus_bostadsratt',
  'flerbostadshus_hyresratt',
  'specialbostad',
  'ovrigt_boende',
  'boendeform_saknas',
]);
const householdSizeSlug = slugLookup([
  '1_person',
  '2_personer',
  '3_personer',
  '4_personer',
  '5_personer',
  '6_personer',
  '7_plus_personer',
  'hushallsstorlek_saknas',
]);

type FactFields = Partial<Pick<FactRow, 'sex' | 'ageFrom' | 'ageTo' | 'category' | 'status'>>;

/** An annual fact; sex, ages and category default to totals. */
function annual(dataset: string, areaId: string, measure: MeasureId, year: number, value: number | null, fields: FactFields = {}): FactRow {
  const period = String(year);
  return { areaId, measure, period, year, month: null, sex: 'total', ...ALL_AGES, category: '', value, status: null, dataset, ...fields };
}

/** Reads one CSV of the snapshot, with the line number of each record for error messages. */
function readTable(dataDir: string, file: string): { record: Record<string, string>; where: string }[] {
  return readCsv(path.join(dataDir, file)).map((record, i) => ({ record, where: `${file}: line ${i + 2}` }));
}

function readJson(dataDir: string, file: string): unknown {
  return parseJson(readFileSync(path.join(dataDir, file), 'utf8'));
}

function numberIn(raw: string | undefined, where: string): number {
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${where}: "${raw ?? ''}" is not a number`);
  return value;
}

/** The area id for an SCB region code of the expected kind, or an error naming the line. */
function areaFor(code: string, kind: 'kommun' | 'deso2025', where: string): string {
  const region = parseScbRegion(kind === 'deso2025' ? `${code}_DeSO2025` : code);
  if (region.kind !== 'area' || !region.areaId.startsWith(`${kind}:`)) throw new Error(`${where}: "${code}" is not a ${kind} code`);
  return region.areaId;
}

function sexIn(label: string, where: string): Sex {
  const sex = parseSexCode(label);
  if (!sex) throw new Error(`${where}: unknown kön "${label}"`);
  return sex;
}

function ageIn(label: string, where: string): AgeRange {
  const age = parseAgeCode(label);
  if (!age) throw new Error(`${where}: unknown ålder "${label}"`);
  return age;
}

/**
 * Sums kommun facts to their län and to the country. Every group must hold every kommun of its län (all kommuner for
 * the country), so a missing kommun cannot silently shrink a sum.
 */
function lanAndCountrySums(facts: FactRow[], dataset: string): FactRow[] {
  const kommunerPerLan = new Map<string, Set<string>>();
  const groups = new Map<string, { fact: FactRow; sum: number; lan: string | null; parts: number }>();
  for (const fact of facts) {
    const area = parseAreaId(fact.areaId);
    const lan = lanCodeOf(area);
    if (area.kind !== 'kommun' || lan === null || fact.value === null) {
      throw new Error(`${fact.dataset}: only kommun figures with values can be summed, got ${fact.areaId} = ${String(fact.value)}`);
    }
    const kommuner = kommunerPerLan.get(lan) ?? new Set<string>();
    kommunerPerLan.set(lan, kommuner.add(fact.areaId));
    for (const [areaId, groupLan] of [[formatAreaId('lan', lan), lan], [COUNTRY_ID, null]] as const) {
      const key = factKey({ ...fact, areaId });
      const group = groups.get(key) ?? { fact: { ...fact, areaId, dataset }, sum: 0, lan: groupLan, parts: 0 };
      group.sum += fact.value;
      group.parts++;
      groups.set(key, group);
    }
  }
  const kommunCount = [...kommunerPerLan.values()].reduce((n, kommuner) => n + kommuner.size, 0);
  return [...groups.values()].map(({ fact, sum, lan, parts }) => {
    const expected = lan === null ? kommunCount : (kommunerPerLan.get(lan)?.size ?? 0);
    if (parts !== expected) throw new Error(`${dataset}: ${fact.areaId} ${fact.period} sums ${parts} of ${expected} kommuner`);
    return { ...fact, value: sum };
  });
}

interface Part {
  datasets: DatasetInfo[];
  facts: FactRow[];
}

function shipped(info: Omit<DatasetInfo, 'publisher' | 'licence' | 'shipped'>): DatasetInfo {
  return { ...info, publisher: 'SCB', licence: 'CC0 1.0', shipped: true };
}

/** Folkmängd 31 December per kommun 1950–2020 (BE0101), with län and country sums. */
function kommunPopulation(dataDir: string): Part {
  const common = {
    tableId: 'BE0101',
    label: 'Folkmängd i riket, län och kommuner 31 december 1950–2020',
    // SCB published the 2020 annual population figures on this day (as source.ts's POPULATION_TABLE).
    updated: '2021-02-22',
    cellKeyNoise: false,
    file: FILES.population,
  };
  const kommun = shipped({ ...common, id: 'scb-be0101-kommun-1950-2020', method: PUBLISHED });
  const sums = shipped({ ...common, id: 'scb-be0101-lan-riket-1950-2020', method: KOMMUN_SUM });
  const facts = readTable(dataDir, FILES.population).map(({ record, where }) => {
    const areaId = areaFor(record.kommunkod, 'kommun', where);
    return annual(kommun.id, areaId, 'population', numberIn(record.ar, where), numberIn(record.folkmangd, where));
  });
  return { datasets: [kommun, sums], facts: [...facts, ...lanAndCountrySums(facts, sums.id)] };
}

const FIVE_YEAR_GROUPS = Array.from({ length: 20 }, (_, i): AgeRange => ({ ageFrom: i * 5, ageTo: i * 5 + 4 }));
const TEN_YEAR_GROUPS = Array.from({ length: 10 }, (_, i): AgeRange => ({ ageFrom: i * 10, ageTo: i * 10 + 9 }));
const OLDEST = 100;

/**
 * Folkmängd 2019 per kommun by single year of age (100 = 100 and over) and sex (TAB638, before the Cell Key Method,
 * so parts add up): the published cells, per kommun the sex totals and 5-year, 10-year and all-age groups, and län and
 * country sums of all of them. The all-ages total of both sexes is left out: the 1950–2020 series holds that key.
 */
function kommunPopulationByAge(dataDir: string): Part {
  const common = {
    tableId: 'TAB638',
    label: 'Folkmängden efter region, civilstånd, ålder och kön',
    // SCB published the 2019 annual population figures (Riket 10 327 589) on 2020-02-20.
    updated: '2020-02-20',
    cellKeyNoise: false,
    file: FILES.populationByAge,
  };
  const published = shipped({ ...common, id: 'scb-tab638-kommun-2019-age-sex', method: PUBLISHED });
  const derived = shipped({ ...common, id: 'scb-tab638-kommun-2019-age-groups', method: AGE_SUM });
  const sums = shipped({ ...common, id: 'scb-tab638-lan-riket-2019-age-sex', method: KOMMUN_SUM });

  const byKommun = new Map<string, { male: number[]; female: number[] }>();
  const facts: FactRow[] = [];
  for (const { record, where } of readTable(dataDir, FILES.populationByAge)) {
    const areaId = areaFor(record.kommunkod, 'kommun', where);
    const sex = sexIn(record.kon, where);
    const age = numberIn(record.alder, where);
    if (sex === 'total' || !Number.isInteger(age) || age < 0 || age > OLDEST) {
      throw new Error(`${where}: expected män/kvinnor and an age 0–100`);
    }
    const value = numberIn(record.folkmangd_2019, where);
    if (!byKommun.has(areaId)) byKommun.set(areaId, { male: [], female: [] });
    const counts = byKommun.get(areaId)?.[sex] ?? [];
    if (counts[age] !== undefined) throw new Error(`${where}: ${areaId} ${sex} age ${age} appears twice`);
    counts[age] = value;
    facts.push(annual(published.id, areaId, 'population', 2019, value, { sex, ageFrom: age, ageTo: age === OLDEST ? null : age }));
  }

  const groups: AgeRange[] = [...FIVE_YEAR_GROUPS, ...TEN_YEAR_GROUPS, ALL_AGES];
  const derivedFacts: FactRow[] = [];
  for (const [areaId, { male, female }] of byKommun) {
    // Array.from turns holes into undefined, which every() would skip.
    if ([male, female].some((counts) => counts.length !== OLDEST + 1 || Array.from(counts).some((v) => v === undefined))) {
      throw new Error(`${FILES.populationByAge}: ${areaId} lacks single-year ages`);
    }
    const total = male.map((m, age) => m + female[age]);
    const sum = (counts: number[], { ageFrom, ageTo }: AgeRange) => counts.slice(ageFrom, (ageTo ?? OLDEST) + 1).reduce((a, b) => a + b, 0);
    total.forEach((value, age) =>
      derivedFacts.push(annual(derived.id, areaId, 'population', 2019, value, { ageFrom: age, ageTo: age === OLDEST ? null : age })),
    );
    for (const [sex, counts] of [['male', male], ['female', female], ['total', total]] as const) {
      for (const group of groups) {
        if (sex === 'total' && group === ALL_AGES) continue;
        derivedFacts.push(annual(derived.id, areaId, 'population', 2019, sum(counts, group), { sex, ...group }));
      }
    }
  }
  const kommunFacts = [...facts, ...derivedFacts];
  return { datasets: [published, derived, sums], facts: [...kommunFacts, ...lanAndCountrySums(kommunFacts, sums.id)] };
}

/** Sammanräknad förvärvsinkomst 2018 per kommun: mean and median by sex and four age groups (HE0110); medians cannot be summed. */
function kommunIncome(dataDir: string): Part {
  const info = shipped({
    id: 'scb-he0110-kommun-2018-earned-income',
    tableId: 'HE0110',
    label: 'Sammanräknad förvärvsinkomst, medel- och medianinkomst i tkr, efter region, kön och ålder 2018',
    // Statistikdatabasen's HE0110A income tables ending with 2018 read "Senast uppdaterad 2020-01-29".
    updated: '2020-01-29',
    cellKeyNoise: false,
    method: PUBLISHED,
    file: FILES.income,
  });
  const measures: Record<string, MeasureId> = { Median: 'median_earned_income', Medelvärde: 'mean_earned_income' };
  const facts = readTable(dataDir, FILES.income).map(({ record, where }) => {
    const measure = measures[record.matt];
    if (!measure) throw new Error(`${where}: unknown mått "${record.matt}"`);
    return annual(info.id, areaFor(record.kommunkod, 'kommun', where), measure, 2018, numberIn(record.tkr_2018, where), {
      sex: sexIn(record.kon, where),
      ...ageIn(record.alder, where),
    });
  });
  return { datasets: [info], facts };
}

/** Population 16–95+ by highest level of education, age band and sex, 2019 (UF0506), with län and country sums. */
function kommunEducation(dataDir: string): Part {
  const common = {
    tableId: 'UF0506',
    label: 'Befolkning 16–95+ år efter region, utbildningsnivå, ålder och kön 2019',
    // The 2019 education register was published during 2020; the exact day was not recorded.
    updated: '2020',
    cellKeyNoise: false,
    file: FILES.education,
  };
  const kommun = shipped({ ...common, id: 'scb-uf0506-kommun-2019-education', method: PUBLISHED });
  const sums = shipped({ ...common, id: 'scb-uf0506-lan-riket-2019-education', method: KOMMUN_SUM });
  const facts = readTable(dataDir, FILES.education).map(({ record, where }) => {
    const areaId = areaFor(record.kommunkod, 'kommun', where);
    return annual(kommun.id, areaId, 'persons_by_education_level', 2019, numberIn(record.personer_2019, where), {
      sex: sexIn(record.kon, where),
      ...ageIn(record.alder, where),
      category: educationSlug(record.utbildningsniva, where),
    });
  });
  return { datasets: [kommun, sums], facts: [...facts, ...lanAndCountrySums(facts, sums.id)] };
}

// Statistikdatabasen's HE0111 tables ending with 2019 read "Senast uppdaterad 2020-04-23".
const HE0111_2019_UPDATED = '2020-04-23';

/**
 * Households 2019 per kommun by hushållstyp × boendeform (HE0111). SCB blanks cells of fewer than five households
 * (".."), and the file carries them as 0: not one of its 27 840 counts lies between 1 and 4. So a 0 is read as "..",
 * never as no households, and no län or country sums are made (they would leave the blanked households out).
 */
function kommunHouseholds(dataDir: string): Part {
  const info = shipped({
    id: 'scb-he0111-kommun-2019-households',
    tableId: 'HE0111',
    label: 'Antal hushåll efter region, hushållstyp och boendeform 2019',
    updated: HE0111_2019_UPDATED,
    cellKeyNoise: false,
    method: PUBLISHED,
    file: FILES.households,
  });
  const facts = readTable(dataDir, FILES.households).map(({ record, where }) => {
    const count = numberIn(record.hushall_2019, where);
    const category = `${householdTypeSlug(record.hushallstyp, where)}|${tenureSlug(record.boendeform, where)}`;
    return annual(info.id, areaFor(record.kommunkod, 'kommun', where), 'households', 2019, count === 0 ? null : count, {
      category,
      status: count === 0 ? '..' : null,
    });
  });
  return { datasets: [info], facts };
}

/** Persons 2019 per kommun by household size (HE0111; they add up to the population, no cell is blanked), with sums. */
function kommunHouseholdSize(dataDir: string): Part {
  const common = {
    tableId: 'HE0111',
    label: 'Antal personer efter region och hushållsstorlek 2019',
    updated: HE0111_2019_UPDATED,
    cellKeyNoise: false,
    file: FILES.householdSize,
  };
  const kommun = shipped({ ...common, id: 'scb-he0111-kommun-2019-household-size', method: PUBLISHED });
  const sums = shipped({ ...common, id: 'scb-he0111-lan-riket-2019-household-size', method: KOMMUN_SUM });
  const facts = readTable(dataDir, FILES.householdSize).map(({ record, where }) => {
    const areaId = areaFor(record.kommunkod, 'kommun', where);
    return annual(kommun.id, areaId, 'persons_by_household_size', 2019, numberIn(record.personer_2019, where), {
      category: householdSizeSlug(record.hushallsstorlek, where),
    });
  });
  return { datasets: [kommun, sums], facts: [...facts, ...lanAndCountrySums(facts, sums.id)] };
}

interface DesoColumn {
  column: string;
  dataset: string;
  measure: MeasureId;
  year: number;
  fields?: FactFields;
}

/**
 * DeSO 2025 statistics of Falun and Vansbro (41 DeSO), one dataset per SCB table and method. Reference year 2025 is
 * under the Cell Key Method, so the population total and the age bands are separate published cells: the bands are
 * stored as they are and never summed, and no kommun totals are made from the DeSO.
 */
function desoFalunVansbro(dataDir: string): Part {
  const file = FILES.deso;
  const table = (year: number, tableId: string, label: string, updated: string, method: string) => {
    const id = `scb-${tableId.toLowerCase()}-deso2025-falun-vansbro-${year}${method === PUBLISHED ? '' : '-shares'}`;
    // SCB adds Cell Key Method noise from reference year 2025 on.
    return { year, info: shipped({ id, tableId, label, updated, cellKeyNoise: year >= 2025, method, file }) };
  };
  const POPULATION = 'Folkmängden per region efter ålder och kön';
  const DWELLINGS = 'Lägenheter efter region och upplåtelseform';
  // Update times as am-dashboard-se's config/indicators.json records them (src_verify.updated); titles as described there
  // and in the research notes, not SCB's exact wording.
  const t = {
    population: table(2025, 'TAB6574', POPULATION, '2026-03-24', PUBLISHED),
    populationShares: table(2025, 'TAB6574', POPULATION, '2026-03-24', SHARE_OF_CELLS),
    netIncome: table(2024, 'TAB6683', 'Inkomststruktur per region: nettoinkomst och kapitalinkomst', '2026-01-20', PUBLISHED),
    economicStandard: table(2024, 'TAB6684', 'Ekonomisk standard per region', '2026-01-20', PUBLISHED),
    lowStandard: table(2024, 'TAB6685', 'Låg och hög ekonomisk standard per region', '2026-01-20', PUBLISHED),
    labour: table(2024, 'TAB6680', 'Befolkningen efter region och arbetsmarknadsstatus (BAS)', '2025-11-28', SHARE_OF_CELLS),
    education: table(2025, 'TAB6534', 'Befolkning 25–65 år efter region och utbildningsnivå', '2026-04-27', SHARE_OF_CELLS),
    tenure: table(2025, 'TAB6638', DWELLINGS, '2026-04-17', PUBLISHED),
    tenureShares: table(2025, 'TAB6638', DWELLINGS, '2026-04-17', SHARE_OF_CELLS),
    // am-dashboard-se's "flats" share below kommun level is persons in flerbostadshus ÷ population (TAB6065), not dwellings.
    buildingType: table(2025, 'TAB6065', 'Personer efter region och hustyp', '2026-04-17', SHARE_OF_CELLS),
    background: table(2025, 'TAB6571', 'Folkmängden per region efter utländsk/svensk bakgrund och kön', '2026-03-24', SHARE_OF_CELLS),
    householdTypes: table(2025, 'TAB6568', 'Antal hushåll per region efter hushållstyp', '2026-03-24', SHARE_OF_CELLS),
  };

  const column = (name: string, { year, info }: ReturnType<typeof table>, measure: MeasureId, fields?: FactFields): DesoColumn => ({
    column: name,
    dataset: info.id,
    measure,
    year,
    fields,
  });
  const ages20to64 = { ageFrom: 20, ageTo: 64 };
  const columns: DesoColumn[] = [
    column('folkmangd_2025', t.population, 'population'),
    column('medelinkomst_netto_tkr_2024', t.netIncome, 'mean_net_income'),
    column('median_disp_inkomst_tkr_2024', t.economicStandard, 'median_economic_standard'),
    column('andel_med_kapitalinkomst_pct_2024', t.netIncome, 'share_with_capital_income'),
    column('andel_lag_ekonomisk_standard_pct_2024', t.lowStandard, 'share_low_economic_standard'),
    column('arbetsloshet_20_64_pct_2024', t.labour, 'unemployment_rate', ages20to64),
    column('sysselsattningsgrad_pct_2024', t.labour, 'employment_rate', ages20to64),
    // The column says 25_64, but TAB6534 covers ages 25–65 (research notes §5.2; am-dashboard-se's "% of 25–65").
    column('andel_eftergymnasial_utb_25_64_pct_2025', t.education, 'share_post_secondary_education', { ageFrom: 25, ageTo: 65 }),
    column('andel_hyresratt_pct_2025', t.tenureShares, 'share_rental_dwellings'),
    column('andel_flerbostadshus_pct_2025', t.buildingType, 'share_persons_in_apartment_buildings'),
    column('andel_utlandsk_bakgrund_pct_2025', t.background, 'share_foreign_background'),
    column('andel_20_34_ar_pct_2025', t.populationShares, 'share_aged_20_34'),
    column('andel_ensamhushall_pct_2025', t.householdTypes, 'share_single_person_households'),
    column('befolkningsforandring_pct_2025', t.populationShares, 'population_change_share'),
  ];
  const tenureColumns = { hyresratt: 'hyresratt', bostadsratt: 'bostadsratt', aganderatt: 'aganderatt', ovrigt: 'ovrig_upplatelseform' };
  for (const [suffix, category] of Object.entries(tenureColumns)) {
    columns.push(column(`upplatelse_${suffix}`, t.tenure, 'dwellings_by_tenure', { category }));
  }
  const rows = readTable(dataDir, file);
  // The 17 age bands per sex: man_00_04 … kvinnor_80plus.
  for (const name of Object.keys(rows[0]?.record ?? {})) {
    const band = /^(man|kvinnor)_(\d\d)(?:_(\d\d)|plus)$/.exec(name);
    if (!band) continue;
    const age = ageIn(band[3] ? `${band[2]}-${band[3]}` : `${band[2]}+`, `${file}: column ${name}`);
    columns.push(column(name, t.population, 'population', { sex: band[1] === 'man' ? 'male' : 'female', ...age }));
  }

  const facts: FactRow[] = [];
  for (const { record, where } of rows) {
    const areaId = areaFor(record.desokod, 'deso2025', where);
    for (const { column: name, dataset, measure, year, fields } of columns) {
      const raw = record[name];
      if (raw === undefined) throw new Error(`${where}: column ${name} is missing`);
      // One cell is empty in the source (2080C1230 has no 2025 flerbostadshus share).
      const value = raw === '' ? null : numberIn(raw, `${where}, ${name}`);
      facts.push(annual(dataset, areaId, measure, year, value, { ...fields, status: value === null ? '..' : null }));
    }
  }
  return { datasets: Object.values(t).map(({ info }) => info), facts };
}

/**
 * A raw PxWebApi 2 CSV (one column per dimension, then one per "<content code> <period>") as a decoded dataset, so it
 * maps onto facts like any JSON-stat response.
 */
function datasetFromPxWebCsv(dataDir: string, file: string, meta: Pick<DecodedDataset, 'tableId' | 'label' | 'updated'>): DecodedDataset {
  const records = readCsv(path.join(dataDir, file));
  const header = Object.keys(records[0] ?? {});
  const valueColumns = header.filter((name) => / /.test(name)).map((name) => {
    const [content, period] = name.split(' ');
    return { name, content, period };
  });
  const dimensionCodes = header.filter((name) => !/ /.test(name));
  const distinct = (values: string[]) => [...new Set(values)].map((code) => ({ code, label: code }));
  const rows: DataRow[] = records.flatMap((record) =>
    valueColumns.map(({ name, content, period }) => {
      const value = Number(record[name]);
      const missing = record[name].trim() === '' || !Number.isFinite(value);
      const codes = [...dimensionCodes.map((code) => record[code]), content, period];
      return { codes, value: missing ? null : value, status: missing ? record[name].trim() || '..' : null };
    }),
  );
  return {
    ...meta,
    source: 'SCB',
    notes: [],
    units: {},
    cellKeyNoise: false,
    dimensions: [
      ...dimensionCodes.map((code) => ({ code, label: code, time: false, content: false, values: distinct(records.map((r) => r[code])) })),
      { code: 'ContentsCode', label: 'tabellinnehåll', time: false, content: true, values: distinct(valueColumns.map((c) => c.content)) },
      { code: 'Tid', label: 'år', time: true, content: false, values: distinct(valueColumns.map((c) => c.period)) },
    ],
    rows,
  };
}

/** TAB6574 extract: population 2024 of every DeSO 2025 in Dalarna, all ages and ages 65–69, 70–74, 75–79, 80+. */
function desoDalarna2024(dataDir: string): Part {
  const decoded = datasetFromPxWebCsv(dataDir, FILES.desoDalarna2024, {
    tableId: 'TAB6574',
    label: 'Folkmängden per region efter ålder och kön',
    // SCB publishes DeSO population for year Y in March of Y+1 (TAB6574 was updated 2026-03-24 with 2025); the
    // extract's fetch date is not recorded.
    updated: '2025',
  });
  // Reference year 2024 predates the Cell Key Method (SCB: "från och med referensåret 2025"): the ±21 gaps between
  // age bands and totals are in the DeSO file's 2025 columns only.
  const info = datasetInfoFrom(decoded, {
    id: 'scb-tab6574-deso2025-dalarna-2024',
    method: PUBLISHED,
    file: FILES.desoDalarna2024,
    shipped: true,
    cellKeyNoise: false,
  });
  return { datasets: [info], facts: factsFromDataset(decoded, { dataset: info.id, measures: { '000007Y7': 'population' } }) };
}

/** The recorded PxWeb responses that hold statistics, decoded and mapped like live responses. */
function recordedResponses(dataDir: string): Part {
  const parts: Part[] = [];
  const add = (decoded: DecodedDataset, info: Parameters<typeof datasetInfoFrom>[1], spec: Omit<DatasetSpec, 'dataset'>) =>
    parts.push({ datasets: [datasetInfoFrom(decoded, info)], facts: factsFromDataset(decoded, { ...spec, dataset: info.id }) });

  add(
    decodeJsonStat(readJson(dataDir, FILES.tab6471)),
    { id: 'scb-tab6471-lan-2026m01-m04-age-sex', method: PUBLISHED, file: FILES.tab6471, shipped: true },
    { measures: { '000007SF': 'population' } },
  );
  add(
    decodeJsonStat(readJson(dataDir, FILES.tab5557)),
    { id: 'scb-tab5557-stockholm-2025-age', method: PUBLISHED, file: FILES.tab5557, shipped: true },
    { measures: { '000007ME': 'population' }, dropDimensions: ['Civilstand'] },
  );
  add(
    decodeV1Json(readJson(dataDir, FILES.economicStandard)),
    // v1 Tab3InkDesoN (DeSO 2018) has no known TAB id; HE0110 is its product.
    {
      id: 'scb-he0110-deso2018-stockholm-2020-economic-standard',
      tableId: 'HE0110',
      method: PUBLISHED,
      file: FILES.economicStandard,
      shipped: true,
    },
    {
      measures: {
        '000005FO': 'economic_standard_quartile_share',
        '000005FP': 'economic_standard_quartile_share',
        '000005FQ': 'economic_standard_quartile_share',
        '000005FR': 'economic_standard_quartile_share',
        '000005FT': 'median_economic_standard',
        '000005FS': 'mean_economic_standard',
        '000005FN': 'economic_standard_persons',
      },
      contentCategories: { '000005FO': 'q1', '000005FP': 'q2', '000005FQ': 'q3', '000005FR': 'q4' },
    },
  );
  add(
    decodeV1Json(readJson(dataDir, FILES.density), decodeV1Metadata(readJson(dataDir, FILES.densityMetadata), 'BefArealTathetKon')),
    {
      id: 'scb-be0101-lan-1991-2018-density',
      // v1 BE0101C/BefArealTathetKon has no known TAB id; the update time is its entry in the recorded v1 level listing
      // (v1-levels-BE0101C-en-2020.json), Swedish local time.
      tableId: 'BE0101',
      updated: '2019-03-07T09:30:00',
      method: PUBLISHED,
      file: FILES.density,
      shipped: true,
    },
    // BE0101U1 is "Population density per sq. km" (BE0101U2 population, BE0101U3 land area); Kon was left out, so totals.
    { measures: { BE0101U1: 'population_density' } },
  );
  add(
    decodeJsonStat(readJson(dataDir, FILES.tab3554)),
    // The recording reads "2024-01-12T05: 52: 00Z": the spaces came from pxwebpy's formatter, not from SCB.
    {
      id: 'scb-tab3554-riket-2020-2022-median-income',
      updated: '2024-01-12T05:52:00Z',
      method: PUBLISHED,
      file: FILES.tab3554,
      shipped: true,
    },
    { measures: { HE0110J8: 'median_earned_income' } },
  );
  return { datasets: parts.flatMap((p) => p.datasets), facts: parts.flatMap((p) => p.facts) };
}

/**
 * Reads every shipped SCB file under `dataDir` into facts and their datasets. Where two sources would give the same key
 * (kommun, län and country population 2019, all ages, both sexes), the 1950–2020 series is kept so the annual series
 * stays one source. Throws when a file does not have the expected shape or two facts share a key.
 */
export function loadSnapshot(dataDir: string): FactSet {
  const parts = [
    kommunPopulation(dataDir),
    kommunPopulationByAge(dataDir),
    kommunIncome(dataDir),
    kommunEducation(dataDir),
    kommunHouseholds(dataDir),
    kommunHouseholdSize(dataDir),
    desoFalunVansbro(dataDir),
    desoDalarna2024(dataDir),
    recordedResponses(dataDir),
  ];
  const datasets = parts.flatMap((p) => p.datasets);
  const facts = parts.flatMap((p) => p.facts);
  const keys = new Map<string, string>();
  for (const fact of facts) {
    const key = factKey(fact);
    const earlier = keys.get(key);
    if (earlier !== undefined) throw new Error(`Datasets ${earlier} and ${fact.dataset} both hold ${key.replaceAll('\u0001', ' ')}`);
    keys.set(key, fact.dataset);
  }
  return { datasets, facts };
}
