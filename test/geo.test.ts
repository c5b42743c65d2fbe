// The geo subgraph in process: the Area hierarchy, paging, spatial lookups on real data, errors and batching.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import geo from '../subgraphs/geo/index.ts';
import type { GeoSource } from '../subgraphs/geo/source.ts';
import { inProcessSubgraph } from './harness.ts';

type Subgraph = Awaited<ReturnType<typeof inProcessSubgraph<GeoSource, object>>>;
let subgraph: Subgraph;

beforeAll(async () => {
  subgraph = await inProcessSubgraph(geo as never);
});
afterAll(() => subgraph.close());

async function data<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await subgraph.execute<T>(query, variables);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

async function errorCodes(query: string, variables?: Record<string, unknown>) {
  const result = await subgraph.execute(query, variables);
  return (result.errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message }));
}

const AREAS_AT = 'query($p: [Float!]!, $crs: CRS) { areasAt(point: $p, crs: $crs) { id } }';
const idsAt = async (p: number[], crs = 'WGS84') => (await data<{ areasAt: { id: string }[] }>(AREAS_AT, { p, crs })).areasAt.map((a) => a.id);

describe('the area hierarchy', () => {
  it('holds every län, kommun, DeSO and RegSO of both vintages', async () => {
    const count = (level: string, vintage?: number) =>
      data<{ areas: { totalCount: number } }>('query($l: AreaLevel, $v: Int) { areas(level: $l, vintage: $v, first: 1) { totalCount } }', { l: level, v: vintage }).then(
        (d) => d.areas.totalCount,
      );
    expect(await count('LAN')).toBe(21);
    expect(await count('KOMMUN')).toBe(290);
    expect(await count('DESO', 2018)).toBe(5984);
    expect(await count('DESO', 2025)).toBe(6160);
    expect(await count('DESO')).toBe(6160);
    expect(await count('REGSO', 2020)).toBe(3363);
    expect(await count('REGSO', 2025)).toBe(3363);
    expect(await count('TATORT')).toBe(2017);
    expect(await count('GRID1KM')).toBe(4004);
  });

  it('walks from Göteborg up to its län and down to its 320 DeSO 2025 and 306 DeSO 2018', async () => {
    const { area } = await data(`{ area(id: "kommun:1480") { name level vintage parent { id name } ancestors { id }
      deso: children(level: DESO) { id } deso2018: children(level: DESO, vintage: 2018) { id } } }`);
    expect(area.name).toBe('Göteborg');
    expect(area.parent).toEqual({ id: 'lan:14', name: 'Västra Götalands län' });
    expect(area.ancestors.map((a: { id: string }) => a.id)).toEqual(['lan:14', 'country:SE']);
    expect(area.deso).toHaveLength(320);
    expect(area.deso.every((a: { id: string }) => a.id.startsWith('deso2025:1480'))).toBe(true);
    expect(area.deso2018).toHaveLength(306);
  });

  it('keeps a RegSO 2020 with its own DeSO 2018 when no vintage is asked for', async () => {
    const { area } = await data('{ area(id: "regso2020:0180R047") { name parent { id } children(level: DESO) { id vintage } } }');
    expect(area.name).toBe('Klara-Jacob');
    expect(area.parent.id).toBe('kommun:0180');
    expect(area.children.length).toBeGreaterThan(0);
    expect(area.children.every((c: { vintage: number }) => c.vintage === 2018)).toBe(true);
  });

  it('lists the direct children of a kommun when no level is given', async () => {
    const { area } = await data('{ area(id: "kommun:2080") { children { id level } } }');
    const levels = new Set(area.children.map((c: { level: string }) => c.level));
    expect(levels).toEqual(new Set(['REGSO', 'TATORT', 'GRID1KM']));
  });

  it('gives a DeSO no name, and an area without shipped geometry hasGeometry false and null geometry', async () => {
    const { area } = await data('{ area(id: "deso2025:1280C1070") { name hasGeometry geometry bbox centroid areaKm2 parent { name } } }');
    expect(area).toMatchObject({ name: null, hasGeometry: false, geometry: null, bbox: null, centroid: null, areaKm2: null });
    expect(area.parent.name).toBeTruthy();
  });

  it('returns null for a well-formed id that names no area, and BAD_USER_INPUT for a malformed one', async () => {
    expect((await data('{ area(id: "kommun:0000") { id } }')).area).toBeNull();
    expect(await errorCodes('{ area(id: "kommun:148") { id } }')).toEqual([
      { code: 'BAD_USER_INPUT', message: expect.stringContaining('expected an area id like "kommun:1480"') },
    ]);
  });
});

