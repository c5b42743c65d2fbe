// Resolvers of the statistics subgraph: arguments in, loaders and the PxWeb catalogue called, rows shaped into the schema's types.
import { parseAreaId } from '../../lib/area-id.ts';
import { compositionFromRequires, countEstimateOf, listIds } from '../../lib/estimate.ts';
import { badUserInput } from '../../lib/errors.ts';
import type { GraphQLResolverMap } from '../../lib/subgraph.ts';
import type { StatisticsLoaders } from './loaders.ts';
import type { StatisticsSource } from './source.ts';
import type { StoredFact } from './facts/store.ts';
import { MEASURES, type DatasetInfo, type MeasureId } from './facts/types.ts';
import {
  SEX_FROM_ENUM, ageLabel, periodCode, populationFigure, provenance, statisticValue, type SexEnum,
} from './facts/present.ts';
import { catalogueResolvers } from './table-resolvers.ts';
import { parseScbRegion, scbRegionCode } from './region-codes.ts';

export interface StatisticsContext {
  loaders: StatisticsLoaders;
  source: StatisticsSource;
}

interface AreaRef {
  id: string;
  /** The NYKO composition the gateway fetched from nyko for fields that @require it. */
  nykoComposition?: unknown;
}

interface AgeRangeInput {
  from: number;
  to?: number | null;
}

const FIRST_YEAR = 1900;
const OLDEST_AGE = 150;

// Outside this range a year is a mistake, not a gap in the data, so it is an error rather than null.
function checkYear(year: number, argumentName = 'year'): void {
  const last = new Date().getUTCFullYear() + 1;
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > last) {
    throw badUserInput(`${argumentName} ${year} is out of range: expected a year from ${FIRST_YEAR} to ${last}, e.g. 2020`, { argumentName });
  }
}

function checkMonth(month: number | null | undefined): void {
  if (month != null && (!Number.isInteger(month) || month < 1 || month > 12)) {
    throw badUserInput(`month ${month} is out of range: expected 1 (January) to 12 (December), or leave it out for the annual figure`, {
      argumentName: 'month',
    });
  }
}

function ageRange(age: AgeRangeInput | null | undefined): { ageFrom: number; ageTo: number | null } {
  if (!age) return { ageFrom: 0, ageTo: null };
  const to = age.to ?? null;
  if (age.from < 0 || age.from > OLDEST_AGE || (to !== null && (to < age.from || to > OLDEST_AGE))) {
    throw badUserInput(
      `age {from: ${age.from}, to: ${to ?? 'null'}} is not an age range: expected 0 <= from <= to <= ${OLDEST_AGE}, e.g. {from: 20, to: 24}, or leave "to" out for "and over"`,
      { argumentName: 'age' },
    );
  }
  return { ageFrom: age.from, ageTo: to };
}

const sameAge = (fact: StoredFact, from: number, to: number | null) => fact.ageFrom === from && fact.ageTo === to;

/** Facts of several measures for one area and year, one loader call each, batched across the request. */
async function measuresOfYear(
  loaders: StatisticsLoaders,
  areaId: string,
  year: number,
  measures: readonly MeasureId[],
): Promise<Map<MeasureId, StoredFact[]> | null> {
  const groups = await Promise.all(measures.map((measure) => loaders.factGroup.load({ areaId, measure, period: String(year) })));
  if (groups.every((group) => group.length === 0)) return null;
  return new Map(measures.map((measure, i) => [measure, groups[i]]));
}

/** How a breakdown's parts are summed when the asked sex or age range is not published as one cell. */
function sumMethod(parts: StoredFact[]): string {
  const missing = parts.filter((part) => part.value === null).length;
  const base = `sum of ${parts.length - missing} published cells`;
  return missing === 0 ? base : `${base}; ${missing} more ${missing === 1 ? 'cell was' : 'cells were'} too small for SCB to publish and count as 0`;
}

/** The facts of a year for one area, and how to turn them into values. */
class YearFacts {
  constructor(
    readonly year: number,
    private readonly facts: Map<MeasureId, StoredFact[]>,
    private readonly datasets: (id: string) => DatasetInfo,
    private readonly labels: (category: string) => string,
  ) {}

