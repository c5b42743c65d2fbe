// The mobility subgraph in process: areas it covers, batching, hierarchy consistency, disclosure, SCB's published day/night signs.
import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../lib/log.ts';
import { createSubgraphServer } from '../lib/subgraph.ts';
import mobility from '../subgraphs/mobility/index.ts';
import { METRO_REGIONS } from '../subgraphs/mobility/model.ts';
import type { MobilityContext } from '../subgraphs/mobility/resolvers.ts';
import type { MobilitySource } from '../subgraphs/mobility/source.ts';
import { testConfig } from './harness.ts';

const log = createLogger('mobility', 'error');
let source: MobilitySource;
let server: ApolloServer<MobilityContext>;

beforeAll(async () => {
  source = await mobility.createSource(testConfig(), log);
  server = createSubgraphServer(mobility, log);
});
afterAll(async () => {
  await server?.stop();
  if (source) await mobility.closeSource?.(source);
});

interface Result<T> {
  data?: T;
  errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

async function execute<T>(query: string, variables: Record<string, unknown> = {}, context?: MobilityContext): Promise<Result<T>> {
  const response = await server.executeOperation({ query, variables }, { contextValue: context ?? mobility.createContext(source) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as Result<T>;
}

interface Protected {
  value: number | null;
  suppressed: boolean;
}

type DayNight = { id: string; mobility: { dayNightPopulation: { night: Protected; day: Protected } } | null };

async function dayNight(ids: string[], context?: MobilityContext): Promise<Result<{ _entities: DayNight[] }>> {
  return execute(
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { id mobility { dayNightPopulation { night { value suppressed } day { value suppressed } } } } } }',
    { r: ids.map((id) => ({ __typename: 'Area', id })) },
    context,
  );
}

describe('Area.mobility', () => {
  it('covers DeSO 2018, RegSO 2020, kommun, län and the country, a DeSO 2025 with an unchanged 2018 code, and nothing else', async () => {
    const result = await dayNight(['deso2018:0180C1010', 'regso2020:0180R001', 'kommun:0180', 'lan:01', 'country:SE', 'deso2025:2080C1010', 'deso2025:0114C1061', 'tatort2020:0114TB103']);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.map((entity) => entity.mobility !== null)).toEqual([true, true, true, true, true, true, false, false]);
  });

  it('answers the day and night population of 290 kommuner with one source call', async () => {
    const ids = source.areas.filter((area) => area.level === 'KOMMUN').map((area) => area.id);
    expect(ids).toHaveLength(290);
    const spy = vi.spyOn(source, 'presenceFor');
    try {
      const result = await dayNight(ids);
      expect(result.errors).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toHaveLength(290);
      expect(result.data!._entities.every((entity) => entity.mobility!.dayNightPopulation.night.value! > 0)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('extrapolates the night population to the residents: the country at 03:00 is within 3 % of its residents', async () => {
    const country = source.areaById('country:SE')!;
    const result = await dayNight(['country:SE']);
    const night = result.data!._entities[0].mobility!.dayNightPopulation.night.value!;
    expect(Math.abs(night - country.residents) / country.residents).toBeLessThan(0.03);
  });

  it('has day population above night population in områdestyp 4 and below in types 1 and 5 across the metro regions (SCB, November 2022)', () => {
    const metro = new Set<string>(Object.values(METRO_REGIONS).flat());
    const deso = source.areas.filter((area) => area.level === 'DESO' && metro.has(area.id.slice('deso2018:'.length, 'deso2018:'.length + 4)));
    const presence = source.presenceFor(deso.map((area) => ({ area: area.idx, date: source.info.dates[0] })));
    const balance = new Map<number, number>();
    deso.forEach((area, i) => {
      const at = (hour: number) => presence[i].persons[hour * 4 + 3];
      const day = [10, 11, 12, 13, 14].reduce((sum, hour) => sum + at(hour), 0) / 5;
      balance.set(area.omradestyp!, (balance.get(area.omradestyp!) ?? 0) + day - at(3));
    });
    expect(balance.get(4)).toBeGreaterThan(0);
    expect(balance.get(1)).toBeLessThan(0);
    expect(balance.get(5)).toBeLessThan(0);
  });

  it('keeps the hierarchy consistent before protection: a kommun’s trips are the sum of its DeSOs’, its presence at most their sum', () => {
    const kommun = source.areaById('kommun:2080')!;
    const deso = source.areas.filter((area) => area.level === 'DESO' && area.kommun === kommun.idx);
    const date = source.info.dates[0];
    const [kommunTrips, ...desoTrips] = source.tripsFor([
      { area: kommun.idx, level: 'KOMMUN', date, direction: 'OUTGOING' },
      ...deso.map((area) => ({ area: area.idx, level: 'DESO' as const, date, direction: 'OUTGOING' as const })),
    ]);
    expect(desoTrips.reduce((sum, trips) => sum + trips.total.trips!, 0)).toBe(kommunTrips.total.trips);
    const [kommunPresence, ...desoPresence] = source.presenceFor([kommun, ...deso].map((area) => ({ area: area.idx, date })));
    for (const hour of [3, 12]) {
      const cell = hour * 4 + 3;
      const sum = desoPresence.reduce((total, row) => total + row.devices[cell], 0);
      expect(kommunPresence.devices[cell]).toBeLessThanOrEqual(sum);
      expect(kommunPresence.devices[cell]).toBeGreaterThanOrEqual(Math.max(...desoPresence.map((row) => row.devices[cell])));
    }
    expect(deso.reduce((sum, area) => sum + area.residents, 0)).toBe(kommun.residents);
  });
});

describe('disclosure in answers', () => {
  const FLOWS = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { mobility { topDestinations(limit: 100, level: DESO) { flows { trips suppressed } total { value } disclosure { method k suppressedCells } } } } } }';
  type Flows = { _entities: { mobility: { topDestinations: { flows: { trips: number | null; suppressed: boolean }[]; disclosure: { method: string; k: number; suppressedCells: number } } } }[] };

  it('leaves flows under k devices out with DELETE and lists them as null with FLAG, counting them in both', async () => {
    const r = [{ __typename: 'Area', id: 'deso2018:0180C1010' }];
    const deleted = await execute<Flows>(FLOWS, { r });
    const listDeleted = deleted.data!._entities[0].mobility.topDestinations;
    expect(listDeleted.disclosure).toMatchObject({ method: 'DELETE', k: 5 });
    expect(listDeleted.flows.every((flow) => !flow.suppressed && flow.trips !== null)).toBe(true);

    const flagging = { ...source, disclosure: { ...source.disclosure, method: 'flag' as const } };
    const flagged = await execute<Flows>(FLOWS, { r }, { source: flagging, loaders: mobility.createContext(source).loaders });
    const listFlagged = flagged.data!._entities[0].mobility.topDestinations;
    expect(listFlagged.disclosure.method).toBe('FLAG');
    expect(listFlagged.flows.filter((flow) => flow.suppressed).every((flow) => flow.trips === null)).toBe(true);
    expect(listFlagged.disclosure.suppressedCells).toBe(listDeleted.disclosure.suppressedCells);
    expect(listFlagged.flows.length).toBeGreaterThan(listDeleted.flows.length);
  });

  it('never publishes a value behind fewer than k devices', async () => {
    const strict = { ...source, disclosure: { ...source.disclosure, k: 1_000_000 } };
    const result = await dayNight(['kommun:0180'], { source: strict, loaders: mobility.createContext(source).loaders });
    expect(result.data!._entities[0].mobility!.dayNightPopulation).toEqual({ night: { value: null, suppressed: true }, day: { value: null, suppressed: true } });
  });
});

describe('the data set', () => {
  it('says it is synthetic, with its method version, seed and days', async () => {
    const result = await execute<{ mobilitySource: Record<string, unknown> }>('{ mobilitySource { synthetic methodVersion dates seed sampleShare } }');
    expect(result.data?.mobilitySource).toEqual({ synthetic: true, methodVersion: 'scb-mno-2023.1', dates: ['2022-11-15'], seed: 20221115, sampleShare: 0.01 });
  });
});
