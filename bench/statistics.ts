// Statistics figures: JSON-stat decoding and merging, split planning for 1M+-cell selections, a 1M-cell fetch from the
// fake SCB server, and federated population queries through the gateway.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config.ts';
import { createPxWebClient } from '../subgraphs/statistics/pxweb/client.ts';
import { decodeJsonStat, decodeMetadata, mergeDatasets } from '../subgraphs/statistics/pxweb/jsonstat.ts';
import { countCells, planSelection, resolveSelection } from '../subgraphs/statistics/pxweb/selection.ts';
import type { DecodedDataset, Selection, TableMetadata } from '../subgraphs/statistics/pxweb/types.ts';
import { startFakePxWeb, type JsonStatDataset } from '../test/fake-pxweb.ts';
import { postGraphql, runLoad, type LoadOptions, type LoadResult } from './http.ts';
import { median, seededRandom } from './util.ts';

const RECORDINGS = path.join(PROJECT_ROOT, 'data', 'scb', 'pxweb');
const REAL_DATA_FILE = 'v2-data-TAB6471-jsonstat2.json';
const REAL_METADATA_FILE = 'v2-metadata-TAB6471-population-month-region-age-sex.json';
const TABLE = 'TAB6471';

/** SCB's PxWebApi 2.0 cell limit per call, and the limit the client applies to v1 tables. */
export const SCB_MAX_CELLS = 150_000;
export const V1_MAX_CELLS = 100_000;
/** Share of synthetic cells sent as null with status "..", as SCB does for suppressed values. */
const SYNTHETIC_MISSING = 0.002;

function readRecording(name: string): { text: string; json: unknown } {
  const text = readFileSync(path.join(RECORDINGS, name), 'utf8');
  return { text, json: JSON.parse(text) };
}

/** Median wall time in ms of `run` over `runs` repetitions after `warmup` unmeasured ones. */
function timeMedian(warmup: number, runs: number, run: () => unknown): { medianMs: number; runs: number } {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return { medianMs: median(times), runs };
}

// ---------------------------------------------------------------------------------------------------------------
// Selections against the real TAB6471 metadata (312 regions × 134 ages × 3 sexes × 1 content × 16 months)

const WHOLE_TABLE: Selection = [
  { variableCode: 'Region', valueCodes: ['*'] },
  { variableCode: 'Alder', valueCodes: ['*'] },
  { variableCode: 'Kon', valueCodes: ['*'] },
  { variableCode: 'ContentsCode', valueCodes: ['*'] },
  { variableCode: 'Tid', valueCodes: ['*'] },
];

/** All regions × all ages × 3 sexes × the 8 newest months: 1 003 392 cells. */
const MILLION: Selection = [
  { variableCode: 'Region', valueCodes: ['*'] },
  { variableCode: 'Alder', valueCodes: ['*'] },
  { variableCode: 'Kon', valueCodes: ['*'] },
  { variableCode: 'ContentsCode', valueCodes: ['*'] },
  { variableCode: 'Tid', valueCodes: ['top(8)'] },
];

// ---------------------------------------------------------------------------------------------------------------
// JSON-stat decoding and merging

export interface DecodeRow {
  input: string;
  cells: number;
  missing: number;
  bytes: number;
  parseMs: number;
  decodeMs: number;
  runs: number;
}

export interface MergeResult {
  parts: number;
  cellsPerPart: number[];
  cells: number;
  medianMs: number;
  runs: number;
}

/**
 * A JSON-stat 2.0 body shaped like SCB's answer to one data call: the metadata's dimensions restricted to `codes`,
 * deterministic values, and a few null values with status "..".
 */