describe('geometry', () => {
  it('serves RFC 7946 WGS84 by default and SWEREF 99 TM on request, with consistent boxes', async () => {
    const { area } = await data(`{ area(id: "deso2025:1480C2650") { hasGeometry geometrySource areaKm2
      wgs: geometry sweref: geometry(crs: SWEREF99TM) bbox swerefBox: bbox(crs: SWEREF99TM) centroid(crs: SWEREF99TM) } }`);
    expect(area.hasGeometry).toBe(true);
    expect(area.wgs.type).toBe('Polygon');
    const [lon, lat] = area.wgs.coordinates[0][0];
    expect(lon).toBeGreaterThan(11.9);
    expect(lat).toBeLessThan(57.8);
    const [e, n] = area.sweref.coordinates[0][0];
    expect(e).toBeGreaterThan(300_000);
    expect(n).toBeGreaterThan(6_390_000);
    expect(area.swerefBox[0]).toBeLessThanOrEqual(area.centroid[0]);
    expect(area.swerefBox[2]).toBeGreaterThanOrEqual(area.centroid[0]);
    expect(area.bbox[1]).toBeLessThan(area.bbox[3]);
    expect(area.areaKm2).toBeGreaterThan(0.01);
    expect(area.areaKm2).toBeLessThan(5);
    expect(area.geometrySource).toContain('DeSO 2025');
  });

  it('simplifies by a tolerance in metres to fewer vertices without dropping parts', async () => {
    const { area } = await data('{ area(id: "regso2025:1480R137") { full: geometry coarse: geometry(simplify: 200) } }');
    const vertices = (g: { type: string; coordinates: unknown[] }) => g.coordinates.flat(g.type === 'Polygon' ? 1 : 2).length;
    expect(area.coarse.type).toBe(area.full.type);
    expect(vertices(area.coarse)).toBeLessThan(vertices(area.full) / 2);
  });

  it('draws a grid square as the exact 1 km square of its id in SWEREF 99 TM', async () => {
    const { area } = await data('{ area(id: "grid1km:3520006860000") { areaKm2 bbox(crs: SWEREF99TM) parent { id } } }');
    expect(area.areaKm2).toBeCloseTo(1, 3);
    expect(area.bbox.map(Math.round)).toEqual([352000, 6860000, 353000, 6861000]);
    expect(area.parent.id).toBe('kommun:2039');
  });

  it('rejects a negative simplify tolerance', async () => {
    expect((await errorCodes('{ area(id: "lan:20") { geometry(simplify: -1) } }'))[0]?.code).toBe('BAD_USER_INPUT');
  });
});

describe('point lookups', () => {
  it('finds the DeSO, RegSO, kommun and län of Göteborg Central Station', async () => {
    expect(await idsAt([11.9736, 57.7089])).toEqual(['country:SE', 'lan:14', 'kommun:1480', 'regso2025:1480R130', 'deso2025:1480C2650']);
  });

  it('finds the same areas for the same place given in SWEREF 99 TM', async () => {
    expect(await idsAt([319698.5, 6400328.7], 'SWEREF99TM')).toEqual(await idsAt([11.9736, 57.7089]));
  });

  it('finds DeSO 2018 0180C4040 at SCB’s reference point in Stockholm, where the generalised kommun outline leaves a gap', async () => {
    const ids = await idsAt([674032, 6580822], 'SWEREF99TM');
    expect(ids).toEqual(['country:SE', 'lan:01', 'kommun:0180', 'regso2020:0180R047', 'deso2018:0180C4040']);
    expect(await idsAt([18.0586, 59.3303])).toContain('deso2018:0180C4040');
  });

  it('finds the DeSO, RegSO, kommun, län and grid square of a point in central Falun', async () => {
    const ids = await idsAt([15.6355, 60.6065]);
    expect(ids.slice(0, 3)).toEqual(['country:SE', 'lan:20', 'kommun:2080']);
    expect(ids.some((id) => id.startsWith('regso2025:2080R'))).toBe(true);
    expect(ids.some((id) => id.startsWith('deso2025:2080'))).toBe(true);
    expect(ids.some((id) => id.startsWith('grid1km:'))).toBe(true);
  });

  it('falls back to the kommun outline where no DeSO is drawn', async () => {
    expect(await idsAt([13.0007, 55.6094])).toEqual(['country:SE', 'lan:12', 'kommun:1280']);
    expect(await idsAt([20.2253, 67.8558])).toEqual(['country:SE', 'lan:25', 'kommun:2584']);
  });

  it('returns nothing for a point outside Sweden', async () => {
    expect(await idsAt([2.35, 48.85])).toEqual([]);
  });

  it.each([
    [[11.97], 'WGS84', 'expected [longitude, latitude] in degrees'],
    [[200, 57], 'WGS84', 'expected [longitude, latitude] in degrees'],
    [[57.7089, 11.9736], 'WGS84', 'reads as latitude, longitude'],
    [[11.97, 57.7], 'SWEREF99TM', 'expected [easting, northing] in metres'],
  ])('rejects the point %j in %s with BAD_USER_INPUT', async (p, crs, message) => {
    expect(await errorCodes(AREAS_AT, { p, crs })).toEqual([{ code: 'BAD_USER_INPUT', message: expect.stringContaining(message) }]);
  });
});

