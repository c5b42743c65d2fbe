// The mobility subgraph in process: areas it covers, batching, hierarchy consistency, disclosure, SCB's published day/night signs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

describe('the 1 km grid', () => {
  const date = () => source.info.dates[0];

  it('places every trip in exactly one origin square: the squares’ outgoing trips sum to the country’s', () => {
    const squares = source.areas.filter((area) => area.level === 'GRID');
    expect(squares.length).toBeGreaterThan(1000);
    expect(squares.every((square) => /^grid1km:\d{3}000\d{4}000$/.test(square.id))).toBe(true);
    const [country, ...bySquare] = source.tripsFor([
      { area: source.areaById('country:SE')!.idx, level: 'COUNTRY', date: date(), direction: 'OUTGOING' },
      ...squares.map((square) => ({ area: square.idx, level: 'GRID' as const, date: date(), direction: 'OUTGOING' as const })),
    ]);
    expect(bySquare.reduce((sum, trips) => sum + trips.total.trips!, 0)).toBe(country.total.trips);
    // Residents are placed by home activities: the squares hold the extrapolated population (within rounding).
    const residents = squares.reduce((sum, square) => sum + square.residents, 0);
    expect(Math.abs(residents - source.areaById('country:SE')!.residents) / residents).toBeLessThan(0.005);
  });

  it('answers for a square of Falun: residents, activities and its top destination squares', async () => {
    // The busiest square of Falun: the one with the most residents.
    const falun = source.areaById('kommun:2080')!.idx;
    const square = source.areas.filter((area) => area.level === 'GRID' && area.kommun === falun).sort((a, b) => b.residents - a.residents)[0];
    const result = await execute<{ _entities: { mobility: { residents: number; activities: { total: Protected }; topDestinations: { flows: { area: { id: string } }[] } } }[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { mobility { residents activities { total { value suppressed } } topDestinations(limit: 3, includeSelf: true) { flows { area { id } } } } } } }',
      { r: [{ __typename: 'Area', id: square.id }] },
    );
    expect(result.errors).toBeUndefined();
    const mobility = result.data!._entities[0].mobility;
    expect(mobility.residents).toBe(square.residents);
    expect(mobility.activities.total.value).toBeGreaterThan(square.residents * 0.5);
    expect(mobility.topDestinations.flows.length).toBeGreaterThan(0);
    expect(mobility.topDestinations.flows.every((flow) => flow.area.id.startsWith('grid1km:'))).toBe(true);
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

describe('long trips', () => {
  const LONG = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { id mobility { longTrips(limit: 100) { total { value } areas { area { id } trips } byMode { mode trips share } definition disclosure { suppressedCells } } } } } }';
  type Long = { _entities: { id: string; mobility: { longTrips: { total: Protected; areas: { area: { id: string }; trips: number }[]; byMode: { mode: string; trips: number | null; share: number | null }[]; definition: string } } }[] };

  it('counts journeys of 100 km or more by final destination and by mode, consistently before protection', () => {
    const stockholm = source.areaById('kommun:0180')!;
    const date = source.info.dates[0];
    const key = { area: stockholm.idx, level: 'KOMMUN' as const, date, direction: 'OUTGOING' as const };
    const [places] = source.longTripsFor([{ ...key, otherLevel: 'KOMMUN' }]);
    const [modes] = source.longTripModesFor([key]);
    expect(places.total.trips).toBeGreaterThan(20);
    expect(places.flows.reduce((sum, flow) => sum + flow.trips!, 0)).toBe(places.total.trips);
    expect(modes.modes.reduce((sum, mode) => sum + mode.trips!, 0)).toBe(places.total.trips);
    // Long journeys from Stockholm reach other län; the nearest kommuner (its own län) are under 100 km away.
    const lanOf = (idx: number) => source.areaByIndex(idx).lan;
    const outsideLan = places.flows.filter((flow) => lanOf(flow.other) !== stockholm.lan).reduce((sum, flow) => sum + flow.trips!, 0);
    expect(outsideLan / places.total.trips!).toBeGreaterThan(0.9);
    // Flights leave Stockholm for the far north: AIR is among the modes.
    expect(modes.modes[2].trips).toBeGreaterThan(0);
  });

  it('answers every kommun’s long trips with one call per source method, and says how they are defined', async () => {
    const kommuner = source.areas.filter((area) => area.level === 'KOMMUN');
    const places = vi.spyOn(source, 'longTripsFor');
    const modes = vi.spyOn(source, 'longTripModesFor');
    try {
      const result = await execute<Long>(LONG, { r: kommuner.map((area) => ({ __typename: 'Area', id: area.id })) });
      expect(result.errors).toBeUndefined();
      expect(places).toHaveBeenCalledTimes(1);
      expect(modes).toHaveBeenCalledTimes(1);
      const stockholm = result.data!._entities.find((entity) => entity.id === 'kommun:0180')!.mobility.longTrips;
      expect(stockholm.byMode.map((mode) => mode.mode)).toEqual(['ROAD', 'RAIL', 'AIR', 'UNKNOWN']);
      expect(stockholm.areas.every((flow) => flow.area.id.startsWith('kommun:'))).toBe(true);
      expect(stockholm.definition).toContain('at least 100 km');
      const shares = stockholm.byMode.reduce((sum, mode) => sum + (mode.share ?? 0), 0);
      expect(shares).toBeGreaterThan(0.5);
      expect(shares).toBeLessThanOrEqual(1.01);
    } finally {
      places.mockRestore();
      modes.mockRestore();
    }
  });
});

describe('time series', () => {
  const SERIES = 'query($r: [_Any!]!, $from: String, $to: String) { _entities(representations: $r) { ... on Area { mobilitySeries(from: $from, to: $to) { date activities { total { value } } } } } }';
  type Series = { _entities: { mobilitySeries: { date: string; activities: { total: { value: number | null } } }[] | null }[] };
  let twoDays: MobilitySource;
  let storeDir: string;

  beforeAll(async () => {
    // A small sample over a weekday and a Saturday: a second store of its own.
    storeDir = mkdtempSync(path.join(tmpdir(), 'regiongraph-series-'));
    twoDays = await mobility.createSource(testConfig({ REGIONGRAPH_STORE_DIR: storeDir, MOBILITY_DATES: '2022-11-15,2022-11-19', MOBILITY_SAMPLE_SHARE: '0.002' }), log);
  }, 120_000);
  afterAll(async () => {
    if (twoDays) await mobility.closeSource?.(twoDays);
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('gives one entry per day of the data set in the range, oldest first, each with its own values', async () => {
    const context = mobility.createContext(twoDays);
    const r = [{ __typename: 'Area', id: 'kommun:0180' }, { __typename: 'Area', id: 'tatort2020:0114TB103' }];
    const all = await execute<Series>(SERIES, { r }, context);
    expect(all.errors).toBeUndefined();
    const [stockholm, tatort] = all.data!._entities;
    expect(stockholm.mobilitySeries!.map((day) => day.date)).toEqual(['2022-11-15', '2022-11-19']);
    const [tuesday, saturday] = stockholm.mobilitySeries!.map((day) => day.activities.total.value!);
    expect(tuesday).toBeGreaterThan(0);
    expect(saturday).toBeGreaterThan(0);
    expect(saturday).not.toBe(tuesday);
    expect(tatort.mobilitySeries).toBeNull();
    const saturdayOnly = await execute<Series>(SERIES, { r: r.slice(0, 1), from: '2022-11-16', to: '2022-11-30' }, context);
    expect(saturdayOnly.data!._entities[0].mobilitySeries!.map((day) => day.date)).toEqual(['2022-11-19']);
    const none = await execute<Series>(SERIES, { r: r.slice(0, 1), from: '2023-01-01' }, context);
    expect(none.data!._entities[0].mobilitySeries).toEqual([]);
  });

  it('refuses a bound that is not an ISO date or a range that ends before it starts', async () => {
    const context = mobility.createContext(twoDays);
    const r = [{ __typename: 'Area', id: 'kommun:0180' }];
    const bad = await execute<Series>(SERIES, { r, from: '15/11/2022' }, context);
    expect(bad.errors?.[0]).toMatchObject({ message: expect.stringContaining('"15/11/2022" is not an ISO date'), extensions: { code: 'BAD_USER_INPUT' } });
    const backwards = await execute<Series>(SERIES, { r, from: '2022-11-19', to: '2022-11-15' }, context);
    expect(backwards.errors?.[0]).toMatchObject({ message: expect.stringContaining('is before from'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the data set', () => {
  it('says it is synthetic, with its method version, seed and days', async () => {
    const result = await execute<{ mobilitySource: Record<string, unknown> }>('{ mobilitySource { synthetic methodVersion dates seed sampleShare } }');
    expect(result.data?.mobilitySource).toEqual({ synthetic: true, methodVersion: 'scb-mno-2023.1', dates: ['2022-11-15'], seed: 20221115, sampleShare: 0.01 });
  });
});
