// The gateway's response cache: hits with identical data, what is never cached, Cache-Control for CDNs, data-version invalidation, the switch and Redis.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { buildASTSchema, getNamedType, isObjectType, parse, type DirectiveNode, type FieldDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway } from '../gateway/server.ts';
import { CACHE_STATUS_HEADER } from '../gateway/cache.ts';
import { SUPERGRAPH_PATH } from '../gateway/config.ts';
import { loadConfig } from '../lib/config.ts';
import { DATA_VERSION_HEADER } from '../lib/data-version.ts';
import { openStore } from '../lib/db.ts';
import { createLogger } from '../lib/log.ts';
import { startSubgraph, type SubgraphModule } from '../lib/subgraph.ts';
import { startFakeServer, startGateway, startSubgraphs, type RunningGateway, type Subgraphs } from './gateway-fixtures.ts';
import { freePort, postGraphql, testConfig } from './harness.ts';

// Göteborg from geo (Area: a week), its population from statistics (a day).
const FEDERATED = '{ area(id: "kommun:1480") { name population(year: 2020) { value } } }';
const CACHE_ON = { RESPONSE_CACHE: 'on' };

/** GETs an operation, as a CDN would see it. */
async function getGraphql(url: string, query: string) {
  const response = await fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/graphql-response+json' } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: unknown; errors?: unknown[]; extensions?: Record<string, unknown> } };
}

/** The max-age of a Cache-Control header, or undefined when it has none. */
function maxAge(cacheControl: string | null): number | undefined {
  const match = /max-age=(\d+)/.exec(cacheControl ?? '');
  return match ? Number(match[1]) : undefined;
}

interface VersionedProxy {
  url: string;
  /** From now on the subgraph reports this data version. */
  setVersion(version: string): void;
  /** Calls passed on to the subgraph so far. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * A proxy in front of a subgraph that reports the data version the test gives it: a subgraph whose data changed, as a
 * restart after `npm run sync` or an import would make it.
 */
async function versionedProxy(target: string): Promise<VersionedProxy> {
  let version = 'v1';
  let calls = 0;
  const server = await startFakeServer(async (_req: IncomingMessage, res: ServerResponse, body: string) => {
    calls++;
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.writeHead(answer.status, { 'content-type': 'application/json', [DATA_VERSION_HEADER]: version }).end(await answer.text());
  });
  return {
    url: server.url,
    setVersion: (next) => {
      version = next;
    },
    calls: () => calls,
    close: () => server.close(),
  };
}

let subgraphs: Subgraphs;
beforeAll(async () => {
  subgraphs = await startSubgraphs();
});
afterAll(() => subgraphs?.close());

describe('the response cache', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(subgraphs.urls, CACHE_ON);
  });
  afterAll(() => gateway?.close());

  it('serves a repeated query from the cache, with the same data and a hit marker', async () => {
    const query = '{ area(id: "kommun:2080") { name children(level: DESO) { id population(year: 2024) { value } } } }';
    const first = await postGraphql(gateway.url, query);
    const second = await postGraphql(gateway.url, query);
    expect(first.headers.get(CACHE_STATUS_HEADER)).toBe('miss');
    expect(second.headers.get(CACHE_STATUS_HEADER)).toBe('hit');
    expect(second.body).toEqual(first.body);
    expect(first.body.errors).toBeUndefined();
    expect((first.body.data as { area: { children: unknown[] } }).area.children.length).toBeGreaterThan(10);
  });

  it('does not cache an answer with a field whose maxAge is 0 (Freshness: per request)', async () => {
    const query = '{ statisticsTables(query: "folkmängd") { totalCount freshness { fromCache } } }';
    for (let i = 0; i < 2; i++) {
      const { headers, body } = await getGraphql(gateway.url, query);
      expect(body.errors).toBeUndefined();
      expect(headers.get(CACHE_STATUS_HEADER)).toBe('pass');
      expect(headers.get('cache-control')).toBe('no-store');
    }
  });

  it('does not cache an error', async () => {
    for (let i = 0; i < 2; i++) {
      const { headers, body } = await getGraphql(gateway.url, '{ area(id: "bad") { name } }');
      expect(body.errors).toHaveLength(1);
      expect(headers.get(CACHE_STATUS_HEADER)).toBe('pass');
      expect(headers.get('cache-control')).toBe('no-store');
    }
  });

  it('tells CDNs on GET to keep an answer for the shortest maxAge of its types and fields, public; POST no-store', async () => {
    const geoOnly = await getGraphql(gateway.url, '{ area(id: "kommun:1480") { name parent { name } } }');
    expect(geoOnly.headers.get('cache-control')).toBe('public, max-age=604800');
    expect(geoOnly.headers.get('vary')).toContain('Accept');
    const withPopulation = await getGraphql(gateway.url, FEDERATED);
    expect(withPopulation.headers.get('cache-control')).toBe('public, max-age=86400');
    const tables = await getGraphql(gateway.url, '{ statisticsTables(query: "folkmängd") { totalCount } }');
    expect(tables.headers.get('cache-control')).toBe('public, max-age=300');
    // A hit has the rest of the stored answer's life.
    const again = await getGraphql(gateway.url, FEDERATED);
    expect(again.headers.get(CACHE_STATUS_HEADER)).toBe('hit');
    expect(maxAge(again.headers.get('cache-control'))).toBeGreaterThan(86_000);
    expect(maxAge(again.headers.get('cache-control'))).toBeLessThanOrEqual(86_400);
    expect(again.body).toEqual(withPopulation.body);
    const posted = await postGraphql(gateway.url, FEDERATED);
    expect(posted.headers.get(CACHE_STATUS_HEADER)).toBe('hit');
    expect(posted.headers.get('cache-control')).toBe('no-store');
    expect(posted.headers.get('vary') ?? '').not.toContain('Accept');
  });

  it('neither caches nor serves from the cache a request with credentials', async () => {
    const query = '{ area(id: "kommun:0180") { name } }';
    await postGraphql(gateway.url, query);
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer someone' },
      body: JSON.stringify({ query }),
    });
    expect(response.headers.get(CACHE_STATUS_HEADER)).toBe('pass');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('a partial answer', () => {
  it('is not cached: the next request asks the subgraph again', async () => {
    const down = await startFakeServer(() => {});
    await down.close();
    const gateway = await startGateway({ ...subgraphs.urls, statistics: down.url }, { ...CACHE_ON, SUBGRAPH_RETRIES: '0' });
    try {
      for (let i = 0; i < 2; i++) {
        const { headers, body } = await postGraphql(gateway.url, FEDERATED);
        expect(body.data).toEqual({ area: { name: 'Göteborg', population: null } });
        expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
        expect(headers.get(CACHE_STATUS_HEADER)).toBe('pass');
      }
    } finally {
      await gateway.close();
    }
  });
});

