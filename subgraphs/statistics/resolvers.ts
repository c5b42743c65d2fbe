// Resolvers of the statistics subgraph: arguments in, loaders called, rows shaped into the schema's types.
import { parseAreaId } from '../../lib/area-id.ts';
import { badUserInput } from '../../lib/errors.ts';
import type { GraphQLResolverMap } from '../../lib/subgraph.ts';
import type { StatisticsLoaders } from './loaders.ts';
import { POPULATION_TABLE, type PopulationRow } from './source.ts';

export interface StatisticsContext {
  loaders: StatisticsLoaders;
}

interface AreaRef {
  id: string;
}

const FIRST_YEAR = 1900;

// Outside this range a year is a mistake, not a gap in the data, so it is an error rather than null.
function checkYear(year: number): void {
  const last = new Date().getUTCFullYear() + 1;
  if (year < FIRST_YEAR || year > last) {
    throw badUserInput(`year ${year} is out of range: expected a year from ${FIRST_YEAR} to ${last}, e.g. 2020`, { argumentName: 'year' });
  }
}

function populationFigure(row: PopulationRow) {
  return {
    value: row.population,
    year: row.year,
    referenceDate: `${row.year}-12-31`,
    source: { ...POPULATION_TABLE, method: row.method },
  };
}

export const resolvers: GraphQLResolverMap<StatisticsContext> = {
  Area: {
    // Only the id is needed, so no source call: the fields batch their own reads. Async because
    // @apollo/subgraph turns a synchronous throw into an error for the whole _entities list.
    __resolveReference: async (reference: AreaRef): Promise<AreaRef> => ({ id: parseAreaId(reference.id).id }),
    population: async (area: AreaRef, { year }: { year: number }, { loaders }: StatisticsContext) => {
      const { id } = parseAreaId(area.id);
      checkYear(year);
      const row = await loaders.population.load({ areaId: id, year });
      return row && populationFigure(row);
    },
  },
};
