// Checks the local PxWebApi 2.0 fake (test/fake-pxweb.ts) with plain fetch, so client tests can trust it behaves like SCB.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakePxWeb, syntheticMetadata, type FakePxWeb, type JsonStatDataset } from './fake-pxweb.ts';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../data/scb/pxweb/${name}`, import.meta.url), 'utf8')) as T;

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: await response.json() };
}
const postJson = (url: string, body: unknown) => getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** TAB6471 selection as GET parameters. */
function tab6471Query(codes: Record<string, string>): string {
  return Object.entries(codes)
    .map(([variable, value]) => `valueCodes[${variable}]=${encodeURIComponent(value)}`)
    .join('&');
}
const BASE = { Region: '01', Alder: '0-9', Kon: 'TotSa', ContentsCode: '000007SF', Tid: '2026M01' };
const categories = (data: JsonStatDataset, dim: string) => Object.keys(data.dimension[dim].category.index);

let fake: FakePxWeb;
beforeAll(async () => {
  fake = await startFakePxWeb({ maxCallsPerTimeWindow: 1000 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('config and call window', () => {
  it('serves /config from the fixture with the limits in force', async () => {
    const { status, body } = await getJson(`${fake.url}/config`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ apiVersion: '2.2.0', defaultLanguage: 'sv', maxDataCells: 150000, maxCallsPerTimeWindow: 1000, timeWindow: 10 });
  });

  it('answers 429 problem+json with Retry-After once the window is full, and records the violation', async () => {
    const limited = await startFakePxWeb({ maxCallsPerTimeWindow: 3, timeWindow: 0.3 });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${limited.url}/tables/TAB6471`)).status).toBe(200);
      const over = await fetch(`${limited.url}/tables/TAB6471/metadata`);
      expect(over.status).toBe(429);
      expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(over.headers.get('retry-after')).toBe('1');
      expect(await over.json()).toEqual({ title: 'Too many requests', status: 429 });
      expect(limited.violations).toHaveLength(1);
      expect((await fetch(`${limited.url}/config`)).status).toBe(200); // /config is never limited
      await new Promise((resolve) => setTimeout(resolve, 320));
      expect((await fetch(`${limited.url}/tables/TAB6471`)).status).toBe(200);
      expect(limited.violations).toHaveLength(1);
      expect(limited.calls.map((c) => c.status)).toEqual([200, 200, 200, 429, 200, 200]);
    } finally {
      await limited.close();
    }
  });
});

describe('tables', () => {
  it('pages the table list and filters it by query', async () => {
    const first = await getJson(`${fake.url}/tables?pageSize=7`);
    const total = first.body.page.totalElements;
    expect(total).toBe(32); // 20 + 10 recorded entries, TAB6471, TAB5557
    expect(first.body.page).toMatchObject({ pageNumber: 1, pageSize: 7, totalPages: 5 });
    expect(first.body.page.links.map((l: { rel: string }) => l.rel)).toEqual(['next', 'last']);
    const last = await getJson(`${fake.url}/tables?pageSize=7&pageNumber=5`);
    expect(last.body.tables).toHaveLength(4);
    expect((await getJson(`${fake.url}/tables?pageSize=7&pageNumber=6`)).status).toBe(404);

    const search = await getJson(`${fake.url}/tables?query=FOLKMÄNGDEN%20per%20månad`);
    expect(search.body.tables.map((t: { id: string }) => t.id)).toContain('TAB6471');
    const byId = await getJson(`${fake.url}/tables?query=tab5557`);
    expect(byId.body.tables.map((t: { id: string }) => t.id)).toEqual(['TAB5557']);
  });

  it('serves table entries with links to itself, and a 404 problem for an unknown table', async () => {
    const { body } = await getJson(`${fake.url}/tables/TAB6471`);
    expect(body).toMatchObject({ id: 'TAB6471', updated: '2026-06-08T06:00:00Z', firstPeriod: '2025M01', lastPeriod: '2026M04', timeUnit: 'Monthly' });
    expect(body.links[0].href).toBe(`${fake.url}/tables/TAB6471?lang=sv`);
    expect((await getJson(`${fake.url}/tables/TAB4707`)).status).toBe(200); // a recorded list entry
    for (const path of ['/tables/TAB0', '/tables/TAB0/metadata', '/tables/TAB0/data?valueCodes[Tid]=*']) {
      const missing = await getJson(`${fake.url}${path}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(missing.body).toEqual({ type: 'Parameter error', title: 'Non-existent table', status: 404 });
    }
  });

  it('serves the recorded TAB6471 metadata and TAB5557 metadata built from its data', async () => {
    const tab6471 = await getJson(`${fake.url}/tables/TAB6471/metadata?lang=sv`);
    const recorded = JSON.stringify(fixture('v2-metadata-TAB6471-population-month-region-age-sex.json'));
    expect(tab6471.body).toEqual(JSON.parse(recorded.replaceAll('https://statistikdatabasen.scb.se/api/v2', fake.url))); // links point to the fake
    const tab5557 = await getJson(`${fake.url}/tables/TAB5557/metadata`);
    expect(tab5557.body.value).toEqual([]);
    expect(tab5557.body.id).toEqual(['Region', 'Civilstand', 'Alder', 'Kon', 'ContentsCode', 'Tid']);
    expect(tab5557.body.extension.px.tableid).toBe('TAB5557');
  });

  it('adds synthetic tables and moves their updated stamp', async () => {
    fake.addTable(
      syntheticMetadata({
        id: 'TAB9999',
        variables: [
          { code: 'Region', values: ['0180', '1480'] },
          { code: 'ContentsCode', values: ['X1'], content: true },
          { code: 'Tid', values: ['2023', '2024'], time: true },
        ],
      }),
    );
    const query = 'valueCodes[Region]=*&valueCodes[ContentsCode]=X1&valueCodes[Tid]=top(1)';
    const before = await getJson(`${fake.url}/tables/TAB9999/data?${query}`);
    expect(before.body.size).toEqual([2, 1, 1]);
    fake.setUpdated('TAB9999', '2027-01-01T06:00:00Z');
    expect((await getJson(`${fake.url}/tables/TAB9999/metadata`)).body.updated).toBe('2027-01-01T06:00:00Z');
    const after = await getJson(`${fake.url}/tables/TAB9999/data?${query}`);
    expect(after.body.updated).toBe('2027-01-01T06:00:00Z');
    expect(after.body.value).toEqual(before.body.value); // deterministic values
  });
});

describe('data', () => {
  it('answers JSON-stat 2.0 with the real recorded value where the fixture has the cell', async () => {
    const { status, body } = await getJson(`${fake.url}/tables/TAB6471/data?lang=sv&outputFormat=json-stat2&${tab6471Query(BASE)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: '2.0', class: 'dataset', id: ['Region', 'Alder', 'Kon', 'ContentsCode', 'Tid'], size: [1, 1, 1, 1, 1], value: [245284] });
    expect(body.role).toEqual({ time: ['Tid'], metric: ['ContentsCode'] });
    expect(body.dimension.ContentsCode.category.unit).toEqual({ '000007SF': { base: 'antal', decimals: 0 } });
    expect(body.dimension.Region.category.label).toEqual({ '01': 'Stockholms län' });
    expect(body.extension.px.tableid).toBe('TAB6471');
    expect(body.note[0]).toMatch(/referensåret 2025/);
    expect(fake.cell('TAB6471', BASE)).toEqual({ value: 245284, status: null });
  });

  it('resolves selection expressions like PxWebApi', async () => {
    const tid = async (expr: string) =>
      categories((await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Tid: expr })}`)).body, 'Tid');
    expect(await tid('top(2)')).toEqual(['2026M03', '2026M04']); // newest on the time variable
    expect(await tid('[top(2,1)]')).toEqual(['2026M02', '2026M03']);
    expect(await tid('bottom(1)')).toEqual(['2025M01']);
    expect(await tid('[range(2025M05,2025M03)]')).toEqual(['2025M03', '2025M04', '2025M05']);
    expect(await tid('from(2026M03)')).toEqual(['2026M03', '2026M04']);
    expect(await tid('to(2025M02)')).toEqual(['2025M01', '2025M02']);
    expect(await tid('2026M04,2025M01')).toEqual(['2025M01', '2026M04']); // metadata order
    expect(await tid('202?M12')).toEqual(['2025M12']);
    expect(await tid('2026*')).toHaveLength(4);
    expect(await tid('*')).toHaveLength(16);
    const region = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Region: '????' })}`);
    expect(region.body.size[0]).toBe(290);
    const alder = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Alder: 'top(3)' })}`);
    expect(categories(alder.body, 'Alder')).toEqual(['0', 'TotSA', '-4']);
    // An unbracketed range over GET splits at its comma: SCB answers 400.
    const unbracketed = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Tid: 'range(2025M01,2025M03)' })}`);
    expect(unbracketed.body).toEqual({ type: 'Parameter error', title: 'Illegal selection expression', status: 400 });
  });

  it('uses only the first of repeated valueCodes parameters', async () => {
    const { body } = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query(BASE)}&valueCodes[Region]=03`);
    expect(categories(body, 'Region')).toEqual(['01']);
  });

  it('answers a POST selection exactly like the same GET', async () => {
    const get = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Region: '01,03', Tid: 'top(2)' })}&codelist[Region]=vs_CKM02Län`);
    const post = await postJson(`${fake.url}/tables/TAB6471/data?outputFormat=json-stat2`, {
      selection: [
        { variableCode: 'Region', codelist: 'vs_CKM02Län', valueCodes: ['01', '03'] },
        { variableCode: 'Alder', valueCodes: ['0-9'] },
        { variableCode: 'Kon', valueCodes: ['TotSa'] },
        { variableCode: 'ContentsCode', valueCodes: ['000007SF'] },
        { variableCode: 'Tid', valueCodes: ['top(2)'] },
      ],
    });
    expect(post.status).toBe(200);
    expect(post.body).toEqual(get.body);
    expect(post.body.value).toEqual([249358, 251635, 39613, 39950]); // all four cells are in the recorded fixture
    expect(fake.calls.at(-1)).toMatchObject({ method: 'POST', body: { selection: expect.any(Array) }, status: 200 });
  });

  it('eliminates an omitted eliminable variable and rejects a missing mandatory one', async () => {
    const { Kon: _kon, Region: _region, ...rest } = BASE;
    const eliminated = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query(rest)}`);
    expect(eliminated.body.id).toEqual(['Alder', 'ContentsCode', 'Tid']); // no eliminationValueCode in TAB6471's metadata: dropped
    // TAB5557's Kon has eliminationValueCode TotSa: kept with that one value (and the recorded number).
    const tab5557 = await getJson(`${fake.url}/tables/TAB5557/data?valueCodes[Region]=0180&valueCodes[Civilstand]=SC&valueCodes[Alder]=0&valueCodes[ContentsCode]=000007ME&valueCodes[Tid]=2025`);
    expect(tab5557.body.id).toEqual(['Region', 'Civilstand', 'Alder', 'Kon', 'ContentsCode', 'Tid']);
    expect(categories(tab5557.body, 'Kon')).toEqual(['TotSa']);
    expect(tab5557.body.value).toEqual([11063]);
    const { Tid: _tid, ...noTime } = BASE;
    expect((await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query(noTime)}`)).body).toEqual({
      type: 'Parameter error',
      title: 'Missing selection for mandatory variable',
      status: 400,
    });
  });

  it('answers SCB problem bodies for unknown variables, values, codelists and too many cells', async () => {
    const problem = async (query: string) => (await getJson(`${fake.url}/tables/TAB6471/data?${query}`)).body;
    expect(await problem(`${tab6471Query(BASE)}&valueCodes[Nope]=1`)).toEqual({ type: 'Parameter error', title: 'Non-existent variable', status: 400 });
    expect(await problem(tab6471Query({ ...BASE, Region: '9999' }))).toEqual({ type: 'Parameter error', title: 'Non-existent value', status: 400 });
    expect(await problem(tab6471Query({ ...BASE, Tid: '[range(2025M01,1999M01)]' }))).toMatchObject({ title: 'Non-existent value' });
    expect(await problem(`${tab6471Query(BASE)}&codelist[Region]=vs_Nope`)).toMatchObject({ title: 'Non-existent codelist', status: 400 });
    const tooMany = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Region: '*', Alder: '*', Tid: '*' })}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ title: 'Too many cells selected', status: 400 });
    fake.config.maxDataCells = 10; // live limit
    try {
      expect((await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Tid: '*' })}`)).status).toBe(400);
    } finally {
      fake.config.maxDataCells = 150_000;
    }
  });

  it('applies codelists: recorded ones and approximated region valuesets', async () => {
    const kommuner = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Region: '*' })}&codelist[Region]=vs_CKM03Kommun`);
    expect(kommuner.body.size[0]).toBe(290);
    const meta = await getJson(`${fake.url}/tables/TAB6471/metadata?codelist[Alder]=${encodeURIComponent('agg_Ålder10årJ')}`);
    expect(Object.keys(meta.body.dimension.Alder.category.index)).toHaveLength(11);
  });

  it('sends missing cells as null with status ".." (never 0)', async () => {
    const { body } = await getJson(`${fake.url}/tables/TAB6471/data?${tab6471Query({ ...BASE, Region: '*', Alder: '10-19,20-29' })}`);
    const missing = Object.entries(body.status as Record<string, string>);
    expect(missing.length).toBeGreaterThan(0);
    for (const [index, symbol] of missing) {
      expect(symbol).toBe('..');
      expect(body.value[Number(index)]).toBeNull();
    }
    expect(body.value.filter((v: number | null) => v === null)).toHaveLength(missing.length);
    expect(body.value.filter((v: number | null) => v === 0)).toHaveLength(0);

    const custom = await startFakePxWeb({ suppressed: (_table, codes) => codes.Region === '01' });
    try {
      const cell = await getJson(`${custom.url}/tables/TAB6471/data?${tab6471Query(BASE)}`);
      expect(cell.body).toMatchObject({ value: [null], status: { '0': '..' } });
    } finally {
      await custom.close();
    }
  });
});

describe('codelists, unknown paths and faults', () => {
  it('serves the recorded codelist under its percent-encoded non-ASCII id, at both spellings', async () => {
    for (const segment of ['codelists', 'codeLists']) {
      const { status, body } = await getJson(`${fake.url}/${segment}/${encodeURIComponent('agg_Ålder10årJ')}?lang=sv`);
      expect(status).toBe(200);
      expect(body.id).toBe('agg_Ålder10årJ');
      expect(body.values).toHaveLength(11);
    }
    expect(fake.calls[0].path).toBe('/api/v2/codelists/agg_Ålder10årJ');
    expect((await getJson(`${fake.url}/codelists/vs_Nope`)).status).toBe(404);
    const unknown = await getJson(`${fake.url}/navigation`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('injects statuses, delays and socket resets for the next calls', async () => {
    fake.failNext(2, { status: 503 }, '/metadata');
    expect((await fetch(`${fake.url}/tables/TAB6471`)).status).toBe(200); // path filter
    expect((await fetch(`${fake.url}/tables/TAB6471/metadata`)).status).toBe(503);
    expect((await fetch(`${fake.url}/tables/TAB6471/metadata`)).status).toBe(503);
    expect((await fetch(`${fake.url}/tables/TAB6471/metadata`)).status).toBe(200);

    fake.failNext(1, { status: 429, retryAfter: 7 });
    const limited = await fetch(`${fake.url}/tables/TAB6471`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    expect(fake.violations).toHaveLength(0); // injected, not caused by the client

    fake.failNext(1, { delayMs: 150 });
    const started = performance.now();
    expect((await fetch(`${fake.url}/config`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    fake.failNext(1, { destroy: true });
    await expect(fetch(`${fake.url}/config`)).rejects.toThrow();
    expect(fake.calls.at(-1)).toMatchObject({ status: 0, fault: { destroy: true } });
  });

  it('goes down and comes back on the same port', async () => {
    const server = await startFakePxWeb();
    try {
      expect((await fetch(`${server.url}/config`)).status).toBe(200);
      await server.stop();
      await expect(fetch(`${server.url}/config`)).rejects.toThrow();
      await server.restart();
      expect((await fetch(`${server.url}/config`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
