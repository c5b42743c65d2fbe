// The PxWeb client against a local fake of SCB's API: call window, retries, error mapping, splitting, cache, stale and offline answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphQLError } from 'graphql';
import { subjectTree } from '../subgraphs/statistics/pxweb/catalogue.ts';
import { createPxWebClient, type PxWebClient, type PxWebClientOptions } from '../subgraphs/statistics/pxweb/client.ts';
import { retryAfterSeconds, transportFailure } from '../subgraphs/statistics/pxweb/problems.ts';
import { recordedSeeds } from '../subgraphs/statistics/pxweb/recorded.ts';
import type { Selection } from '../subgraphs/statistics/pxweb/types.ts';
import { startFakePxWeb, type FakePxWeb, type FakePxWebOptions, type RecordedCall } from './fake-pxweb.ts';

const RECORDINGS = new URL('../data/scb/pxweb/', import.meta.url).pathname;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempCacheFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pxweb-cache-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'cache.sqlite');
}

async function fake(options: FakePxWebOptions = {}): Promise<FakePxWeb> {
  const server = await startFakePxWeb({ suppressed: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

function client(options: Partial<PxWebClientOptions> & Pick<PxWebClientOptions, 'baseUrl'>): PxWebClient {
  const created = createPxWebClient({ language: 'sv', timeoutMs: 2000, mode: 'live', cacheFile: tempCacheFile(), retryBaseMs: 10, ...options });
  cleanups.push(() => created.close());
  return created;
}

async function rejection(promise: Promise<unknown>): Promise<GraphQLError> {
  try {
    await promise;
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected the call to fail');
}

const counted = (calls: RecordedCall[]) => calls.filter((call) => !call.path.endsWith('/config'));

/** Region 01, 0-9 år, every sex, 2026M01: cells the fake serves from SCB's recorded TAB6471 response. */
const smallSelection: Selection = [
  { variableCode: 'Region', valueCodes: ['01', '03'] },
  { variableCode: 'Alder', valueCodes: ['0-9'] },
  { variableCode: 'Kon', valueCodes: ['TotSa'] },
  { variableCode: 'ContentsCode', valueCodes: ['*'] },
  { variableCode: 'Tid', valueCodes: ['2026M01', '2026M02'] },
];

describe('call window', () => {
  it('never starts more calls per window than /config allows, even for two clients sharing an installation', async () => {
    const server = await fake({ maxCallsPerTimeWindow: 3, timeWindow: 0.4 });
    const first = client({ baseUrl: server.url, revalidateMs: 0 });
    const second = client({ baseUrl: server.url, revalidateMs: 0 });
    const ids = ['TAB6471', 'TAB5557', 'TAB4707', 'TAB4552'];
    await Promise.all([...ids, ...ids].flatMap((id, i) => [(i % 2 ? first : second).tableInfo(id)]));
    const starts = counted(server.calls).map((call) => call.startedAt);
    expect(starts).toHaveLength(8);
    expect(server.violations).toEqual([]);
    // From the server's own clock: any four consecutive calls span more than one window.
    for (let i = 3; i < starts.length; i++) expect(starts[i] - starts[i - 3]).toBeGreaterThan(400);
    expect(first.stats().calls + second.stats().calls).toBe(server.calls.length);
  });

  it('waits out Retry-After on 429 for every client of the installation, then succeeds', async () => {
    const server = await fake();
    const first = client({ baseUrl: server.url });
    const second = client({ baseUrl: server.url });
    await Promise.all([first.config(), second.config()]);
    server.failNext(1, { status: 429, retryAfter: 1 }, '/tables/TAB6471');
    const answer = first.tableInfo('TAB6471');
    while (!server.calls.some((call) => call.status === 429)) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const other = second.tableInfo('TAB5557');
    expect((await answer).value.id).toBe('TAB6471');
    expect((await other).value.id).toBe('TAB5557');
    const limited = server.calls.find((call) => call.status === 429) as RecordedCall;
    const later = server.calls.filter((call) => call.startedAt > limited.startedAt);
    expect(later.map((call) => call.path).sort()).toEqual(['/api/v2/tables/TAB5557', '/api/v2/tables/TAB6471']);
    for (const call of later) expect(call.startedAt - limited.startedAt).toBeGreaterThanOrEqual(950);
    expect(first.stats().retries).toBe(1);
  });

  it('answers UPSTREAM_RATE_LIMITED with retryAfterSeconds when 429 outlasts the retries', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, maxRetries: 1 });
    await api.config();
    server.failNext(5, { status: 429, retryAfter: 1 }, '/tables/');
    const error = await rejection(api.tableInfo('TAB6471'));
    expect(error.extensions.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBe(1);
    expect(counted(server.calls)).toHaveLength(2);
  });
});

describe('failures', () => {
  it('reads Retry-After as seconds or as an HTTP date, and classifies network errors by code', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(retryAfterSeconds('2', now)).toBe(2);
    expect(retryAfterSeconds('Mon, 01 Jun 2026 12:00:05 GMT', now)).toBe(5);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(undefined, now)).toBeNull();
    expect(transportFailure({ code: 'UND_ERR_BODY_TIMEOUT' })).toEqual({ kind: 'timeout', code: 'UND_ERR_BODY_TIMEOUT' });
    expect(transportFailure({ code: 'ENOTFOUND' })).toEqual({ kind: 'connection', code: 'ENOTFOUND' });
    expect(transportFailure(new TypeError('bug'))).toBeNull();
  });

  it('retries 5xx with backoff and succeeds when the server recovers', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    server.failNext(2, { status: 503 }, '/tables/TAB6471');
    expect((await api.tableInfo('TAB6471')).value.updated).toBe('2026-06-08T06:00:00Z');
    expect(counted(server.calls).map((call) => call.status)).toEqual([503, 503, 200]);
    expect(api.stats().retries).toBe(2);
  });

  it('gives UPSTREAM_UNAVAILABLE after maxRetries when 5xx persists', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, maxRetries: 2 });
    server.failNext(10, { status: 500 }, '/tables/TAB6471');
    const error = await rejection(api.tableInfo('TAB6471'));
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/HTTP 500 "Internal Server Error" 3 times/);
    expect(counted(server.calls)).toHaveLength(3);
  });

  it('maps a 404 problem to UPSTREAM_REJECTED quoting SCB, without retrying', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    const error = await rejection(api.tableInfo('TAB0000'));
    expect(error.extensions.code).toBe('UPSTREAM_REJECTED');
    expect(error.extensions.upstream).toEqual({ status: 404, title: 'Non-existent table', type: 'Parameter error' });
    expect(error.message).toMatch(/"Non-existent table" \(HTTP 404\); check the table id/);
    expect(counted(server.calls)).toHaveLength(1);
  });

  it('maps a 400 problem for a data request to UPSTREAM_REJECTED that says what to change', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    const error = await rejection(api.data('TAB6471', [...smallSelection.slice(1), { variableCode: 'Region', valueCodes: ['01'], codelist: 'vs_Nothing' }]));
    expect(error.extensions.code).toBe('UPSTREAM_REJECTED');
    expect(error.extensions.upstream).toMatchObject({ status: 400, title: 'Non-existent codelist' });
    expect(error.message).toMatch(/use a codelist the table's metadata lists/);
  });

  it('times out a slow response, retries it, and gives UPSTREAM_UNAVAILABLE naming the timeout', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, timeoutMs: 150, maxRetries: 1 });
    await api.config();
    server.failNext(2, { delayMs: 4000 }, '/tables/TAB6471');
    const started = Date.now();
    const error = await rejection(api.tableInfo('TAB6471'));
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/timed out after 150 ms \(UND_ERR_HEADERS_TIMEOUT\)/);
    expect(counted(server.calls)).toHaveLength(2);
    // undici checks its timeouts on a coarse tick (up to about a second), still far below the 4 s response.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('gives UPSTREAM_UNAVAILABLE when nothing listens and nothing is cached', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, maxRetries: 1 });
    await server.stop();
    const error = await rejection(api.tableInfo('TAB6471'));
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('data', () => {
  it('splits a selection over maxDataCells into the fewest calls the server accepts and merges them', async () => {
    const server = await fake({ maxDataCells: 20_000, suppressed: 0.05 });
    const api = client({ baseUrl: server.url });
    const progress: [number, number][] = [];
    const selection: Selection = [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'Alder', valueCodes: ['*'] },
      { variableCode: 'Kon', valueCodes: ['TotSa'] },
      { variableCode: 'ContentsCode', valueCodes: ['000007SF'] },
      { variableCode: 'Tid', valueCodes: ['2026M01'] },
    ];
    const { value, freshness } = await api.data('TAB6471', selection, { onProgress: (done, total) => progress.push([done, total]) });
    const dataCalls = server.calls.filter((call) => call.path.endsWith('/data'));
    // 312 × 134 = 41 808 cells: three calls of at most 20 000.
    expect(dataCalls).toHaveLength(3);
    expect(dataCalls.every((call) => call.status === 200)).toBe(true);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(freshness).toMatchObject({ fromCache: false, stale: false });
    expect(value.rows).toHaveLength(41_808);
    const regionIndex = new Map(value.dimensions[0].values.map((v, i) => [v.code, i]));
    expect([...regionIndex.keys()].slice(0, 3)).toEqual(['00', '01', '0114']);
    // Every merged cell is the one the server holds; suppressed ones stay null with "..", never 0.
    let suppressed = 0;
    for (const row of value.rows) {
      const codes = Object.fromEntries(value.dimensions.map((d, i) => [d.code, row.codes[i]]));
      expect(row).toEqual({ codes: row.codes, ...server.cell('TAB6471', codes) });
      if (row.value === null) suppressed++;
    }
    expect(suppressed).toBeGreaterThan(0);
    // SCB's recorded value for Stockholms län, 0-9 år, January 2026.
    expect(value.rows.find((r) => r.codes.join('|') === '01|0-9|TotSa|000007SF|2026M01')?.value).toBe(245284);
  });

  it('sends GET with one valueCodes per variable, and POST with the query in the query string when too long', async () => {
    const server = await fake({ maxDataCells: 1_000_000 });
    const api = client({ baseUrl: server.url });
    await api.data('TAB6471', smallSelection);
    const [regions, ages] = (await api.metadata('TAB6471')).value.variables.map((variable) => variable.values.map((v) => v.code));
    await api.data('TAB6471', [
      { variableCode: 'Region', valueCodes: regions },
      { variableCode: 'Alder', valueCodes: ages },
      { variableCode: 'Kon', valueCodes: ['1', '2'] },
      { variableCode: 'ContentsCode', valueCodes: ['*'] },
      { variableCode: 'Tid', valueCodes: ['[range(2025M01,2025M03)]'] },
    ]);
    const [get, post] = server.calls.filter((call) => call.path.endsWith('/data'));
    expect(get.method).toBe('GET');
    const names = get.rawUrl.split('?')[1].split('&').map((pair) => pair.split('=')[0]);
    expect(names.filter((name) => name.startsWith('valueCodes['))).toEqual([
      'valueCodes[Region]',
      'valueCodes[Alder]',
      'valueCodes[Kon]',
      'valueCodes[ContentsCode]',
      'valueCodes[Tid]',
    ]);
    expect(post.method).toBe('POST');
    expect(post.query).toEqual({ lang: ['sv'], outputFormat: ['json-stat2'] });
    expect((post.body as { selection: { variableCode: string; valueCodes: string[] }[] }).selection.map((s) => [s.variableCode, s.valueCodes.length])).toEqual([
      ['Region', 312],
      ['Alder', 134],
      ['Kon', 2],
      ['ContentsCode', 1],
      ['Tid', 1],
    ]);
    expect(post.status).toBe(200);
  });

  it('answers a repeated or narrower selection of the same table version from the cache without calling', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    const first = await api.data('TAB6471', smallSelection);
    const callsAfterFirst = server.calls.length;
    const again = await api.data('TAB6471', [...smallSelection].reverse());
    expect(again.freshness.fromCache).toBe(true);
    expect(again.value).toEqual(first.value);
    const narrower = await api.data('TAB6471', [...smallSelection.slice(1, 4), { variableCode: 'Region', valueCodes: ['03'] }, { variableCode: 'Tid', valueCodes: ['2026M02'] }]);
    expect(narrower.value.rows.map((r) => r.codes.join('|'))).toEqual(['03|0-9|TotSa|000007SF|2026M02']);
    expect(server.calls.length).toBe(callsAfterFirst);
  });

  it('refuses a selection without a non-eliminable variable before calling the data endpoint', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    const error = await rejection(api.data('TAB6471', smallSelection.filter((item) => item.variableCode !== 'Tid')));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/needs a selection for Tid \(månad\).*2025M01, 2025M02/);
    expect(server.calls.filter((call) => call.path.endsWith('/data'))).toEqual([]);
  });
});

