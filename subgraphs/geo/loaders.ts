// Per-request DataLoaders of the geo subgraph: each batch is one store query, answered in key order.
import DataLoader from 'dataloader';
import type { AreaLevel } from '../../lib/area-id.ts';
import type { Geometry } from '../../lib/geojson.ts';
import type { AreaSummary, GeoSource } from './source.ts';

export interface DescendantKey {
  id: string;
  level?: AreaLevel;
  vintage?: number;
}

export interface GeoLoaders {
  area: DataLoader<string, AreaSummary | null>;
  geometry: DataLoader<string, Geometry | null>;
  ancestors: DataLoader<string, AreaSummary[]>;
  descendants: DataLoader<DescendantKey, AreaSummary[], string>;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export function createLoaders(source: GeoSource): GeoLoaders {
  return {
    area: new DataLoader(async (ids) => source.areasByIds(ids)),
    geometry: new DataLoader(async (ids) => source.geometriesByIds(ids)),
    ancestors: new DataLoader(async (ids) => source.ancestorsByIds(ids)),
    descendants: new DataLoader(
      async (keys) => {
        // One store call per distinct (level, vintage) in the batch, each over all the ids asking for it.
        const answers = new Map<DescendantKey, AreaSummary[]>();
        for (const group of groupBy(keys, (key) => `${key.level ?? ''}|${key.vintage ?? ''}`).values()) {
          const { level, vintage } = group[0];
          const results = source.descendantsByIds(group.map((key) => key.id), level, vintage);
          group.forEach((key, i) => answers.set(key, results[i]));
        }
        return keys.map((key) => answers.get(key) ?? []);
      },
      { cacheKeyFn: (key) => `${key.id}|${key.level ?? ''}|${key.vintage ?? ''}` },
    ),
  };
}
