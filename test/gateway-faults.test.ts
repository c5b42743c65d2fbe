// Subgraph faults through the gateway: a stopped subgraph gives partial data and a coded error naming it, a hanging one times out, a broken connection is retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forward, startFakeServer, startGateway, startSubgraphs, type RunningGateway, type Subgraphs } from './gateway-fixtures.ts';
import { postGraphql } from './harness.ts';

// Göteborg from geo, its population from statistics.
const FEDERATED = '{ area(id: "kommun:1480") { name population(year: 2020) { value } } }';

let subgraphs: Subgraphs;
beforeAll(async () => {
  subgraphs = await startSubgraphs();
});
afterAll(() => subgraphs?.close());

describe('a stopped subgraph', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(subgraphs.urls, { SUBGRAPH_RETRY_DELAY_MS: '10' });
  });
  afterAll(() => gateway?.close());

  it('leaves its fields null with UPSTREAM_UNAVAILABLE naming it, status 200, and full data again once it is back on its port', async () => {
    expect((await postGraphql(gateway.url, FEDERATED)).body).toEqual({ data: { area: { name: 'Göteborg', population: { value: 583_056 } } } });

    await subgraphs.stop('statistics');
    const down = await postGraphql(gateway.url, FEDERATED);
    expect(down.status).toBe(200);
    expect(down.body.data).toEqual({ area: { name: 'Göteborg', population: null } });
    expect(down.body.errors).toEqual([
      {
        message: 'The statistics subgraph could not be reached (ECONNREFUSED): the fields it serves are null, the rest of the answer stands. Retry later.',
        path: ['area'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: 'statistics' },
      },
    ]);
    // The gateway lives on and answers what does not need the stopped subgraph.
    expect((await fetch(`${gateway.origin}/healthcheck`)).status).toBe(200);
    expect((await postGraphql(gateway.url, '{ area(id: "kommun:1480") { name } }')).body).toEqual({ data: { area: { name: 'Göteborg' } } });

    await subgraphs.restart('statistics');
    expect((await postGraphql(gateway.url, FEDERATED)).body).toEqual({ data: { area: { name: 'Göteborg', population: { value: 583_056 } } } });
  });
});

describe('a subgraph that hangs', () => {
  it('gives UPSTREAM_TIMEOUT naming it after SUBGRAPH_TIMEOUT_MS, with the other fields, without retrying and without leaking its URL or query', async () => {
    const hanging = await startFakeServer(() => {});
    const gateway = await startGateway({ ...subgraphs.urls, statistics: hanging.url }, { SUBGRAPH_TIMEOUT_MS: '300' });
    try {
      const started = performance.now();
      const { status, body } = await postGraphql(gateway.url, FEDERATED);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(status).toBe(200);
      expect(body.data).toEqual({ area: { name: 'Göteborg', population: null } });
      expect(body.errors).toEqual([
        {
          message:
            'The statistics subgraph did not answer within 300 ms: the fields it serves are null, the rest of the answer stands. Ask for less data or retry later.',
          path: ['area'],
          extensions: { code: 'UPSTREAM_TIMEOUT', serviceName: 'statistics', timeoutMs: 300 },
        },
      ]);
      // Hive puts the subgraph's URL and the query it sent into timeout errors; they are internals.
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|_entities/);
      expect(hanging.requests).toHaveLength(1);
    } finally {
      await gateway.close();
      await hanging.close();
    }
  });
});

describe('a connection that breaks', () => {
  it('is retried for a query, which then gets its full data', async () => {
    // The first request's socket is destroyed unanswered; later ones reach the real statistics subgraph.
    const flaky = await startFakeServer((req, res, body) => {
      if (flaky.requests.length === 1) req.socket.destroy();
      else void forward(subgraphs.urls.statistics, req, res, body);
    });
    const gateway = await startGateway({ ...subgraphs.urls, statistics: flaky.url }, { SUBGRAPH_RETRY_DELAY_MS: '10' });
    try {
      const { body } = await postGraphql(gateway.url, FEDERATED);
      expect(body).toEqual({ data: { area: { name: 'Göteborg', population: { value: 583_056 } } } });
      expect(flaky.requests).toHaveLength(2);
    } finally {
      await gateway.close();
      await flaky.close();
    }
  });
});