describe('cache', () => {
  it('refreshes metadata only when the table info says the table was updated', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, revalidateMs: 0 });
    const metadataCalls = () => server.calls.filter((call) => call.path.endsWith('/metadata')).length;
    expect((await api.metadata('TAB6471')).freshness.fromCache).toBe(false);
    const second = await api.metadata('TAB6471');
    expect(second.freshness.fromCache).toBe(true);
    expect(metadataCalls()).toBe(1);
    server.setUpdated('TAB6471', '2026-07-01T06:00:00Z');
    const third = await api.metadata('TAB6471');
    expect(third.freshness.fromCache).toBe(false);
    expect(third.value.updated).toBe('2026-07-01T06:00:00Z');
    expect(metadataCalls()).toBe(2);
  });

  it('serves the newest cached copy marked stale when the server is down, and UPSTREAM_UNAVAILABLE for anything uncached', async () => {
    const server = await fake();
    const cacheFile = tempCacheFile();
    const warm = client({ baseUrl: server.url, cacheFile });
    await warm.data('TAB6471', smallSelection);
    await warm.close();
    await server.stop();
    const api = client({ baseUrl: server.url, cacheFile, revalidateMs: 0, maxRetries: 1 });
    const stale = await api.data('TAB6471', smallSelection);
    expect(stale.freshness).toMatchObject({ fromCache: true, stale: true });
    expect(stale.value.rows).toHaveLength(4);
    const info = await api.tableInfo('TAB6471');
    expect(info.freshness.stale).toBe(true);
    const error = await rejection(api.data('TAB6471', [...smallSelection.slice(1), { variableCode: 'Region', valueCodes: ['0180'] }]));
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('pages through the whole catalogue and rebuilds the subject tree from the paths', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url, catalogPageSize: 10 });
    const progress: number[][] = [];
    const { value: tables } = await api.allTables((done, total) => progress.push([done, total]));
    const total = (await api.searchTables({ pageSize: 1 })).value.totalElements;
    expect(tables).toHaveLength(total);
    expect(progress.at(-1)).toEqual([Math.ceil(total / 10), Math.ceil(total / 10)]);
    const tree = subjectTree(tables);
    const labour = tree.find((node) => node.id === 'AM');
    expect(labour?.label).toBe('Arbetsmarknad');
    expect(labour?.children.find((c) => c.id === 'AM0211')?.children.find((c) => c.id === 'AM0211A')?.tableIds).toContain('TAB4707');
    const search = await api.searchTables({ query: 'befolkning' });
    expect(search.value.tables.length).toBeGreaterThan(0);
    expect(search.value.tables.every((t) => [t.id, t.label, t.description, ...t.variableNames].join(' ').toLowerCase().includes('befolkning'))).toBe(true);
  });

  it('reads a codelist whose id is not ASCII', async () => {
    const server = await fake();
    const api = client({ baseUrl: server.url });
    const { value } = await api.codelist('agg_Ålder10årJ');
    expect(value.type).toBe('Aggregation');
    expect(value.values[0]).toMatchObject({ code: '-9', label: '0-9 år' });
    expect(server.calls.at(-1)?.rawUrl).toContain('/codelists/agg_%C3%85lder10%C3%A5rJ');
  });
});