  /** The plain value of a measure: both sexes, no category; all ages when published so, else the one age range given. */
  value(measure: MeasureId) {
    const candidates = (this.facts.get(measure) ?? []).filter((f) => f.sex === 'total' && f.category === '');
    const fact = candidates.find((f) => sameAge(f, 0, null)) ?? (candidates.length === 1 ? candidates[0] : undefined);
    return fact ? statisticValue(fact, this.datasets) : null;
  }

  /** The value of a measure for one sex and age range, as published. */
  valueFor(measure: MeasureId, sex: SexEnum, age: AgeRangeInput | null | undefined) {
    const { ageFrom, ageTo } = ageRange(age);
    const fact = this.facts.get(measure)?.find((f) => f.sex === SEX_FROM_ENUM[sex] && sameAge(f, ageFrom, ageTo) && f.category === '');
    return fact ? statisticValue(fact, this.datasets) : null;
  }

  /**
   * One value per category of a measure for a sex and age range. Where the source publishes only finer cells (men and
   * women, age bands, type × tenure) they are summed — never for tables with cell-key noise, whose totals are not sums.
   */
  categories(measure: MeasureId, options: { sex?: SexEnum; age?: AgeRangeInput | null; group?: (category: string) => string } = {}) {
    const sex = SEX_FROM_ENUM[options.sex ?? 'TOTAL'];
    const rows = (this.facts.get(measure) ?? []).filter((f) => f.category !== '');
    const bySex = rows.some((f) => f.sex === sex) ? rows.filter((f) => f.sex === sex) : sex === 'total' ? rows : [];
    let byAge: StoredFact[];
    if (options.age) {
      const { ageFrom, ageTo } = ageRange(options.age);
      byAge = bySex.filter((f) => sameAge(f, ageFrom, ageTo));
    } else {
      byAge = bySex.some((f) => sameAge(f, 0, null)) ? bySex.filter((f) => sameAge(f, 0, null)) : bySex;
    }
    const group = options.group ?? ((category: string) => category);
    const groups = new Map<string, StoredFact[]>();
    for (const fact of byAge) {
      const key = group(fact.category);
      groups.set(key, [...(groups.get(key) ?? []), fact]);
    }
    return [...groups].flatMap(([category, parts]) => {
      let fact = parts[0];
      if (parts.length > 1) {
        if (parts.some((part) => this.datasets(part.dataset).cellKeyNoise)) return [];
        const published = parts.filter((part) => part.value !== null);
        fact = {
          ...fact,
          category,
          sex,
          ageFrom: options.age ? fact.ageFrom : 0,
          ageTo: options.age ? fact.ageTo : null,
          value: published.length === 0 ? null : published.reduce((sum, part) => sum + (part.value ?? 0), 0),
          status: published.length === 0 ? '..' : null,
          method: sumMethod(parts),
        };
      }
      return [{ category, label: this.labels(category), value: statisticValue(fact, this.datasets) }];
    });
  }
}

/** Resolves a typed-facts field: null when the snapshot has none of its measures for the area and year. */
function factsField(measures: readonly MeasureId[]) {
  return async (area: AreaRef, { year }: { year: number }, { loaders, source }: StatisticsContext) => {
    checkYear(year);
    const facts = await measuresOfYear(loaders, parseAreaId(area.id).id, year, measures);
    return facts && new YearFacts(year, facts, source.dataset, source.categoryLabel);
  };
}

// Household categories are "<type>|<tenure>"; the schema offers each part on its own, summed over the other.
const householdType = (category: string) => category.split('|')[0];
const householdTenure = (category: string) => category.split('|')[1] ?? category;

