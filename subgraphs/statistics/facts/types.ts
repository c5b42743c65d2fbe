// The shape every typed fact is stored in, whatever file or PxWeb table it came from.

export const SEXES = ['total', 'male', 'female'] as const;
export type Sex = (typeof SEXES)[number];

/** What a fact measures; the schema's typed fields read these. Units are fixed per measure. */
export const MEASURES = {
  population: { unit: 'persons', description: 'Folkmängd, persons registered as living in the area' },
  population_change_share: { unit: 'percent', description: 'Befolkningsförändring since the previous year' },
  population_density: { unit: 'persons per km²', description: 'Invånare per km² land' },
  median_economic_standard: { unit: 'SEK thousands', description: 'Median ekonomisk standard (disposable income per consumption unit)' },
  mean_economic_standard: { unit: 'SEK thousands', description: 'Mean ekonomisk standard' },
  economic_standard_quartile_share: { unit: 'percent', description: 'Share of persons in a national quartile of ekonomisk standard (category q1–q4)' },
  economic_standard_persons: { unit: 'persons', description: 'Persons the ekonomisk standard figures are computed on' },
  mean_net_income: { unit: 'SEK thousands', description: 'Mean nettoinkomst' },
  median_earned_income: { unit: 'SEK thousands', description: 'Median sammanräknad förvärvsinkomst' },
  mean_earned_income: { unit: 'SEK thousands', description: 'Mean sammanräknad förvärvsinkomst' },
  share_with_capital_income: { unit: 'percent', description: 'Share of persons with kapitalinkomst' },
  share_low_economic_standard: { unit: 'percent', description: 'Share of persons with låg ekonomisk standard' },
  employment_rate: { unit: 'percent', description: 'Sysselsättningsgrad, ages 20–64' },
  unemployment_rate: { unit: 'percent', description: 'Arbetslöshet, ages 20–64' },
  share_post_secondary_education: { unit: 'percent', description: 'Share with eftergymnasial utbildning among those with a known level (ages in the fact: 25–65 in TAB6534)' },
  persons_by_education_level: { unit: 'persons', description: 'Persons by highest education level (category = SUN level)' },
  dwellings_by_tenure: { unit: 'dwellings', description: 'Lägenheter by upplåtelseform (category = tenure)' },
  share_rental_dwellings: { unit: 'percent', description: 'Share of dwellings that are hyresrätt' },
  share_apartment_building_dwellings: { unit: 'percent', description: 'Share of dwellings in flerbostadshus' },
  share_persons_in_apartment_buildings: { unit: 'percent', description: 'Share of the population living in flerbostadshus' },
  households: { unit: 'households', description: 'Hushåll by type and boendeform (category = "<type>|<tenure>", "total" parts allowed)' },
  persons_by_household_size: { unit: 'persons', description: 'Persons by household size (category = size)' },
  share_single_person_households: { unit: 'percent', description: 'Share of households with one person' },
  share_foreign_background: { unit: 'percent', description: 'Share with utländsk bakgrund' },
  share_aged_20_34: { unit: 'percent', description: 'Share of the population aged 20–34' },
} as const;
export type MeasureId = keyof typeof MEASURES;

/** One published value for one area, measure, period, sex, age range and category. */
export interface FactRow {
  /** regiongraph area id, e.g. "kommun:0180", "deso2025:2080C1010". */
  areaId: string;
  measure: MeasureId;
  /** SCB's period code: "2019" for a year, "2026M03" for a month. */
  period: string;
  year: number;
  /** 1–12 for monthly figures, null for annual ones. */
  month: number | null;
  sex: Sex;
  /** Age range in whole years; all ages is ageFrom 0 and ageTo null; "100+" is ageFrom 100 and ageTo null. */
  ageFrom: number;
  ageTo: number | null;
  /** Breakdown within the measure (education level, tenure, household type…); "" when none. */
  category: string;
  /** Null when the publisher gave no value; status says why. */
  value: number | null;
  /** SCB's status symbol ("..", ".", "-") or "not existing" for a division's codes before it existed; null for an ordinary value. */
  status: string | null;
  /** The dataset (DatasetInfo.id) the value belongs to. */
  dataset: string;
}

/** Provenance of a set of facts: one published table as shipped in data/ or fetched by sync. */
export interface DatasetInfo {
  /** Stable id, e.g. "scb-be0101-kommun-1950-2020". */
  id: string;
  /** SCB's table id (e.g. "TAB638") or product code (e.g. "BE0101") when the table id is unknown. */
  tableId: string;
  /** Title of the table as published. */
  label: string;
  publisher: string;
  /** ISO 8601 date or timestamp of the table's update the values reflect. */
  updated: string;
  licence: string;
  /** True for tables with SCB's Cell Key Method noise: totals are published cells, never sums of parts. */
  cellKeyNoise: boolean;
  /** How values were obtained for the areas they describe, e.g. "published value", "sum of the kommun figures". */
  method: string;
  /** The file in data/ the values were read from (relative to data/). */
  file: string;
  /** True when the file is a snapshot shipped with regiongraph; false for values written by `npm run sync`. */
  shipped: boolean;
}

/** Facts and the datasets they belong to, as a loader produces them. */
export interface FactSet {
  datasets: DatasetInfo[];
  facts: FactRow[];
  /** Label per category code (one part of a "|"-joined category), as the source names it; optional. */
  categoryLabels?: Record<string, string>;
}
