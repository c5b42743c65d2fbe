// The NYKO subgraph through the gateway: Göteborg's areas with parents and overlaps, and imports authorized per kommun.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { newToken } from '../subgraphs/nyko/auth.ts';
import { subgraphs } from '../subgraphs/index.ts';
import nyko from '../subgraphs/nyko/index.ts';
import { inProcessSubgraph, postGraphql, startStack, type Stack } from './harness.ts';

const goteborg = newToken('goteborg-gis', ['1480']);
const malmo = newToken('malmo-gis', ['1280']);
let stack: Stack;
let dir: string;

beforeAll(async () => {
  // Imports write: each run gets its own copy of the seeded store (Göteborg 2024), so other test files see no change.
  dir = mkdtempSync(path.join(tmpdir(), 'regiongraph-nyko-'));
  const store = path.join(dir, 'nyko.sqlite');
  copyFileSync(path.join(inject('storeDir'), 'nyko.sqlite'), store);
  stack = await startStack(subgraphs, { NYKO_STORE: store, NYKO_TOKENS: [goteborg.entry, malmo.entry].join(','), RESPONSE_CACHE: 'off' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs with an Authorization header when a token is given. */
async function send<T>(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

describe('Göteborg’s NYKO areas through the gateway', () => {
  it('lists the embedded scheme with its four levels and version 2024', async () => {
    const result = await postGraphql<{ nykoSchemes: { id: string; levels: { slug: string }[]; versions: { label: string; validFrom: string; importedBy: string }[]; kommun: { name: string } }[] }>(
      stack.gatewayUrl,
      '{ nykoSchemes(kommun: "1480") { id kommun { name } levels { slug } versions { label validFrom importedBy } } }',
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data!.nykoSchemes).toEqual([
      {
        id: '1480/omraden',
        kommun: { name: 'Göteborg' },
        levels: [{ slug: 'stadsomrade' }, { slug: 'mellanomrade' }, { slug: 'primaromrade' }, { slug: 'basomrade' }],
        versions: [{ label: '2024', validFrom: '2024-01-01', importedBy: 'embedded' }],
      },
    ]);
  });

  it('gives every basområde with its primärområde, and geo places it under the kommun', async () => {
    type Row = { id: string; level: string; parent: { id: string }; nyko: { code: string; name: string | null; parent: { id: string; nyko: { level: { slug: string } } | null } } };
    const result = await postGraphql<{ nykoAreas: Row[] }>(
      stack.gatewayUrl,
      '{ nykoAreas(kommun: "1480", level: "basomrade") { id level parent { id } nyko { code name parent { id nyko { level { slug } } } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    const areas = result.body.data!.nykoAreas;
    expect(areas).toHaveLength(1016);
    expect(areas.every((area) => area.level === 'NYKO' && area.parent.id === 'kommun:1480')).toBe(true);
    expect(areas.every((area) => area.nyko.parent.nyko?.level.slug === 'primaromrade')).toBe(true);
    // Prefix-nested: a basområde's first three digits are its primärområde's code.
    expect(areas.every((area) => area.nyko.parent.id.endsWith(`/primaromrade/${area.nyko.code.slice(0, 3)}`))).toBe(true);
    expect(areas[0].id).toMatch(/^nyko:1480\/omraden\/2024\/basomrade\/\d{5}$/);
  });

  it('tops the hierarchy with the kommun, and gives the DeSO 2025 a basområde overlaps with weights', async () => {
    const result = await postGraphql<{ nykoAreas: { id: string; nyko: { parent: { id: string }; overlaps: { area: { id: string; level: string }; weight: number; shareOfNyko: number }[] } }[] }>(
      stack.gatewayUrl,
      '{ nykoAreas(kommun: "1480", level: "stadsomrade") { id nyko { parent { id } overlaps { area { id level } weight shareOfNyko } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    const stadsomraden = result.body.data!.nykoAreas;
    expect(stadsomraden.length).toBeGreaterThan(2);
    expect(stadsomraden.every((area) => area.nyko.parent.id === 'kommun:1480')).toBe(true);
    for (const area of stadsomraden) {
      expect(area.nyko.overlaps.length).toBeGreaterThan(0);
      expect(area.nyko.overlaps.every((overlap) => overlap.area.level === 'DESO' && overlap.area.id.startsWith('deso2025:1480'))).toBe(true);
      // The DeSO shares of one stadsområde cover (almost) all of it.
      const covered = area.nyko.overlaps.reduce((sum, overlap) => sum + overlap.shareOfNyko, 0);
      expect(covered).toBeGreaterThan(0.95);
    }
  });

  it('gives each of the 96 primärområden its basområden as children, 1016 in all', async () => {
    const result = await postGraphql<{ nykoAreas: { nyko: { children: { id: string }[] } }[] }>(
      stack.gatewayUrl,
      '{ nykoAreas(kommun: "1480", level: "primaromrade") { nyko { children { id } } } }',
    );
    expect(result.body.errors).toBeUndefined();
    const children = result.body.data!.nykoAreas.flatMap((area) => area.nyko.children);
    expect(result.body.data!.nykoAreas).toHaveLength(96);
    expect(children).toHaveLength(1016);
  });
});

describe('batching', () => {
  it('answers 300 NYKO areas’ fields with one store query per loader, and SCB ids with none', async () => {
    const subgraph = await inProcessSubgraph(nyko);
    try {
      const ids = subgraph.source.store.sqlite.prepare("SELECT id FROM area WHERE level_slug = 'basomrade' ORDER BY id LIMIT 300").pluck().all() as string[];
      const prepare = vi.spyOn(subgraph.source.store.sqlite, 'prepare');
      const result = await subgraph.execute<{ _entities: ({ nyko: { name: string | null; children: unknown[] } | null } | null)[] }>(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { nyko { name children { id } } } } }',
        { r: [...ids, 'kommun:1480', 'deso2025:1480C2650'].map((id) => ({ __typename: 'Area', id })) },
      );
      expect(result.errors).toBeUndefined();
      // One query for the areas by id, one for their children.
      expect(prepare).toHaveBeenCalledTimes(2);
      const entities = result.data!._entities;
      expect(entities.slice(0, 300).every((entity) => entity?.nyko !== null)).toBe(true);
      expect(entities.slice(300)).toEqual([{ nyko: null }, { nyko: null }]);
    } finally {
      vi.restoreAllMocks();
      await subgraph.close();
    }
  });
});

describe('importing through the API', () => {
  const IMPORT = `mutation($input: NykoImportInput!) { importNykoVersion(input: $input) { written areaCount version { id label validFrom importedBy } warnings { code } } }`;
  /** Two real basområden of Göteborg 2024 as a new scheme's only level. */
  const twoAreas = (() => {
    const file = JSON.parse(readFileSync(path.join(process.cwd(), 'data/nyko/goteborg/basomraden_2024_wgs84.geojson'), 'utf8')) as { features: unknown[] };
    return JSON.stringify({ ...file, features: file.features.slice(0, 2) });
  })();
  const input = (content: string) => ({ kommun: '1480', scheme: 'prov', label: '2025', validFrom: '2025-01-01', files: [{ fileName: 'prov.geojson', content }] });

  it('refuses an import without a token, or with a token for another kommun, and saves nothing', async () => {
    const anonymous = await send(IMPORT, { input: input(twoAreas) });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const wrong = await send(IMPORT, { input: input(twoAreas) }, malmo.token);
    expect(wrong.errors?.[0]).toMatchObject({ message: expect.stringContaining('may write kommun 1280, not 1480'), extensions: { code: 'FORBIDDEN' } });
    const forged = await send(IMPORT, { input: input(twoAreas) }, `${goteborg.token}x`);
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const schemes = await postGraphql<{ nykoSchemes: { id: string }[] }>(stack.gatewayUrl, '{ nykoSchemes(kommun: "1480") { id } }');
    expect(schemes.body.data!.nykoSchemes.map((scheme) => scheme.id)).toEqual(['1480/omraden']);
  });

  it('refuses a bad file with every problem listed and saves nothing', async () => {
    const duplicated = JSON.parse(twoAreas) as { features: { properties: Record<string, unknown> }[] };
    duplicated.features[1].properties = { ...duplicated.features[0].properties };
    const result = await send(IMPORT, { input: input(JSON.stringify(duplicated)) }, goteborg.token);
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Import rejected: \d+ errors?, \d+ warnings? \(nothing was saved\)$/), extensions: { code: 'NYKO_IMPORT_INVALID' } });
    const issues = result.errors![0].extensions!.issues as { severity: string; code: string; hint: string }[];
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'ERROR', code: 'DUPLICATE_CODE' }));
    expect(issues.every((issue) => issue.hint.length > 0)).toBe(true);
    const areas = await postGraphql<{ nykoSchemes: { id: string }[] }>(stack.gatewayUrl, '{ nykoSchemes(kommun: "1480") { id } }');
    expect(areas.body.data!.nykoSchemes).toHaveLength(1);
  });

  it('imports a good file for the token’s kommun, and the new areas are Areas at once', async () => {
    const result = await send<{ importNykoVersion: { written: boolean; areaCount: number; version: { id: string; importedBy: string } } }>(IMPORT, { input: input(twoAreas) }, goteborg.token);
    expect(result.errors).toBeUndefined();
    expect(result.data!.importNykoVersion).toMatchObject({ written: true, areaCount: 2, version: { id: '1480/prov/2025', importedBy: 'goteborg-gis' } });
    const areas = await postGraphql<{ nykoAreas: { id: string; nyko: { name: string | null; version: { label: string } } }[] }>(
      stack.gatewayUrl,
      '{ nykoAreas(kommun: "1480", scheme: "prov") { id nyko { name version { label } } } }',
    );
    expect(areas.body.errors).toBeUndefined();
    expect(areas.body.data!.nykoAreas).toHaveLength(2);
    expect(areas.body.data!.nykoAreas.every((area) => area.nyko.version.label === '2025')).toBe(true);
    // The kommun now has two schemes: a query must name one.
    const ambiguous = await postGraphql(stack.gatewayUrl, '{ nykoAreas(kommun: "1480") { id } }');
    expect(ambiguous.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('several NYKO schemes'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});