function syntheticBody(metadata: JsonStatDataset, codes: Record<string, string[]>, seed: number): JsonStatDataset {
  const random = seededRandom(seed);
  const dimension: JsonStatDataset['dimension'] = {};
  for (const id of metadata.id) {
    const source = metadata.dimension[id];
    const kept = codes[id];
    const { codelists: _codelists, ...extension } = source.extension ?? {};
    dimension[id] = {
      label: source.label,
      category: {
        index: Object.fromEntries(kept.map((code, i) => [code, i])),
        label: Object.fromEntries(kept.map((code) => [code, source.category.label?.[code] ?? code])),
        ...(source.category.unit ? { unit: source.category.unit } : {}),
      },
      extension,
    };
  }
  const size = metadata.id.map((id) => codes[id].length);
  const cells = size.reduce((p, n) => p * n, 1);
  const value: (number | null)[] = new Array(cells);
  const status: Record<string, string> = {};
  for (let i = 0; i < cells; i++) {
    if (random() < SYNTHETIC_MISSING) {
      value[i] = null;
      status[String(i)] = '..';
    } else value[i] = Math.floor(random() * 20_000);
  }
  return { ...metadata, id: [...metadata.id], size, dimension, value, status };
}

/** The bodies SCB would send for the plan of the 1M selection at SCB's limit: one per chunk, with the chunk's codes. */
function millionParts(metadataJson: JsonStatDataset, metadata: TableMetadata): JsonStatDataset[] {
  const plan = planSelection(metadata, MILLION, SCB_MAX_CELLS);
  return plan.chunks.map((chunk, i) => syntheticBody(metadataJson, resolveSelection(metadata, chunk), 1000 + i));
}

export function measureDecoding(): { decode: DecodeRow[]; merge: MergeResult } {
  const real = readRecording(REAL_DATA_FILE);
  const metadataJson = readRecording(REAL_METADATA_FILE).json as JsonStatDataset;
  const metadata: TableMetadata = decodeMetadata(metadataJson, TABLE);
  const rows: DecodeRow[] = [];

  const measure = (input: string, text: string, json: unknown, warmup: number, runs: number): DecodedDataset => {
    const decoded = decodeJsonStat(json);
    const parse = timeMedian(warmup, runs, () => JSON.parse(text));
    const decode = timeMedian(warmup, runs, () => decodeJsonStat(json));
    rows.push({
      input,
      cells: decoded.rows.length,
      missing: decoded.rows.filter((row) => row.value === null).length,
      bytes: Buffer.byteLength(text),
      parseMs: parse.medianMs,
      decodeMs: decode.medianMs,
      runs: decode.runs,
    });
    return decoded;
  };

  measure(`real SCB answer (\`${REAL_DATA_FILE}\`)`, real.text, real.json, 50, 101);
  const bodies = millionParts(metadataJson, metadata);
  const first = bodies[0];
  const firstText = JSON.stringify(first);
  measure(
    `synthetic, one full SCB call (${first.size.join(' × ')})`,
    firstText,
    JSON.parse(firstText),
    2,
    7,
  );

  const parts = bodies.map((body) => decodeJsonStat(body));
  const merged = mergeDatasets(parts, metadata);
  const cells = parts.reduce((sum, part) => sum + part.rows.length, 0);
  if (merged.rows.length !== cells) throw new Error(`mergeDatasets returned ${merged.rows.length} rows for ${cells} cells`);
  // Over a second per run: no separate warm-up, the check above was one.
  const merge = timeMedian(0, 3, () => mergeDatasets(parts, metadata));
  return { decode: rows, merge: { parts: parts.length, cellsPerPart: parts.map((p) => p.rows.length), cells, ...merge } };
}

// ---------------------------------------------------------------------------------------------------------------
// Split planning

export interface PlanRow {
  selection: string;
  maxCells: number;
  cells: number;
  chunks: number;
  minimumChunks: number;
  /** Cells of the largest chunk. */
  largestChunk: number;
  splitVariables: string[];
  medianMs: number;
  runs: number;
}

