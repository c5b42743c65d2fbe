// The delivered source over imported deliveries: delivered and summed levels, lower bounds, grid squares, and a round trip of the synthetic data.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweref99tmToWgs84 } from '../lib/crs.ts';
import { createLogger } from '../lib/log.ts';
import { createSubgraphServer } from '../lib/subgraph.ts';
import type { AreaRow, Level } from '../subgraphs/mobility/build.ts';
import { areaLookup, frameAreas, openDeliveredSource, type DeliveredSource } from '../subgraphs/mobility/delivery/index.ts';
import mobility from '../subgraphs/mobility/index.ts';
import { METRO_REGIONS } from '../subgraphs/mobility/model.ts';
import { createMobilitySource, type Direction, type MobilitySource, type PresenceRow } from '../subgraphs/mobility/source.ts';
import { FIXTURES, filesIn, importOrFail, TELIA, writeFolder } from './fixtures/mobility-delivery/deliveries.ts';
import { testConfig } from './harness.ts';

const config = testConfig();
let tmp: string;
let frame: ReturnType<typeof areaLookup>;

/** A delivered source over its own store, with the given fixture deliveries imported. */
async function deliveredSource(name: string, deliveries: { dir: string; from: string; to: string; kinds: ('activities' | 'od' | 'longTrips')[]; methodVersion?: string; k?: number }[]): Promise<DeliveredSource> {
  const store = path.join(tmp, `${name}.sqlite`);
  for (const delivery of deliveries) {
    await importOrFail({
      files: filesIn(delivery.dir, delivery.kinds),
      delivery: { ...TELIA, from: delivery.from, to: delivery.to, methodVersion: delivery.methodVersion ?? TELIA.methodVersion, protectedByProviderK: delivery.k },
      store,
      frame,
    });
  }
  return openDeliveredSource({ ...config, mobility: { ...config.mobility, deliveryStore: store } });
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-delivered-'));
  frame = areaLookup(frameAreas(config.dataDir, config.mobility.seed));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Slot of an hour (24: the whole day) and type (0 home, 1 work, 2 other, 3 any) in a PresenceRow. */
const slot = (hour: number, type: number) => hour * 4 + type;
const ANY = 3;
const cell = (row: PresenceRow, hour: number, type = ANY) => ({ value: row.persons[slot(hour, type)], devices: row.devices[slot(hour, type)] });

describe('the delivered source over a hand-made delivery', () => {
  let source: DeliveredSource;
  const idx = (id: string) => source.areaById(id)!.idx;
  const presence = (id: string, date = '2022-11-15') => source.presenceFor([{ area: idx(id), date }])[0];
  const trips = (id: string, direction: Direction, date = '2022-11-15') => source.tripsFor([{ area: idx(id), level: source.areaById(id)!.level, date, direction }])[0];
  const flows = (id: string, direction: Direction, otherLevel: Level, date = '2022-11-15') =>
    source.flowsFor([{ area: idx(id), level: source.areaById(id)!.level, date, direction, otherLevel }])[0];
  const named = (list: { other: number; value: number; devices: number }[]) =>
    Object.fromEntries(list.map((flow) => [source.areaByIndex(flow.other).id, { value: flow.value, devices: flow.devices }]));

  beforeAll(async () => {
    source = await deliveredSource('hand', [
      { dir: path.join(FIXTURES, 'hand'), from: '2022-11-15', to: '2022-11-15', kinds: ['activities', 'od', 'longTrips'] },
      { dir: path.join(FIXTURES, 'kommun'), from: '2022-11-16', to: '2022-11-16', kinds: ['activities', 'od'], methodVersion: 'scb-mno-2024.1' },
    ]);
  });
  afterAll(() => source?.close());

  it('says it is delivered, lists every day of the periods, and names the newest method version while saying they differ', () => {
    expect(source.info).toMatchObject({ synthetic: false, methodVersion: 'scb-mno-2024.1', dates: ['2022-11-15', '2022-11-16'], seed: null, sampleShare: null });
    expect(source.info.description).toContain('Telia 2022-11-15 to 2022-11-15 (method scb-mno-2023.1');
    expect(source.info.description).toContain('Method versions differ');
    expect(source.deliveries.map((delivery) => delivery.methodVersion)).toEqual(['scb-mno-2023.1', 'scb-mno-2024.1']);
    expect(source.store.built).toBe(false);
  });

  it('answers a delivered DeSO with its own rows, and RegSO, kommun, län and country as sums of the DeSO rows', () => {
    expect(cell(presence('deso2018:0114C1010'), 3)).toEqual({ value: 100, devices: 30 });
    expect(cell(presence('deso2018:0114C1010'), 12, 1)).toEqual({ value: 40, devices: 12 });
    expect(cell(presence('deso2018:0114C1010'), 24)).toEqual({ value: 160, devices: 40 });
    // 0114C1010 and 0114C1030 make up RegSO 0114R001 in the delivery; devices are summed (the best available).
    expect(cell(presence('regso2020:0114R001'), 3)).toEqual({ value: 150, devices: 45 });
    expect(cell(presence('kommun:0114'), 3)).toEqual({ value: 230, devices: 65 });
    expect(cell(presence('kommun:0114'), 24)).toEqual({ value: 160, devices: 40 });
    expect(cell(presence('lan:01'), 3)).toEqual({ value: 440, devices: 128 });
    // The grid square is not added to the country: the country is summed from the DeSO.
    expect(cell(presence('country:SE'), 12)).toEqual({ value: 350, devices: 105 });
    expect(presence('kommun:0114').lowerBound).toBe(false);
  });

  it('uses rows delivered at a level itself, sums the types where type all is missing, and leaves finer levels empty', () => {
    const kommun = presence('kommun:0114', '2022-11-16');
    expect(cell(kommun, 3, 0)).toEqual({ value: 1000, devices: 300 });
    expect(cell(kommun, 3)).toEqual({ value: 1020.5, devices: 306 });
    // No hour all rows: whole-day presence cannot be summed from hours, so it is absent.
    expect(cell(kommun, 24)).toEqual({ value: 0, devices: 0 });
    expect(cell(presence('lan:01', '2022-11-16'), 3)).toEqual({ value: 6020.5, devices: 1806 });
    expect(cell(presence('deso2018:0114C1010', '2022-11-16'), 3)).toEqual({ value: 0, devices: 0 });
  });

  it('adds the delivered grid squares as GRID areas after the frame, placed at the square centre', () => {
    const square = source.areaById('grid1km:6740006580000')!;
    const frameSize = frame.size;
    expect(square).toMatchObject({ level: 'GRID', regso: null, kommun: null, lan: null, omradestyp: null });
    expect(square.idx).toBeGreaterThanOrEqual(frameSize);
    expect(source.areas.filter((area) => area.level === 'GRID').map((area) => area.id)).toEqual(['grid1km:6740006580000', 'grid1km:6750006580000']);
    const [lon, lat] = sweref99tmToWgs84([674_500, 6_580_500]);
    expect(square.lon).toBeCloseTo(lon, 9);
    expect(square.lat).toBeCloseTo(lat, 9);
    expect(source.areaByIndex(square.idx)).toBe(square);
    expect(cell(presence('grid1km:6740006580000'), 12)).toEqual({ value: 25, devices: 8 });
    expect(trips('grid1km:6740006580000', 'OUTGOING').total).toEqual({ value: 3, devices: 1 });
  });

  it('counts trips per start hour and over the day from the whole-day rows, at the delivered level and summed', () => {
    const deso = trips('deso2018:0114C1010', 'OUTGOING');
    expect(deso.hours[7]).toEqual({ value: 10, devices: 4 });
    expect(deso.hours[8]).toEqual({ value: 5, devices: 2 });
    expect(deso.total).toEqual({ value: 15, devices: 6 });
    const outgoing = trips('kommun:0180', 'OUTGOING');
    expect(outgoing.hours[12]).toEqual({ value: 10, devices: 4 });
    expect(outgoing.hours[16]).toEqual({ value: 8, devices: 3 });
    expect(outgoing.total).toEqual({ value: 18, devices: 7 });
    expect(trips('kommun:0180', 'INCOMING').total).toEqual({ value: 20, devices: 8 });
    expect(outgoing.lowerBound).toBe(false);
    // Hourly rows only (2022-11-16): the day is the sum of the hours.
    expect(trips('kommun:0114', 'OUTGOING', '2022-11-16').total).toEqual({ value: 100, devices: 40 });
  });

  it('groups flows at any coarser level of the other end', () => {
    const kommun = flows('kommun:0180', 'OUTGOING', 'KOMMUN');
    expect(named(kommun.flows)).toEqual({ 'kommun:0114': { value: 8, devices: 3 }, 'kommun:0180': { value: 10, devices: 4 } });
    expect(kommun.total).toEqual({ value: 18, devices: 7 });
    expect(named(flows('deso2018:0114C1010', 'OUTGOING', 'LAN').flows)).toEqual({ 'lan:01': { value: 15, devices: 6 } });
    expect(named(flows('kommun:0114', 'INCOMING', 'DESO').flows)).toEqual({
      'deso2018:0114C1010': { value: 5, devices: 2 },
      'deso2018:0180C1010': { value: 8, devices: 3 },
    });
    expect(named(flows('kommun:0180', 'OUTGOING', 'KOMMUN', '2022-11-16').flows)).toEqual({ 'kommun:0114': { value: 90, devices: 35 } });
  });

  it('builds the flow matrix by områdestyp from DeSO-level OD, with the same-RegSO and outside-region shares', () => {
    const region = ['0114', '0180'].map((code) => idx(`kommun:${code}`));
    const matrix = source.flowMatrix(region, 'OMRADESTYP', '2022-11-15');
    const cells = Object.fromEntries(matrix.cells.map((c) => [`${c.from}>${c.to}`, c.value]));
    // 0114C1010 and 0114C1030 are type 4, the others type 3 (SCB's områdestyp 2022).
    expect(cells).toEqual({ '3>3': 10, '3>4': 8, '4>3': 15 });
    expect(matrix.total).toEqual({ value: 33, devices: 13 });
    expect(matrix.split.sameArea).toBeCloseTo(10 / 33, 12);
    expect(matrix.split.outsideRegion).toBe(0);

    const stockholm = source.flowMatrix([idx('kommun:0180')], 'KOMMUN', '2022-11-15');
    expect(Object.fromEntries(stockholm.cells.map((c) => [c.to, c.value]))).toEqual({ 'kommun:0180': 10, OUTSIDE: 8 });
    expect(stockholm.split.outsideRegion).toBeCloseTo(8 / 18, 12);
    expect(stockholm.split.sameArea).toBeCloseTo(10 / 18, 12);
  });

  it('refuses a matrix the delivery cannot give with a BAD_USER_INPUT that says what to choose instead', () => {
    const region = [idx('kommun:0114'), idx('kommun:0180')];
    expect(() => source.flowMatrix(region, 'OMRADESTYP', '2022-11-16')).toThrow(/has OD rows at KOMMUN→KOMMUN; a flow matrix grouped by OMRADESTYP needs both ends at DESO: choose a coarser groupBy/);
    expect(() => source.flowMatrix(region, 'GRID', '2022-11-15')).toThrow(/choose DESO, REGSO, KOMMUN, LAN or OMRADESTYP/);
    try {
      source.flowMatrix(region, 'GRID', '2022-11-15');
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
    // Kommun-level OD answers the kommun matrix; "same area" is then the same kommun.
    const kommun = source.flowMatrix(region, 'KOMMUN', '2022-11-16');
    expect(Object.fromEntries(kommun.cells.map((c) => [`${c.from}>${c.to}`, c.value]))).toEqual({ 'kommun:0114>kommun:0180': 100, 'kommun:0180>kommun:0114': 90 });
    expect(kommun.split.sameArea).toBe(0);
  });

  it('gives trips by travel mode and the final destinations of long trips', () => {
    const key = { area: idx('deso2018:0114C1010'), level: 'DESO' as const, date: '2022-11-15', direction: 'OUTGOING' as const };
    expect(source.modesFor([key])).toEqual([[{ mode: 'ROAD', counts: { value: 6, devices: 3 } }, { mode: 'RAIL', counts: { value: 4, devices: 1 } }]]);
    const [toLan, fromKommun, into] = source.longTripsFor([
      { ...key, otherLevel: 'LAN' },
      { area: idx('kommun:0114'), level: 'KOMMUN', date: '2022-11-15', direction: 'OUTGOING', otherLevel: 'KOMMUN' },
      { area: idx('kommun:1480'), level: 'KOMMUN', date: '2022-11-15', direction: 'INCOMING', otherLevel: 'KOMMUN' },
    ]);
    expect(named(toLan.flows)).toEqual({ 'lan:12': { value: 4, devices: 3 } });
    expect(named(fromKommun.flows)).toEqual({ 'kommun:1280': { value: 4, devices: 3 }, 'kommun:1480': { value: 1, devices: 1 } });
    expect(fromKommun.total).toEqual({ value: 5, devices: 4 });
    expect(named(into.flows)).toEqual({ 'kommun:0114': { value: 1, devices: 1 }, 'kommun:0180': { value: 2, devices: 2 } });

    // By travel mode, in TRAVEL_MODES order (ROAD, RAIL, AIR, UNKNOWN), summed to the kommun.
    const [deso, kommun] = source.longTripModesFor([key, { area: idx('kommun:0114'), level: 'KOMMUN', date: '2022-11-15', direction: 'OUTGOING' }]);
    expect(deso.modes.map((counts) => counts.value)).toEqual([0, 1, 3, 0]);
    expect(deso.total).toEqual({ value: 4, devices: 3 });
    expect(kommun.modes).toEqual([{ value: 1, devices: 1 }, { value: 1, devices: 1 }, { value: 3, devices: 2 }, { value: 0, devices: 0 }]);
    expect(kommun.total).toEqual({ value: 5, devices: 4 });
    expect(kommun.lowerBound).toBe(false);
  });

  it('answers a batch in key order, each key from its own delivery', () => {
    const a = idx('deso2018:0114C1010');
    const k = idx('kommun:0114');
    const rows = source.presenceFor([{ area: k, date: '2022-11-16' }, { area: a, date: '2022-11-15' }, { area: k, date: '2022-11-15' }]);
    expect(rows.map((row) => row.persons[slot(3, ANY)])).toEqual([1020.5, 100, 230]);
  });

  it('serves the subgraph’s resolvers unchanged: day and night population and the source, with disclosure applied', async () => {
    const log = createLogger('mobility', 'error');
    const module = { ...mobility, createSource: () => source, closeSource: () => undefined };
    const server = createSubgraphServer(module, log);
    await server.start();
    try {
      const response = await server.executeOperation(
        {
          query: `{ mobilitySource { synthetic methodVersion }
                    _entities(representations: [{ __typename: "Area", id: "deso2018:0114C1010" }]) {
                      ... on Area { mobility(date: "2022-11-15") { dayNightPopulation(nightHour: 3) { night { value suppressed } } } } } }`,
        },
        { contextValue: module.createContext(source) },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      expect(response.body.singleResult.errors).toBeUndefined();
      expect(response.body.singleResult.data).toEqual({
        mobilitySource: { synthetic: false, methodVersion: 'scb-mno-2024.1' },
        _entities: [{ mobility: { dayNightPopulation: { night: { value: 100, suppressed: false } } } }],
      });
    } finally {
      await server.stop();
    }
  });
});

describe('the delivered source over a delivery protected by the provider', () => {
  let source: DeliveredSource;
  const idx = (id: string) => source.areaById(id)!.idx;
  const presence = (id: string) => source.presenceFor([{ area: idx(id), date: '2022-11-20' }])[0];

  beforeAll(async () => {
    source = await deliveredSource('protected', [{ dir: path.join(FIXTURES, 'protected'), from: '2022-11-20', to: '2022-11-20', kinds: ['activities', 'od'], k: 5 }]);
  });
  afterAll(() => source?.close());

  it('counts each delivered cell as k devices and marks sums over areas as lower bounds, not delivered cells', () => {
    expect(cell(presence('deso2018:0114C1010'), 3)).toEqual({ value: 100, devices: 5 });
    expect(presence('deso2018:0114C1010').lowerBound).toBe(false);
    const regso = presence('regso2020:0114R001');
    expect(cell(regso, 3)).toEqual({ value: 150, devices: 5 });
    expect(regso.lowerBound).toBe(true);
    // The kommun was delivered itself: its own (protected) cell is used, not the DeSO sum.
    expect(cell(presence('kommun:0114'), 3)).toEqual({ value: 300, devices: 5 });
    expect(presence('kommun:0114').lowerBound).toBe(false);
    expect(presence('lan:01').lowerBound).toBe(true);
    const trips = source.tripsFor([{ area: idx('kommun:0180'), level: 'KOMMUN', date: '2022-11-20', direction: 'INCOMING' }])[0];
    expect(trips.total).toEqual({ value: 17, devices: 5 });
    expect(trips.lowerBound).toBe(true);
    expect(source.flowMatrix([idx('kommun:0114')], 'KOMMUN', '2022-11-20').lowerBound).toBe(true);
    expect(source.info.description).toContain('protected by the provider at k = 5');
  });

  it('is what the subgraph serves with MOBILITY_SOURCE=delivered, and its answers say a sum over areas is a lower bound', async () => {
    const log = createLogger('mobility', 'error');
    const served = await mobility.createSource(testConfig({ MOBILITY_SOURCE: 'delivered', MOBILITY_DELIVERY_STORE: path.join(tmp, 'protected.sqlite') }), log);
    const server = createSubgraphServer(mobility, log);
    await server.start();
    try {
      const response = await server.executeOperation(
        {
          query: `{ mobilitySource { synthetic }
                    _entities(representations: [{ __typename: "Area", id: "regso2020:0114R001" }, { __typename: "Area", id: "kommun:0114" }]) {
                      ... on Area { mobility(date: "2022-11-20") { dayNightPopulation(nightHour: 3) { night { value } disclosure { lowerBound } } } } } }`,
        },
        { contextValue: mobility.createContext(served) },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      expect(response.body.singleResult.errors).toBeUndefined();
      expect(response.body.singleResult.data).toEqual({
        mobilitySource: { synthetic: false },
        _entities: [
          { mobility: { dayNightPopulation: { night: { value: 150 }, disclosure: { lowerBound: true } } } },
          { mobility: { dayNightPopulation: { night: { value: 300 }, disclosure: { lowerBound: false } } } },
        ],
      });
    } finally {
      await server.stop();
      await mobility.closeSource?.(served);
    }
  });
});

describe('a round trip of the synthetic data set through a delivery', () => {
  let synthetic: MobilitySource;
  let delivered: DeliveredSource;
  const date = testConfig().mobility.dates[0];
  const stockholm = (area: AreaRow) => area.lan !== null && synthetic.areaByIndex(area.lan).id === 'lan:01';

  beforeAll(async () => {
    synthetic = createMobilitySource(config);
    // Activities of every DeSO and kommun of Stockholms län, and OD of every trip with an end in it, by hour and for the day.
    const activities = ['area,date,hour,type,persons,devices'];
    const areas = synthetic.areas.filter((area) => (area.level === 'DESO' || area.level === 'KOMMUN') && stockholm(area));
    const rows = synthetic.presenceFor(areas.map((area) => ({ area: area.idx, date })));
    areas.forEach((area, i) => {
      for (let hour = 0; hour <= 24; hour++) {
        for (let type = 0; type <= ANY; type++) {
          const devices = rows[i].devices[slot(hour, type)];
          if (devices > 0) activities.push(`${area.id},${date},${hour === 24 ? 'all' : hour},${['home', 'work', 'other', 'all'][type]},${rows[i].persons[slot(hour, type)]},${devices}`);
        }
      }
    });
    const store = new Database(synthetic.store.file, { readonly: true });
    const lan = synthetic.areaById('lan:01')!.idx;
    const od = ['origin,destination,date,hour,trips,devices'];
    const trips = store.prepare(`
      SELECT o_deso, d_deso, hour, sum(weight) AS trips, count(DISTINCT device) AS devices FROM trip WHERE date = ? AND (o_lan = ? OR d_lan = ?) GROUP BY 1, 2, 3
      UNION ALL
      SELECT o_deso, d_deso, 24, sum(weight), count(DISTINCT device) FROM trip WHERE date = ? AND (o_lan = ? OR d_lan = ?) GROUP BY 1, 2`)
      .all(date, lan, lan, date, lan, lan) as { o_deso: number; d_deso: number; hour: number; trips: number; devices: number }[];
    store.close();
    for (const row of trips) {
      od.push(`${synthetic.areaByIndex(row.o_deso).id},${synthetic.areaByIndex(row.d_deso).id},${date},${row.hour === 24 ? 'all' : row.hour},${row.trips},${row.devices}`);
    }
    const dir = writeFolder(path.join(tmp, 'round-trip'), { 'activities.csv': activities, 'od.csv': od });
    delivered = await deliveredSource('round-trip', [{ dir, from: date, to: date, kinds: ['activities', 'od'] }]);
  });
  afterAll(() => {
    delivered?.close();
    synthetic?.close();
  });

  it('numbers the frame areas as the synthetic source does', () => {
    for (const id of ['deso2018:0180C1010', 'regso2020:0180R001', 'kommun:0180', 'lan:01', 'country:SE']) expect(delivered.areaById(id)!.idx).toBe(synthetic.areaById(id)!.idx);
  });

  it('reproduces the presence of every DeSO and kommun of Stockholms län exactly', () => {
    const keys = synthetic.areas.filter((area) => (area.level === 'DESO' || area.level === 'KOMMUN') && stockholm(area)).map((area) => ({ area: area.idx, date }));
    expect(keys.length).toBeGreaterThan(1300);
    const expected = synthetic.presenceFor(keys);
    const actual = delivered.presenceFor(keys);
    actual.forEach((row, i) => {
      expect([...row.devices]).toEqual([...expected[i].devices]);
      row.persons.forEach((persons, s) => expect(persons).toBeCloseTo(expected[i].persons[s], 6));
    });
  });

  it('sums RegSO presence from the DeSO: persons at least the distinct persons, within a few per cent', () => {
    const keys = synthetic.areas.filter((area) => area.level === 'REGSO' && stockholm(area)).map((area) => ({ area: area.idx, date }));
    const expected = synthetic.presenceFor(keys);
    const actual = delivered.presenceFor(keys);
    let summed = 0;
    let distinct = 0;
    actual.forEach((row, i) => {
      for (let hour = 0; hour < 24; hour++) {
        expect(row.persons[slot(hour, ANY)]).toBeGreaterThanOrEqual(expected[i].persons[slot(hour, ANY)] - 1e-6);
        expect(row.devices[slot(hour, ANY)]).toBeGreaterThanOrEqual(expected[i].devices[slot(hour, ANY)]);
        summed += row.persons[slot(hour, ANY)];
        distinct += expected[i].persons[slot(hour, ANY)];
      }
    });
    expect(summed / distinct).toBeLessThan(1.05);
  });

  it('reproduces trips from and to every DeSO and kommun of the län exactly, with devices summed over destinations', () => {
    const areas = synthetic.areas.filter((area) => (area.level === 'DESO' || area.level === 'KOMMUN') && stockholm(area));
    for (const direction of ['OUTGOING', 'INCOMING'] as const) {
      const keys = areas.map((area) => ({ area: area.idx, level: area.level, date, direction }));
      const expected = synthetic.tripsFor(keys);
      const actual = delivered.tripsFor(keys);
      actual.forEach((result, i) => {
        expect(result.total.value).toBeCloseTo(expected[i].total.value, 6);
        expect(result.total.devices).toBeGreaterThanOrEqual(expected[i].total.devices);
        result.hours.forEach((hour, h) => expect(hour.value).toBeCloseTo(expected[i].hours[h].value, 6));
      });
    }
  });

  it('reproduces the Stockholm flow matrix by områdestyp and its shares', () => {
    const region = METRO_REGIONS.STOCKHOLM.map((code) => synthetic.areaById(`kommun:${code}`)!.idx);
    const expected = synthetic.flowMatrix(region, 'OMRADESTYP', date);
    const actual = delivered.flowMatrix(region, 'OMRADESTYP', date);
    const byCell = (cells: { from: string; to: string; value: number }[]) => new Map(cells.map((c) => [`${c.from}>${c.to}`, c.value]));
    const want = byCell(expected.cells);
    const got = byCell(actual.cells);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) expect(got.get(key)).toBeCloseTo(value, 6);
    expect(actual.total.value).toBeCloseTo(expected.total.value, 6);
    for (const share of ['sameArea', 'otherAreaInRegion', 'outsideRegion'] as const) expect(actual.split[share]).toBeCloseTo(expected.split[share], 9);
  });
});
