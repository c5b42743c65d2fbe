// Facts written by `npm run sync`: one gzipped JSON file per sync entry, read into the store beside the shipped snapshot.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DatasetInfo, FactRow, FactSet, MeasureId, Sex } from './types.ts';

/** Bumped when the file layout changes; older files are refused with a message to sync again. */
export const SYNC_FORMAT = 1;
const SUFFIX = '.facts.json.gz';

/** The columns of a fact tuple in a sync file, in order (tuples keep files a third of the size of objects). */
const COLUMNS = ['areaId', 'measure', 'period', 'year', 'month', 'sex', 'ageFrom', 'ageTo', 'category', 'value', 'status'] as const;
type FactTuple = [string, MeasureId, string, number, number | null, Sex, number, number | null, string, number | null, string | null];

export interface SyncFile {
  format: number;
  /** The sync entry this file holds, e.g. "population-month-lan". */
  entry: string;
  /** ISO timestamp of the sync. */
  fetchedAt: string;
  /** The API the values came from. */
  baseUrl: string;
  dataset: DatasetInfo;
  categoryLabels: Record<string, string>;
  facts: FactRow[];
}

/** The file a sync entry is written to. */
export function syncFilePath(syncDir: string, entry: string): string {
  return path.join(syncDir, `${entry}${SUFFIX}`);
}

/** Every sync file in the folder (absolute paths, sorted), for the store's fingerprint. */
export function syncFiles(syncDir: string): string[] {
  if (!existsSync(syncDir)) return [];
  return readdirSync(syncDir)
    .filter((name) => name.endsWith(SUFFIX))
    .sort()
    .map((name) => path.join(syncDir, name));
}

/** Reads one sync file; throws naming the file when it is not one. */
export function readSyncFile(file: string): SyncFile {
  const raw = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Omit<SyncFile, 'facts'> & { columns: string[]; facts: FactTuple[] };
  if (raw.format !== SYNC_FORMAT || raw.columns.join() !== COLUMNS.join()) {
    throw new Error(`${file} is a sync file of another format (${raw.format}); run "npm run sync -- ${raw.entry}" again to rewrite it`);
  }
  const facts = raw.facts.map(([areaId, measure, period, year, month, sex, ageFrom, ageTo, category, value, status]) => ({
    areaId, measure, period, year, month, sex, ageFrom, ageTo, category, value, status, dataset: raw.dataset.id,
  }));
  return { format: raw.format, entry: raw.entry, fetchedAt: raw.fetchedAt, baseUrl: raw.baseUrl, dataset: raw.dataset, categoryLabels: raw.categoryLabels, facts };
}

/** Writes a sync file atomically (temp file, then rename), so an interrupted sync leaves the previous file intact. */
export function writeSyncFile(syncDir: string, file: SyncFile): string {
  mkdirSync(syncDir, { recursive: true });
  const target = syncFilePath(syncDir, file.entry);
  const facts: FactTuple[] = file.facts.map((f) => [f.areaId, f.measure, f.period, f.year, f.month, f.sex, f.ageFrom, f.ageTo, f.category, f.value, f.status]);
  const body = { ...file, columns: COLUMNS, facts };
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, gzipSync(JSON.stringify(body)));
  renameSync(temp, target);
  return target;
}

/** All synced facts as one fact set. */
export function loadSyncFiles(syncDir: string): FactSet {
  const set: Required<FactSet> = { datasets: [], facts: [], categoryLabels: {} };
  for (const file of syncFiles(syncDir)) {
    const sync = readSyncFile(file);
    set.datasets.push(sync.dataset);
    set.facts.push(...sync.facts);
    Object.assign(set.categoryLabels, sync.categoryLabels);
  }
  return set;
}