export function measurePlanning(): PlanRow[] {
  const metadata = decodeMetadata(readRecording(REAL_METADATA_FILE).json, TABLE);
  const rows: PlanRow[] = [];
  for (const [name, selection] of [
    ['whole table', WHOLE_TABLE],
    ['all regions × all ages × 3 sexes × 8 months', MILLION],
  ] as const) {
    for (const maxCells of [SCB_MAX_CELLS, V1_MAX_CELLS]) {
      const plan = planSelection(metadata, selection, maxCells);
      const largestChunk = Math.max(...plan.chunks.map((chunk) => countCells(resolveSelection(metadata, chunk))));
      if (largestChunk > maxCells) throw new Error(`planSelection planned a chunk of ${largestChunk} cells over the limit ${maxCells}`);
      const timing = timeMedian(3, 15, () => planSelection(metadata, selection, maxCells));
      rows.push({
        selection: name,
        maxCells,
        cells: plan.cells,
        chunks: plan.chunks.length,
        minimumChunks: plan.minimumChunks,
        largestChunk,
        splitVariables: plan.splitVariables,
        ...timing,
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// A 1M-cell selection fetched from the fake SCB server

export interface FetchResult {
  cells: number;
  rows: number;
  missing: number;
  /** Data calls the fake recorded (GET or POST …/data). */
  dataCalls: number;
  /** Every call the fake recorded (config, table info and metadata included). */
  allCalls: number;
  minimumChunks: number;
  retries: number;
  violations: number;
  wallMs: number;
  /** From the call to the last chunk decoded: metadata, every data call (the fake builds its answers in this process) and decoding. */
  callsMs: number;
  /** From the last chunk decoded to the answer: mergeDatasets and writing the merged dataset to the SQLite cache. */
  mergeAndCacheMs: number;
  /** The same selection asked again from the same client: answered from the cache. */
  cachedMs: number;
  fakeLimits: { maxDataCells: number; maxCallsPerTimeWindow: number; timeWindow: number };
}

export async function measureFetch(): Promise<FetchResult> {
  const fake = await startFakePxWeb({ maxDataCells: SCB_MAX_CELLS, maxCallsPerTimeWindow: 30, timeWindow: 10 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-bench-pxweb-'));
  const client = createPxWebClient({ baseUrl: fake.url, language: 'sv', timeoutMs: 30_000, mode: 'live', cacheFile: path.join(dir, 'cache.sqlite') });
  try {
    const metadata = decodeMetadata(readRecording(REAL_METADATA_FILE).json, TABLE);
    const plan = planSelection(metadata, MILLION, fake.config.maxDataCells);
    let lastChunkAt = 0;
    const started = performance.now();
    const result = await client.data(TABLE, MILLION, { onProgress: () => (lastChunkAt = performance.now()) });
    const finished = performance.now();
    const rows = result.value.rows;
    if (rows.length !== plan.cells) throw new Error(`The 1M-cell fetch returned ${rows.length} rows, expected ${plan.cells}`);
    if (result.freshness.fromCache) throw new Error('The 1M-cell fetch was answered from the cache, not the fake server');
    if (fake.violations.length > 0) {
      throw new Error(`The fake SCB server recorded ${fake.violations.length} call-window violation(s) during the 1M-cell fetch`);
    }
    const dataCalls = fake.calls.filter((call) => /\/data$/i.test(call.path)).length;
    const allCalls = fake.calls.length;
    const cachedStarted = performance.now();
    const again = await client.data(TABLE, MILLION);
    const cachedMs = performance.now() - cachedStarted;
    if (!again.freshness.fromCache || again.value.rows.length !== rows.length) throw new Error('The repeated 1M-cell selection was not answered from the cache');
    return {
      cells: plan.cells,
      rows: rows.length,
      missing: rows.filter((row) => row.value === null).length,
      dataCalls,
      allCalls,
      minimumChunks: plan.minimumChunks,
      retries: client.stats().retries,
      violations: fake.violations.length,
      wallMs: finished - started,
      callsMs: lastChunkAt - started,
      mergeAndCacheMs: finished - lastChunkAt,
      cachedMs,
      fakeLimits: { maxDataCells: fake.config.maxDataCells, maxCallsPerTimeWindow: fake.config.maxCallsPerTimeWindow, timeWindow: fake.config.timeWindow },
    };
  } finally {
    await client.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Federated population queries

/** The brief's kommun query: three annual figures and the 2019 ten-year age groups of all 290 kommuner. */
export const POPULATION_QUERY =
  '{ areas(level: KOMMUN, first: 290) { nodes { id a: population(year: 1970) { value } b: population(year: 2000) { value } ' +
  'c: population(year: 2020) { value } byAge: populationByAge(year: 2019, grouping: TEN_YEARS) { value } } } }';
/** The same without the age groups, to separate what the three years cost from what populationByAge costs. */
export const THREE_YEARS_QUERY =
  '{ areas(level: KOMMUN, first: 290) { nodes { id a: population(year: 1970) { value } b: population(year: 2000) { value } ' +
  'c: population(year: 2020) { value } } } }';
export const FALUN_OPERATION = 'schema/operations/FalunDesoFacts.graphql';

export function falunQuery(): string {
  return readFileSync(path.join(PROJECT_ROOT, FALUN_OPERATION), 'utf8');
}

/** Fails early unless the population query answers every kommun with all four figures. */
export async function checkPopulationQuery(url: string): Promise<void> {
  type Node = { a: { value: number } | null; b: { value: number } | null; c: { value: number } | null; byAge: { value: number }[] | null };
  const data = (await postGraphql(url, { query: POPULATION_QUERY })) as { areas: { nodes: Node[] } };
  const nodes = data.areas.nodes;
  const complete = nodes.filter((n) => [n.a, n.b, n.c].every((p) => typeof p?.value === 'number') && (n.byAge?.length ?? 0) > 0).length;
  if (nodes.length !== 290 || complete < 290) throw new Error(`${url}: the population query returned ${nodes.length} kommuner, ${complete} with every figure`);
}

/** Fails early unless the Falun operation returns its DeSOs. */
export async function checkFalunQuery(url: string): Promise<number> {
  const data = (await postGraphql(url, { query: falunQuery() })) as { area: { children: { population: { value: number } | null }[] } | null };
  const children = data.area?.children ?? [];
  if (children.length === 0) throw new Error(`${url}: FalunDesoFacts returned no DeSO`);
  return children.length;
}

export interface LatencyRow {
  target: string;
  query: string;
  /** The file the query was read from, when it is a stored operation. */
  operation?: string;
  result: LoadResult;
}

/**
 * The population queries and the Falun operation through one gateway, identical requests each, with the settings of
 * the plain kommun list they are compared with (bounded by `settings`).
 */
export async function measurePopulationQueries(url: string, settings: Omit<LoadOptions, 'url' | 'request'>): Promise<{ rows: LatencyRow[]; falunDesos: number }> {
  await checkPopulationQuery(url);
  const falunDesos = await checkFalunQuery(url);
  const rows: LatencyRow[] = [];
  const queries: Omit<LatencyRow, 'result'>[] = [
    { target: '3 years (1970, 2000, 2020)', query: THREE_YEARS_QUERY },
    { target: '3 years + populationByAge 2019 (TEN_YEARS)', query: POPULATION_QUERY },
    { target: `FalunDesoFacts (${falunDesos} DeSO)`, query: falunQuery(), operation: FALUN_OPERATION },
  ];
  for (const row of queries) {
    rows.push({ ...row, result: await runLoad({ url, ...settings, request: () => ({ query: row.query }) }) });
  }
  return { rows, falunDesos };
}

export interface StatisticsResults {
  decode: DecodeRow[];
  merge: MergeResult;
  plans: PlanRow[];
  fetch: FetchResult;
  federated: {
    /** The plain 1-year kommun list through the same gateway, measured just before. */
    baseline: LatencyRow;
    rows: LatencyRow[];
    planner: string;
    settings: { concurrency: number; warmupRequests: number; maxRequests: number; maxMs: number };
  };
}
