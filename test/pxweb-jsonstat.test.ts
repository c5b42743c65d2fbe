// Decoding SCB's recorded PxWeb responses (JSON-stat 2.0, v1 json and metadata), missing values, merging and slicing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeJsonStat,
  decodeMetadata,
  decodeV1Json,
  decodeV1Metadata,
  mergeDatasets,
  parseJson,
  sliceDataset,
  stripBom,
} from '../subgraphs/statistics/pxweb/jsonstat.ts';
import { packDataset, unpackDataset } from '../subgraphs/statistics/pxweb/cache.ts';
import type { DecodedDataset } from '../subgraphs/statistics/pxweb/types.ts';

const fixture = (name: string): unknown => parseJson(readFileSync(new URL(`../data/scb/pxweb/${name}`, import.meta.url), 'utf8'));

const tab6471 = () => decodeJsonStat(fixture('v2-data-TAB6471-jsonstat2.json'));
const cell = (dataset: DecodedDataset, codes: Record<string, string>) =>
  dataset.rows.find((row) => dataset.dimensions.every((d, i) => row.codes[i] === codes[d.code]));

describe('decodeJsonStat on SCB v2 data', () => {
  it('reads all 2 772 values of TAB6471 row-major, the last dimension varying fastest', () => {
    const dataset = tab6471();
    expect(dataset.tableId).toBe('TAB6471');
    expect(dataset.rows).toHaveLength(2772);
    expect(dataset.dimensions.map((d) => [d.code, d.values.length])).toEqual([
      ['Region', 21],
      ['Alder', 11],
      ['Kon', 3],
      ['ContentsCode', 1],
      ['Tid', 4],
    ]);
    expect(dataset.rows.slice(0, 4)).toEqual(
      ['2026M01', '2026M02', '2026M03', '2026M04'].map((month, i) => ({
        codes: ['01', '0-9', 'TotSa', '000007SF', month],
        value: [245284, 247245, 249358, 251635][i],
        status: null,
      })),
    );
    expect(dataset.dimensions[0].values[0]).toEqual({ code: '01', label: 'Stockholms län' });
    // The last cell is the last category of every dimension.
    expect(dataset.rows.at(-1)?.codes).toEqual(['25', '100+10', '2', '000007SF', '2026M04']);
  });

  it('marks time and content from role and takes units from the metric dimension', () => {
    const dataset = tab6471();
    expect(dataset.dimensions.filter((d) => d.time).map((d) => d.code)).toEqual(['Tid']);
    expect(dataset.dimensions.filter((d) => d.content).map((d) => d.code)).toEqual(['ContentsCode']);
    expect(dataset.units).toEqual({ '000007SF': { unit: 'antal', decimals: 0, measuringType: 'Stock', refPeriod: 'Respektive månad' } });
    expect(dataset.updated).toBe('2026-06-08T06:00:00Z');
  });

  it('flags the Cell Key Method from the Swedish note on CKM tables and not on older ones', () => {
    expect(tab6471().cellKeyNoise).toBe(true);
    const ckm = decodeJsonStat(fixture('v2-data-TAB5557-ckm-stockholm-2025-all-ages-jsonstat2.json'));
    expect(ckm.tableId).toBe('TAB5557');
    expect(ckm.cellKeyNoise).toBe(true);
    expect(ckm.rows).toHaveLength(137);
    expect(decodeJsonStat(fixture('v1-data-TAB3554-HE0110-income-jsonstat2.json')).cellKeyNoise).toBe(false);
  });

  it('reads v1 json-stat2 output, taking the v2 table id from extension.px', () => {
    const dataset = decodeJsonStat(fixture('v1-data-TAB3554-HE0110-income-jsonstat2.json'));
    expect(dataset.tableId).toBe('TAB3554');
    expect(dataset.rows).toHaveLength(9);
    expect(cell(dataset, { Kon: '1+2', Alder: 'tot16+', ContentsCode: 'HE0110J8', Tid: '2022' })?.value).toBe(316.6);
    expect(dataset.units.HE0110J8).toMatchObject({ unit: 'tkr', decimals: 1 });
  });

  it('falls back to the label when extension.px.tableid is missing', () => {
    const raw = fixture('v1-data-TAB3554-HE0110-income-jsonstat2.json') as Record<string, unknown>;
    const { extension: _, ...withoutPx } = raw;
    expect(decodeJsonStat(withoutPx).tableId).toBe(raw.label);
  });
});

/** A hand-made dataset: no recorded SCB response holds a status, so suppression is tested on this one. */
function suppressedDataset(value: unknown, status: unknown, index: unknown = { '0180': 0, '1480': 1 }): unknown {
  return {
    version: '2.0',
    class: 'dataset',
    label: 'Test',
    source: 'SCB',
    updated: '2026-01-01T00:00:00Z',
    id: ['Region', 'Tid'],
    size: [2, 2],
    role: { time: ['Tid'] },
    dimension: {
      Region: { label: 'region', category: { index, label: { '0180': 'Stockholm', '1480': 'Göteborg' } } },
      Tid: { label: 'år', category: { index: { '2023': 0, '2024': 1 } } },
    },
    value,
    ...(status === undefined ? {} : { status }),
  };
}