describe('offline mode', () => {
  async function offline(language = 'sv') {
    const server = await fake();
    const api = client({ baseUrl: server.url, mode: 'offline', language });
    api.seedCache(recordedSeeds(RECORDINGS));
    return { server, api };
  }

  it('answers a subset of a recorded dataset by slicing it, without opening a socket', async () => {
    const { server, api } = await offline();
    const { value, freshness } = await api.data('TAB6471', [
      { variableCode: 'Region', valueCodes: ['03', '01'] },
      { variableCode: 'Alder', valueCodes: ['0-9'] },
      { variableCode: 'Kon', valueCodes: ['TotSa'] },
      { variableCode: 'ContentsCode', valueCodes: ['*'] },
      // Resolved against the recorded metadata: its two newest months.
      { variableCode: 'Tid', valueCodes: ['top(2)'] },
    ]);
    expect(freshness).toMatchObject({ fromCache: true, stale: false });
    expect(value.rows.map((r) => [r.codes[0], r.codes[4], r.value])).toEqual([
      ['01', '2026M03', 249358],
      ['01', '2026M04', 251635],
      ['03', '2026M03', expect.any(Number)],
      ['03', '2026M04', expect.any(Number)],
    ]);
    expect((await api.metadata('TAB6471')).value.variables).toHaveLength(5);
    expect(server.calls).toEqual([]);
  });

  it('answers v1 recordings by table path in their language, eliminated variables left out', async () => {
    const { api } = await offline('en');
    const { value } = await api.data('BE/BE0101/BE0101A/BefolkningNy', [
      { variableCode: 'Civilstand', valueCodes: ['OG'] },
      { variableCode: 'Kon', valueCodes: ['1'] },
      { variableCode: 'ContentsCode', valueCodes: ['BE0101N1'] },
      { variableCode: 'Tid', valueCodes: ['2016'] },
    ]);
    expect(value.rows).toEqual([{ codes: ['OG', '1', 'BE0101N1', '2016'], value: 2820248, status: null }]);
    expect(value.dimensions[0].values[0].label).toBe('single');
  });

  it('says how to get a selection the snapshot does not hold', async () => {
    const { server, api } = await offline();
    const error = await rejection(api.data('TAB6471', [...smallSelection.slice(1), { variableCode: 'Region', valueCodes: ['0180'] }]));
    expect(error.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/not in the offline snapshot.*PXWEB_MODE=live.*npm run sync/);
    const notSeeded = await rejection(api.tableInfo('TAB0000'));
    expect(notSeeded.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(server.calls).toEqual([]);
  });
});

describe('v1 tables', () => {
  it('reads v1 metadata and POSTs a v1 query for json-stat2, stripping the byte order mark', async () => {
    const received: { method: string; url: string; body: string }[] = [];
    const metadata = { title: 'Test', variables: [{ code: 'Kon', text: 'kön', values: ['1', '2'], valueTexts: ['män', 'kvinnor'] }, { code: 'Tid', text: 'år', values: ['2020', '2021'], valueTexts: ['2020', '2021'], time: true }] };
    const dataset = {
      version: '2.0',
      class: 'dataset',
      label: 'Test',
      source: 'SCB',
      updated: '2024-01-12T05:52:00Z',
      id: ['Kon', 'Tid'],
      size: [2, 1],
      role: { time: ['Tid'] },
      dimension: { Kon: { label: 'kön', category: { index: { '1': 0, '2': 1 } } }, Tid: { label: 'år', category: { index: { '2021': 0 } } } },
      value: [10, null],
      status: { '1': '..' },
      extension: { px: { tableid: 'TAB9999' } },
    };
    const v1 = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(`\uFEFF${JSON.stringify(req.method === 'POST' ? dataset : metadata)}`);
      });
    });
    await new Promise<void>((resolve) => v1.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => v1.close(() => resolve())));
    const api = client({ baseUrl: 'http://127.0.0.1:9/api/v2', v1BaseUrl: `http://127.0.0.1:${(v1.address() as AddressInfo).port}/OV0104/v1/doris/{lang}/ssd` });
    const { value } = await api.data('XX/XX01/Test', [{ variableCode: 'Tid', valueCodes: ['top(1)'] }, { variableCode: 'Kon', valueCodes: ['*'] }]);
    expect(value.rows).toEqual([
      { codes: ['1', '2021'], value: 10, status: null },
      { codes: ['2', '2021'], value: null, status: '..' },
    ]);
    expect(received.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/OV0104/v1/doris/sv/ssd/XX/XX01/Test'],
      ['POST', '/OV0104/v1/doris/sv/ssd/XX/XX01/Test'],
    ]);
    expect(JSON.parse(received[1].body)).toEqual({
      query: [
        { code: 'Tid', selection: { filter: 'item', values: ['2021'] } },
        { code: 'Kon', selection: { filter: 'item', values: ['1', '2'] } },
      ],
      response: { format: 'json-stat2' },
    });
  });
});
