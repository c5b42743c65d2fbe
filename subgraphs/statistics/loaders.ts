// Per-request DataLoaders over the statistics source: one source call per batch, answers in key order.
import DataLoader from 'dataloader';
import type { PopulationKey, PopulationRow, StatisticsSource } from './source.ts';

export interface StatisticsLoaders {
  population: DataLoader<PopulationKey, PopulationRow | null, string>;
}

export function createLoaders(source: StatisticsSource): StatisticsLoaders {
  return {
    population: new DataLoader((keys) => Promise.resolve(source.populationFor(keys)), {
      cacheKeyFn: (key) => `${key.areaId}|${key.year}`,
    }),
  };
}
