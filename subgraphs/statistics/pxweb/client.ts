// The PxWeb client: SCB's PxWebApi 2.0 (and v1 table paths) behind a shared limiter, split planning and a SQLite cache with offline answers.
import type { GraphQLError } from 'graphql';
import type { Logger } from '../../../lib/log.ts';
import { decodeCodelist, decodeTableInfo, decodeTableList, tableInfoFromMetadata } from './catalogue.ts';
import { openCache, type CacheKey, type CacheKind, type CacheEntry } from './cache.ts';
import { decodeJsonStat, decodeMetadata, decodeV1Json, decodeV1Metadata, mergeDatasets, sliceDataset } from './jsonstat.ts';
import { limiterFor } from './limiter.ts';
import { isUnavailable, notInSnapshot, unavailable } from './problems.ts';
import { dataRequest, getRequest, v1DataRequest, v1TableUrl, type HttpRequest } from './query.ts';
import { codelistsOf, coverageKey, coverageOf, planSelection, resolveSelection, type ResolvedSelection } from './selection.ts';
import { createTransport, type CallStats } from './transport.ts';
import type {
  Codelist,
  DecodedDataset,
  Fetched,
  PxWebApiConfig,
  Selection,
  TableInfo,
  TableMetadata,
  TableSearch,
  TableSearchResult,
} from './types.ts';

export interface PxWebClientOptions {
  /** PxWebApi 2.0 base URL without a trailing slash, e.g. https://statistikdatabasen.scb.se/api/v2. */
  baseUrl: string;
  /** v1 database URL for table paths like BE/BE0101/BE0101A/BefolkningNy; `{lang}` is replaced by the language. */
  v1BaseUrl?: string;
  language: string;
  /** Connect, headers and body timeout of each request. */
  timeoutMs: number;
  /** 'offline': answer from the cache only and never open a socket; 'live': call the API, fall back to the cache. */
  mode: 'offline' | 'live';
  /** SQLite file of the cache; created when missing. */
  cacheFile: string;
  log?: Logger;
  /** Retries after a 429, 5xx, timeout or lost connection (default 3). */
  maxRetries?: number;
  /** First backoff delay in ms, doubling per retry (default 500). */
  retryBaseMs?: number;
  /** How long unversioned answers (config, table lists, table info, codelists, v1) count as current (default 1 h). */
  revalidateMs?: number;
  /** Page size allTables() asks for. */
  catalogPageSize?: number;
}

/** A recorded response to load into the cache, e.g. from data/scb/pxweb/. */
export interface SeedEntry {
  kind: 'config' | 'tables' | 'table' | 'metadata' | 'codelist' | 'data';
  /** Table id (or v1 table path) for metadata and data. */
  id?: string;
  /** The response body as the API sent it (JSON-stat, v1 metadata, v1 `json` data, a /tables page…). */
  body: unknown;
  /** Codelists the request applied, by variable code (metadata and data). */
  codelists?: Record<string, string>;
  /** Language of the labels in the body; the client's language when left out. */
  language?: string;
  /** When it was fetched; defaults to the body's `updated`, so recorded answers never count as just fetched. */
  fetchedAt?: string;
}

export interface DataOptions {
  /** Called after each call of a split selection: calls done, calls planned. */
  onProgress?: (done: number, total: number) => void;
}

export interface PxWebStats extends CallStats {
  mode: 'offline' | 'live';
}

export interface PxWebClient {
  /** GET /config, read once per client; its call window configures the shared limiter. */
  config(): Promise<Fetched<PxWebApiConfig>>;
  searchTables(search?: TableSearch): Promise<Fetched<TableSearchResult>>;
  /** Every table, paged through GET /tables (discontinued included); build the subject tree with subjectTree(). */
  allTables(onProgress?: (done: number, total: number) => void): Promise<Fetched<TableInfo[]>>;
  tableInfo(id: string): Promise<Fetched<TableInfo>>;
  /** Metadata of a v2 table id, or of a v1 table path; codelists apply valuesets or aggregations per variable. */
  metadata(id: string, codelists?: Record<string, string>): Promise<Fetched<TableMetadata>>;
  codelist(id: string): Promise<Fetched<Codelist>>;
  /** Data for a selection, split into the fewest calls within the cell limit and merged back into one dataset. */
  data(id: string, selection: Selection, options?: DataOptions): Promise<Fetched<DecodedDataset>>;
  seedCache(entries: SeedEntry[]): void;
  stats(): PxWebStats;
  close(): Promise<void>;
}

