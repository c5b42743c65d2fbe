// The statistics store and the plain-row reads over it; knows nothing of GraphQL.
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { AppConfig } from '../../lib/config.ts';
import { isAreaId, parseAreaId } from '../../lib/area-id.ts';
import { readCsv } from '../../lib/csv.ts';
import { openStore, type Store, type StoreSpec } from '../../lib/db.ts';
import type { Logger } from '../../lib/log.ts';
import { kommunPopulation, tables } from './tables.ts';

/** Where and by whom a figure was published; the method differs per area level. */
export interface Provenance {
  table: string;
  publisher: string;
  asOf: string;
  licence: string;
  method: string;
  offline: boolean;
}

/** The offline snapshot of SCB's table BE0101 "Folkmängd i riket, län och kommuner 31 december 1950–2020". */
export const POPULATION_TABLE = {
  table: 'BE0101 Folkmängd i riket, län och kommuner 31 december 1950–2020',
  publisher: 'SCB',
  // SCB published the 2020 annual population figures on this day.
  asOf: '2021-02-22',
  licence: 'CC0 1.0',
  offline: true,
} as const satisfies Omit<Provenance, 'method'>;

export const POPULATION_METHODS = {
  kommun: 'register count',
  sum: 'sum of the kommun figures',
} as const;

export type PopulationMethod = (typeof POPULATION_METHODS)[keyof typeof POPULATION_METHODS];

export interface PopulationKey {
  areaId: string;
  year: number;
}

export interface PopulationRow {
  areaId: string;
  year: number;
  /** Persons registered as living in the area on 31 December of the year. */
  population: number;
  method: PopulationMethod;
  /** How many kommun figures the value is made of (1 for a kommun). */
  kommunCount: number;
}

export interface StatisticsSource {
  /** Answers every key with at most three SQL queries (kommuner, län, country), in key order; null where no figure exists. */
  populationFor(keys: readonly PopulationKey[]): (PopulationRow | null)[];
  /** First and last year the population snapshot covers. */
  populationYears: { first: number; last: number };
  /** The store file and whether this process built it (false when a current store was reused). */
  store: { file: string; built: boolean };
  close(): void;
}

export const POPULATION_CSV = 'scb/folkmangd_kommun_1950-2020.csv';

// A type alias, not an interface, so rows can be passed as drizzle's placeholder values.
type CsvPopulationRow = {
  kommunCode: string;
  year: number;
  population: number;
};

function parsePopulationCsv(file: string): CsvPopulationRow[] {
  const rows = readCsv(file).map((record, i) => {
    const row = { kommunCode: record.kommunkod, year: Number(record.ar), population: Number(record.folkmangd) };
    if (!/^\d{4}$/.test(row.kommunCode) || !Number.isInteger(row.year) || !Number.isInteger(row.population) || record.folkmangd === '') {
      throw new Error(`${file}: line ${i + 2} is not "kommunkod,kommunnamn,ar,folkmangd" with a 4-digit code and whole numbers`);
    }
    return row;
  });
  // Län and country figures are sums of kommun figures, so a missing kommun-year would silently shrink them.
  const kommuner = new Set(rows.map((row) => row.kommunCode));
  const years = new Set(rows.map((row) => row.year));
  const pairs = new Set(rows.map((row) => `${row.kommunCode}:${row.year}`));
  if (pairs.size !== rows.length || pairs.size !== kommuner.size * years.size) {
    throw new Error(
      `${file}: expected one figure per kommun and year (${kommuner.size} kommuner x ${years.size} years), found ${rows.length} rows ` +
        `of which ${pairs.size} distinct`,
    );
  }
  return rows;
}

/** What openStore needs to build or reuse the statistics store. */
export function statisticsStoreSpec(dataDir: string): StoreSpec {
  const csv = path.join(dataDir, POPULATION_CSV);
  return {
    name: 'statistics',
    loaderVersion: 1,
    tables,
    inputs: [csv],
    load(db) {
      const insert = db
        .insert(kommunPopulation)
        .values({ kommunCode: sql.placeholder('kommunCode'), year: sql.placeholder('year'), population: sql.placeholder('population') })
        .prepare();
      for (const row of parsePopulationCsv(csv)) insert.run(row);
    },
  };
}

