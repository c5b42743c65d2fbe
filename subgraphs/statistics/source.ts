// The statistics store (snapshot + synced facts) and the PxWeb client; plain rows out, no GraphQL.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { AppConfig } from '../../lib/config.ts';
import { openStore, type Store, type StoreSpec } from '../../lib/db.ts';
import type { Logger } from '../../lib/log.ts';
import { categoryLabel, dataset, fact, OPEN_AGE, tables } from './tables.ts';
import {
  ageGroups, coverage, exactFacts, factGroups, factSeries, readDatasets,
  type AgeGroupsKey, type Coverage, type FactGroupKey, type FactKey, type SeriesKey, type StoredFact,
} from './facts/store.ts';
import { CATEGORY_LABELS, loadSnapshot, SNAPSHOT_INPUTS } from './facts/snapshot.ts';
import { loadSyncFiles, syncFiles } from './facts/sync-files.ts';
import type { DatasetInfo, FactSet } from './facts/types.ts';
import { createPxWebClient, type PxWebClient } from './pxweb/client.ts';
import { recordedSeeds } from './pxweb/recorded.ts';

export interface StatisticsSource {
  /** Exact facts in key order (null where none); one SQL statement per batch. */
  factsFor(keys: readonly FactKey[]): (StoredFact | null)[];
  /** The stored value of each fact's key, exactly as stored (no derived sums); undefined where the store has none. */
  currentValues(facts: readonly FactKey[]): (number | null | undefined)[];
  /** Every fact of a measure per area and period, in key order. */
  factGroupsFor(keys: readonly FactGroupKey[]): StoredFact[][];
  /** Age groups of one width per key. */
  ageGroupsFor(keys: readonly AgeGroupsKey[]): StoredFact[][];
  /** Annual series per key. */
  seriesFor(keys: readonly SeriesKey[]): StoredFact[][];
  /** What the store holds per area. */
  coverageFor(areaIds: readonly string[]): Coverage[][];
  /** A dataset's provenance by id. */
  dataset: (id: string) => DatasetInfo;
  /** The label of a category code ("a|b" codes are labelled part by part); the code itself when unknown. */
  categoryLabel: (category: string) => string;
  /** SCB's PxWeb API through the limiter and the cache (offline: the cache and recorded responses only). */
  pxweb: PxWebClient;
  /** 'offline' or 'live' (PXWEB_MODE). */
  mode: 'offline' | 'live';
  /** The store file and whether this process built it (false when a current store was reused). */
  store: { file: string; built: boolean };
  close(): Promise<void>;
}

/** Writes a fact set into the empty store; later sets replace earlier values with the same key (a sync beats the snapshot). */
function insertFactSet(db: Store, set: FactSet): void {
  const insertDataset = db.insert(dataset).values({
    id: sql.placeholder('id'), tableId: sql.placeholder('tableId'), label: sql.placeholder('label'), publisher: sql.placeholder('publisher'),
    updated: sql.placeholder('updated'), licence: sql.placeholder('licence'), cellKeyNoise: sql.placeholder('cellKeyNoise'),
    method: sql.placeholder('method'), file: sql.placeholder('file'), shipped: sql.placeholder('shipped'),
  }).onConflictDoNothing().prepare();
  const insertFact = db.insert(fact).values({
    areaId: sql.placeholder('areaId'), measure: sql.placeholder('measure'), period: sql.placeholder('period'), year: sql.placeholder('year'),
    month: sql.placeholder('month'), sex: sql.placeholder('sex'), ageFrom: sql.placeholder('ageFrom'), ageTo: sql.placeholder('ageTo'),
    category: sql.placeholder('category'), value: sql.placeholder('value'), status: sql.placeholder('status'), dataset: sql.placeholder('dataset'),
  }).onConflictDoUpdate({
    target: [fact.areaId, fact.measure, fact.period, fact.sex, fact.ageFrom, fact.ageTo, fact.category],
    set: { value: sql`excluded.value`, status: sql`excluded.status`, dataset: sql`excluded.dataset`, year: sql`excluded.year`, month: sql`excluded.month` },
  }).prepare();
  const insertLabel = db.insert(categoryLabel).values({ code: sql.placeholder('code'), label: sql.placeholder('label') })
    .onConflictDoUpdate({ target: categoryLabel.code, set: { label: sql`excluded.label` } }).prepare();
  // better-sqlite3 binds booleans as errors, so they go in as 0/1.
  for (const info of set.datasets) insertDataset.run({ ...info, cellKeyNoise: info.cellKeyNoise ? 1 : 0, shipped: info.shipped ? 1 : 0 });
  for (const row of set.facts) insertFact.run({ ...row, ageTo: row.ageTo ?? OPEN_AGE });
  for (const [code, label] of Object.entries(set.categoryLabels ?? {})) insertLabel.run({ code, label });
}

