// The statistics subgraph in-process: population figures on Area, batching, errors and the store build.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AppConfig } from '../lib/config.ts';
import { readCsv } from '../lib/csv.ts';
import { openStore } from '../lib/db.ts';
import { createLogger } from '../lib/log.ts';
import { createSubgraphServer } from '../lib/subgraph.ts';
import statistics from '../subgraphs/statistics/index.ts';
import type { StatisticsContext } from '../subgraphs/statistics/resolvers.ts';
import { POPULATION_CSV, statisticsStoreSpec, type StatisticsSource } from '../subgraphs/statistics/source.ts';

const ENTITIES = /* GraphQL */ `
  query Population($representations: [_Any!]!, $year: Int!) {
    _entities(representations: $representations) {
      ... on Area {
        id
        population(year: $year) {
          value
          year
          referenceDate
          source { table publisher asOf licence method offline }
        }
      }
    }
  }
`;

interface Figure {
  value: number;
  year: number;
  referenceDate: string;
  source: { table: string; publisher: string; asOf: string; licence: string; method: string; offline: boolean };
}

type Entity = { id: string; population: Figure | null } | null;

let tmp: string;
let config: AppConfig;
let source: StatisticsSource;
let server: ApolloServer<StatisticsContext>;
let csv: { kommunkod: string; ar: number; folkmangd: number }[];

const log = createLogger('statistics', 'error');

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-statistics-'));
  config = loadConfig({ REGIONGRAPH_STORE_DIR: tmp });
  source = await statistics.createSource(config, log);
  server = createSubgraphServer(statistics, log);
  csv = readCsv(path.join(config.dataDir, POPULATION_CSV)).map((row) => ({
    kommunkod: row.kommunkod,
    ar: Number(row.ar),
    folkmangd: Number(row.folkmangd),
  }));
});

afterAll(async () => {
  await server?.stop();
  if (source) await statistics.closeSource?.(source);
  rmSync(tmp, { recursive: true, force: true });
});

async function execute(query: string, variables: Record<string, unknown>) {
  const response = await server.executeOperation({ query, variables }, { contextValue: statistics.createContext(source) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}

async function entities(ids: string[], year: number) {
  const result = await execute(ENTITIES, { representations: ids.map((id) => ({ __typename: 'Area', id })), year });
  return { entities: (result.data?._entities ?? []) as Entity[], errors: result.errors };
}

async function population(id: string, year: number): Promise<Figure | null> {
  const result = await entities([id], year);
  expect(result.errors).toBeUndefined();
  return result.entities[0]?.population ?? null;
}

function csvFigure(kommunkod: string, year: number): number {
  const row = csv.find((r) => r.kommunkod === kommunkod && r.ar === year);
  if (!row) throw new Error(`no CSV row for ${kommunkod} ${year}`);
  return row.folkmangd;
}

describe('Area.population', () => {
  it('gives Göteborg its 2020 figure from the SCB file, as a register count on 31 December', async () => {
    const figure = await population('kommun:1480', 2020);
    expect(figure).toEqual({
      value: csvFigure('1480', 2020),
      year: 2020,
      referenceDate: '2020-12-31',
      source: {
        table: 'BE0101 Folkmängd i riket, län och kommuner 31 december 1950–2020',
        publisher: 'SCB',
        asOf: '2021-02-22',
        licence: 'CC0 1.0',
        method: 'register count',
        offline: true,
      },
    });
    expect(figure?.value).toBe(583056);
  });

  it('gives Västra Götalands län the sum of its 49 kommuner for 2020', async () => {
    const kommuner = csv.filter((row) => row.kommunkod.startsWith('14') && row.ar === 2020);
    expect(kommuner).toHaveLength(49);
    const figure = await population('lan:14', 2020);
    expect(figure?.value).toBe(kommuner.reduce((sum, row) => sum + row.folkmangd, 0));
    expect(figure?.source.method).toBe('sum of the kommun figures');
  });

  it("gives the country SCB's published totals for 2020 and 2019", async () => {
    expect((await population('country:SE', 2020))?.value).toBe(10_379_295);
    expect((await population('country:SE', 2019))?.value).toBe(10_327_589);
  });

  it('answers 290 kommun representations with one source call, in representation order', async () => {
    const codes = [...new Set(csv.map((row) => row.kommunkod))].reverse();
    expect(codes).toHaveLength(290);
    const spy = vi.spyOn(source, 'populationFor');
    try {
      const result = await entities(codes.map((code) => `kommun:${code}`), 2020);
      expect(result.errors).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toHaveLength(290);
      expect(result.entities.map((entity) => entity?.id)).toEqual(codes.map((code) => `kommun:${code}`));
      expect(result.entities.map((entity) => entity?.population?.value)).toEqual(codes.map((code) => csvFigure(code, 2020)));
    } finally {
      spy.mockRestore();
    }
  });

  it('is null without errors for a DeSO area and for a year before the snapshot', async () => {
    const result = await entities(['deso2025:1480C2650', 'kommun:1480'], 1949);
    expect(result.errors).toBeUndefined();
    expect(result.entities).toEqual([
      { id: 'deso2025:1480C2650', population: null },
      { id: 'kommun:1480', population: null },
    ]);
    expect(await population('kommun:1480', 1950)).not.toBeNull();
  });

  it('is null without errors for a well-formed län code that has no kommuner', async () => {
    expect(await population('lan:02', 2020)).toBeNull();
  });

  it('rejects a malformed area id in a representation with BAD_USER_INPUT and still answers the others', async () => {
    const result = await entities(['kommun:1480', 'kommun:148'], 2020);
    expect(result.entities[0]?.population?.value).toBe(csvFigure('1480', 2020));
    expect(result.entities[1]).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].path).toEqual(['_entities', 1]);
    expect(result.errors?.[0].message).toContain('kommun:1480');
  });

  it('rejects a year before 1900 with BAD_USER_INPUT naming the accepted range', async () => {
    const result = await entities(['kommun:1480'], 1800);
    expect(result.entities[0]?.population).toBeNull();
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/from 1900 to \d{4}/);
  });
});

describe('the statistics store', () => {
  it('holds one figure per kommun and year for 1950 to 2020', () => {
    expect(source.populationYears).toEqual({ first: 1950, last: 2020 });
    expect(csv).toHaveLength(290 * 71);
  });

  it('is built on first use and reused while its input is unchanged', () => {
    expect(source.store.built).toBe(true);
    const again = openStore(config.storeDir, statisticsStoreSpec(config.dataDir));
    try {
      expect(again.built).toBe(false);
      expect(again.file).toBe(source.store.file);
    } finally {
      again.db.$client.close();
    }
  });
});
