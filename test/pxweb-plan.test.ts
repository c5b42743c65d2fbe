// Planning PxWeb calls: selection expressions, cell counts, the fewest-chunks split, and how requests are encoded.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GraphQLError } from 'graphql';
import { decodeMetadata, parseJson } from '../subgraphs/statistics/pxweb/jsonstat.ts';
import { dataRequest, v1DataRequest } from '../subgraphs/statistics/pxweb/query.ts';
import { planSelection, resolveSelection } from '../subgraphs/statistics/pxweb/selection.ts';
import type { Selection, TableMetadata } from '../subgraphs/statistics/pxweb/types.ts';

const metadata = decodeMetadata(
  parseJson(readFileSync(new URL('../data/scb/pxweb/v2-metadata-TAB6471-population-month-region-age-sex.json', import.meta.url), 'utf8')),
);
const everything: Selection = metadata.variables.map((v) => ({ variableCode: v.code, valueCodes: ['*'] }));

function thrown(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected an error');
}

/** How often each cell of the table is asked for by a plan's chunks (row-major index); a chunk over the limit fails the test. */
function coverage(meta: TableMetadata, chunks: Selection[], maxCells: number): Uint8Array {
  const sizes = meta.variables.map((v) => v.values.length);
  const counts = new Uint8Array(sizes.reduce((p, n) => p * n, 1));
  const index = meta.variables.map((v) => new Map(v.values.map((x, i) => [x.code, i])));
  for (const chunk of chunks) {
    const resolved = resolveSelection(meta, chunk);
    const positions = meta.variables.map((v, d) => (resolved[v.code] ?? []).map((code) => index[d].get(code) as number));
    expect(positions.reduce((p, l) => p * l.length, 1)).toBeLessThanOrEqual(maxCells);
    const mark = (d: number, base: number): void => {
      if (d === positions.length) {
        counts[base]++;
        return;
      }
      for (const p of positions[d]) mark(d + 1, base * sizes[d] + p);
    };
    mark(0, 0);
  }
  return counts;
}

describe('resolveSelection', () => {
  /** Resolves one variable's codes, the other required variables getting a single code. */
  const resolve = (variableCode: string, valueCodes: string[]): string[] => {
    const base: Record<string, string[]> = { Alder: ['TotSA'], ContentsCode: ['*'], Tid: ['2025M01'], [variableCode]: valueCodes };
    return resolveSelection(metadata, Object.entries(base).map(([code, codes]) => ({ variableCode: code, valueCodes: codes })))[variableCode];
  };

  it('resolves PxWeb expressions against the metadata values, top() on time meaning the newest', () => {
    expect(resolve('Tid', ['top(2)'])).toEqual(['2026M03', '2026M04']);
    expect(resolve('Tid', ['top(2,1)'])).toEqual(['2026M02', '2026M03']);
    expect(resolve('Tid', ['bottom(2)'])).toEqual(['2025M01', '2025M02']);
    expect(resolve('Tid', ['range(2025M11,2026M02)'])).toEqual(['2025M11', '2025M12', '2026M01', '2026M02']);
    expect(resolve('Tid', ['[range(2026M02,2026M01)]'])).toEqual(['2026M01', '2026M02']);
    expect(resolve('Tid', ['from(2026M03)'])).toEqual(['2026M03', '2026M04']);
    expect(resolve('Tid', ['to(2025M02)'])).toEqual(['2025M01', '2025M02']);
    expect(resolve('Tid', ['202?M12'])).toEqual(['2025M12']);
    expect(resolve('Region', ['????'])).toHaveLength(290);
    expect(resolve('Region', ['01*'])).toEqual(expect.arrayContaining(['01', '0114', '0180']));
    expect(resolve('Region', ['top(2)'])).toEqual(['00', '01']);
    expect(resolve('Kon', ['totsa', '2', '2'])).toEqual(['TotSa', '2']);
  });

  it('names the variable and its first codes when a non-eliminable variable is left out', () => {
    const error = thrown(() => resolveSelection(metadata, [{ variableCode: 'Alder', valueCodes: ['*'] }]));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/needs a selection for ContentsCode/);
    expect(error.message).toContain('000007SF');
  });

  it('rejects unknown variables and codes with the expected ones in the message', () => {
    const unknownVariable = thrown(() => resolveSelection(metadata, [...everything, { variableCode: 'Kommun', valueCodes: ['*'] }]));
    expect(unknownVariable.extensions.code).toBe('BAD_USER_INPUT');
    expect(unknownVariable.message).toMatch(/no variable "Kommun": expected one of Region, Alder, Kon, ContentsCode, Tid/);
    const unknownCode = thrown(() => resolve('Region', ['9999']));
    expect(unknownCode.message).toMatch(/"9999" is not a value of Region in table TAB6471: expected one of its codes \(00, 01, 0114/);
  });
});