type Group = 'kommun' | 'lan' | 'country';

function groupOf(areaId: string): { group: Group; code: string } | null {
  if (!isAreaId(areaId)) return null;
  const area = parseAreaId(areaId);
  if (area.level === 'KOMMUN') return { group: 'kommun', code: area.code };
  if (area.level === 'LAN') return { group: 'lan', code: area.code };
  if (area.level === 'COUNTRY') return { group: 'country', code: area.code };
  return null;
}

interface SumRow {
  code: string;
  year: number;
  population: number;
  kommunCount: number;
}

// Keys travel as one JSON parameter so a batch of any size is one statement.
function queryGroup(db: Store, group: Group, pairs: [string, number][]): SumRow[] {
  const keys = JSON.stringify(pairs);
  if (group === 'kommun') {
    return db.all<SumRow>(sql`
      SELECT p.kommun_code AS code, p.year AS year, p.population AS population, 1 AS kommunCount
      FROM json_each(${keys}) AS k
      JOIN kommun_population AS p ON p.kommun_code = k.value ->> 0 AND p.year = k.value ->> 1`);
  }
  if (group === 'lan') {
    // A kommun code's first two digits are its län code.
    return db.all<SumRow>(sql`
      SELECT k.value ->> 0 AS code, p.year AS year, sum(p.population) AS population, count(*) AS kommunCount
      FROM json_each(${keys}) AS k
      JOIN kommun_population AS p
        ON p.kommun_code BETWEEN (k.value ->> 0) || '00' AND (k.value ->> 0) || '99' AND p.year = k.value ->> 1
      GROUP BY k.value ->> 0, p.year`);
  }
  return db.all<SumRow>(sql`
    SELECT 'SE' AS code, year, sum(population) AS population, count(*) AS kommunCount
    FROM kommun_population
    WHERE year IN (SELECT DISTINCT k.value ->> 1 FROM json_each(${keys}) AS k)
    GROUP BY year`);
}

function populationFor(db: Store, keys: readonly PopulationKey[]): (PopulationRow | null)[] {
  const pairs = new Map<Group, Map<string, [string, number]>>();
  const resolved = keys.map((key) => {
    const target = Number.isInteger(key.year) ? groupOf(key.areaId) : null;
    if (!target) return null;
    const pair: [string, number] = [target.code, key.year];
    const id = `${target.group}:${target.code}|${key.year}`;
    if (!pairs.has(target.group)) pairs.set(target.group, new Map());
    pairs.get(target.group)!.set(id, pair);
    return { ...target, id };
  });
  const found = new Map<string, SumRow>();
  for (const [group, groupPairs] of pairs) {
    for (const row of queryGroup(db, group, [...groupPairs.values()])) found.set(`${group}:${row.code}|${row.year}`, row);
  }
  return keys.map((key, i) => {
    const target = resolved[i];
    const row = target && found.get(target.id);
    if (!target || !row) return null;
    return {
      areaId: key.areaId,
      year: key.year,
      population: row.population,
      method: target.group === 'kommun' ? POPULATION_METHODS.kommun : POPULATION_METHODS.sum,
      kommunCount: row.kommunCount,
    };
  });
}

/** Opens (building when needed) the statistics store under config.storeDir. */
export function createStatisticsSource(config: Pick<AppConfig, 'dataDir' | 'storeDir'>, log?: Logger): StatisticsSource {
  const { db, built, file } = openStore(config.storeDir, statisticsStoreSpec(config.dataDir));
  log?.info('statistics store ready', { file, built });
  const years = db.get<{ first: number | null; last: number | null }>(
    sql`SELECT min(year) AS first, max(year) AS last FROM ${kommunPopulation}`,
  );
  if (years?.first == null || years.last == null) throw new Error(`The statistics store ${file} holds no population figures`);
  return {
    populationFor: (keys) => populationFor(db, keys),
    populationYears: { first: years.first, last: years.last },
    store: { file, built },
    close: () => db.$client.close(),
  };
}
