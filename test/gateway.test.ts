// End to end over HTTP: the gateway on a free port over both subgraphs, every example operation, errors passed through.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATIONS_DIR } from '../gateway/config.ts';
import { subgraphs } from '../subgraphs/index.ts';
import statistics from '../subgraphs/statistics/index.ts';
import type { StatisticsSource } from '../subgraphs/statistics/source.ts';
import { postGraphql, startStack, type Stack } from './harness.ts';

const operations = readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => [path.basename(file, '.graphql'), readFileSync(path.join(OPERATIONS_DIR, file), 'utf8')] as const);

const DONE_WHEN = '{ area(id: "kommun:1480") { name parent { name } children(level: DESO) { id } population(year: 2020) { value } } }';

let stack: Stack;
let statisticsSource: StatisticsSource;
beforeAll(async () => {
  // Keep hold of the statistics source the stack creates, to count its data-access calls.
  const createSource = vi.spyOn(statistics, 'createSource');
  stack = await startStack(subgraphs);
  statisticsSource = await createSource.mock.results[0].value;
  createSource.mockRestore();
});
afterAll(() => stack?.close());

describe('the gateway', () => {
  it('has example operations to run', () => {
    expect(operations.length).toBeGreaterThanOrEqual(4);
  });

  it.each(operations)('answers the example operation %s without errors', async (_name, query) => {
    const { status, body } = await postGraphql(stack.gatewayUrl, query);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(Object.values(body.data ?? {}).every((value) => value !== null)).toBe(true);
  });

  it('joins geo and statistics: Göteborg, its län, its 320 DeSO 2025 and SCB’s population figure for 2020', async () => {
    const { body } = await postGraphql<{ area: { name: string; parent: { name: string }; children: { id: string }[]; population: { value: number } } }>(
      stack.gatewayUrl,
      DONE_WHEN,
    );
    expect(body.errors).toBeUndefined();
    const area = body.data?.area;
    expect(area?.name).toBe('Göteborg');
    expect(area?.parent.name).toBe('Västra Götalands län');
    expect(area?.children).toHaveLength(320);
    expect(area?.population.value).toBe(583_056);
  });

  it('fetches the population of all 290 kommuner for three years with one statistics data-access call', async () => {
    const factsFor = vi.spyOn(statisticsSource, 'factsFor');
    try {
      const { body } = await postGraphql<{ areas: { nodes: { a: { value: number }; b: { value: number }; c: { value: number } }[] } }>(
        stack.gatewayUrl,
        '{ areas(level: KOMMUN, first: 290) { nodes { id a: population(year: 1950) { value } b: population(year: 1990) { value } c: population(year: 2020) { value } } } }',
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.areas.nodes).toHaveLength(290);
      expect(body.data?.areas.nodes.every((node) => node.a.value > 0 && node.b.value > 0 && node.c.value > 0)).toBe(true);
      expect(factsFor).toHaveBeenCalledTimes(1);
      expect(factsFor.mock.calls[0][0]).toHaveLength(870);
    } finally {
      factsFor.mockRestore();
    }
  });

  it('gives every DeSO of Falun SCB’s facts in one query: population 2025 adds up to 59 967, incomes and rates with units', async () => {
    const query = readFileSync(path.join(OPERATIONS_DIR, 'FalunDesoFacts.graphql'), 'utf8');
    const { body } = await postGraphql<{
      area: { name: string; children: { id: string; population: { value: number; source: { tableId: string; cellKeyNoise: boolean } }; income: { medianEconomicStandard: { value: number; unit: string } } }[] };
    }>(stack.gatewayUrl, query);
    expect(body.errors).toBeUndefined();
    const deso = body.data!.area.children;
    expect(deso).toHaveLength(37);
    expect(deso.reduce((sum, d) => sum + d.population.value, 0)).toBe(59_967);
    expect(deso.every((d) => d.population.source.tableId === 'TAB6574' && d.population.source.cellKeyNoise)).toBe(true);
    expect(deso.every((d) => d.income.medianEconomicStandard.value > 100 && d.income.medianEconomicStandard.unit === 'SEK thousands')).toBe(true);
  });

  it('answers a generic table query offline from the recorded response, with regions joined to geo’s areas', async () => {
    const { body } = await postGraphql<{
      statisticsTable: { data: { rowCount: number; freshness: { fromCache: boolean; offline: boolean }; rows: { dimensions: { code: string; area: { name: string } | null }[]; value: number }[] } };
    }>(stack.gatewayUrl, readFileSync(path.join(OPERATIONS_DIR, 'StatisticsCatalogue.graphql'), 'utf8'));
    expect(body.errors).toBeUndefined();
    const data = body.data!.statisticsTable.data;
    expect(data.rowCount).toBe(4);
    expect(data.freshness).toEqual({ fromCache: true, offline: true });
    expect(data.rows.map((row) => row.dimensions[0].area?.name)).toEqual(['Stockholms län', 'Stockholms län', 'Västra Götalands län', 'Västra Götalands län']);
    expect(data.rows.every((row) => row.value > 100_000)).toBe(true);
  });

  it('sums län and country figures from the kommuner through the federated join', async () => {
    const { body } = await postGraphql<{ areas: { nodes: { id: string; population: { value: number }; children: { population: { value: number } }[] }[] }; area: { population: { value: number } } }>(
      stack.gatewayUrl,
      '{ areas(level: LAN, first: 21) { nodes { id population(year: 2019) { value } children(level: KOMMUN) { population(year: 2019) { value } } } } area(id: "country:SE") { population(year: 2019) { value } } }',
    );
    expect(body.errors).toBeUndefined();
    for (const lan of body.data?.areas.nodes ?? []) {
      expect(lan.population.value).toBe(lan.children.reduce((sum, kommun) => sum + kommun.population.value, 0));
    }
    expect(body.data?.area.population.value).toBe(10_327_589);
  });

  it.each([
    ['Göteborg', [11.9736, 57.7089], ['lan:14', 'kommun:1480', 'regso2025:1480R130', 'deso2025:1480C2650']],
    ['Falun', [15.6355, 60.6065], ['lan:20', 'kommun:2080', 'regso2025:2080R007', 'deso2025:2080C1140']],
    ['Stockholm', [18.0586, 59.3303], ['lan:01', 'kommun:0180', 'regso2020:0180R047', 'deso2018:0180C4040']],
  ])('finds the DeSO, RegSO, kommun and län of a point in %s', async (_place, point, expected) => {
    const { body } = await postGraphql<{ areasAt: { id: string }[] }>(stack.gatewayUrl, 'query($p: [Float!]!) { areasAt(point: $p) { id } }', { p: point });
    expect(body.errors).toBeUndefined();
    expect(body.data?.areasAt.map((area) => area.id)).toEqual(expect.arrayContaining(['country:SE', ...expected]));
  });

  it('passes a subgraph’s BAD_USER_INPUT code and message through to the client', async () => {
    const malformed = await postGraphql(stack.gatewayUrl, '{ area(id: "kommun:148") { name } }');
    expect(malformed.body.data?.area).toBeNull();
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(malformed.body.errors?.[0]?.message).toContain('expected an area id like "kommun:1480"');
    const year = await postGraphql<{ area: { population: unknown } }>(stack.gatewayUrl, '{ area(id: "kommun:1480") { name population(year: 1800) { value } } }');
    expect(year.body.data?.area).toMatchObject({ population: null });
    expect(year.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED and an unknown field with GRAPHQL_VALIDATION_FAILED', async () => {
    const parse = await postGraphql(stack.gatewayUrl, '{ area(id: "lan:14") { name }');
    expect(parse.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const validation = await postGraphql(stack.gatewayUrl, '{ area(id: "lan:14") { nme } }');
    expect(validation.body.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(validation.body.errors?.[0]?.message).toContain('nme');
  });

  it('returns null without an error for an unknown but well-formed id', async () => {
    const { body } = await postGraphql(stack.gatewayUrl, '{ area(id: "deso2025:9999C9999") { name } }');
    expect(body).toEqual({ data: { area: null } });
  });

  it('answers its health check', async () => {
    expect((await fetch(`${stack.origin}/healthcheck`)).status).toBe(200);
  });
});

describe('the JavaScript query planner fallback', () => {
  it('gives the same answer as the Rust planner', async () => {
    const js = await startStack(subgraphs, { QUERY_PLANNER: 'js' });
    try {
      const [fromJs, fromRust] = await Promise.all([postGraphql(js.gatewayUrl, DONE_WHEN), postGraphql(stack.gatewayUrl, DONE_WHEN)]);
      expect(fromJs.body.errors).toBeUndefined();
      expect(fromJs.body).toEqual(fromRust.body);
    } finally {
      await js.close();
    }
  });
});