describe('planSelection', () => {
  it('keeps a selection that fits in one call as given', () => {
    const selection: Selection = [
      { variableCode: 'Alder', valueCodes: ['TotSA'] },
      { variableCode: 'ContentsCode', valueCodes: ['*'] },
      { variableCode: 'Tid', valueCodes: ['top(3)'] },
    ];
    const plan = planSelection(metadata, selection, 150_000);
    // Region and Kon are eliminable and left out, so they count 1.
    expect(plan.cells).toBe(3);
    expect(plan.chunks).toEqual([selection]);
  });

  it.each([150_000, 100_000, 30_000, 1_000])('splits all 2 006 784 cells of TAB6471 into the fewest chunks within %i cells', (maxCells) => {
    const plan = planSelection(metadata, everything, maxCells);
    expect(plan.cells).toBe(312 * 134 * 3 * 1 * 16);
    expect(plan.minimumChunks).toBe(Math.ceil(plan.cells / maxCells));
    expect(plan.chunks.length).toBeGreaterThanOrEqual(plan.minimumChunks);
    // Every cell is asked for exactly once and no chunk passes the limit.
    expect(coverage(metadata, plan.chunks, maxCells).every((count) => count === 1)).toBe(true);
    expect(plan.splitVariables).not.toContain('ContentsCode');
  });

  it('reaches the minimum for SCB limits where an exact split exists (14 calls at 150 000)', () => {
    expect(planSelection(metadata, everything, 150_000).chunks).toHaveLength(14);
    expect(planSelection(metadata, everything, 100_000).chunks).toHaveLength(21);
  });

  it('finds the same number of chunks as a brute force over every possible split', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 1 + (seed % n);
    };
    for (let round = 0; round < 40; round++) {
      const counts = [random(9), random(7), random(5), random(4)];
      const meta: TableMetadata = {
        ...metadata,
        id: 'TEST',
        variables: counts.map((n, i) => ({
          code: `V${i}`,
          label: `v${i}`,
          time: false,
          content: i === 2,
          elimination: false,
          eliminationValueCode: null,
          values: Array.from({ length: n }, (_, j) => ({ code: `c${j}`, label: `c${j}` })),
          codelists: [],
        })),
      };
      const maxCells = random(60);
      let best = Infinity;
      const walk = (i: number, chunks: number, cells: number) => {
        if (i === counts.length) {
          if (cells <= maxCells) best = Math.min(best, chunks);
          return;
        }
        for (let k = 1; k <= counts[i]; k++) walk(i + 1, chunks * k, cells * Math.ceil(counts[i] / k));
      };
      walk(0, 1, 1);
      const plan = planSelection(meta, meta.variables.map((v) => ({ variableCode: v.code, valueCodes: ['*'] })), maxCells);
      expect({ counts, maxCells, chunks: plan.chunks.length }).toEqual({ counts, maxCells, chunks: best });
      expect(coverage(meta, plan.chunks, maxCells).every((count) => count === 1)).toBe(true);
    }
  });

  it('splits the content variable only when nothing else can make the chunks fit', () => {
    const meta: TableMetadata = {
      ...metadata,
      variables: [
        { ...metadata.variables[0], values: metadata.variables[0].values.slice(0, 2) },
        { ...metadata.variables[3], values: [1, 2, 3].map((i) => ({ code: `C${i}`, label: `c${i}` })) },
      ],
    };
    const selection: Selection = [
      { variableCode: 'Region', valueCodes: ['*'] },
      { variableCode: 'ContentsCode', valueCodes: ['*'] },
    ];
    expect(planSelection(meta, selection, 3).splitVariables).toEqual(['Region']);
    expect(planSelection(meta, selection, 2).splitVariables).toContain('ContentsCode');
  });
});