describe('paging and filters', () => {
  const PAGE = 'query($after: String) { areas(level: DESO, within: "kommun:1480", first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }';

  it('pages through all 320 DeSO of Göteborg with cursors, without repeats or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pageNo = 0; pageNo < 10; pageNo++) {
      const { areas }: Record<string, any> = await data(PAGE, { after });
      expect(areas.totalCount).toBe(320);
      seen.push(...areas.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!areas.pageInfo.hasNextPage) break;
      after = areas.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(320);
    expect(new Set(seen).size).toBe(320);
    expect([...seen].sort()).toEqual(seen);
  });

  it('says there is no next page when the last page is exactly full', async () => {
    const { areas } = await data('{ areas(level: LAN, first: 21) { pageInfo { hasNextPage } nodes { id } } }');
    expect(areas.nodes).toHaveLength(21);
    expect(areas.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by a box and only returns areas whose geometry meets it', async () => {
    const { areas } = await data('{ areas(level: DESO, bbox: [11.96, 57.70, 11.98, 57.71], first: 100) { nodes { id } } }');
    const ids = areas.nodes.map((n: { id: string }) => n.id);
    expect(ids).toContain('deso2025:1480C2650');
    expect(ids.every((id: string) => id.startsWith('deso2025:1480'))).toBe(true);
    expect(ids.length).toBeLessThan(40);
  });

  it('rejects a malformed box, cursor and page size with BAD_USER_INPUT', async () => {
    const codes = await Promise.all([
      errorCodes('{ areas(bbox: [12, 58, 11, 57]) { totalCount } }'),
      errorCodes('{ areas(after: "nonsense") { totalCount } }'),
      errorCodes('{ areas(first: 0) { totalCount } }'),
      errorCodes('{ areas(within: "lan:1") { totalCount } }'),
    ]);
    for (const errors of codes) expect(errors.map((e) => e.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('entity resolution', () => {
  it('resolves N Area representations with one store call, in order, with null for unknown ids', async () => {
    const spy = vi.spyOn(subgraph.source, 'areasByIds');
    const ids = ['kommun:1480', 'lan:14', 'deso2025:1480C2650', 'kommun:0000', ...Array.from({ length: 50 }, (_, i) => `kommun:${['0114', '0115', '0117', '0120', '0123'][i % 5]}`)];
    const { _entities } = await data<{ _entities: ({ id: string; name: string | null } | null)[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { id name } } }',
      { r: ids.map((id) => ({ __typename: 'Area', id })) },
    );
    expect(spy).toHaveBeenCalledTimes(1);
    expect(_entities.map((e) => e?.id ?? null)).toEqual(ids.map((id) => (id === 'kommun:0000' ? null : id)));
    expect(_entities[0]?.name).toBe('Göteborg');
    spy.mockRestore();
  });

  it('fails only the malformed representation, not the whole batch', async () => {
    const result = await subgraph.execute<{ _entities: unknown[] }>('query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { id } } }', {
      r: [{ __typename: 'Area', id: 'kommun:1480' }, { __typename: 'Area', id: 'kommun:14' }],
    });
    expect(result.data?._entities[0]).toEqual({ id: 'kommun:1480' });
    expect(result.data?._entities[1]).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('loads the children of many areas with one store call', async () => {
    const spy = vi.spyOn(subgraph.source, 'descendantsByIds');
    const { areas } = await data('{ areas(level: KOMMUN, first: 290) { nodes { children(level: DESO) { id } } } }');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(areas.nodes.reduce((sum: number, n: { children: unknown[] }) => sum + n.children.length, 0)).toBe(6160);
    spy.mockRestore();
  });
});