describe('missing values and statuses', () => {
  it('keeps a null value null with its status from a status object, never 0', () => {
    const dataset = decodeJsonStat(suppressedDataset([10, null, 30, null], { '1': '..', '3': '.' }));
    expect(dataset.rows.map((r) => [r.value, r.status])).toEqual([
      [10, null],
      [null, '..'],
      [30, null],
      [null, '.'],
    ]);
  });

  it('reads a status array, a single status for every cell, and a sparse value object', () => {
    expect(decodeJsonStat(suppressedDataset([1, 2, null, 4], [null, 'p', '..', null])).rows.map((r) => r.status)).toEqual([null, 'p', '..', null]);
    expect(decodeJsonStat(suppressedDataset([1, 2, 3, 4], 'p')).rows.map((r) => r.status)).toEqual(['p', 'p', 'p', 'p']);
    const sparse = decodeJsonStat(suppressedDataset({ '0': 5, '3': 7 }, { '1': '..' }));
    expect(sparse.rows.map((r) => r.value)).toEqual([5, null, null, 7]);
    expect(sparse.rows.map((r) => r.status)).toEqual([null, '..', null, null]);
  });

  it('orders categories by an index array, or by label order when there is no index', () => {
    const byArray = decodeJsonStat(suppressedDataset([1, 2, 3, 4], undefined, ['1480', '0180']));
    expect(byArray.dimensions[0].values.map((v) => v.code)).toEqual(['1480', '0180']);
    expect(byArray.dimensions[0].values[0].label).toBe('Göteborg');
    const byLabel = decodeJsonStat(suppressedDataset([1, 2, 3, 4], undefined, undefined));
    expect(byLabel.dimensions[0].values.map((v) => v.code)).toEqual(['0180', '1480']);
  });

  it('refuses a dataset whose value count does not match its sizes', () => {
    expect(() => decodeJsonStat(suppressedDataset([1, 2, 3], undefined))).toThrow(/3 values for 4 cells/);
  });

  it('reads v1 json strings: ".." becomes null with status "..", numbers stay numbers', () => {
    const dataset = decodeV1Json({
      columns: [
        { code: 'Region', text: 'region', type: 'd' },
        { code: 'Tid', text: 'år', type: 't' },
        { code: 'A', text: 'Antal', type: 'c' },
      ],
      data: [
        { key: ['0180', '2020'], values: ['..'] },
        { key: ['1480', '2020'], values: ['219.7'] },
      ],
    });
    expect(dataset.rows).toEqual([
      { codes: ['0180', '2020', 'A'], value: null, status: '..' },
      { codes: ['1480', '2020', 'A'], value: 219.7, status: null },
    ]);
  });
});

