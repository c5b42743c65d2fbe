// Per-request DataLoaders over the statistics source: one source call per batch, answers in key order.
import DataLoader from 'dataloader';
import type { AgeGroupsKey, Coverage, FactGroupKey, FactKey, SeriesKey, StoredFact } from './facts/store.ts';
import type { StatisticsSource } from './source.ts';
import { isV1Table } from './pxweb/client.ts';
import { isUnavailable } from './pxweb/problems.ts';
import type { Fetched, TableInfo, TableMetadata } from './pxweb/types.ts';

export interface StatisticsLoaders {
  /** One exact fact (e.g. the population of a kommun, sex and age range in a year). */
  fact: DataLoader<FactKey, StoredFact | null, string>;
  /** Every fact of a measure for an area and period (age groups, categories). */
  factGroup: DataLoader<FactGroupKey, StoredFact[], string>;
  /** Age groups of one width (populationByAge). */
  ageGroups: DataLoader<AgeGroupsKey, StoredFact[], string>;
  /** A measure's annual series. */
  series: DataLoader<SeriesKey, StoredFact[], string>;
  /** What the snapshot holds per area. */
  coverage: DataLoader<string, Coverage[]>;
  /** A table's catalogue entry; null when SCB has none or it cannot be had (offline), so metadata can stand in. */
  table: DataLoader<string, TableInfo | null>;
  /** A table's metadata, read once per request however many fields need it. */
  metadata: DataLoader<string, Fetched<TableMetadata>>;
}

/** Settles each key on its own, so one failing table fails only the fields that asked for it. */
function each<K, V>(load: (key: K) => Promise<V>) {
  return (keys: readonly K[]) => Promise.all(keys.map((key) => load(key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
}

async function catalogueEntry(source: StatisticsSource, id: string): Promise<TableInfo | null> {
  if (isV1Table(id)) return null;
  try {
    return (await source.pxweb.tableInfo(id)).value;
  } catch (error) {
    const status = (error as { extensions?: { upstream?: { status?: number } } }).extensions?.upstream?.status;
    if (status === 404 || isUnavailable(error)) return null;
    throw error;
  }
}

const keyOf = (key: object): string => JSON.stringify(Object.values(key));

export function createLoaders(source: StatisticsSource): StatisticsLoaders {
  return {
    fact: new DataLoader<FactKey, StoredFact | null, string>((keys) => Promise.resolve(source.factsFor(keys)), { cacheKeyFn: keyOf }),
    factGroup: new DataLoader<FactGroupKey, StoredFact[], string>((keys) => Promise.resolve(source.factGroupsFor(keys)), { cacheKeyFn: keyOf }),
    ageGroups: new DataLoader<AgeGroupsKey, StoredFact[], string>((keys) => Promise.resolve(source.ageGroupsFor(keys)), { cacheKeyFn: keyOf }),
    series: new DataLoader<SeriesKey, StoredFact[], string>((keys) => Promise.resolve(source.seriesFor(keys)), { cacheKeyFn: keyOf }),
    coverage: new DataLoader((areaIds) => Promise.resolve(source.coverageFor(areaIds))),
    table: new DataLoader(each((id: string) => catalogueEntry(source, id))),
    metadata: new DataLoader(each((id: string) => source.pxweb.metadata(id))),
  };
}
