// Facts shaped for the schema: status symbols to ValueStatus, provenance, age labels, reference dates.
import { MEASURES, type DatasetInfo, type MeasureId, type Sex } from './types.ts';
import type { StoredFact } from './store.ts';

export type ValueStatus = 'PUBLISHED' | 'NOT_AVAILABLE' | 'NOT_APPLICABLE' | 'NIL' | 'NOT_EXISTING' | 'OTHER';
export type SexEnum = 'TOTAL' | 'MALE' | 'FEMALE';

/** The status symbol SCB writes, and the one regiongraph writes for a division before it existed. */
export const NOT_EXISTING = 'not existing';

const STATUS_BY_SYMBOL: Record<string, ValueStatus> = {
  '..': 'NOT_AVAILABLE',
  '.': 'NOT_APPLICABLE',
  '-': 'NIL',
  [NOT_EXISTING]: 'NOT_EXISTING',
};

/** SCB's status symbol as the schema's ValueStatus; an ordinary value is PUBLISHED. */
export function valueStatus(symbol: string | null, value: number | null): ValueStatus {
  if (symbol === null) return value === null ? 'NOT_AVAILABLE' : 'PUBLISHED';
  return STATUS_BY_SYMBOL[symbol] ?? 'OTHER';
}

export const SEX_FROM_ENUM: Record<SexEnum, Sex> = { TOTAL: 'total', MALE: 'male', FEMALE: 'female' };
const SEX_TO_ENUM: Record<Sex, SexEnum> = { total: 'TOTAL', male: 'MALE', female: 'FEMALE' };

export function sexEnum(sex: Sex): SexEnum {
  return SEX_TO_ENUM[sex];
}

/** "20–24", "100+", "all ages". */
export function ageLabel(from: number, to: number | null): string {
  if (to === null) return from === 0 ? 'all ages' : `${from}+`;
  return from === to ? String(from) : `${from}–${to}`;
}

/** SCB's period code: "2020" for a year, "2026M03" for a month. */
export function periodCode(year: number, month: number | null | undefined): string {
  return month == null ? String(year) : `${year}M${String(month).padStart(2, '0')}`;
}

/** 31 December of the year, or the last day of the month. */
export function referenceDate(year: number, month: number | null): string {
  if (month === null) return `${year}-12-31`;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${lastDay}`;
}

/** Provenance of a fact as the schema's StatisticsSource. */
export function provenance(dataset: DatasetInfo, measure: MeasureId, method?: string) {
  return {
    tableId: dataset.tableId,
    table: dataset.label,
    publisher: dataset.publisher,
    asOf: dataset.updated.slice(0, 10),
    unit: MEASURES[measure].unit,
    licence: dataset.licence,
    method: method ?? dataset.method,
    cellKeyNoise: dataset.cellKeyNoise,
    offline: dataset.shipped,
  };
}

type DatasetLookup = (id: string) => DatasetInfo;

/** A fact as the schema's StatisticValue. */
export function statisticValue(fact: StoredFact, datasets: DatasetLookup) {
  return {
    value: fact.value,
    status: valueStatus(fact.status, fact.value),
    symbol: fact.status,
    unit: MEASURES[fact.measure].unit,
    year: fact.year,
    age: ageOf(fact),
    source: provenance(datasets(fact.dataset), fact.measure, fact.method),
  };
}

function ageOf(fact: StoredFact) {
  return { from: fact.ageFrom, to: fact.ageTo, label: ageLabel(fact.ageFrom, fact.ageTo) };
}

/** A population fact as the schema's PopulationFigure. */
export function populationFigure(fact: StoredFact, datasets: DatasetLookup) {
  return {
    value: fact.value === null ? null : Math.round(fact.value),
    status: valueStatus(fact.status, fact.value),
    symbol: fact.status,
    year: fact.year,
    month: fact.month,
    period: fact.period,
    referenceDate: referenceDate(fact.year, fact.month),
    sex: sexEnum(fact.sex),
    age: ageOf(fact),
    source: provenance(datasets(fact.dataset), fact.measure, fact.method),
  };
}