describe('data versions', () => {
  it('stop a cached answer being served once a subgraph reports new data, found by polling', async () => {
    const statistics = await versionedProxy(subgraphs.urls.statistics);
    const gateway = await startGateway({ ...subgraphs.urls, statistics: statistics.url }, { ...CACHE_ON, RESPONSE_CACHE_POLL_MS: '50' });
    try {
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('miss');
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('hit');
      const callsBefore = statistics.calls();
      statistics.setVersion('v2');
      // Hits until the next poll sees v2, then the answer is built again from the subgraphs.
      await vi.waitFor(async () => expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('miss'), { timeout: 5000, interval: 20 });
      expect(statistics.calls()).toBeGreaterThan(callsBefore);
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('hit');
    } finally {
      await gateway.close();
      await statistics.close();
    }
  });

  it('are also read from the answers of subgraph calls, so an answer built from new data replaces the old at once', async () => {
    const statistics = await versionedProxy(subgraphs.urls.statistics);
    const gateway = await startGateway({ ...subgraphs.urls, statistics: statistics.url }, { ...CACHE_ON, RESPONSE_CACHE_POLL_MS: '0' });
    try {
      await postGraphql(gateway.url, FEDERATED);
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('hit');
      statistics.setVersion('v2');
      // Another query calls statistics, which answers with v2 (as a mutation's answer would): the old answers are not used again.
      const other = await postGraphql(gateway.url, '{ area(id: "kommun:0180") { population(year: 2020) { value } } }');
      expect(other.headers.get(CACHE_STATUS_HEADER)).toBe('pass');
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('miss');
      expect((await postGraphql(gateway.url, FEDERATED)).headers.get(CACHE_STATUS_HEADER)).toBe('hit');
    } finally {
      await gateway.close();
      await statistics.close();
    }
  });

  it('come from the stores a subgraph opened: the same data gives the same version, changed data another', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'regiongraph-version-'));
    const input = path.join(dir, 'input.txt');
    const things = sqliteTable('thing', { name: text('name').primaryKey() });
    const module: SubgraphModule<null, object> = {
      name: 'versioned',
      typeDefs: parse('type Query { ok: Boolean }'),
      resolvers: { Query: { ok: () => true } },
      createSource: () => {
        openStore(dir, { name: 'versioned', loaderVersion: 1, tables: [things], inputs: [input], load: () => {} }).db.$client.close();
        return null;
      },
      createContext: () => ({}),
    };
    const config = loadConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const versionOf = async () => {
      const running = await startSubgraph(module, config, createLogger('versioned', 'warn'), 0);
      try {
        const health = (await (await fetch(running.url.replace('/graphql', '/health'))).json()) as { dataVersion: string };
        const answer = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });
        expect(answer.headers.get(DATA_VERSION_HEADER)).toBe(health.dataVersion);
        return health.dataVersion;
      } finally {
        await running.close();
      }
    };
    try {
      writeFileSync(input, 'first');
      const first = await versionOf();
      expect(first).toMatch(/^[0-9a-f]{16}$/);
      expect(await versionOf()).toBe(first);
      writeFileSync(input, 'second');
      expect(await versionOf()).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings', () => {
  it('RESPONSE_CACHE=off answers every request afresh, without a marker, no-store', async () => {
    const gateway = await startGateway(subgraphs.urls, { RESPONSE_CACHE: 'off' });
    try {
      for (let i = 0; i < 2; i++) {
        const { headers, body } = await getGraphql(gateway.url, FEDERATED);
        expect(body).toEqual({ data: { area: { name: 'Göteborg', population: { value: 583_056 } } } });
        expect(headers.get(CACHE_STATUS_HEADER)).toBeNull();
        expect(headers.get('cache-control')).toBe('no-store');
      }
    } finally {
      await gateway.close();
    }
  });

  it('RESPONSE_CACHE_REPORT=extensions reports hits in extensions.responseCache instead of a header', async () => {
    const gateway = await startGateway(subgraphs.urls, { ...CACHE_ON, RESPONSE_CACHE_REPORT: 'extensions' });
    try {
      const first = await getGraphql(gateway.url, FEDERATED);
      const second = await getGraphql(gateway.url, FEDERATED);
      expect(first.body.extensions).toEqual({ responseCache: { hit: false, didCache: true, ttl: 86_400_000 } });
      expect(second.body).toEqual({ data: first.body.data, extensions: { responseCache: { hit: true } } });
      expect(second.headers.get(CACHE_STATUS_HEADER)).toBeNull();
    } finally {
      await gateway.close();
    }
  });

  it('are validated, naming the variable', () => {
    expect(() => testConfig({ RESPONSE_CACHE: 'yes' })).toThrow('RESPONSE_CACHE=yes is not allowed: expected one of on, off');
    expect(() => testConfig({ RESPONSE_CACHE_TTL_MS: '-1' })).toThrow('RESPONSE_CACHE_TTL_MS=-1');
    expect(() => testConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow('REDIS_URL=http://127.0.0.1:6379 is not a Redis URL');
    expect(testConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).gateway.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(testConfig().gateway.redisUrl).toBeUndefined();
  });

  it('with REDIS_URL, keep the cache in Redis: a gateway that cannot reach it does not start, and says why and what to do', async () => {
    const port = await freePort();
    const config = testConfig({ ...CACHE_ON, REDIS_URL: `redis://:secret@127.0.0.1:${port}` });
    await expect(createGateway({ config, log: createLogger('gateway', 'error'), subgraphUrls: subgraphs.urls })).rejects.toThrow(
      `REDIS_URL=redis://:***@127.0.0.1:${port}: cannot connect to Redis (ECONNREFUSED): start Redis there, correct the URL, or unset REDIS_URL to cache in memory`,
    );
  });
});

