// Lineage between versions: the relations on small exact cases, and Göteborg's basområden 2021 → 2024 checked against the files themselves.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { planarAreaM2, pointInGeometry, reproject, type MultiPolygon, type Polygon, type Position } from '../lib/geojson.ts';
import { interiorPoint, PlanarPolygon, polygonsOf } from '../lib/geometry.ts';
import { computeLineage, type LineageArea, type LineageLink } from '../subgraphs/nyko/lineage.ts';
import { lineageBetweenVersions, lineageOf, versionAt } from '../subgraphs/nyko/queries.ts';
import { openNykoStore, type NykoStore } from '../subgraphs/nyko/store.ts';
import type { LineageRow } from '../subgraphs/nyko/tables.ts';
import { importVersion, type ImportVersionResult } from '../subgraphs/nyko/versions.ts';
import { E0, N0, rect } from './fixtures/nyko/store-fixtures.ts';

const area = (code: string, geometry: Polygon | null): LineageArea => ({ id: code, code, polygon: geometry ? new PlanarPolygon(geometry) : null });

describe('lineage relations on exact cases', () => {
  const before = [
    area('11', rect(0, 0)),
    area('12', rect(1, 0)),
    area('21', rect(0, 1)),
    area('22', rect(1, 1)),
    area('31', rect(0, 2, 2, 1)),
    area('41', rect(2, 0)),
    area('42', rect(2, 1)),
    area('51', rect(3, 0)),
    area('61', rect(4, 0)),
    area('81', rect(6, 0)),
    area('82', rect(7, 0)),
    area('91', rect(0, 4)),
  ];
  const after = [
    area('10', rect(0, 0, 2, 1)),
    area('210', rect(0, 1)),
    area('22', rect(1, 1)),
    area('311', rect(0, 2)),
    area('312', rect(1, 2)),
    area('41', rect(2, 0, 1, 1.3)),
    area('42', rect(2, 1.3, 1, 0.7)),
    area('51', rect(3, 0, 0.6, 1)),
    area('52', rect(3.6, 0, 0.4, 1)),
    area('71', rect(5, 0)),
    area('82', rect(6, 0, 2, 1)),
    area('92', rect(0, 4, 1.5, 1)),
  ];
  const { links, summary } = computeLineage(before, after);

  it('names each change: merge, renamed, split, boundary change, carved, absorbed, replaced, new and retired', () => {
    expect(links.map((l) => [l.fromCode, l.toCode, l.relation])).toEqual([
      [null, '71', 'new'],
      ['11', '10', 'merge'],
      ['12', '10', 'merge'],
      ['21', '210', 'renamed'],
      ['22', '22', 'unchanged'],
      ['31', '311', 'split'],
      ['31', '312', 'split'],
      ['41', '41', 'boundary_change'],
      ['42', '41', 'boundary_change'],
      ['42', '42', 'boundary_change'],
      ['51', '51', 'boundary_change'],
      ['51', '52', 'carved'],
      ['61', null, 'retired'],
      ['81', '82', 'absorbed'],
      ['82', '82', 'boundary_change'],
      ['91', '92', 'replaced'],
    ]);
  });

  it('gives the shares of both sides and the area delta of a code that kept its name', () => {
    const strip = links.find((l) => l.fromCode === '42' && l.toCode === '41') as LineageLink;
    expect(strip.overlapM2).toBeCloseTo(300_000, 0);
    expect(strip.shareOfFrom).toBeCloseTo(0.3, 6);
    expect(strip.shareOfTo).toBeCloseTo(0.3 / 1.3, 6);
    const grown = links.find((l) => l.fromCode === '41' && l.toCode === '41') as LineageLink;
    expect(grown.areaDeltaM2).toBeCloseTo(300_000, 0);
    expect(grown.iou).toBeCloseTo(1 / 1.3, 6);
    expect(links.find((l) => l.fromCode === '91')).toMatchObject({ shareOfFrom: 1, shareOfTo: expect.closeTo(2 / 3, 6) });
    expect(links.find((l) => l.toCode === '71')).toMatchObject({ fromCode: null, shareOfTo: 1 });
    expect(links.find((l) => l.fromCode === '61')).toMatchObject({ toCode: null, shareOfFrom: 1 });
  });

  it('sums up retired and new codes with where each went or came from', () => {
    expect(summary).toMatchObject({ fromAreas: 12, toAreas: 12, kept: 5, unchanged: 1, boundaryChanged: 4 });
    expect(summary.retiredCodes.map((c) => [c.code, c.relations, c.to])).toEqual([
      ['11', ['merge'], ['10']],
      ['12', ['merge'], ['10']],
      ['21', ['renamed'], ['210']],
      ['31', ['split'], ['311', '312']],
      ['61', ['retired'], []],
      ['81', ['absorbed'], ['82']],
      ['91', ['replaced'], ['92']],
    ]);
    expect(summary.newCodes.map((c) => c.code)).toEqual(['10', '210', '311', '312', '52', '71', '92']);
  });

  it('calls a small area whose border was drawn again 0.8 m off unchanged, though its IoU is below 0.99', () => {
    const small = (dx: number): Polygon => ({
      type: 'Polygon',
      coordinates: [[[E0 + dx, N0], [E0 + 50 + dx, N0], [E0 + 50 + dx, N0 + 50], [E0 + dx, N0 + 50], [E0 + dx, N0]]],
    });
    const result = computeLineage([area('1', small(0))], [area('1', small(0.8))]);
    expect(result.links).toMatchObject([{ relation: 'unchanged' }]);
    expect(result.links[0].iou).toBeLessThan(0.99);
    // Moved 10 m, a fifth of its width, it has changed.
    expect(computeLineage([area('1', small(0))], [area('1', small(10))]).links).toMatchObject([{ relation: 'boundary_change' }]);
  });

  it('matches areas without geometry (restposts, code lists) by code alone', () => {
    const result = computeLineage([area('99', null), area('98', null)], [area('99', null), area('97', null)]);
    expect(result.links.map((l) => [l.fromCode, l.toCode, l.relation])).toEqual([
      [null, '97', 'new'],
      ['98', null, 'retired'],
      ['99', '99', 'unchanged'],
    ]);
  });
});

