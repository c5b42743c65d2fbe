// `npm run sync`: refreshes typed facts from SCB's live PxWeb API — planned within the limits, resumable, with a report of what changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PxWebClient } from '../pxweb/client.ts';
import { packDataset, unpackDataset } from '../pxweb/cache.ts';
import { mergeDatasets } from '../pxweb/jsonstat.ts';
import { planSelection } from '../pxweb/selection.ts';
import type { DecodedDataset, Selection, TableMetadata } from '../pxweb/types.ts';
import { datasetInfoFrom, factKey, factsFromDataset, type DatasetSpec } from './from-dataset.ts';
import { readSyncFile, syncFilePath, writeSyncFile } from './sync-files.ts';
import type { FactRow } from './types.ts';

/** One refreshable set of facts: a table, the part of it to read, and how its content codes map to measures. */
export interface SyncEntry {
  id: string;
  description: string;
  tableId: string;
  /** Variables left out are completed from the metadata: time → newest period, others not eliminable → every value. */
  selection: Selection;
  spec: Omit<DatasetSpec, 'dataset'>;
}

/** What `npm run sync` can refresh. Content codes are SCB's (scb-pxweb research notes §5). */
export const SYNC_ENTRIES: SyncEntry[] = [
  {
    id: 'population-kommun',
    description: 'Folkmängd 31 December per kommun, every year 1968 on (TAB638, before the Cell Key Method)',
    tableId: 'TAB638',
    selection: [
      { variableCode: 'Region', codelist: 'vs_RegionKommun07', valueCodes: ['*'] },
      { variableCode: 'Alder', valueCodes: ['tot'] },
      { variableCode: 'ContentsCode', valueCodes: ['BE0101N1'] },
      { variableCode: 'Tid', valueCodes: ['*'] },
    ],
    spec: { measures: { BE0101N1: 'population' }, dropDimensions: ['Alder'] },
  },
  {
    id: 'population-kommun-age-sex',
    description: 'Folkmängd per kommun by single-year age and sex, every year 1968 on (TAB638; about 3.4 million cells)',
    tableId: 'TAB638',
    selection: [
      { variableCode: 'Region', codelist: 'vs_RegionKommun07', valueCodes: ['*'] },
      { variableCode: 'Alder', valueCodes: ['*'] },
      { variableCode: 'Kon', valueCodes: ['1', '2'] },
      { variableCode: 'ContentsCode', valueCodes: ['BE0101N1'] },
      { variableCode: 'Tid', valueCodes: ['*'] },
    ],
    spec: { measures: { BE0101N1: 'population' } },
  },
  {
    id: 'population-month',
    description: 'Folkmängd per month for Sweden, every län and kommun, all ages and both sexes (TAB6471, Cell Key Method)',
    tableId: 'TAB6471',
    selection: [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'Alder', valueCodes: ['TotSA'] },
      { variableCode: 'Kon', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['000007SF'] },
      { variableCode: 'Tid', valueCodes: ['*'] },
    ],
    spec: { measures: { '000007SF': 'population' } },
  },
  {
    id: 'population-month-lan-age',
    description: 'Folkmängd per month for Sweden and every län by every age code and sex (TAB6471, Cell Key Method)',
    tableId: 'TAB6471',
    selection: [
      { variableCode: 'Region', valueCodes: ['00', '??'] },
      { variableCode: 'Alder', valueCodes: ['*'] },
      { variableCode: 'Kon', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['000007SF'] },
      { variableCode: 'Tid', valueCodes: ['*'] },
    ],
    spec: { measures: { '000007SF': 'population' } },
  },
  {
    id: 'population-kommun-ckm',
    description: 'Folkmängd 31 December per kommun by age group and sex, 2025 on (TAB5557, Cell Key Method)',
    tableId: 'TAB5557',
    selection: [
      { variableCode: 'Region', valueCodes: ['????'] },
      { variableCode: 'Alder', valueCodes: ['*'] },
      { variableCode: 'Kon', valueCodes: ['*'] },
      { variableCode: 'Civilstand', valueCodes: ['SC'] },
      { variableCode: 'ContentsCode', valueCodes: ['000007ME'] },
      { variableCode: 'Tid', valueCodes: ['*'] },
    ],
    spec: { measures: { '000007ME': 'population' }, dropDimensions: ['Civilstand'] },
  },
  {
    id: 'population-deso',
    description: 'Folkmängd per DeSO and RegSO (both divisions), kommun, län and Sweden, newest year, by age band and sex (TAB6574)',
    tableId: 'TAB6574',
    selection: [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'Alder', valueCodes: ['*'] },
      { variableCode: 'Kon', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['000007Y7'] },
      { variableCode: 'Tid', valueCodes: ['top(1)'] },
    ],
    spec: { measures: { '000007Y7': 'population' } },
  },
  {
    id: 'income-deso-median',
    description: 'Median ekonomisk standard per DeSO and RegSO, newest year (TAB6684)',
    tableId: 'TAB6684',
    selection: [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['000008AB'] },
      { variableCode: 'Tid', valueCodes: ['top(1)'] },
    ],
    spec: { measures: { '000008AB': 'median_economic_standard' } },
  },
  {
    id: 'income-deso-mean-net',
    description: 'Mean nettoinkomst per DeSO and RegSO, newest year (TAB6683)',
    tableId: 'TAB6683',
    selection: [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['000008A4'] },
      { variableCode: 'Tid', valueCodes: ['top(1)'] },
    ],
    spec: { measures: { '000008A4': 'mean_net_income' } },
  },
];

