// Turns a decoded PxWeb dataset into typed facts: region → area id, time → period, Kon → sex, Alder → age range.
import { COUNTRY_ID } from '../../../lib/area-id.ts';
import type { DecodedDataset } from '../pxweb/types.ts';
import { isBeforeVintage, parseScbRegion } from '../region-codes.ts';
import type { DatasetInfo, FactRow, MeasureId, Sex } from './types.ts';

/** How one PxWeb table maps onto facts. */
export interface DatasetSpec {
  /** DatasetInfo.id the facts belong to. */
  dataset: string;
  /** Content code → measure; content codes not listed are skipped. */
  measures: Record<string, MeasureId>;
  /** Content code → category, for tables whose content codes split one measure (e.g. quartile shares → "q1".."q4"). */
  contentCategories?: Record<string, string>;
  /** Dimensions with a single value (e.g. Civilstand "SC", all marital statuses) left out of the category. */
  dropDimensions?: string[];
}

/** An age range in whole years; ageTo null means "and over". */
export interface AgeRange {
  ageFrom: number;
  ageTo: number | null;
}

export const ALL_AGES: AgeRange = { ageFrom: 0, ageTo: null };

/** SCB's codes for "all ages": TotSA in v2 tables, TOT1/TOT5/TOT10 as the totals of TAB5557's 1-, 5- and 10-year valuesets. */
const ALL_AGE_CODES = new Set(['tot', 'totalt', 'totsa', 'tot1', 'tot5', 'tot10']);

/**
 * Parses SCB's age codes and labels: "tot"/"TotSA"/"TOT5" all ages, "42" one year, "-4" 0–4, "5-9", "100+", "100+5"
 * (100 and over in the 5-year valueset), "80-" 80 and over, "tot16+" 16 and over, and labels like "totalt 16+ år", "20–24 år".
 * Null for anything else.
 */
export function parseAgeCode(raw: string): AgeRange | null {
  const code = raw
    .trim()
    .toLowerCase()
    .replace(/[–—]/g, '-')
    .replace(/\s*år$/, '');
  if (ALL_AGE_CODES.has(code) || code.startsWith('totalt, samtliga')) return ALL_AGES;
  let match = /^tot(?:alt)?\s*(\d+)\+$/.exec(code);
  if (match) return { ageFrom: Number(match[1]), ageTo: null };
  if (/^\d+$/.test(code)) return { ageFrom: Number(code), ageTo: Number(code) };
  // "100+1", "100+5", "100+10": the open-ended group of the 1-, 5- and 10-year valuesets.
  match = /^(\d+)(?:\+(?:1|5|10)?|-)$/.exec(code);
  if (match) return { ageFrom: Number(match[1]), ageTo: null };
  match = /^(\d*)-(\d+)$/.exec(code);
  if (match) {
    const ageFrom = match[1] === '' ? 0 : Number(match[1]);
    const ageTo = Number(match[2]);
    return ageFrom <= ageTo ? { ageFrom, ageTo } : null;
  }
  return null;
}

const SEX_CODES: Record<string, Sex> = {
  '1': 'male',
  '2': 'female',
  '1+2': 'total',
  totsa: 'total',
  totalt: 'total',
  män: 'male',
  kvinnor: 'female',
};

/** SCB's Kon code or Swedish label → sex: 1/män male, 2/kvinnor female, 1+2/TotSa/totalt total; null for anything else. */
export function parseSexCode(raw: string): Sex | null {
  return SEX_CODES[raw.trim().toLowerCase()] ?? null;
}

/** SCB's time code → period, year and month: "2019" a year, "2026M03" a month; other periods (quarters…) are not facts yet. */
export function parsePeriod(code: string): Pick<FactRow, 'period' | 'year' | 'month'> {
  const match = /^(\d{4})(?:M(0[1-9]|1[0-2]))?$/.exec(code.trim());
  if (!match) throw new Error(`Unsupported SCB period "${code}": expected a year ("2019") or a month ("2026M03")`);
  return { period: match[0], year: Number(match[1]), month: match[2] ? Number(match[2]) : null };
}

/** The key no two facts may share. */
export function factKey(fact: Pick<FactRow, 'areaId' | 'measure' | 'period' | 'sex' | 'ageFrom' | 'ageTo' | 'category'>): string {
  return [fact.areaId, fact.measure, fact.period, fact.sex, fact.ageFrom, fact.ageTo ?? '', fact.category].join('\u0001');
}