// ---- Göteborg 2021 → 2024 ------------------------------------------------------------------------------------

interface RawFeature {
  properties: Record<string, string>;
  geometry: Polygon | MultiPolygon;
}

const DATA = path.join(PROJECT_ROOT, 'data/nyko/goteborg');
/** The two files read directly, as the independent reference: codes from their properties, geometry in SWEREF 99 TM. */
function readBasomraden(file: string, codeField: string, epsg: number): Map<string, Polygon | MultiPolygon> {
  const { features } = JSON.parse(readFileSync(path.join(DATA, file), 'utf8')) as { features: RawFeature[] };
  return new Map(features.map((f) => [f.properties[codeField], reproject(f.geometry, epsg, 3006)]));
}

/** The 2024 file writes holes as parts of a MultiPolygon: a point is inside when an odd number of parts hold it. */
function contains(geometry: Polygon | MultiPolygon, point: Position): boolean {
  return polygonsOf(geometry).filter((rings) => pointInGeometry(point, { type: 'Polygon', coordinates: rings })).length % 2 === 1;
}

/** Area with the same reading: a part inside another part is taken away from it. */
function areaOf(geometry: Polygon | MultiPolygon): number {
  const parts = polygonsOf(geometry);
  return parts.reduce((sum, rings, i) => {
    const inside = interiorPoint({ type: 'Polygon', coordinates: rings });
    const hole = inside !== null && parts.some((other, j) => j !== i && pointInGeometry(inside, { type: 'Polygon', coordinates: other }));
    return sum + (hole ? -1 : 1) * planarAreaM2({ type: 'Polygon', coordinates: rings });
  }, 0);
}

