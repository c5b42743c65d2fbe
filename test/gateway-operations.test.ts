// The gateway's operations surface: liveness, readiness over the subgraphs, metrics, request ids, CORS, persisted documents, tracing.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATIONS_DIR } from '../gateway/config.ts';
import { documentId } from '../gateway/limits.ts';
import { createLogger } from '../lib/log.ts';
import { startSubgraph } from '../lib/subgraph.ts';
import geo from '../subgraphs/geo/index.ts';
import { forward, startFakeServer, startGateway, startSubgraphs, type RunningGateway, type Subgraphs } from './gateway-fixtures.ts';
import { postGraphql, testConfig, type GraphqlResponse } from './harness.ts';

const GOTEBORG = '{ area(id: "kommun:1480") { name population(year: 2020) { value } } }';

/** POSTs any GraphQL request body (a documentId instead of a query, say). */
async function post(url: string, body: Record<string, unknown>): Promise<GraphqlResponse> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphqlResponse['body'] };
}

let subgraphs: Subgraphs;
let gateway: RunningGateway;
beforeAll(async () => {
  subgraphs = await startSubgraphs();
  gateway = await startGateway(subgraphs.urls);
});
afterAll(async () => {
  await gateway?.close();
  await subgraphs?.close();
});

describe('health', () => {
  it('answers liveness at /healthcheck', async () => {
    expect((await fetch(`${gateway.origin}/healthcheck`)).status).toBe(200);
  });

  it('is ready when every subgraph answers, and not (503, naming it) while one is stopped', async () => {
    const ready = await fetch(`${gateway.origin}/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, subgraphs: { geo: { ready: true }, mobility: { ready: true }, nyko: { ready: true }, statistics: { ready: true } } });

    await subgraphs.stop('statistics');
    try {
      const notReady = await fetch(`${gateway.origin}/readiness`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ ready: false, subgraphs: { geo: { ready: true }, statistics: { ready: false, error: 'ECONNREFUSED' } } });
      expect((await fetch(`${gateway.origin}/healthcheck`)).status).toBe(200);
    } finally {
      await subgraphs.restart('statistics');
    }
    expect((await fetch(`${gateway.origin}/readiness`)).status).toBe(200);
  });
});

describe('metrics', () => {
  it('counts requests and times each subgraph call at /metrics', async () => {
    expect((await postGraphql(gateway.url, `query Goteborg ${GOTEBORG}`)).body.errors).toBeUndefined();
    const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
    expect(metrics).toMatch(/^graphql_envelop_request\{operationName="Goteborg",operationType="query"\} [1-9]/m);
    for (const subgraph of ['geo', 'statistics']) {
      expect(metrics).toMatch(new RegExp(`^graphql_gateway_subgraph_execute_duration_count\\{subgraphName="${subgraph}"[^}]*\\} [1-9]`, 'm'));
    }
  });
});

describe('request ids', () => {
  it('returns the client’s x-request-id or a new one, passes it to the subgraphs, and their log lines carry it', async () => {
    // A geo subgraph of its own that logs each request (debug), behind a proxy that records what reaches it.
    const loggingGeo = await startSubgraph(geo, testConfig(), createLogger('geo', 'debug'), 0);
    const proxy = await startFakeServer((req, res, body) => void forward(loggingGeo.url, req, res, body));
    const ids = await startGateway({ ...subgraphs.urls, geo: proxy.url });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const requestId = `test-${randomUUID()}`;
      const response = await fetch(ids.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ query: GOTEBORG }),
      });
      expect(response.headers.get('x-request-id')).toBe(requestId);
      expect(proxy.requests.map((request) => request.headers['x-request-id'])).toEqual([requestId]);
      await vi.waitFor(() => {
        const lines = stderr.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as Record<string, unknown>);
        expect(lines).toContainEqual(expect.objectContaining({ service: 'geo', message: 'request', requestId, status: 200 }));
      });

      const generated = (await postGraphql(ids.url, GOTEBORG)).headers.get('x-request-id');
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);
      expect(proxy.requests.at(-1)?.headers['x-request-id']).toBe(generated);
    } finally {
      stderr.mockRestore();
      await ids.close();
      await proxy.close();
      await loggingGeo.close();
    }
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('allows any origin by default, without credentials, and lets browsers read the request id', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://anywhere.example' }, body: '{"query":"{ __typename }"}' });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id');
  });

  it('with CORS_ORIGINS, answers the listed origins and gives others no CORS headers', async () => {
    const listed = await startGateway(subgraphs.urls, { CORS_ORIGINS: 'https://app.example,http://localhost:5173' });
    try {
      const allowed = await preflight(listed.url, 'https://app.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      const other = await preflight(listed.url, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('access-control-allow-methods')).toBeNull();
    } finally {
      await listed.close();
    }
  });
});

describe('persisted documents', () => {
  const overview = readFileSync(path.join(OPERATIONS_DIR, 'GoteborgOverview.graphql'), 'utf8');

  it('when required, run a persisted document by its SHA-256 (Hive’s documentId or Apollo’s persistedQuery) and nothing else', async () => {
    const required = await startGateway(subgraphs.urls, { PERSISTED_DOCUMENTS: 'require' });
    try {
      const id = documentId(overview);
      for (const body of [{ documentId: id }, { documentId: `sha256:${id}` }, { extensions: { persistedQuery: { version: 1, sha256Hash: id } } }]) {
        const { body: answer } = await post(required.url, body);
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toMatchObject({ area: { name: 'Göteborg' } });
      }

      const query = await post(required.url, { query: overview });
      expect(query.status).toBe(400);
      expect(query.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
      expect(query.body.errors?.[0]?.message).toContain('send {"documentId": "<SHA-256 of the document>"}');

      const unknown = await post(required.url, { documentId: 'f'.repeat(64) });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
      expect(unknown.body.errors?.[0]?.message).toContain('f'.repeat(64));
    } finally {
      await required.close();
    }
  });

  it('when allowed, run persisted documents and arbitrary ones; when off, ids mean nothing', async () => {
    const allowed = await startGateway(subgraphs.urls, { PERSISTED_DOCUMENTS: 'allow' });
    try {
      expect((await post(allowed.url, { documentId: documentId(overview) })).body.data).toMatchObject({ area: { name: 'Göteborg' } });
      expect((await post(allowed.url, { query: GOTEBORG })).body.data).toMatchObject({ area: { name: 'Göteborg' } });
    } finally {
      await allowed.close();
    }
    expect((await post(gateway.url, { documentId: documentId(overview) })).status).toBe(400);
  });

  it('come from PERSISTED_DOCUMENTS_FILE when it is set, under its ids', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'regiongraph-documents-')), 'documents.json');
    writeFileSync(file, JSON.stringify({ 'lan-name': '{ area(id: "lan:14") { name } }' }));
    const fromFile = await startGateway(subgraphs.urls, { PERSISTED_DOCUMENTS: 'require', PERSISTED_DOCUMENTS_FILE: file });
    try {
      expect((await post(fromFile.url, { documentId: 'lan-name' })).body).toEqual({ data: { area: { name: 'Västra Götalands län' } } });
      expect((await post(fromFile.url, { documentId: documentId(overview) })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    } finally {
      await fromFile.close();
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe('tracing', () => {
  it('with OTEL_EXPORTER_OTLP_ENDPOINT, passes traceparent to the subgraphs and sends spans to the collector', async () => {
    const collector = await startFakeServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const proxy = await startFakeServer((req, res, body) => void forward(subgraphs.urls.geo, req, res, body));
    const traced = await startGateway({ ...subgraphs.urls, geo: proxy.url }, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin });
    try {
      expect((await postGraphql(traced.url, GOTEBORG)).body.errors).toBeUndefined();
      expect(proxy.requests[0]?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    } finally {
      // Spans are sent in batches; closing the gateway flushes them.
      await traced.close();
      await proxy.close();
    }
    expect(collector.requests.map((request) => request.path)).toContain('/v1/traces');
    await collector.close();
  });
});
