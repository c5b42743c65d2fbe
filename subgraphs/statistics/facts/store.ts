// Batched reads of typed facts from the statistics store: one SQL statement per batch, answers in key order.
import { sql } from 'drizzle-orm';
import type { Store } from '../../../lib/db.ts';
import { OPEN_AGE } from '../tables.ts';
import type { DatasetInfo, FactRow, MeasureId, Sex } from './types.ts';

/** Exactly one fact: area, measure, period, sex, age range (ageTo null = and over) and category. */
export interface FactKey {
  areaId: string;
  measure: MeasureId;
  period: string;
  sex: Sex;
  ageFrom: number;
  ageTo: number | null;
  category: string;
}

/** Every fact of one measure for an area and period (all sexes, ages and categories). */
export interface FactGroupKey {
  areaId: string;
  measure: MeasureId;
  period: string;
}

/** The age groups of one width (1, 5, 10 years) of a measure for an area, period and sex. */
export interface AgeGroupsKey {
  areaId: string;
  measure: MeasureId;
  period: string;
  sex: Sex;
  width: number;
}

/** One measure for one sex, age range and category across every annual period. */
export interface SeriesKey {
  areaId: string;
  measure: MeasureId;
  sex: Sex;
  ageFrom: number;
  ageTo: number | null;
  category: string;
}

/** A stored fact; `method` is set when the value was derived at read time (e.g. summed from single-year ages). */
export interface StoredFact extends FactRow {
  method?: string;
}

/** What the store holds for an area and measure. */
export interface Coverage {
  measure: MeasureId;
  years: number[];
  tableIds: string[];
}

interface FactRecord {
  idx: number;
  area_id: string;
  measure: string;
  period: string;
  year: number;
  month: number | null;
  sex: string;
  age_from: number;
  age_to: number;
  category: string;
  value: number | null;
  status: string | null;
  dataset: string;
}

const FACT_COLUMNS = sql`f.area_id, f.measure, f.period, f.year, f.month, f.sex, f.age_from, f.age_to, f.category, f.value, f.status, f.dataset`;

function toFact(record: FactRecord): StoredFact {
  return {
    areaId: record.area_id,
    measure: record.measure as MeasureId,
    period: record.period,
    year: record.year,
    month: record.month,
    sex: record.sex as Sex,
    ageFrom: record.age_from,
    ageTo: record.age_to === OPEN_AGE ? null : record.age_to,
    category: record.category,
    value: record.value,
    status: record.status,
    dataset: record.dataset,
  };
}

const storedAge = (ageTo: number | null): number => ageTo ?? OPEN_AGE;

/** Groups records by their batch index into one list per key. */
function byIndex(records: FactRecord[], count: number): StoredFact[][] {
  const groups: StoredFact[][] = Array.from({ length: count }, () => []);
  for (const record of records) groups[record.idx].push(toFact(record));
  return groups;
}

// The oldest age SCB publishes as a single year; older ages are one open group "100+".
const LAST_SINGLE_AGE = 99;

interface SumRecord {
  idx: number;
  total: number | null;
  cells: number;
  missing: number;
  dataset: string;
}

export const SUM_OF_SINGLE_YEARS = 'sum of single-year ages';

/**
 * Age ranges a source does not publish as one cell, summed from its single-year ages — only for tables without
 * cell-key noise, and only when every year of the range is there.
 */
function sumSingleYears(db: Store, keys: readonly FactKey[], misses: number[]): Map<number, StoredFact> {
  const wanted = misses.filter((i) => keys[i].ageFrom <= (keys[i].ageTo ?? LAST_SINGLE_AGE + 1));
  const found = new Map<number, StoredFact>();
  if (wanted.length === 0) return found;
  const params = JSON.stringify(
    wanted.map((i) => {
      const key = keys[i];
      return [i, key.areaId, key.measure, key.period, key.sex, key.category, key.ageFrom, key.ageTo ?? LAST_SINGLE_AGE, key.ageTo === null ? 1 : 0];
    }),
  );
  const records = db.all<SumRecord>(sql`
    SELECT k.value ->> 0 AS idx, sum(f.value) AS total, count(*) AS cells, count(*) - count(f.value) AS missing, min(f.dataset) AS dataset
    FROM json_each(${params}) AS k
    JOIN fact AS f
      ON f.area_id = k.value ->> 1 AND f.measure = k.value ->> 2 AND f.period = k.value ->> 3
     AND f.sex = k.value ->> 4 AND f.category = k.value ->> 5
     AND ((f.age_from = f.age_to AND f.age_from BETWEEN k.value ->> 6 AND k.value ->> 7)
          OR (k.value ->> 8 = 1 AND f.age_from = ${LAST_SINGLE_AGE + 1} AND f.age_to = ${OPEN_AGE}))
    JOIN dataset AS d ON d.id = f.dataset AND d.cell_key_noise = 0
    GROUP BY k.value ->> 0`);
  for (const record of records) {
    const key = keys[record.idx];
    const expected = (key.ageTo ?? LAST_SINGLE_AGE + 1) - key.ageFrom + 1;
    if (record.cells !== expected) continue;
    const year = Number(key.period.slice(0, 4));
    const month = key.period.length > 4 ? Number(key.period.slice(5)) : null;
    found.set(record.idx, {
      ...key,
      year,
      month,
      value: record.missing > 0 ? null : record.total,
      status: record.missing > 0 ? '..' : null,
      dataset: record.dataset,
      method: SUM_OF_SINGLE_YEARS,
    });
  }
  return found;
}

/**
 * Exact facts in key order; unless `published` is set, age ranges not published as one cell are summed from single
 * years where that is allowed.
 */