const LOADER_CODE = ['./facts/snapshot.ts', './facts/from-dataset.ts', './facts/sync-files.ts', './pxweb/jsonstat.ts', './source.ts'].map(
  (file) => fileURLToPath(new URL(file, import.meta.url)),
);

/** What openStore needs to build or reuse the statistics store: the shipped snapshot, then every sync file. */
export function statisticsStoreSpec(config: Pick<AppConfig, 'dataDir' | 'syncDir'>): StoreSpec {
  return {
    name: 'statistics',
    loaderVersion: 2,
    tables,
    // The loader's own code is an input too, so changing how files are read rebuilds the store.
    inputs: [...SNAPSHOT_INPUTS.map((file) => path.join(config.dataDir, file)), ...LOADER_CODE, ...syncFiles(config.syncDir)],
    load(db) {
      insertFactSet(db, { categoryLabels: CATEGORY_LABELS, ...loadSnapshot(config.dataDir) });
      insertFactSet(db, loadSyncFiles(config.syncDir));
    },
  };
}

/** Opens (building when needed) the statistics store and the PxWeb client with its cache under config.storeDir. */
export function createStatisticsSource(config: Pick<AppConfig, 'dataDir' | 'syncDir' | 'storeDir' | 'pxweb'>, log?: Logger): StatisticsSource {
  const { db, built, file } = openStore(config.storeDir, statisticsStoreSpec(config));
  const datasets = readDatasets(db);
  const labels = new Map(db.select().from(categoryLabel).all().map((row) => [row.code, row.label]));
  const pxweb = createPxWebClient({ ...config.pxweb, cacheFile: path.join(config.storeDir, 'pxweb-cache.sqlite'), log });
  pxweb.seedCache(recordedSeeds(path.join(config.dataDir, 'scb', 'pxweb')));
  log?.info('statistics store ready', { file, built, datasets: datasets.size, pxweb: config.pxweb.mode });
  return {
    factsFor: (keys) => exactFacts(db, keys),
    currentValues: (facts) => {
      const values: (number | null | undefined)[] = [];
      // Chunks keep each JSON parameter well under SQLite's limits for syncs of a million facts.
      for (let start = 0; start < facts.length; start += 50_000) {
        for (const found of exactFacts(db, facts.slice(start, start + 50_000), { published: true })) values.push(found ? found.value : undefined);
      }
      return values;
    },
    factGroupsFor: (keys) => factGroups(db, keys),
    ageGroupsFor: (keys) => ageGroups(db, keys),
    seriesFor: (keys) => factSeries(db, keys),
    coverageFor: (areaIds) => coverage(db, areaIds),
    dataset: (id) => {
      const info = datasets.get(id);
      if (!info) throw new Error(`The statistics store has a fact of dataset "${id}" but no such dataset`);
      return info;
    },
    categoryLabel: (category) => category.split('|').map((part) => labels.get(part) ?? part).join(', '),
    pxweb,
    mode: config.pxweb.mode,
    store: { file, built },
    close: async () => {
      await pxweb.close();
      db.$client.close();
    },
  };
}