export const SCB_V1_URL = 'https://api.scb.se/OV0104/v1/doris/{lang}/ssd';

/** scb.se documents at most 100 000 values per v1 call and 10 calls per 10 s. */
const V1_MAX_CELLS = 100_000;
const V1_CALL_WINDOW = { maxCalls: 10, windowMs: 10_000 };
const DEFAULT_PAGE_SIZE = 1000;
const EPOCH = new Date(0).toISOString();

/** v1 tables are addressed by their folder path; v2 ids have no slash. */
export function isV1Table(id: string): boolean {
  return id.includes('/');
}

function fresh<T>(value: T, fetchedAt: string): Fetched<T> {
  return { value, freshness: { fromCache: false, stale: false, fetchedAt } };
}

function cached<T>(entry: { value: T; fetchedAt: string }, stale: boolean): Fetched<T> {
  return { value: entry.value, freshness: { fromCache: true, stale, fetchedAt: entry.fetchedAt } };
}

function decodeConfig(json: unknown): PxWebApiConfig {
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const number = (key: string): number => {
    const value = body[key];
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`Unexpected PxWeb /config: ${key} is not a positive number`);
    return value;
  };
  return {
    apiVersion: String(body.apiVersion ?? ''),
    maxDataCells: number('maxDataCells'),
    maxCallsPerTimeWindow: number('maxCallsPerTimeWindow'),
    timeWindow: number('timeWindow'),
    license: String(body.license ?? ''),
    defaultLanguage: String(body.defaultLanguage ?? ''),
  };
}

/** Metadata built from a cached dataset, to resolve a selection offline when the table's metadata is not cached. */
function metadataOf(dataset: DecodedDataset): TableMetadata {
  return {
    id: dataset.tableId,
    label: dataset.label,
    updated: dataset.updated,
    source: dataset.source,
    notes: dataset.notes,
    // Every dimension counts as eliminable here; the coverage check then refuses a dataset that kept an omitted one.
    variables: dataset.dimensions.map((d) => ({ ...d, elimination: true, eliminationValueCode: null, codelists: [] })),
    units: dataset.units,
    cellKeyNoise: dataset.cellKeyNoise,
  };
}

function versionOf(kind: CacheKind, id: string, value: unknown): string {
  // v2 metadata and data are versioned by the table's `updated`; everything else by its age.
  if ((kind === 'metadata' || kind === 'data') && !isV1Table(id)) return (value as { updated: string }).updated;
  return '';
}