export const resolvers: GraphQLResolverMap<StatisticsContext> = {
  Query: {
    ...catalogueResolvers.Query,
    scbRegion: (_: unknown, { code }: { code: string }) => {
      const region = parseScbRegion(code);
      return {
        code: region.code,
        areaId: region.kind === 'area' ? region.areaId : null,
        area: region.kind === 'area' ? { id: region.areaId } : null,
        pseudoRegion: region.kind === 'pseudo' ? region.label : null,
      };
    },
  },
  ...catalogueResolvers.types,
  Area: {
    // Only the id is needed, so no source call: the fields batch their own reads. Async because
    // @apollo/subgraph turns a synchronous throw into an error for the whole _entities list.
    __resolveReference: async (reference: AreaRef): Promise<AreaRef> => ({ id: parseAreaId(reference.id).id, nykoComposition: reference.nykoComposition }),
    scbRegionCode: (area: AreaRef) => scbRegionCode(area.id),
    population: async (
      area: AreaRef,
      args: { year: number; month?: number | null; sex: SexEnum; age?: AgeRangeInput | null },
      { loaders, source }: StatisticsContext,
    ) => {
      const { id } = parseAreaId(area.id);
      checkYear(args.year);
      checkMonth(args.month);
      const fact = await loaders.fact.load({
        areaId: id,
        measure: 'population',
        period: periodCode(args.year, args.month),
        sex: SEX_FROM_ENUM[args.sex],
        ...ageRange(args.age),
        category: '',
      });
      return fact && populationFigure(fact, source.dataset);
    },
    populationByAge: async (
      area: AreaRef,
      args: { year: number; month?: number | null; sex: SexEnum; grouping: 'SINGLE_YEARS' | 'FIVE_YEARS' | 'TEN_YEARS' },
      { loaders, source }: StatisticsContext,
    ) => {
      const { id } = parseAreaId(area.id);
      checkYear(args.year);
      checkMonth(args.month);
      const width = { SINGLE_YEARS: 1, FIVE_YEARS: 5, TEN_YEARS: 10 }[args.grouping];
      const facts = await loaders.ageGroups.load({
        areaId: id, measure: 'population', period: periodCode(args.year, args.month), sex: SEX_FROM_ENUM[args.sex], width,
      });
      return facts.map((f) => populationFigure(f, source.dataset));
    },
    populationSeries: async (
      area: AreaRef,
      args: { from?: number | null; to?: number | null; sex: SexEnum },
      { loaders, source }: StatisticsContext,
    ) => {
      const { id } = parseAreaId(area.id);
      if (args.from != null) checkYear(args.from, 'from');
      if (args.to != null) checkYear(args.to, 'to');
      const facts = await loaders.series.load({ areaId: id, measure: 'population', sex: SEX_FROM_ENUM[args.sex], ageFrom: 0, ageTo: null, category: '' });
      return facts
        .filter((f) => (args.from == null || f.year >= args.from) && (args.to == null || f.year <= args.to))
        .map((f) => populationFigure(f, source.dataset));
    },
    populationEstimate: async (
      area: AreaRef,
      args: { year: number; month?: number | null; sex: SexEnum; age?: AgeRangeInput | null },
      { loaders, source }: StatisticsContext,
    ) => {
      const composition = compositionFromRequires(area.nykoComposition);
      if (!composition) return null;
      checkYear(args.year);
      checkMonth(args.month);
      const age = ageRange(args.age);
      const parts = composition.parts.filter((part) => part.weight > 0);
      const facts = await Promise.all(
        parts.map((part) =>
          loaders.fact.load({ areaId: part.targetId, measure: 'population', period: periodCode(args.year, args.month), sex: SEX_FROM_ENUM[args.sex], ...age, category: '' }),
        ),
      );
      const values = new Map(parts.map((part, i) => [part.targetId, facts[i]?.value ?? null]));
      const notStored = parts.filter((_, i) => facts[i] === null).map((part) => part.targetId);
      const missingReason = (missing: string[], inputs: number) =>
        notStored.length > 0
          ? `The store has no ${periodCode(args.year, args.month)} population (${args.sex}, ${ageLabel(age.ageFrom, age.ageTo)}) for ${notStored.length} of ${inputs} DeSO (${listIds(notStored)}): ` +
            'offline, DeSO populations are shipped for Dalarna only; `npm run sync -- population-deso` fetches every DeSO from SCB.'
          : `SCB published no value for ${missing.length} of ${inputs} DeSO (${listIds(missing)}): too few persons to publish.`;
      const first = facts.find((fact) => fact !== null);
      return {
        estimate: countEstimateOf(composition, values, { missingReason }),
        year: args.year,
        month: args.month ?? null,
        sex: args.sex,
        age: { from: age.ageFrom, to: age.ageTo, label: ageLabel(age.ageFrom, age.ageTo) },
        source: first ? provenance(source.dataset(first.dataset), 'population', 'estimate: weighted sum of the DeSO figures') : null,
      };
    },
    income: factsField([
      'median_economic_standard', 'mean_economic_standard', 'economic_standard_quartile_share', 'mean_net_income',
      'share_with_capital_income', 'share_low_economic_standard', 'median_earned_income', 'mean_earned_income',
    ]),
    labourMarket: factsField(['employment_rate', 'unemployment_rate']),
    education: factsField(['share_post_secondary_education', 'persons_by_education_level']),
    housing: factsField([
      'share_rental_dwellings', 'share_apartment_building_dwellings', 'share_persons_in_apartment_buildings', 'dwellings_by_tenure', 'households',
    ]),
    households: factsField(['share_single_person_households', 'households', 'persons_by_household_size']),
    demography: factsField(['share_foreign_background', 'share_aged_20_34', 'population_change_share']),
    statisticsCoverage: async (area: AreaRef, _: unknown, { loaders }: StatisticsContext) => {
      const entries = await loaders.coverage.load(parseAreaId(area.id).id);
      return entries.map((entry) => ({ ...entry, tables: entry.tableIds, ...MEASURES[entry.measure] }));
    },
  },
  IncomeFacts: {
    medianEconomicStandard: (facts: YearFacts) => facts.value('median_economic_standard'),
    meanEconomicStandard: (facts: YearFacts) => facts.value('mean_economic_standard'),
    economicStandardQuartiles: (facts: YearFacts) => facts.categories('economic_standard_quartile_share'),
    meanNetIncome: (facts: YearFacts) => facts.value('mean_net_income'),
    shareWithCapitalIncome: (facts: YearFacts) => facts.value('share_with_capital_income'),
    shareLowEconomicStandard: (facts: YearFacts) => facts.value('share_low_economic_standard'),
    medianEarnedIncome: (facts: YearFacts, args: { sex: SexEnum; age: AgeRangeInput }) => facts.valueFor('median_earned_income', args.sex, args.age),
    meanEarnedIncome: (facts: YearFacts, args: { sex: SexEnum; age: AgeRangeInput }) => facts.valueFor('mean_earned_income', args.sex, args.age),
  },
  LabourMarketFacts: {
    employmentRate: (facts: YearFacts) => facts.value('employment_rate'),
    unemploymentRate: (facts: YearFacts) => facts.value('unemployment_rate'),
  },
  EducationFacts: {
    postSecondaryShare: (facts: YearFacts) => facts.value('share_post_secondary_education'),
    byLevel: (facts: YearFacts, args: { sex: SexEnum; age?: AgeRangeInput | null }) =>
      facts.categories('persons_by_education_level', { sex: args.sex, age: args.age }),
  },
  HousingFacts: {
    rentalShare: (facts: YearFacts) => facts.value('share_rental_dwellings'),
    apartmentBuildingShare: (facts: YearFacts) => facts.value('share_apartment_building_dwellings'),
    apartmentBuildingResidentsShare: (facts: YearFacts) => facts.value('share_persons_in_apartment_buildings'),
    dwellingsByTenure: (facts: YearFacts) => facts.categories('dwellings_by_tenure'),
    householdsByTenure: (facts: YearFacts) => facts.categories('households', { group: householdTenure }),
  },
  HouseholdFacts: {
    singlePersonShare: (facts: YearFacts) => facts.value('share_single_person_households'),
    byType: (facts: YearFacts) => facts.categories('households', { group: householdType }),
    personsByHouseholdSize: (facts: YearFacts) => facts.categories('persons_by_household_size'),
  },
  DemographyFacts: {
    foreignBackgroundShare: (facts: YearFacts) => facts.value('share_foreign_background'),
    shareAged20To34: (facts: YearFacts) => facts.value('share_aged_20_34'),
    populationChange: (facts: YearFacts) => facts.value('population_change_share'),
  },
};