/** Completes a selection from the metadata: the newest period for an unselected time variable, every value of other mandatory ones. */
export function completeSelection(metadata: TableMetadata, selection: Selection): Selection {
  const selected = new Set(selection.map((item) => item.variableCode.toLowerCase()));
  const added = metadata.variables
    .filter((variable) => !selected.has(variable.code.toLowerCase()) && !variable.elimination)
    .map((variable) => ({ variableCode: variable.code, valueCodes: [variable.time ? 'top(1)' : '*'] }));
  return [...selection, ...added];
}

export interface SyncProgress {
  entry: string;
  done: number;
  total: number;
  reused: number;
  cells: number;
}

/** A changed value, for the report. */
export interface SyncChange {
  key: string;
  before: number | null;
  after: number | null;
}

export interface SyncReport {
  entry: string;
  tableId: string;
  updated: string;
  cells: number;
  /** Calls planned for the selection, and the fewest any split could make. */
  calls: number;
  minimumCalls: number;
  /** Calls whose answer was already saved by an interrupted run. */
  reusedCalls: number;
  facts: number;
  added: number;
  changed: number;
  unchanged: number;
  removed: number;
  examples: SyncChange[];
  file: string;
}

export interface SyncOptions {
  client: PxWebClient;
  /** Where sync files are written (config.syncDir). */
  syncDir: string;
  /** Where answers of an unfinished sync are kept so a rerun resumes (under config.storeDir). */
  partialDir: string;
  /** The value the store holds now for fact keys, to report what changed; null when none. */
  currentValues: (facts: FactRow[]) => (number | null | undefined)[];
  baseUrl: string;
  onProgress?: (progress: SyncProgress) => void;
  /** Plan only: no data calls, no files. */
  dryRun?: boolean;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function writeAtomically(file: string, body: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, body);
  renameSync(temp, file);
}

const EXAMPLES = 5;

/** Refreshes one entry: plan, fetch each call (reusing answers an interrupted run saved), merge, map, compare, write. */
export async function syncEntry(entry: SyncEntry, options: SyncOptions): Promise<SyncReport> {
  const { client } = options;
  const metadata = (await client.metadata(entry.tableId)).value;
  const { maxDataCells } = (await client.config()).value;
  const selection = completeSelection(metadata, entry.selection);
  const plan = planSelection(metadata, selection, maxDataCells);
  const file = syncFilePath(options.syncDir, entry.id);
  const report: SyncReport = {
    entry: entry.id, tableId: entry.tableId, updated: metadata.updated, cells: plan.cells, calls: plan.chunks.length,
    minimumCalls: plan.minimumChunks, reusedCalls: 0, facts: 0, added: 0, changed: 0, unchanged: 0, removed: 0, examples: [], file,
  };
  if (options.dryRun) return report;

  // Saved answers are valid only for the same table update and the same plan.
  const partial = path.join(options.partialDir, entry.id, hashOf([metadata.updated, plan.chunks]));
  mkdirSync(partial, { recursive: true });
  const parts: DecodedDataset[] = [];
  for (const [i, chunk] of plan.chunks.entries()) {
    const saved = path.join(partial, `${i}.json`);
    if (existsSync(saved)) {
      parts.push(unpackDataset(JSON.parse(readFileSync(saved, 'utf8'))));
      report.reusedCalls += 1;
    } else {
      const { value } = await client.data(entry.tableId, chunk);
      writeAtomically(saved, JSON.stringify(packDataset(value)));
      parts.push(value);
    }
    options.onProgress?.({ entry: entry.id, done: i + 1, total: plan.chunks.length, reused: report.reusedCalls, cells: plan.cells });
  }
  const merged = parts.length === 1 ? parts[0] : mergeDatasets(parts, metadata);
  const datasetId = `sync-${entry.id}`;
  const facts = factsFromDataset(merged, { ...entry.spec, dataset: datasetId });
  const dataset = datasetInfoFrom(merged, {
    id: datasetId,
    method: 'published value',
    file: path.relative(path.dirname(options.syncDir), file),
    shipped: false,
  });

  const current = options.currentValues(facts);
  facts.forEach((fact, i) => {
    const before = current[i];
    if (before === undefined) report.added += 1;
    else if (before === fact.value) report.unchanged += 1;
    else {
      report.changed += 1;
      if (report.examples.length < EXAMPLES) report.examples.push({ key: factKey(fact), before, after: fact.value });
    }
  });
  if (existsSync(file)) {
    const now = new Set(facts.map(factKey));
    report.removed = readSyncFile(file).facts.filter((fact) => !now.has(factKey(fact))).length;
  }
  const categoryLabels = Object.fromEntries(
    merged.dimensions.filter((d) => !d.time && !d.content && !['region', 'kon', 'alder'].includes(d.code.toLowerCase()))
      .flatMap((d) => d.values.map((value) => [value.code, value.label])),
  );
  writeSyncFile(options.syncDir, {
    format: 1, entry: entry.id, fetchedAt: new Date().toISOString(), baseUrl: options.baseUrl, dataset, categoryLabels, facts,
  });
  report.facts = facts.length;
  rmSync(path.join(options.partialDir, entry.id), { recursive: true, force: true });
  return report;
}