describe('v1 formats', () => {
  it('strips the UTF-8 byte order mark SCB v1 puts before JSON', () => {
    expect(stripBom('\uFEFF{"a":1}')).toBe('{"a":1}');
    expect(parseJson('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it('turns the c columns of v1 json into one ContentsCode dimension, with labels and order from v1 metadata', () => {
    const metadata = decodeV1Metadata(fixture('v1-metadata-BefolkningNy-en.json'), 'BE/BE0101/BE0101A/BefolkningNy');
    expect(metadata.variables.map((v) => [v.code, v.values.length, v.elimination, v.time, v.content])).toEqual([
      ['Region', 312, true, false, false],
      ['Civilstand', 4, true, false, false],
      ['Alder', 102, true, false, false],
      ['Kon', 2, true, false, false],
      ['ContentsCode', 2, false, false, true],
      ['Tid', 55, false, true, false],
    ]);
    const dataset = decodeV1Json(fixture('v1-data-BefolkningNy-json-en.json'), metadata);
    expect(dataset.tableId).toBe('BE/BE0101/BE0101A/BefolkningNy');
    expect(dataset.updated).toBe('2023-02-09T07:57:00Z');
    expect(dataset.dimensions.map((d) => d.code)).toEqual(['Civilstand', 'Kon', 'ContentsCode', 'Tid']);
    expect(dataset.dimensions[0].values[0]).toEqual({ code: 'OG', label: 'single' });
    expect(dataset.rows).toHaveLength(24);
    expect(cell(dataset, { Civilstand: 'OG', Kon: '1', ContentsCode: 'BE0101N1', Tid: '2015' })?.value).toBe(2762601);
  });

  it('reads the DeSO v1 json with seven content columns into 544 × 7 rows', () => {
    const dataset = decodeV1Json(fixture('v1-data-Tab3InkDesoN-deso-stockholm-2020-json-sv.json'));
    expect(dataset.dimensions.map((d) => [d.code, d.values.length])).toEqual([
      ['Region', 544],
      ['Tid', 1],
      ['ContentsCode', 7],
    ]);
    expect(dataset.rows).toHaveLength(544 * 7);
    expect(cell(dataset, { Region: '0180C1010', Tid: '2020', ContentsCode: '000005FT' })?.value).toBe(219.7);
    expect(dataset.dimensions[2].values.find((v) => v.code === '000005FN')?.label).toBe('Antal personer totalt');
  });
});

describe('decodeMetadata on SCB v2 metadata', () => {
  it('reads variables, elimination, codelists (SCB spells them codelists) and the CKM note', () => {
    const metadata = decodeMetadata(fixture('v2-metadata-TAB6471-population-month-region-age-sex.json'));
    expect(metadata.id).toBe('TAB6471');
    expect(metadata.variables.map((v) => [v.code, v.values.length, v.elimination])).toEqual([
      ['Region', 312, true],
      ['Alder', 134, false],
      ['Kon', 3, true],
      ['ContentsCode', 1, false],
      ['Tid', 16, false],
    ]);
    expect(metadata.variables[0].codelists.map((c) => c.id)).toEqual(['vs_CKM01Riket', 'vs_CKM02Län', 'vs_CKM03Kommun']);
    expect(metadata.cellKeyNoise).toBe(true);
    expect(metadata.units['000007SF'].unit).toBe('antal');
  });

  it('accepts the spec spelling codeLists and reads eliminationValueCode', () => {
    const raw = structuredClone(fixture('v2-metadata-TAB6471-population-month-region-age-sex.json')) as {
      dimension: Record<string, { extension: Record<string, unknown> }>;
    };
    const region = raw.dimension.Region.extension;
    region.codeLists = region.codelists;
    delete region.codelists;
    raw.dimension.Kon.extension.eliminationValueCode = 'TotSa';
    const metadata = decodeMetadata(raw);
    expect(metadata.variables[0].codelists).toHaveLength(3);
    expect(metadata.variables[2].eliminationValueCode).toBe('TotSa');
  });
});

/** Splits a dataset into parts along one dimension, as separate calls would return it. */
function splitAlong(dataset: DecodedDataset, dimension: string, groups: string[][]): DecodedDataset[] {
  return groups.map((codes) => sliceDataset(dataset, { [dimension]: codes }) as DecodedDataset);
}

describe('mergeDatasets', () => {
  it('merges a real dataset split along two variables back into the original', () => {
    const original = tab6471();
    const regions = original.dimensions[0].values.map((v) => v.code);
    const byRegion = splitAlong(original, 'Region', [regions.slice(0, 7), regions.slice(7, 15), regions.slice(15)]);
    const parts = byRegion.flatMap((part) => splitAlong(part, 'Tid', [['2026M01', '2026M02'], ['2026M03', '2026M04']]));
    expect(parts).toHaveLength(6);
    // Merge them out of order: the result must not depend on the order calls finished in.
    const merged = mergeDatasets([...parts].reverse());
    const metadata = decodeMetadata(fixture('v2-metadata-TAB6471-population-month-region-age-sex.json'));
    expect(mergeDatasets(parts, metadata)).toEqual(original);
    expect(merged.rows).toHaveLength(original.rows.length);
    expect(new Set(merged.rows.map((r) => `${r.codes.join('|')}=${r.value}`))).toEqual(new Set(original.rows.map((r) => `${r.codes.join('|')}=${r.value}`)));
  });

  it('refuses two parts that disagree on a cell', () => {
    const original = tab6471();
    const changed = structuredClone(original);
    changed.rows[0] = { ...changed.rows[0], value: 1 };
    expect(() => mergeDatasets([original, changed])).toThrow(/Conflicting values for cell 01, 0-9, TotSa, 000007SF, 2026M01/);
  });

  it('accepts the same cell twice when both parts agree', () => {
    const original = tab6471();
    expect(mergeDatasets([original, original]).rows).toHaveLength(2772);
  });
});

describe('sliceDataset', () => {
  it('keeps the requested codes in the requested order and refuses codes the dataset lacks', () => {
    const sliced = sliceDataset(tab6471(), { Region: ['03', '01'], Tid: ['2026M04'] }) as DecodedDataset;
    expect(sliced.dimensions[0].values.map((v) => v.code)).toEqual(['03', '01']);
    expect(sliced.rows).toHaveLength(2 * 11 * 3 * 1 * 1);
    expect(sliced.rows[0].codes).toEqual(['03', '0-9', 'TotSa', '000007SF', '2026M04']);
    expect(sliceDataset(tab6471(), { Region: ['0180'] })).toBeNull();
  });
});

describe('cache packing', () => {
  it('packs a complete grid without codes and a partial one with positions, both back to equal datasets', () => {
    const grid = tab6471();
    const packed = packDataset(grid);
    expect(packed.positions).toBeUndefined();
    expect(unpackDataset(JSON.parse(JSON.stringify(packed)))).toEqual(grid);
    const partial = { ...grid, rows: grid.rows.filter((_, i) => i % 3 === 0) };
    const packedPartial = packDataset(partial);
    expect(packedPartial.positions).toBeDefined();
    expect(unpackDataset(JSON.parse(JSON.stringify(packedPartial)))).toEqual(partial);
  });
});