describe('dataRequest encoding', () => {
  const base = 'http://scb.test/api/v2';

  it('sends one valueCodes parameter per variable, %2B for plus, UTF-8 percent-encoding and brackets around commas', () => {
    const request = dataRequest(
      base,
      'TAB638',
      [
        { variableCode: 'Kon', valueCodes: ['1', '2', '1+2'] },
        { variableCode: 'Region', valueCodes: ['0180'], codelist: 'vs_RegionLän07' },
        { variableCode: 'Tid', valueCodes: ['range(2020,2022)', '2024'] },
      ],
      'sv',
    );
    expect(request.method).toBe('GET');
    expect(request.body).toBeUndefined();
    const query = request.url.split('?')[1];
    expect(query.split('&')).toEqual([
      'lang=sv',
      'outputFormat=json-stat2',
      'valueCodes[Kon]=1,2,1%2B2',
      'valueCodes[Region]=0180',
      'codelist[Region]=vs_RegionL%C3%A4n07',
      'valueCodes[Tid]=[range(2020,2022)],2024',
    ]);
    const names = query.split('&').map((pair) => pair.split('=')[0]);
    expect(new Set(names).size).toBe(names.length);
    // What a server decodes is what was meant.
    const decoded = new URL(request.url).searchParams;
    expect(decoded.get('valueCodes[Kon]')).toBe('1,2,1+2');
    expect(decoded.get('codelist[Region]')).toBe('vs_RegionLän07');
  });

  it('switches to POST with the selection in the body when the URL would pass 2 000 characters', () => {
    const regions = metadata.variables[0].values.map((v) => v.code);
    const ages = metadata.variables[1].values.map((v) => v.code);
    const selection: Selection = [
      { variableCode: 'Region', valueCodes: regions },
      { variableCode: 'Alder', valueCodes: ages },
      { variableCode: 'Tid', valueCodes: ['[range(2025M01,2025M03)]'] },
    ];
    const request = dataRequest(base, 'TAB6471', selection, 'en');
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${base}/tables/TAB6471/data?lang=en&outputFormat=json-stat2`);
    expect(JSON.parse(request.body as string)).toEqual({
      selection: [
        { variableCode: 'Region', valueCodes: regions },
        { variableCode: 'Alder', valueCodes: ages },
        // JSON arrays need no brackets around a comma.
        { variableCode: 'Tid', valueCodes: ['range(2025M01,2025M03)'] },
      ],
    });
    expect(dataRequest(base, 'TAB6471', [{ variableCode: 'Region', valueCodes: regions.slice(0, 20) }], 'en').method).toBe('GET');
  });

  it('builds the v1 POST body with item filters and json-stat2', () => {
    const request = v1DataRequest('https://api.scb.se/OV0104/v1/doris/sv/ssd', 'BE/BE0101/BE0101A/BefolkningNy', [
      { variableCode: 'Kon', valueCodes: ['1', '2'] },
    ]);
    expect(request).toEqual({
      method: 'POST',
      url: 'https://api.scb.se/OV0104/v1/doris/sv/ssd/BE/BE0101/BE0101A/BefolkningNy',
      body: JSON.stringify({ query: [{ code: 'Kon', selection: { filter: 'item', values: ['1', '2'] } }], response: { format: 'json-stat2' } }),
    });
  });
});