export function createPxWebClient(options: PxWebClientOptions): PxWebClient {
  const { baseUrl, language, mode, log } = options;
  const v1BaseUrl = (options.v1BaseUrl ?? SCB_V1_URL).replace('{lang}', language).replace(/\/+$/, '');
  const revalidateMs = options.revalidateMs ?? 3_600_000;
  const pageSize = options.catalogPageSize ?? DEFAULT_PAGE_SIZE;
  const cache = openCache(options.cacheFile);
  const transport = createTransport({ timeoutMs: options.timeoutMs, maxRetries: options.maxRetries ?? 3, retryBaseMs: options.retryBaseMs ?? 500, log });
  const limiter = limiterFor(baseUrl);
  const v1Limiter = limiterFor(v1BaseUrl, V1_CALL_WINDOW);
  const key = (kind: CacheKind, id: string, selection = ''): CacheKey => ({ kind, id, selection, language });
  const now = () => new Date().toISOString();

  /** Sends to v2 after /config has set the limiter's window, so no call runs under a guessed limit. */
  async function v2(req: HttpRequest, what: string): Promise<unknown> {
    await config();
    return transport.send(req, limiter, what);
  }

  /** The newest cached copy, marked stale, when SCB is unreachable; otherwise the error stands. */
  function staleOr<T>(error: unknown, entry: CacheEntry<T> | null, what: string): Fetched<T> {
    if (!isUnavailable(error) || !entry) throw error;
    log?.warn('pxweb serving stale cache', { what, fetchedAt: entry.fetchedAt, reason: (error as GraphQLError).message });
    return cached(entry, true);
  }

  function fromSnapshot<T>(cacheKey: CacheKey, what: string): Fetched<T> {
    const entry = cache.newest<T>(cacheKey);
    if (!entry) throw notInSnapshot(what);
    return cached(entry, false);
  }

  /** When an earlier step already found SCB unreachable: the newest cached copy, without calling again. */
  function staleOnly<T>(cacheKey: CacheKey, what: string): Fetched<T> {
    return staleOr(unavailable(what, 'SCB could not be reached'), cache.newest<T>(cacheKey), what);
  }

  /**
   * The answer policy for one cache key: offline → newest cached copy; live → the copy of `version` (or, unversioned,
   * one younger than revalidateMs), else fetch and store; when SCB is unreachable, the newest copy marked stale.
   */
  async function answer<T>(cacheKey: CacheKey, version: string | null, fetch: () => Promise<T>, what: string): Promise<Fetched<T>> {
    if (mode === 'offline') return fromSnapshot(cacheKey, what);
    const hit = version === null ? cache.newest<T>(cacheKey) : cache.get<T>(cacheKey, version);
    if (hit && (version !== null || Date.now() - Date.parse(hit.fetchedAt) < revalidateMs)) return cached(hit, false);
    try {
      const value = await fetch();
      const fetchedAt = now();
      cache.put(cacheKey, version ?? '', value, fetchedAt);
      return fresh(value, fetchedAt);
    } catch (error) {
      return staleOr(error, cache.newest<T>(cacheKey), what);
    }
  }

  let configOnce: Promise<Fetched<PxWebApiConfig>> | null = null;
  function config(): Promise<Fetched<PxWebApiConfig>> {
    configOnce ??= answer(
      key('config', baseUrl),
      null,
      async () => decodeConfig(await transport.send(getRequest(baseUrl, '/config', {}), limiter, 'the API configuration (/config)')),
      'the API configuration (/config)',
    ).then(
      (result) => {
        limiter.configure({ maxCalls: result.value.maxCallsPerTimeWindow, windowMs: result.value.timeWindow * 1000 });
        return result;
      },
      (error: unknown) => {
        // A failed read is retried by the next caller rather than remembered.
        configOnce = null;
        throw error;
      },
    );
    return configOnce;
  }

  function searchParams(search: TableSearch): Record<string, string | number | boolean | undefined> {
    return {
      lang: language,
      query: search.query,
      pastDays: search.pastDays,
      includeDiscontinued: search.includeDiscontinued,
      pageNumber: search.pageNumber,
      pageSize: search.pageSize,
    };
  }

  /** Every table entry the cache knows, as one list (offline catalogue). */
  function knownTables(): { tables: TableInfo[]; fetchedAt: string } {
    const entries = cache.tableEntries(language);
    const fetchedAt = entries.reduce((newest, entry) => (entry.fetchedAt > newest ? entry.fetchedAt : newest), EPOCH);
    return { tables: entries.map((entry) => entry.value), fetchedAt };
  }

  /** The catalogue search SCB runs, over the tables the cache knows: every word in the id, title, description or variables. */
  function searchKnown(search: TableSearch, stale: boolean): Fetched<TableSearchResult> {
    const { tables, fetchedAt } = knownTables();
    const words = (search.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const since = search.pastDays ? Date.now() - search.pastDays * 86_400_000 : null;
    const matching = tables
      .filter((table) => search.includeDiscontinued || !table.discontinued)
      .filter((table) => since === null || Date.parse(table.updated) >= since)
      .filter((table) => {
        const text = [table.id, table.label, table.description, ...table.variableNames].join(' ').toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .sort((a, b) => b.updated.localeCompare(a.updated) || a.id.localeCompare(b.id));
    const size = search.pageSize ?? 20;
    const pageNumber = search.pageNumber ?? 1;
    const value = {
      tables: matching.slice((pageNumber - 1) * size, pageNumber * size),
      pageNumber,
      pageSize: size,
      totalElements: matching.length,
      totalPages: Math.max(1, Math.ceil(matching.length / size)),
    };
    return { value, freshness: { fromCache: true, stale, fetchedAt } };
  }

  /** Keeps each table a live answer lists, so later offline searches and lookups know it. */
  function remember(tables: TableInfo[], fetchedAt: string): void {
    for (const table of tables) cache.put(key('table', table.id), '', table, fetchedAt);
  }

  async function searchTables(search: TableSearch = {}): Promise<Fetched<TableSearchResult>> {
    if (mode === 'offline') return searchKnown(search, false);
    const req = getRequest(baseUrl, '/tables', searchParams(search));
    const what = `the table search ${JSON.stringify(search)}`;
    try {
      const result = await answer(key('tables', req.url.slice(baseUrl.length)), null, async () => decodeTableList(await v2(req, what)), what);
      if (!result.freshness.fromCache) remember(result.value.tables, result.freshness.fetchedAt);
      return result;
    } catch (error) {
      if (isUnavailable(error)) return searchKnown(search, true);
      throw error;
    }
  }

  async function allTables(onProgress?: (done: number, total: number) => void): Promise<Fetched<TableInfo[]>> {
    const what = 'the table catalogue';
    const cacheKey = key('catalogue', 'all');
    // Offline, or online with SCB unreachable and no full catalogue cached: every table the cache knows.
    const known = (stale: boolean): Fetched<TableInfo[]> => {
      const { tables, fetchedAt } = knownTables();
      return { value: tables, freshness: { fromCache: true, stale, fetchedAt } };
    };
    if (mode === 'offline') return cache.newest<TableInfo[]>(cacheKey) ? fromSnapshot(cacheKey, what) : known(false);
    try {
      return await answer(
        cacheKey,
        null,
        async () => {
          const tables: TableInfo[] = [];
          for (let pageNumber = 1, totalPages = 1; pageNumber <= totalPages; pageNumber++) {
            const req = getRequest(baseUrl, '/tables', searchParams({ includeDiscontinued: true, pageNumber, pageSize }));
            const page = decodeTableList(await v2(req, `${what}, page ${pageNumber}`));
            tables.push(...page.tables);
            totalPages = page.totalPages;
            onProgress?.(pageNumber, totalPages);
          }
          return tables;
        },
        what,
      );
    } catch (error) {
      if (isUnavailable(error)) return known(true);
      throw error;
    }
  }

  function tableInfo(id: string): Promise<Fetched<TableInfo>> {
    const what = `table ${id}`;
    return answer(
      key('table', id),
      null,
      async () => decodeTableInfo(await v2(getRequest(baseUrl, `/tables/${encodeURIComponent(id)}`, { lang: language }), what)),
      what,
    );
  }

  /** The table's current `updated`, or null when only a stale copy of its info could be had (so callers skip SCB too). */
  async function currentVersion(id: string): Promise<string | null> {
    const info = await tableInfo(id);
    return info.freshness.stale ? null : info.value.updated;
  }

  async function metadata(id: string, codelists: Record<string, string> = {}): Promise<Fetched<TableMetadata>> {
    const what = `the metadata of table ${id}`;
    const cacheKey = key('metadata', id, coverageKey({}, codelists));
    if (isV1Table(id)) {
      return answer(cacheKey, null, async () => decodeV1Metadata(await transport.send(getRequest(v1TableUrl(v1BaseUrl, id), '', {}), v1Limiter, what), id), what);
    }
    if (mode === 'offline') return fromSnapshot(cacheKey, what);
    let version: string | null;
    try {
      version = await currentVersion(id);
    } catch (error) {
      return staleOr(error, cache.newest<TableMetadata>(cacheKey), what);
    }
    if (version === null) return staleOnly(cacheKey, what);
    const params: Record<string, string> = { lang: language };
    for (const [variable, codelist] of Object.entries(codelists)) params[`codelist[${variable}]`] = codelist;
    return answer(cacheKey, version, async () => decodeMetadata(await v2(getRequest(baseUrl, `/tables/${encodeURIComponent(id)}/metadata`, params), what), id), what);
  }

  function codelist(id: string): Promise<Fetched<Codelist>> {
    const what = `codelist ${id}`;
    return answer(key('codelist', id), null, async () => decodeCodelist(await v2(getRequest(baseUrl, `/codelists/${encodeURIComponent(id)}`, { lang: language }), what)), what);
  }

  /**
   * A cached dataset that holds every requested cell, sliced to the request: same codelists, every selected variable
   * present with all its codes, and every other dimension absent or reduced to the variable's elimination value.
   */
  function fromCachedDatasets(
    id: string,
    selection: Selection,
    known: { metadata: TableMetadata; resolved: ResolvedSelection } | null,
    version: string | null,
  ): { value: DecodedDataset; fetchedAt: string } | null {
    const codelists = codelistsOf(selection);
    for (const candidate of cache.datasets(id, language)) {
      // A dataset's key is its coverage plus the codelists it was read through, so equal keys mean equal codelists.
      if (coverageKey(candidate.coverage, codelists) !== candidate.selection) continue;
      if (version !== null && candidate.updated !== version) continue;
      let entry: CacheEntry<DecodedDataset> | null = null;
      const load = () => (entry ??= candidate.load());
      let metadata: TableMetadata;
      let resolved: ResolvedSelection;
      if (known) ({ metadata, resolved } = known);
      else {
        metadata = metadataOf(load().value);
        try {
          resolved = resolveSelection(metadata, selection);
        } catch {
          // Without the table's metadata a variable or code this dataset lacks just means another dataset may hold it.
          continue;
        }
      }
      const fits = Object.entries(resolved).every(([variable, codes]) => {
        const held = new Set(candidate.coverage[variable] ?? []);
        return codes.every((code) => held.has(code));
      });
      const othersEliminated = Object.entries(candidate.coverage).every(([dimension, codes]) => {
        if (resolved[dimension]) return true;
        const eliminationValue = metadata.variables.find((v) => v.code === dimension)?.eliminationValueCode;
        return codes.length === 1 && codes[0] === eliminationValue;
      });
      if (!fits || !othersEliminated) continue;
      const sliced = sliceDataset(load().value, resolved);
      if (sliced) return { value: sliced, fetchedAt: load().fetchedAt };
    }
    return null;
  }

  /** Offline, or SCB unreachable: a cached dataset covering the selection, resolved against cached metadata if any. */
  function dataFromCache(id: string, selection: Selection, stale: boolean): Fetched<DecodedDataset> | null {
    const metadataEntry = cache.newest<TableMetadata>(key('metadata', id, coverageKey({}, codelistsOf(selection))));
    const known = metadataEntry ? { metadata: metadataEntry.value, resolved: resolveSelection(metadataEntry.value, selection) } : null;
    const hit = fromCachedDatasets(id, selection, known, null);
    return hit ? cached(hit, stale) : null;
  }

  async function data(id: string, selection: Selection, dataOptions: DataOptions = {}): Promise<Fetched<DecodedDataset>> {
    const what = `data from table ${id}`;
    if (mode === 'offline') {
      const hit = dataFromCache(id, selection, false);
      if (!hit) throw notInSnapshot(`The selection ${JSON.stringify(selection)} of table ${id}`);
      return hit;
    }
    const v1 = isV1Table(id);
    const codelists = codelistsOf(selection);
    const unavailableFallback = (error: unknown): Fetched<DecodedDataset> => {
      if (!isUnavailable(error)) throw error;
      const hit = dataFromCache(id, selection, true);
      if (!hit) throw error;
      log?.warn('pxweb serving stale cache', { what, fetchedAt: hit.freshness.fetchedAt });
      return hit;
    };
    try {
      const version = v1 ? '' : await currentVersion(id);
      const unreachable = () => unavailable(what, 'SCB could not be reached');
      if (version === null) return unavailableFallback(unreachable());
      const meta = await metadata(id, codelists);
      if (meta.freshness.stale) return unavailableFallback(unreachable());
      const resolved = resolveSelection(meta.value, selection);
      const cacheKey = key('data', id, coverageKey(resolved, codelists));
      const exact = cache.get<DecodedDataset>(cacheKey, version);
      const usable = exact && (!v1 || Date.now() - Date.parse(exact.fetchedAt) < revalidateMs);
      if (usable) return cached(exact, false);
      if (!v1) {
        const covered = fromCachedDatasets(id, selection, { metadata: meta.value, resolved }, version);
        if (covered) return cached(covered, false);
      }
      // v1 takes only explicit codes, so its chunks are cut from the resolved selection.
      const explicit: Selection = v1 ? Object.entries(resolved).map(([variableCode, valueCodes]) => ({ variableCode, valueCodes })) : selection;
      const maxCells = v1 ? V1_MAX_CELLS : (await config()).value.maxDataCells;
      const plan = planSelection(meta.value, explicit, maxCells);
      const parts: DecodedDataset[] = [];
      for (const [i, chunk] of plan.chunks.entries()) {
        const chunkWhat = plan.chunks.length > 1 ? `${what} (call ${i + 1} of ${plan.chunks.length})` : what;
        const json = v1
          ? await transport.send(v1DataRequest(v1BaseUrl, id, chunk), v1Limiter, chunkWhat)
          : await v2(dataRequest(baseUrl, id, chunk, language), chunkWhat);
        parts.push(decodeJsonStat(json));
        dataOptions.onProgress?.(i + 1, plan.chunks.length);
      }
      const merged = mergeDatasets(parts, meta.value);
      const fetchedAt = now();
      cache.put(key('data', id, coverageKey(coverageOf(merged), codelists)), version, merged, fetchedAt);
      return fresh(merged, fetchedAt);
    } catch (error) {
      return unavailableFallback(error);
    }
  }

  function seedCache(entries: SeedEntry[]): void {
    for (const entry of entries) {
      const lang = entry.language ?? language;
      const seedKey = (kind: CacheKind, id: string, selection = ''): CacheKey => ({ kind, id, selection, language: lang });
      const put = (cacheKey: CacheKey, value: unknown, recordedAt: string) =>
        cache.seed(cacheKey, versionOf(cacheKey.kind, cacheKey.id, value), value, entry.fetchedAt ?? (recordedAt || EPOCH));
      const body = entry.body as Record<string, unknown>;
      const id = entry.id ?? '';
      const codelists = entry.codelists ?? {};
      switch (entry.kind) {
        case 'config':
          put(seedKey('config', baseUrl), decodeConfig(body), '');
          break;
        case 'tables':
          for (const table of decodeTableList(body).tables) put(seedKey('table', table.id), table, table.updated);
          break;
        case 'table': {
          const table = decodeTableInfo(body);
          put(seedKey('table', table.id), table, table.updated);
          break;
        }
        case 'codelist': {
          const list = decodeCodelist(body);
          put(seedKey('codelist', list.id), list, '');
          break;
        }
        case 'metadata': {
          const meta = Array.isArray(body.variables) ? decodeV1Metadata(body, id) : decodeMetadata(body, id || undefined);
          put(seedKey('metadata', id || meta.id, coverageKey({}, codelists)), meta, meta.updated);
          // So the offline catalogue finds a table whose metadata was recorded but whose catalogue entry was not.
          if (!isV1Table(id || meta.id)) put(seedKey('table', meta.id), tableInfoFromMetadata(meta), meta.updated);
          break;
        }
        case 'data': {
          const isV1Json = Array.isArray(body.columns);
          if (isV1Json && !id) throw new Error('seedCache: a v1 "json" data body needs the table id (its v1 path)');
          const tableId = id || decodeJsonStat(body).tableId;
          const meta = cache.newest<TableMetadata>(seedKey('metadata', tableId, coverageKey({}, codelists)))?.value;
          const dataset = isV1Json ? decodeV1Json(body, meta) : decodeJsonStat(body);
          put(seedKey('data', tableId, coverageKey(coverageOf(dataset), codelists)), dataset, dataset.updated);
          break;
        }
      }
    }
  }

  let closing: Promise<void> | null = null;
  return {
    config,
    searchTables,
    allTables,
    tableInfo,
    metadata,
    codelist,
    data,
    seedCache,
    stats: () => ({ ...transport.stats(), mode }),
    close() {
      // Idempotent, so an owner and a test cleanup may both close.
      closing ??= transport.close().then(() => cache.close());
      return closing;
    },
  };
}