/** Whether directives include a cache hint. */
function hinted(directives: readonly DirectiveNode[] | undefined): boolean {
  return (directives ?? []).some((directive) => directive.name.value === 'cacheControl');
}

/** The subgraph a supergraph field comes from (its @join__field graph), if one alone serves it. */
function graphOf(field: FieldDefinitionNode | null | undefined): string | undefined {
  const join = field?.directives?.find((directive) => directive.name.value === 'join__field');
  const graph = join?.arguments?.find((argument) => argument.name.value === 'graph')?.value;
  return graph?.kind === 'EnumValue' ? graph.value : undefined;
}

describe('cache hints', () => {
  it('cover every root field, and every field other subgraphs add to Area (geo hints Area itself), on the field or its type', () => {
    const schema = buildASTSchema(parse(readFileSync(SUPERGRAPH_PATH, 'utf8')), { assumeValidSDL: true });
    const unhinted: string[] = [];
    for (const typeName of ['Query', 'Area']) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`The supergraph has no object type ${typeName}`);
      for (const field of Object.values(type.getFields())) {
        const coveredByArea = typeName === 'Area' && hinted(type.astNode?.directives) && [undefined, 'GEO'].includes(graphOf(field.astNode));
        if (!coveredByArea && !hinted(field.astNode?.directives) && !hinted(getNamedType(field.type).astNode?.directives)) unhinted.push(`${typeName}.${field.name}`);
      }
    }
    expect(unhinted, 'declare how long these may be cached: @cacheControl(maxAge: <seconds>) on the field or its type (README, Response cache)').toEqual([]);
  });
});