describe('Göteborg basområden 2021 → 2024', () => {
  let tmp: string;
  let store: NykoStore;
  let imported: ImportVersionResult;
  let rows: LineageRow[];
  const old = readBasomraden('basomraden_2021_epsg3007.geojson', 'basomrade', 3007);
  const current = readBasomraden('basomraden_2024_wgs84.geojson', 'BASOMRÅDE', 4326);
  const retired = [...old.keys()].filter((code) => !current.has(code)).sort();
  const created = [...current.keys()].filter((code) => !old.has(code)).sort();
  /** The codes of `within` whose area holds a point inside `code`'s area of `from`. */
  const insideOf = (code: string, from: Map<string, Polygon | MultiPolygon>, within: Map<string, Polygon | MultiPolygon>) => {
    const point = interiorPoint(from.get(code)!)!;
    return [...within.entries()].filter(([, g]) => contains(g, point)).map(([c]) => c);
  };

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-nyko-lineage-'));
    store = openNykoStore(path.join(tmp, 'nyko.sqlite'));
    imported = importVersion(store, {
      kommun: '1480',
      scheme: 'omraden',
      label: '2021',
      validFrom: '2021-01-01',
      input: { fileName: 'basomraden_2021_epsg3007.geojson', bytes: readFileSync(path.join(DATA, 'basomraden_2021_epsg3007.geojson')) },
      importedBy: 'test',
    });
    rows = lineageBetweenVersions(store, '1480/omraden/2021', '1480/omraden/2024', 'basomrade');
  }, 120_000);

  afterAll(() => {
    store?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('imports 2021 before the embedded 2024, which it ends the day before', () => {
    expect(imported).toMatchObject({ ok: true, written: true });
    expect(imported.report?.sourceCrs).toBe('EPSG:3007');
    expect(versionAt(store, '1480/omraden', '2023-12-31')).toMatchObject({ label: '2021', validTo: '2023-12-31' });
    expect(versionAt(store, '1480/omraden', '2024-01-01')).toMatchObject({ label: '2024', validTo: null });
    // Only basområde is in both versions.
    expect(imported.lineage).toMatchObject([{ from: '1480/omraden/2021', to: '1480/omraden/2024', unmatched: ['mellanomrade', 'primaromrade', 'stadsomrade'] }]);
  });

  it('finds exactly the codes one file has and the other has not: 4 retired, 8 new', () => {
    expect(retired).toEqual(['11552', '30606', '30610', '41005']);
    expect(created).toEqual(['30611', '30612', '30613', '30614', '40513', '41009', '41010', '41207']);
    const { summary } = imported.lineage[0].levels[0];
    expect(summary.retiredCodes.map((c) => c.code)).toEqual(retired);
    expect(summary.newCodes.map((c) => c.code)).toEqual(created);
    expect(summary.kept).toBe(old.size - retired.length);
    expect(summary.unchanged + summary.boundaryChanged).toBe(1008);
    // No land appeared from nowhere or vanished: every area of each version is linked to the other.
    expect(new Set(rows.flatMap((r) => (r.fromCode ? [r.fromCode] : []))).size).toBe(old.size);
    expect(new Set(rows.flatMap((r) => (r.toCode ? [r.toCode] : []))).size).toBe(current.size);
    expect(rows.filter((r) => r.relation === 'new' || r.relation === 'retired')).toEqual([]);
  });

  it('41005 was split into 41009 and 41010: both lie in it, and their areas add up to it', () => {
    expect(insideOf('41009', current, old)).toEqual(['41005']);
    expect(insideOf('41010', current, old)).toEqual(['41005']);
    const sum = areaOf(current.get('41009')!) + areaOf(current.get('41010')!);
    expect(sum / areaOf(old.get('41005')!)).toBeCloseTo(1, 1);
    const parts = rows.filter((r) => r.fromCode === '41005');
    expect(parts.map((r) => [r.toCode, r.relation])).toEqual([
      ['41009', 'split'],
      ['41010', 'split'],
    ]);
    expect(parts.every((r) => (r.shareOfTo as number) > 0.99)).toBe(true);
    expect(parts.reduce((s, r) => s + (r.shareOfFrom as number), 0)).toBeCloseTo(1, 2);
  });

  it('11552 was absorbed by 11553: it lies in the new 11553, which grew by its area', () => {
    expect(insideOf('11552', old, current)).toEqual(['11553']);
    const grown = areaOf(current.get('11553')!) - areaOf(old.get('11553')!);
    expect(grown / areaOf(old.get('11552')!)).toBeCloseTo(1, 1);
    expect(rows.filter((r) => r.fromCode === '11552').map((r) => [r.toCode, r.relation])).toEqual([['11553', 'absorbed']]);
    const same = rows.find((r) => r.fromCode === '11553' && r.toCode === '11553') as LineageRow;
    expect(same.relation).toBe('boundary_change');
    expect((same.areaDeltaM2 as number) / grown).toBeCloseTo(1, 1);
  });

  it('40513 and 41207 were carved out of areas that kept their codes', () => {
    expect(insideOf('40513', current, old)).toEqual(['40503']);
    expect(current.has('40503')).toBe(true);
    expect(rows.filter((r) => r.toCode === '40513').map((r) => [r.fromCode, r.relation])).toEqual([
      ['40502', 'carved'],
      ['40503', 'carved'],
    ]);
    const sources = rows.filter((r) => r.toCode === '41207');
    expect(sources.every((r) => r.relation === 'carved' && current.has(r.fromCode as string))).toBe(true);
    expect(sources.map((r) => r.fromCode)).toContain(insideOf('41207', current, old)[0]);
    // The areas that gave land changed their boundary.
    for (const r of sources) expect(rows.find((s) => s.fromCode === r.fromCode && s.toCode === r.fromCode)?.relation).toBe('boundary_change');
  });

  it('calls every kept code whose area changed by over 5 % and 5,000 m² a boundary change', () => {
    const changed = [...old.keys()].filter((code) => {
      if (!current.has(code)) return false;
      const delta = Math.abs(areaOf(current.get(code)!) - areaOf(old.get(code)!));
      return delta > 5000 && delta / areaOf(old.get(code)!) > 0.05;
    });
    expect(changed.length).toBeGreaterThan(30);
    for (const code of changed) expect(rows.find((r) => r.fromCode === code && r.toCode === code)?.relation, code).toBe('boundary_change');
    // And an unchanged code is the same place: its 2021 interior point lies in its own 2024 area.
    for (const r of rows.filter((row) => row.relation === 'unchanged')) expect(insideOf(r.fromCode as string, old, current), r.fromCode as string).toContain(r.fromCode);
  });

  it('walks lineage both ways from an area', () => {
    expect(lineageOf(store, 'nyko:1480/omraden/2021/basomrade/41005', 'forward').map((r) => r.toId)).toEqual([
      'nyko:1480/omraden/2024/basomrade/41009',
      'nyko:1480/omraden/2024/basomrade/41010',
    ]);
    expect(lineageOf(store, 'nyko:1480/omraden/2024/basomrade/41009', 'backward').map((r) => r.fromId)).toEqual(['nyko:1480/omraden/2021/basomrade/41005']);
    expect(lineageOf(store, 'nyko:1480/omraden/2024/basomrade/11553').map((r) => [r.fromCode, r.relation])).toEqual([
      ['11552', 'absorbed'],
      ['11553', 'boundary_change'],
    ]);
  });

  it('computes the lineage in seconds', () => {
    expect(imported.timingsMs.lineage).toBeLessThan(20_000);
  });
});