export function exactFacts(db: Store, keys: readonly FactKey[], { published = false } = {}): (StoredFact | null)[] {
  if (keys.length === 0) return [];
  const params = JSON.stringify(keys.map((k, i) => [i, k.areaId, k.measure, k.period, k.sex, k.ageFrom, storedAge(k.ageTo), k.category]));
  const records = db.all<FactRecord>(sql`
    SELECT k.value ->> 0 AS idx, ${FACT_COLUMNS}
    FROM json_each(${params}) AS k
    JOIN fact AS f
      ON f.area_id = k.value ->> 1 AND f.measure = k.value ->> 2 AND f.period = k.value ->> 3 AND f.sex = k.value ->> 4
     AND f.age_from = k.value ->> 5 AND f.age_to = k.value ->> 6 AND f.category = k.value ->> 7`);
  const found: (StoredFact | null)[] = byIndex(records, keys.length).map((group) => group[0] ?? null);
  if (published) return found;
  const misses = found.flatMap((fact, i) => (fact === null && !(keys[i].ageFrom === 0 && keys[i].ageTo === null) ? [i] : []));
  for (const [i, fact] of sumSingleYears(db, keys, misses)) found[i] = fact;
  return found;
}

/** Every fact of a measure for an area and period, per key, ordered by sex, age and category. */
export function factGroups(db: Store, keys: readonly FactGroupKey[]): StoredFact[][] {
  if (keys.length === 0) return [];
  const params = JSON.stringify(keys.map((k, i) => [i, k.areaId, k.measure, k.period]));
  const records = db.all<FactRecord>(sql`
    SELECT k.value ->> 0 AS idx, ${FACT_COLUMNS}
    FROM json_each(${params}) AS k
    JOIN fact AS f ON f.area_id = k.value ->> 1 AND f.measure = k.value ->> 2 AND f.period = k.value ->> 3
    ORDER BY idx, f.sex, f.age_from, f.age_to, f.category`);
  return byIndex(records, keys.length);
}

/**
 * Age groups per key, youngest first: closed groups of the width on its boundaries (0–4, 5–9 …) and the open top
 * group ("100+", "80+") that ends the list. Filtered in SQL, so a kommun's 400 single-year facts never leave the store.
 */
export function ageGroups(db: Store, keys: readonly AgeGroupsKey[]): StoredFact[][] {
  if (keys.length === 0) return [];
  const params = JSON.stringify(keys.map((k, i) => [i, k.areaId, k.measure, k.period, k.sex, k.width]));
  const records = db.all<FactRecord>(sql`
    SELECT k.value ->> 0 AS idx, ${FACT_COLUMNS}
    FROM json_each(${params}) AS k
    JOIN fact AS f
      ON f.area_id = k.value ->> 1 AND f.measure = k.value ->> 2 AND f.period = k.value ->> 3 AND f.sex = k.value ->> 4
     AND f.category = '' AND f.age_from % (k.value ->> 5) = 0
     AND ((f.age_to = ${OPEN_AGE} AND f.age_from > 0) OR (f.age_to <> ${OPEN_AGE} AND f.age_to - f.age_from + 1 = k.value ->> 5))
    ORDER BY idx, f.age_from`);
  return byIndex(records, keys.length);
}

/** Annual facts of one measure, sex, age range and category, oldest first, per key. */
export function factSeries(db: Store, keys: readonly SeriesKey[]): StoredFact[][] {
  if (keys.length === 0) return [];
  const params = JSON.stringify(keys.map((k, i) => [i, k.areaId, k.measure, k.sex, k.ageFrom, storedAge(k.ageTo), k.category]));
  const records = db.all<FactRecord>(sql`
    SELECT k.value ->> 0 AS idx, ${FACT_COLUMNS}
    FROM json_each(${params}) AS k
    JOIN fact AS f
      ON f.area_id = k.value ->> 1 AND f.measure = k.value ->> 2 AND f.sex = k.value ->> 3
     AND f.age_from = k.value ->> 4 AND f.age_to = k.value ->> 5 AND f.category = k.value ->> 6 AND f.month IS NULL
    ORDER BY idx, f.year`);
  return byIndex(records, keys.length);
}

/** Measures, years and tables the store holds per area, in key order. */
export function coverage(db: Store, areaIds: readonly string[]): Coverage[][] {
  if (areaIds.length === 0) return [];
  const records = db.all<{ idx: number; measure: string; years: string; tables: string }>(sql`
    SELECT k.key AS idx, f.measure AS measure,
           json_group_array(DISTINCT f.year) AS years, json_group_array(DISTINCT d.table_id) AS tables
    FROM json_each(${JSON.stringify(areaIds)}) AS k
    JOIN fact AS f ON f.area_id = k.value
    JOIN dataset AS d ON d.id = f.dataset
    GROUP BY k.key, f.measure
    ORDER BY k.key, f.measure`);
  const result: Coverage[][] = areaIds.map(() => []);
  for (const record of records) {
    result[record.idx].push({
      measure: record.measure as MeasureId,
      years: (JSON.parse(record.years) as number[]).sort((a, b) => a - b),
      tableIds: (JSON.parse(record.tables) as string[]).sort(),
    });
  }
  return result;
}

/** Every dataset by id: provenance is small, so it is read once. */
export function readDatasets(db: Store): Map<string, DatasetInfo> {
  const rows = db.all<{
    id: string; table_id: string; label: string; publisher: string; updated: string; licence: string;
    cell_key_noise: number; method: string; file: string; shipped: number;
  }>(sql`SELECT * FROM dataset`);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id, tableId: row.table_id, label: row.label, publisher: row.publisher, updated: row.updated,
        licence: row.licence, cellKeyNoise: row.cell_key_noise === 1, method: row.method, file: row.file, shipped: row.shipped === 1,
      },
    ]),
  );
}