/** Provenance of a decoded dataset; `info` names it and supplies what the response lacks or gets wrong. */
export function datasetInfoFrom(
  dataset: DecodedDataset,
  info: Pick<DatasetInfo, 'id' | 'method' | 'file' | 'shipped'> & Partial<DatasetInfo>,
): DatasetInfo {
  return {
    tableId: dataset.tableId,
    label: dataset.label,
    updated: dataset.updated,
    publisher: 'SCB',
    // SCB's Statistikdatabasen is open data under CC0 (stated by the v2 /config response).
    licence: 'CC0 1.0',
    cellKeyNoise: dataset.cellKeyNoise,
    ...info,
  };
}

type Resolver = (code: string, fact: Partial<FactRow>) => boolean;

/**
 * Maps every cell of a decoded dataset onto a fact. Region codes that are pseudo-regions or of no known division are
 * skipped; a 2025-vintage code in a year before its division existed reads null with status "not existing".
 * Several codes may name the same key (TAB5557 sends TotSA, TOT1, TOT5 and TOT10 for all ages): the first is kept and
 * the others must agree with it.
 */
export function factsFromDataset(dataset: DecodedDataset, spec: DatasetSpec): FactRow[] {
  const { dimensions } = dataset;
  const table = dataset.tableId || spec.dataset;
  const dropped = new Set(spec.dropDimensions ?? []);
  for (const dimension of dimensions.filter((d) => dropped.has(d.code))) {
    if (dimension.values.length !== 1) {
      throw new Error(`${table}: dimension ${dimension.code} has ${dimension.values.length} values and cannot be dropped`);
    }
  }
  if (!dimensions.some((d) => d.content)) throw new Error(`${table}: the dataset has no content dimension`);
  if (!dimensions.some((d) => d.time)) throw new Error(`${table}: the dataset has no time dimension`);
  const mapped = new Set(['Region', 'Kon', 'Alder', ...dropped]);
  const categoryDimensions = dimensions.filter((d) => !d.time && !mapped.has(d.code));

  // One resolver per dimension fills its part of the fact; false skips the cell.
  const resolvers: Resolver[] = dimensions.map((dimension): Resolver => {
    if (dimension.time) {
      return (code, fact) => {
        Object.assign(fact, parsePeriod(code));
        return true;
      };
    }
    if (dimension.content) {
      return (code, fact) => {
        const measure = spec.measures[code];
        if (measure === undefined) return false;
        fact.measure = measure;
        return true;
      };
    }
    if (dimension.code === 'Region') {
      // A region code repeats on every row of its slice, so each is read once.
      const regions = new Map<string, ReturnType<typeof parseScbRegion>>();
      return (code, fact) => {
        let region = regions.get(code);
        if (region === undefined) regions.set(code, (region = parseScbRegion(code)));
        if (region.kind !== 'area') return false;
        fact.areaId = region.areaId;
        return true;
      };
    }
    if (dimension.code === 'Kon') {
      return (code, fact) => {
        const sex = parseSexCode(code);
        if (!sex) throw new Error(`${table}: unknown Kon code "${code}"`);
        fact.sex = sex;
        return true;
      };
    }
    if (dimension.code === 'Alder') {
      return (code, fact) => {
        const age = parseAgeCode(code);
        if (!age) throw new Error(`${table}: unknown Alder code "${code}"`);
        Object.assign(fact, age);
        return true;
      };
    }
    return () => true;
  });
  const categoryIndexes = categoryDimensions.map((d) => dimensions.indexOf(d));
  const contentIndex = dimensions.findIndex((d) => d.content);

  const facts: FactRow[] = [];
  const seen = new Map<string, { fact: FactRow; codes: string[] }>();
  for (const row of dataset.rows) {
    // A table without Region was eliminated to the country (v1 TAB3554 via vs:RegionRiket99); without Kon or Alder, to totals.
    const fact: Partial<FactRow> = { areaId: COUNTRY_ID, sex: 'total', ...ALL_AGES, dataset: spec.dataset };
    if (!row.codes.every((code, d) => resolvers[d](code, fact))) continue;
    fact.category = categoryIndexes
      .map((d) => (d === contentIndex ? (spec.contentCategories?.[row.codes[d]] ?? '') : row.codes[d]))
      .filter((part) => part !== '')
      .join('|');
    const complete = fact as FactRow;
    if (isBeforeVintage(complete.areaId, complete.year)) {
      complete.value = null;
      complete.status = 'not existing';
    } else {
      complete.value = row.value;
      complete.status = row.status;
    }
    const key = factKey(complete);
    const earlier = seen.get(key);
    if (earlier) {
      if (earlier.fact.value !== complete.value || earlier.fact.status !== complete.status) {
        throw new Error(
          `${table}: cells ${earlier.codes.join(', ')} and ${row.codes.join(', ')} name the same fact with different values ` +
            `(${String(earlier.fact.value)} and ${String(complete.value)})`,
        );
      }
      continue;
    }
    seen.set(key, { fact: complete, codes: row.codes });
    facts.push(complete);
  }
  return facts;
}
