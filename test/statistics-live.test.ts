// Live mode through the gateway against the fake PxWeb server: any table, split selections, stale cache, coded upstream errors.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraphs } from '../subgraphs/index.ts';
import { startFakePxWeb, type FakePxWeb } from './fake-pxweb.ts';
import { postGraphql, startStack, type Stack } from './harness.ts';

let fake: FakePxWeb;
let stack: Stack;
let cacheDir: string;

beforeAll(async () => {
  // Small limits make splitting and pacing visible in seconds: 5 000 cells and 10 calls per 2 s.
  fake = await startFakePxWeb({ maxDataCells: 5_000, maxCallsPerTimeWindow: 10, timeWindow: 2 });
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-live-'));
  stack = await startStack(subgraphs, { PXWEB_MODE: 'live', PXWEB_URL: fake.url, PXWEB_TIMEOUT_MS: '3000', REGIONGRAPH_STORE_DIR: cacheDir });
});
afterAll(async () => {
  await stack?.close();
  await fake?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const TABLE_DATA = /* GraphQL */ `
  query Data($id: ID!, $selection: [SelectionInput!]!) {
    statisticsTable(id: $id) {
      label
      data(selection: $selection) {
        rowCount
        calls
        cellKeyNoise
        freshness { fromCache stale offline }
        rows(first: 100000) { dimensions { variable code area { id name } } value status symbol unit decimals }
      }
    }
  }
`;

interface DataRow {
  dimensions: { variable: string; code: string; area: { id: string; name: string } | null }[];
  value: number | null;
  status: string;
  symbol: string | null;
  unit: string | null;
  decimals: number | null;
}
interface TableData {
  statisticsTable: { label: string; data: { rowCount: number; calls: number; cellKeyNoise: boolean; freshness: { fromCache: boolean; stale: boolean; offline: boolean }; rows: DataRow[] } } | null;
}

const ALL_REGIONS = [
  { variable: 'Region', values: ['*'] },
  { variable: 'Alder', values: ['TotSA'] },
  { variable: 'Kon', values: ['*'] },
  { variable: 'ContentsCode', values: ['000007SF'] },
  { variable: 'Tid', values: ['2026M01', '2026M02'] },
];

describe('live mode through the gateway', () => {
  it('searches the catalogue at SCB', async () => {
    const { body } = await postGraphql<{ statisticsTables: { totalCount: number; tables: { id: string }[]; freshness: { fromCache: boolean } } }>(
      stack.gatewayUrl,
      '{ statisticsTables(query: "befolkning", pageSize: 3) { totalCount tables { id } freshness { fromCache } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.statisticsTables.tables).toHaveLength(3);
    expect(body.data?.statisticsTables.totalCount).toBeGreaterThan(3);
    expect(body.data?.statisticsTables.freshness.fromCache).toBe(false);
  });

  it('reads any table: values as SCB sends them, missing cells null with their symbol, regions joined to geo’s areas', async () => {
    fake.reset();
    const { body } = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, { id: 'TAB6471', selection: ALL_REGIONS });
    expect(body.errors).toBeUndefined();
    const data = body.data!.statisticsTable!.data;
    // 312 regions × 3 sexes × 2 months = 1 872 cells: one call would do, so one is made.
    expect(data.rowCount).toBe(1_872);
    expect(data.calls).toBe(1);
    expect(data.cellKeyNoise).toBe(true);
    expect(data.freshness).toEqual({ fromCache: false, stale: false, offline: false });
    for (const row of data.rows.slice(0, 300)) {
      const codes = Object.fromEntries(row.dimensions.map((d) => [d.variable, d.code]));
      const expected = fake.cell('TAB6471', codes);
      expect(row.value).toBe(expected.value);
      expect(row.symbol).toBe(expected.status);
    }
    expect(data.rows.every((row) => row.unit === 'antal' && row.decimals === 0)).toBe(true);
    const suppressed = data.rows.filter((row) => row.value === null);
    expect(suppressed.length).toBeGreaterThan(0);
    expect(suppressed.every((row) => row.status === 'NOT_AVAILABLE' && row.symbol === '..')).toBe(true);
    const falun = data.rows.find((row) => row.dimensions[0].code === '2080');
    expect(falun?.dimensions[0].area).toEqual({ id: 'kommun:2080', name: 'Falun' });
    expect(fake.violations).toEqual([]);
  });

  it('makes as many calls as the cell limit requires, within the call window', async () => {
    fake.reset();
    const selection = ALL_REGIONS.map((item) => (item.variable === 'Tid' ? { variable: 'Tid', values: ['*'] } : item));
    const { body } = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, { id: 'TAB6471', selection });
    expect(body.errors).toBeUndefined();
    // 312 × 3 × 16 = 14 976 cells at 5 000 per call.
    expect(body.data!.statisticsTable!.data.rowCount).toBe(14_976);
    expect(body.data!.statisticsTable!.data.calls).toBe(3);
    expect(fake.calls.filter((call) => call.path.endsWith('/data'))).toHaveLength(3);
    expect(fake.violations).toEqual([]);
  });

  it('checks a selection against the metadata before calling SCB: an unknown variable is BAD_USER_INPUT naming it', async () => {
    fake.reset();
    const { body } = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, {
      id: 'TAB6471',
      selection: [...ALL_REGIONS, { variable: 'Civilstand', values: ['*'] }],
    });
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toContain('Civilstand');
    expect(fake.calls.filter((call) => call.path.endsWith('/data'))).toEqual([]);
  });

  it('answers UPSTREAM_REJECTED with SCB’s reason when SCB refuses, and null for a table SCB does not have', async () => {
    const { body } = await postGraphql<{ statisticsTable: { label: string; variables: unknown[] | null } | null }>(
      stack.gatewayUrl,
      '{ statisticsTable(id: "TAB4552") { label variables { code } } }',
    );
    expect(body.data?.statisticsTable?.label).toContain('Befolkningens anslutning');
    expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_REJECTED');
    expect(body.errors?.[0].message).toContain('Non-existent table');
    expect(body.errors?.[0].extensions?.upstream).toEqual({ status: 404, title: 'Non-existent table', type: 'Parameter error' });
    const missing = await postGraphql(stack.gatewayUrl, '{ statisticsTable(id: "TAB0001") { label } }');
    expect(missing.body).toEqual({ data: { statisticsTable: null } });
  });

  it('answers UPSTREAM_RATE_LIMITED with retryAfterSeconds when SCB keeps answering 429', async () => {
    fake.reset();
    fake.failNext(10, { status: 429, retryAfter: 1 }, '/data');
    const { body } = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, {
      id: 'TAB6471',
      // An age group no earlier answer holds, so only SCB can answer it.
      selection: ALL_REGIONS.map((item) => (item.variable === 'Alder' ? { variable: 'Alder', values: ['-4'] } : item)),
    });
    expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(body.errors?.[0].extensions?.retryAfterSeconds).toBe(1);
    // The first try and three retries, each after SCB's Retry-After.
    const starts = fake.calls.filter((call) => call.path.endsWith('/data')).map((call) => call.startedAt);
    expect(starts).toHaveLength(4);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(950);
    fake.reset();
  });

  it('keeps answering from the cache while SCB is down, and gives UPSTREAM_UNAVAILABLE for what it never fetched', async () => {
    await fake.stop();
    try {
      const { body } = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, { id: 'TAB6471', selection: ALL_REGIONS });
      expect(body.errors).toBeUndefined();
      expect(body.data!.statisticsTable!.data.rowCount).toBe(1_872);
      expect(body.data!.statisticsTable!.data.freshness).toMatchObject({ fromCache: true });
      const never = await postGraphql<TableData>(stack.gatewayUrl, TABLE_DATA, { id: 'TAB6473', selection: ALL_REGIONS });
      expect(never.body.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(never.body.errors?.[0].message).toContain('could not');
    } finally {
      await fake.restart();
    }
  });
});
