// Tests for the NYKO import library: every format, every issue code with the feature it names, the real municipal files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { fromWgs84, toWgs84 } from '../lib/crs.ts';
import { areaKm2, pointInGeometry, reproject, type MultiPolygon, type Polygon, type Position } from '../lib/geojson.ts';
import { interiorPoint, isClockwise } from '../lib/geometry.ts';
import { readCsv } from '../lib/csv.ts';
import {
  importNyko,
  importNykoLayers,
  NYKO_ISSUE_CODES,
  type NykoImportOptions,
  type NykoInput,
  type NykoIssue,
  type NykoIssueCode,
  type NykoParseResult,
} from '../subgraphs/nyko/import/index.ts';
import { esriPrjForLocalZone, writeZip, zippedShapefile, type ShapefileFeature } from './fixtures/nyko/shapefile-writer.ts';

const DATA = path.join(PROJECT_ROOT, 'data', 'nyko');
const dataFile = (relative: string): NykoInput => ({ fileName: path.basename(relative), bytes: readFileSync(path.join(DATA, relative)) });
const readGeoJson = (relative: string) =>
  JSON.parse(readFileSync(path.join(DATA, relative), 'utf8')) as { features: { properties: Record<string, unknown>; geometry: Polygon | MultiPolygon }[] };

/** Every issue code any test produced, to check at the end that each code of the registry is exercised. */
const seen = new Set<NykoIssueCode>();

function run(input: NykoInput, options: Partial<NykoImportOptions> = {}): NykoParseResult {
  const result = importNyko(input, { kommun: '1480', ...options });
  record(result);
  return result;
}

function record(result: NykoParseResult): NykoParseResult {
  for (const issue of result.issues) {
    seen.add(issue.code);
    // Every issue says what is wrong and how to fix it.
    expect(issue.message.length).toBeGreaterThan(10);
    expect(issue.hint.length).toBeGreaterThan(10);
  }
  return result;
}

function issues(result: NykoParseResult, code: NykoIssueCode): NykoIssue[] {
  return result.issues.filter((issue) => issue.code === code);
}

function errors(result: NykoParseResult): NykoIssue[] {
  return result.issues.filter((issue) => issue.severity === 'error');
}

// ---- synthetic areas: 1 km tiles in SWEREF 99 TM south-west of Göteborg's centre -----------------------------

const E0 = 315_000;
const N0 = 6_395_000;

function ring(points: Position[]): Position[] {
  return [...points, points[0]];
}

function tile(i: number, j: number, width = 1000, height = width): Polygon {
  const e = E0 + i * 1000;
  const n = N0 + j * 1000;
  return {
    type: 'Polygon',
    coordinates: [
      ring([
        [e, n],
        [e + width, n],
        [e + width, n + height],
        [e, n + height],
      ]),
    ],
  };
}

type Feature = { type: 'Feature'; properties: Record<string, unknown>; geometry: unknown };
const feature = (properties: Record<string, unknown>, geometry: unknown): Feature => ({ type: 'Feature', properties, geometry });

/** A GeoJSON file with a legacy crs member (default SWEREF 99 TM) or none (`crs: null`). */
function geojson(features: Feature[], crs: string | null = 'urn:ogc:def:crs:EPSG::3006', fileName = 'areas.geojson'): NykoInput {
  const collection = { type: 'FeatureCollection', ...(crs ? { crs: { type: 'name', properties: { name: crs } } } : {}), features };
  return { fileName, bytes: Buffer.from(JSON.stringify(collection)) };
}

/** The n-th tile of a 3 × 3 block as a feature with a code. */
const tiles = (codes: string[]) => codes.map((code, k) => feature({ NYKO: code }, tile(k % 3, Math.floor(k / 3))));

/** A WGS84 kommun outline around the block of tiles (with a margin). */
const kommunAround = (margin = 500): Polygon =>
  reproject(
    {
      type: 'Polygon',
      coordinates: [
        ring([
          [E0 - margin, N0 - margin],
          [E0 + 3000 + margin, N0 - margin],
          [E0 + 3000 + margin, N0 + 3000 + margin],
          [E0 - margin, N0 + 3000 + margin],
        ]),
      ],
    },
    3006,
    4326,
  );

const csv = (text: string, fileName = 'koder.csv'): NykoInput => ({ fileName, bytes: Buffer.from(text) });

// ---- the real files ----------------------------------------------------------------------------------------

describe('formats', () => {
  let basomraden2024: NykoParseResult;
  beforeAll(() => {
    basomraden2024 = run(dataFile('goteborg/basomraden_2024_wgs84.geojson'));
  });

  it('reads RFC 7946 GeoJSON in WGS84: Göteborg basområden 2024, codes as five-digit strings', () => {
    const result = basomraden2024;
    expect(result.ok).toBe(true);
    expect(errors(result)).toEqual([]);
    expect(result.sourceCrs).toBe('EPSG:4326');
    expect(result.sources[0]).toMatchObject({ format: 'geojson', crsFrom: 'coordinates', mapping: { code: 'BASOMRÅDE', name: null } });
    expect(result.areas).toHaveLength(1016);
    expect(result.areas.every((a) => /^\d{5}$/.test(a.code) && a.level === 1 && a.levelName === 'basområde')).toBe(true);
    expect(new Set(result.areas.map((a) => a.code)).size).toBe(1016);
  });

  it('measures areas in SWEREF 99 TM and returns RFC 7946 geometry, untouched where no repair was needed', () => {
    const raw = readGeoJson('goteborg/basomraden_2024_wgs84.geojson').features;
    const repaired = new Set(issues(basomraden2024, 'GEOMETRY_REPAIRED').map((i) => i.feature));
    for (const area of basomraden2024.areas) {
      const geometry = area.geometry as MultiPolygon;
      for (const rings of geometry.coordinates) rings.forEach((r, i) => expect(isClockwise(r)).toBe(i > 0));
      if (repaired.has(area.feature as number)) continue;
      expect(area.areaM2).toBeCloseTo(areaKm2(raw[area.feature as number].geometry) * 1e6, 0);
    }
  });

  it('repairs what conversion left in the 2024 file: holes written as parts, a spike, a twisted lobe of 11 m²', () => {
    const repaired = issues(basomraden2024, 'GEOMETRY_REPAIRED');
    expect(repaired.every((i) => i.severity === 'warning')).toBe(true);
    expect([...new Set(repaired.map((i) => i.feature))].sort((a, b) => (a as number) - (b as number))).toEqual([109, 538, 546, 565, 620, 941, 943]);
    const lobe = repaired.find((i) => i.feature === 546) as NykoIssue;
    expect(lobe.message).toMatch(/twisted lobe of 11\.\d m²/);
    // 41606's second part (9,233 m²) lies inside its first: read as a hole, the area is the difference.
    const raw = readGeoJson('goteborg/basomraden_2024_wgs84.geojson').features[620].geometry as MultiPolygon;
    const [outer, inner] = raw.coordinates.map((rings) => areaKm2({ type: 'Polygon', coordinates: rings }) * 1e6);
    expect(basomraden2024.areas.find((a) => a.code === '41606')?.areaM2).toBeCloseTo(outer - inner, 0);
  });

  it('reads legacy crs members: Göteborg 2021 in EPSG:3007 lands where the 2024 file puts the same codes', () => {
    const result = run(dataFile('goteborg/basomraden_2021_epsg3007.geojson'));
    expect(result.ok).toBe(true);
    expect(result.sourceCrs).toBe('EPSG:3007');
    expect(result.sources[0]).toMatchObject({ crsFrom: 'crs member', mapping: { code: 'basomrade' } });
    expect(result.areas).toHaveLength(1012);
    const newer = new Map(basomraden2024.areas.map((a) => [a.code, a.geometry as MultiPolygon]));
    const common = result.areas.filter((a) => newer.has(a.code));
    const placed = common.filter((a) => pointInGeometry(interiorPoint(a.geometry as MultiPolygon) as Position, newer.get(a.code) as MultiPolygon));
    expect(common.length).toBeGreaterThan(1000);
    expect(placed.length / common.length).toBeGreaterThan(0.97);
  });

  it('reads EPSG:3011 (Stockholm) with codes stored as numbers, and EPSG:3008 (Malmö)', () => {
    const stockholm = run(dataFile('stockholm/basomraden_2016_epsg3011.geojson'), { kommun: '0180' });
    expect(stockholm.ok).toBe(true);
    expect(stockholm.sourceCrs).toBe('EPSG:3011');
    expect(stockholm.areas).toHaveLength(419);
    expect(stockholm.areas.every((a) => /^\d{7}$/.test(a.code))).toBe(true);
    expect(issues(stockholm, 'CODE_AS_NUMBER')).toHaveLength(1);
    // Elverket, 1110250, lies in Vasastan: 59.340 N, 18.062 E.
    const elverket = stockholm.areas.find((a) => a.code === '1110250');
    expect(elverket?.name).toBe('Elverket');
    const [lon, lat] = interiorPoint(elverket?.geometry as MultiPolygon) as Position;
    expect(Math.abs(lat - 59.34)).toBeLessThan(0.01);
    expect(Math.abs(lon - 18.062)).toBeLessThan(0.01);

    const malmo = run(dataFile('malmo/delomraden_epsg3008.geojson'), { kommun: '1280' });
    expect(malmo.ok).toBe(true);
    expect(malmo.sourceCrs).toBe('EPSG:3008');
    expect(malmo.levels[0]).toMatchObject({ name: 'delområde', count: 136, codeLength: 5 });
    expect(malmo.areas.find((a) => a.code === '10101')?.name).toBe('VÄSTRA HAMNEN');
    expect(new Set(malmo.areas.map((a) => a.code.slice(0, 2))).size).toBe(10);
  });

  it('refuses Stockholm stadsdelar, which have names but no codes, and takes them with the name as explicit code', () => {
    const refusedResult = run(dataFile('stockholm/stadsdelar_2021_crs84_simplified.geojson'), { kommun: '0180' });
    expect(refusedResult.ok).toBe(false);
    expect(errors(refusedResult).map((i) => i.code)).toEqual(['CODE_FIELD_MISSING']);
    expect(errors(refusedResult)[0].message).toContain('its fields are name');
    expect(errors(refusedResult)[0].hint).toContain('mapping.code');

    const named = run(dataFile('stockholm/stadsdelar_2021_crs84_simplified.geojson'), { kommun: '0180', mapping: { code: 'name', name: 'name' }, levelName: 'stadsdel' });
    expect(named.ok).toBe(true);
    expect(named.sources[0].crsFrom).toBe('crs member');
    expect(named.areas).toHaveLength(117);
    expect(named.areas.find((a) => a.code === 'BAGARMOSSEN')).toMatchObject({ name: 'BAGARMOSSEN', levelName: 'stadsdel' });
  });

  describe('zipped shapefiles', () => {
    // Fifteen Göteborg primärområden in SWEREF 99 12 00, as the city's own shapefiles come.
    const source = readGeoJson('goteborg/primaromraden_2024_wgs84.geojson').features.slice(0, 15);
    const shapes: ShapefileFeature[] = source.map((f) => ({
      properties: { PRIMÄROMRÅDE: f.properties['PRIMÄROMRÅ'] as string, PRIMÄRNAMN: f.properties['PRIMÄRNAMN'] as string, AREA_KM2: f.properties.AREA_KM2 as number },
      geometry: reproject(f.geometry, 4326, 3007),
    }));
    const fields = [
      { name: 'PRIMÄROMRÅDE', type: 'C' as const, length: 3 },
      { name: 'PRIMÄRNAMN', type: 'C' as const, length: 40 },
      { name: 'AREA_KM2', type: 'N' as const, length: 8, decimals: 2 },
    ];
    // The writer cuts the field name PRIMÄROMRÅDE to 10 bytes, as dBase does: PRIMÄROMRÅ in Windows-1252.
    const prj = esriPrjForLocalZone('SWEREF99_12_00', 12);
    const zip = (files: Parameters<typeof writeZip>[0], fileName = 'primaromraden.zip'): NykoInput => ({ fileName, bytes: writeZip(files) });
    const reference = () => run(geojson(source.map((f) => feature(f.properties, f.geometry)), null, 'primaromraden.geojson'));

    it('reads a cp1252 .dbf with å/ä/ö and a 10-character field name, its .cpg and .prj, stored or deflated', () => {
      const expected = reference();
      for (const method of ['store', 'deflate'] as const) {
        const result = run(zip(zippedShapefile('Primärområden', shapes, fields, { prj, cpg: '1252', method })));
        expect(result.ok).toBe(true);
        expect(result.sources[0]).toMatchObject({ format: 'shapefile', layer: 'Primärområden', crs: 'EPSG:3007', crsFrom: '.prj', encoding: 'windows-1252' });
        expect(result.sources[0].mapping).toMatchObject({ code: 'PRIMÄROMRÅ', name: 'PRIMÄRNAMN' });
        expect(result.areas.map((a) => [a.code, a.name])).toEqual(expected.areas.map((a) => [a.code, a.name]));
        expect(result.areas.map((a) => a.name)).toContain('Kungsladugård');
        result.areas.forEach((area, i) => expect(area.areaM2).toBeCloseTo(expected.areas[i].areaM2 as number, 0));
        expect(issues(result, 'ENCODING')).toEqual([]);
      }
    });

    it('reads a UTF-8 .dbf when the .cpg says so, and assumes Windows-1252 without a .cpg, with a warning', () => {
      // In UTF-8, Ä and Å take two bytes each, so the 10-byte cut leaves PRIMÄROMR and PRIMÄRNAM, still recognised.
      const utf8 = run(zip(zippedShapefile('p', shapes, fields, { prj, cpg: 'UTF-8', encoding: 'utf-8' })));
      expect(utf8.ok).toBe(true);
      expect(utf8.sources[0].mapping).toMatchObject({ code: 'PRIMÄROMR', name: 'PRIMÄRNAM' });
      expect(utf8.sources[0].encoding).toBe('utf-8');
      expect(utf8.areas.map((a) => a.name)).toContain('Kungsladugård');
      const assumed = run(zip(zippedShapefile('p', shapes, fields, { prj })));
      expect(assumed.ok).toBe(true);
      expect(assumed.areas.map((a) => a.name)).toContain('Kungsladugård');
      expect(issues(assumed, 'ENCODING')).toMatchObject([{ severity: 'warning' }]);
      expect(issues(assumed, 'ENCODING')[0].message).toContain('Windows-1252');
    });

    it('decodes code page 437 entry names (Statistikområde) and repairs names already mangled to Statistikomr†de', () => {
      const cp437 = run(zip(zippedShapefile('Statistikområde_polygons', shapes, fields, { prj, cpg: '1252', nameEncoding: 'cp437' })));
      expect(cp437.sources[0].layer).toBe('Statistikområde_polygons');
      const mangled = run(zip(zippedShapefile('Statistikomr†de_polygons', shapes, fields, { prj, cpg: '1252', nameEncoding: 'utf-8' })));
      expect(mangled.sources[0].layer).toBe('Statistikområde_polygons');
    });

    it('asks which layer to read when a zip holds several shapefiles, and reads the one named', () => {
      const files = [...zippedShapefile('primär', shapes, fields, { prj, cpg: '1252' }), ...zippedShapefile('bas', shapes.slice(0, 3), fields, { prj, cpg: '1252' })];
      const ambiguous = run(zip(files));
      expect(errors(ambiguous)).toMatchObject([{ code: 'MULTIPLE_LAYERS' }]);
      expect(errors(ambiguous)[0].message).toContain('primär, bas');
      const chosen = run(zip(files), { layer: 'bas.shp' });
      expect(chosen.ok).toBe(true);
      expect(chosen.areas).toHaveLength(3);
    });

    it('refuses a zip without .dbf, and a .shp without .prj until the crs option names the zone', () => {
      const noDbf = run(zip(zippedShapefile('p', shapes, fields, { prj, omit: ['.dbf'] })));
      expect(errors(noDbf)).toMatchObject([{ code: 'INVALID_FILE' }]);
      expect(errors(noDbf)[0].message).toContain('no .dbf');
      const noPrj = run(zip(zippedShapefile('p', shapes, fields, { cpg: '1252' })));
      expect(errors(noPrj).map((i) => i.code)).toEqual(['CRS_AMBIGUOUS']);
      const withOption = run(zip(zippedShapefile('p', shapes, fields, { cpg: '1252' })), { crs: 'EPSG:3007' });
      expect(withOption.ok).toBe(true);
      expect(withOption.sources[0]).toMatchObject({ crs: 'EPSG:3007', crsFrom: 'option' });
    });

    it('recognises zones by .prj parameters, refuses RT90, and assigns shapefile holes to their shells', () => {
      const custom = prj.replace('SWEREF99_12_00', 'Lokalt').replaceAll('12.0]', '13.5]');
      const byParameters = run(zip(zippedShapefile('p', [{ properties: { KOD: '1' }, geometry: tile(0, 0) }], [{ name: 'KOD', type: 'C', length: 4 }], { prj: custom })), {
        kommun: '1280',
      });
      expect(byParameters.sources[0].crs).toBe('EPSG:3008');
      const rt90 = 'PROJCS["RT90_25_gon_V",GEOGCS["GCS_RT_1990",DATUM["D_RT_1990",SPHEROID["Bessel_1841",6377397.155,299.1528128]]],PROJECTION["Transverse_Mercator"]]';
      const refusedRt90 = run(zip(zippedShapefile('p', shapes.slice(0, 1), fields, { prj: rt90 })));
      expect(errors(refusedRt90)).toMatchObject([{ code: 'CRS_UNKNOWN' }]);
      expect(errors(refusedRt90)[0].message).toContain('RT90_25_gon_V');
      const [e, n] = [E0, N0];
      const holed: Polygon = {
        type: 'Polygon',
        coordinates: [
          ring([
            [e, n],
            [e + 1000, n],
            [e + 1000, n + 1000],
            [e, n + 1000],
          ]),
          ring([
            [e + 250, n + 250],
            [e + 250, n + 750],
            [e + 750, n + 750],
            [e + 750, n + 250],
          ]),
        ],
      };
      const tm = 'PROJCS["SWEREF99_TM",GEOGCS["GCS_SWEREF99",DATUM["D_SWEREF99",SPHEROID["GRS_1980",6378137.0,298.257222101]]],PROJECTION["Transverse_Mercator"]]';
      const withHole = run(zip(zippedShapefile('p', [{ properties: { KOD: '1' }, geometry: holed }], [{ name: 'KOD', type: 'C', length: 4 }], { prj: tm })));
      expect(withHole.ok).toBe(true);
      expect(withHole.sourceCrs).toBe('EPSG:3006');
      expect(withHole.areas[0].areaM2).toBeCloseTo(1e6 - 250_000, 0);
    });
  });

  describe('CSV code lists', () => {
    it('reads codes, names and parents with ; and a byte-order mark, levels from the parent column', () => {
      const result = run(csv('\uFEFFkod;namn;överordnad\r\n1;Centrum;\r\n2;Hisingen;\r\n11;Inom Vallgraven;1\r\n12;Haga;1\r\n21;Lundby;2\r\n'));
      expect(result.ok).toBe(true);
      expect(result.sourceCrs).toBeNull();
      expect(result.sources[0]).toMatchObject({ format: 'csv', mapping: { code: 'kod', name: 'namn', parent: 'överordnad' } });
      expect(result.levels.map((l) => [l.name, l.count, l.parentLink])).toEqual([
        ['nivå 1', 2, null],
        ['nivå 2', 3, 'field'],
      ]);
      expect(result.areas.find((a) => a.code === '12')).toMatchObject({ name: 'Haga', parentCode: '1', level: 2, geometry: null, areaM2: null });
    });

    it('takes field names from the mapping and level names from the levels option, with commas', () => {
      const result = run(csv('id,label,up\n1,Centrum,\n11,Haga,1\n'), { mapping: { code: 'id', name: 'label', parent: 'up' }, levels: [{ name: 'stadsområde' }, { name: 'primärområde' }] });
      expect(result.ok).toBe(true);
      expect(result.areas.map((a) => [a.code, a.levelName, a.parentCode])).toEqual([
        ['1', 'stadsområde', null],
        ['11', 'primärområde', '1'],
      ]);
    });

    it('derives the parent level from parent codes that no row defines (Göteborg basområde → primärområde)', () => {
      const result = run(dataFile('goteborg/hierarchy_2024.csv'), { mapping: { code: 'basomrade', parent: 'primaromrade' } });
      expect(result.ok).toBe(true);
      expect(result.levels.map((l) => [l.name, l.count, l.origin])).toEqual([
        ['primärområde', 96, 'derived'],
        ['basområde', 1016, 'features'],
      ]);
    });
  });
});

// ---- validation: each issue code with the feature it names --------------------------------------------------

describe('validation', () => {
  it('refuses unreadable files: broken JSON, no features, an unknown format, a bare .shp', () => {
    const broken = run({ fileName: 'a.geojson', bytes: Buffer.from('{"type": "FeatureCollection", "features": [') });
    expect(errors(broken)).toMatchObject([{ code: 'INVALID_FILE' }]);
    expect(errors(run(geojson([])))).toMatchObject([{ code: 'INVALID_FILE' }]);
    expect(errors(run({ fileName: 'areas.xlsx', bytes: Buffer.from([0xd0, 0xcf, 0x11, 0xe0]) }))).toMatchObject([{ code: 'UNSUPPORTED_FORMAT' }]);
    const bareShp = run({ fileName: 'areas.shp', bytes: Buffer.from([0, 0, 0x27, 0x0a]) });
    expect(errors(bareShp)[0].hint).toContain('Zip');
  });

  it('refuses a bad kommun code as an invalid option', () => {
    expect(errors(run(geojson(tiles(['1'])), { kommun: 'Göteborg' }))).toMatchObject([{ code: 'INVALID_OPTION', value: 'Göteborg' }]);
  });

  it('refuses a CRS it does not support and a declaration that contradicts the coordinates', () => {
    const rt90 = run(geojson(tiles(['1']), 'urn:ogc:def:crs:EPSG::3021'));
    expect(errors(rt90)).toMatchObject([{ code: 'CRS_UNKNOWN', value: 'urn:ogc:def:crs:EPSG::3021' }]);
    const degrees = run(geojson([feature({ NYKO: '1' }, reproject(tile(0, 0), 3006, 4326))], 'urn:ogc:def:crs:EPSG::3007'));
    expect(errors(degrees)).toMatchObject([{ code: 'CRS_MISMATCH' }]);
    expect(errors(degrees)[0].message).toContain('degrees');
  });

  it('never guesses a local zone: projected coordinates without a CRS are refused, naming the zones that fit the kommun', () => {
    const raw = readGeoJson('goteborg/basomraden_2021_epsg3007.geojson').features.slice(0, 20);
    const input = geojson(raw.map((f) => feature(f.properties, f.geometry)), null);
    const refused = run(input);
    expect(refused.ok).toBe(false);
    expect(errors(refused).map((i) => i.code)).toEqual(['CRS_AMBIGUOUS']);
    expect(errors(refused)[0].hint).toContain('crs option');
    expect(errors(refused)[0].hint).toContain('EPSG:3018');
    const kommuner = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'data/geo/kommuner_scb_generalized_2024.wgs84.geojson'), 'utf8'));
    const goteborg = kommuner.features.find((f: { properties: { kommunkod: string } }) => f.properties.kommunkod === '1480').geometry;
    const named = run(input, { kommunBoundary: goteborg });
    expect(errors(named)[0].message).toContain('Read as EPSG:3007, they land inside the kommun');
    expect(run(input, { crs: 'EPSG:3007' }).ok).toBe(true);
  });

  it('lets the crs option override the file with a warning, and puts areas read in the wrong CRS outside Sweden', () => {
    const overridden = run(geojson(tiles(['1']), 'urn:ogc:def:crs:EPSG::3008'), { crs: '3006' });
    expect(overridden.ok).toBe(true);
    expect(issues(overridden, 'CRS_OVERRIDDEN')).toMatchObject([{ severity: 'warning' }]);
    const local = reproject(tile(0, 0), 3006, 3007);
    const misread = run(geojson([feature({ NYKO: '1' }, local), feature({ NYKO: '2' }, local)], 'EPSG:3006'));
    expect(errors(misread)).toMatchObject([
      { code: 'OUTSIDE_SWEDEN', feature: 0 },
      { code: 'OUTSIDE_SWEDEN', feature: 1 },
    ]);
  });

  it('names the field the mapping asks for that no feature has', () => {
    const result = run(geojson(tiles(['1'])), { mapping: { code: 'nyckel' } });
    expect(errors(result)).toMatchObject([{ code: 'FIELD_NOT_FOUND', field: 'nyckel' }]);
    expect(errors(result)[0].hint).toContain('NYKO');
  });

  it('reports missing, non-integral and duplicate codes with their features', () => {
    const result = run(geojson([...tiles(['101', '102', '101']), feature({ NYKO: null }, tile(0, 1)), feature({ NYKO: 103.5 }, tile(1, 1))]));
    expect(errors(result)).toEqual([
      expect.objectContaining({ code: 'INVALID_CODE', feature: 4, value: '103.5' }),
      expect.objectContaining({ code: 'DUPLICATE_CODE', feature: 2, value: '101', related: [{ source: 0, feature: 0, code: '101' }] }),
      expect.objectContaining({ code: 'MISSING_CODE', feature: 3 }),
    ]);
  });

  it('turns codes stored as numbers into text and refuses lost leading zeros unless asked to restore them', () => {
    const numbers = [1010, 1020, 990, 1030].map((code, k) => feature({ NYKO: code }, tile(k % 3, Math.floor(k / 3))));
    const refused = run(geojson(numbers));
    expect(issues(refused, 'CODE_AS_NUMBER')).toMatchObject([{ severity: 'warning' }]);
    expect(errors(refused)).toMatchObject([{ code: 'LEADING_ZEROS_LOST', feature: 2, value: '990' }]);
    expect(errors(refused)[0].hint).toContain('restoreLeadingZeros');
    const restored = run(geojson(numbers), { restoreLeadingZeros: true });
    expect(restored.ok).toBe(true);
    expect(restored.areas.map((a) => a.code)).toEqual(['1010', '1020', '0990', '1030']);
    expect(issues(restored, 'LEADING_ZEROS_LOST')).toMatchObject([{ severity: 'warning' }]);
    const widened = run(geojson(numbers), { codeWidth: 5 });
    expect(widened.areas.map((a) => a.code)).toEqual(['01010', '01020', '00990', '01030']);
    const decimals = run(geojson([feature({ NYKO: '24407.0' }, tile(0, 0))]));
    expect(decimals.areas[0].code).toBe('24407');
    expect(issues(decimals, 'CODE_AS_NUMBER')[0].message).toContain('"24407.0" → "24407"');
  });

  it('reports invalid geometry per feature: unclosed ring, not a polygon, too few points, malformed coordinates', () => {
    const open = tile(0, 0);
    open.coordinates[0].pop();
    const result = run(
      geojson([
        feature({ NYKO: '1' }, open),
        feature({ NYKO: '2' }, { type: 'Point', coordinates: [E0, N0] }),
        feature({ NYKO: '3' }, { type: 'Polygon', coordinates: [ring([[E0, N0], [E0 + 10, N0]])] }),
        feature({ NYKO: '4' }, { type: 'Polygon', coordinates: [[['a', 'b']]] }),
      ]),
    );
    expect(errors(result).map((i) => [i.code, i.feature])).toEqual([
      ['INVALID_GEOMETRY', 0],
      ['INVALID_GEOMETRY', 1],
      ['INVALID_GEOMETRY', 2],
      ['INVALID_GEOMETRY', 3],
    ]);
    expect(errors(result)[0].message).toContain('not closed');
    expect(errors(result)[1].message).toContain('Point');
  });

  it('refuses a self-intersection larger than the repair limit and a hole outside its shell, where they are', () => {
    const bowtie: Polygon = {
      type: 'Polygon',
      coordinates: [
        ring([
          [E0, N0],
          [E0 + 1000, N0 + 1000],
          [E0 + 1000, N0],
          [E0, N0 + 800],
        ]),
      ],
    };
    const holeOutside = tile(2, 2);
    holeOutside.coordinates.push(tile(5, 5, 100).coordinates[0].slice().reverse());
    const result = run(geojson([feature({ NYKO: '1' }, bowtie), feature({ NYKO: '2' }, holeOutside)]));
    expect(errors(result).map((i) => [i.code, i.feature])).toEqual([
      ['SELF_INTERSECTION', 0],
      ['HOLE_OUTSIDE_SHELL', 1],
    ]);
    const crossing = fromWgs84(errors(result)[0].position as Position, 3006);
    expect(crossing[0] - E0).toBeCloseTo(4000 / 9, 0);
  });

  it('allows a restpost without geometry and warns about other areas without one', () => {
    const result = run(geojson([...tiles(['101', '102']), feature({ NYKO: '99' }, null), feature({ NYKO: '103' }, null)]));
    expect(result.ok).toBe(true);
    expect(issues(result, 'MISSING_GEOMETRY')).toMatchObject([{ severity: 'warning', feature: 3, value: '103' }]);
    expect(result.areas.find((a) => a.code === '99')).toMatchObject({ geometry: null, areaM2: null });
  });

  it('reports overlapping areas of one level: an error above the tolerances, a warning for a sliver', () => {
    const overlapping = run(geojson([feature({ NYKO: '1' }, tile(0, 0)), feature({ NYKO: '2' }, tile(0.5, 0)), feature({ NYKO: '3' }, tile(5, 0))]));
    expect(errors(overlapping)).toMatchObject([{ code: 'OVERLAP', feature: 0, related: [{ feature: 1, code: '2' }] }]);
    expect(errors(overlapping)[0].areaM2).toBeCloseTo(500_000, 3);
    const sliver = run(geojson([feature({ NYKO: '1' }, tile(0, 0, 1000.5, 1000)), feature({ NYKO: '2' }, tile(1, 0))]));
    expect(sliver.ok).toBe(true);
    expect(issues(sliver, 'OVERLAP')).toMatchObject([{ severity: 'warning', feature: 0 }]);
    expect(issues(sliver, 'OVERLAP')[0].areaM2).toBeCloseTo(500, 3);
  });

  it('warns about a gap enclosed by a level with its size and a point inside it', () => {
    const codes = ['1', '2', '3', '4', 'hole', '6', '7', '8', '9'];
    const result = run(geojson(tiles(codes).filter((f) => f.properties.NYKO !== 'hole')));
    expect(result.ok).toBe(true);
    const [gap] = issues(result, 'GAP');
    expect(gap).toMatchObject({ severity: 'warning', level: 'nyckelkodsområde' });
    expect(gap.areaM2).toBeCloseTo(1e6, 3);
    const [e, n] = fromWgs84(gap.position as Position, 3006);
    expect(e > E0 + 1000 && e < E0 + 2000 && n > N0 + 1000 && n < N0 + 2000).toBe(true);
    expect(result.stats.levels[0]).toMatchObject({ gaps: 1 });
  });

  it('checks areas against the kommun boundary: far away is an error, partly outside a warning, a whole level outside an error', () => {
    const result = run(geojson([...tiles(['1', '2', '3']), feature({ NYKO: '4' }, tile(0, 2, 1000, 1800)), feature({ NYKO: '5' }, tile(60, 0))]), { kommunBoundary: kommunAround() });
    expect(errors(result)).toMatchObject([{ code: 'OUTSIDE_MUNICIPALITY', feature: 4, value: '5' }]);
    expect(errors(result)[0].message).toMatch(/wholly outside kommun 1480, 5\d\.\d km from its boundary/);
    const [partly] = issues(result, 'OUTSIDE_MUNICIPALITY').filter((i) => i.severity === 'warning');
    expect(partly).toMatchObject({ related: [{ feature: 3, code: '4' }] });
    expect(partly.areaM2).toBeCloseTo(300_000, 0);
    const elsewhere = run(geojson(tiles(['1', '2'])), { kommunBoundary: reproject(tile(-40, 0, 5000), 3006, 4326) });
    expect(errors(elsewhere).some((i) => i.code === 'OUTSIDE_MUNICIPALITY' && i.feature === undefined)).toBe(true);
  });

  it('reports parents that are missing, codes that do not nest, cycles and unknown levels', () => {
    const nested = 'kod;namn;parent\n1;A;\n2;B;\n11;A1;1\n12;A2;1\n13;A3;1\n21;B1;2\n22;B2;2\n31;X;2\n41;Y;9\n';
    const result = run(csv(nested));
    expect(errors(result)).toEqual([
      expect.objectContaining({ code: 'PARENT_MISSING', feature: 8 }),
      expect.objectContaining({ code: 'NOT_NESTED', feature: 7, value: '31', related: [{ source: 0, feature: 1, code: '2' }] }),
    ]);
    const cycle = run(csv('kod,parent\n1,\n2,3\n3,2\n'));
    expect(errors(cycle).map((i) => [i.code, i.feature])).toEqual([
      ['PARENT_CYCLE', 1],
      ['PARENT_CYCLE', 2],
    ]);
    const levels = run(csv('kod,nivå\n1,1\n11,2\n12,7\n'));
    expect(errors(levels)).toMatchObject([{ code: 'INVALID_LEVEL', feature: 2, value: '7' }]);
  });

  it('reports a child lying outside the parent its parent field names', () => {
    const parents = geojson([feature({ OMR: '1' }, tile(0, 0, 2000)), feature({ OMR: '2' }, tile(2, 0, 1000, 2000))]);
    const children = geojson([
      feature({ KOD: '11', OMR: '1' }, tile(0, 0)),
      feature({ KOD: '12', OMR: '1' }, tile(1, 1)),
      feature({ KOD: '21', OMR: '1' }, tile(2, 0)),
    ]);
    const result = record(
      importNykoLayers(
        [
          { level: 'område', input: parents, mapping: { code: 'OMR' } },
          { level: 'delområde', input: children, mapping: { code: 'KOD', parent: 'OMR' } },
        ],
        { kommun: '1480' },
      ),
    );
    expect(errors(result)).toMatchObject([{ code: 'NOT_NESTED', source: 1, feature: 2, value: '21' }]);
    expect(result.levels[1].parentLink).toBe('field');
  });

  it('reads a CSV that is not UTF-8 as Windows-1252 with a warning', () => {
    const result = run({ fileName: 'koder.csv', bytes: Buffer.from([...Buffer.from('kod;namn\n1;'), 0xc5, ...Buffer.from('sa\n')]) });
    expect(result.areas[0].name).toBe('Åsa');
    expect(issues(result, 'ENCODING')).toMatchObject([{ severity: 'warning' }]);
  });
});

// ---- the real Göteborg scheme in four layers ----------------------------------------------------------------

describe('Göteborg 2024 in four layers', () => {
  let result: NykoParseResult;
  let elapsed: number;
  beforeAll(() => {
    const kommuner = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'data/geo/kommuner_scb_generalized_2024.wgs84.geojson'), 'utf8'));
    const boundary = kommuner.features.find((f: { properties: { kommunkod: string } }) => f.properties.kommunkod === '1480').geometry;
    const started = performance.now();
    result = record(
      importNykoLayers(
        [
          { level: 'stadsområde', input: dataFile('goteborg/stadsomraden_2024_wgs84.geojson') },
          { level: 'mellanområde', input: dataFile('goteborg/mellanomraden_2024_wgs84.geojson') },
          { level: 'primärområde', input: dataFile('goteborg/primaromraden_2024_wgs84.geojson') },
          { level: 'basområde', input: dataFile('goteborg/basomraden_2024_wgs84.geojson') },
        ],
        { kommun: '1480', kommunBoundary: boundary },
      ),
    );
    elapsed = performance.now() - started;
  }, 120_000);

  it('imports with no error, 4 stadsområden → 36 mellanområden → 96 primärområden → 1016 basområden', () => {
    expect(errors(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.levels.map((l) => [l.name, l.count, l.parentLink])).toEqual([
      ['stadsområde', 4, null],
      ['mellanområde', 36, 'field'],
      ['primärområde', 96, 'spatial'],
      ['basområde', 1016, 'prefix'],
    ]);
    expect(result.areas.filter((a) => a.level === 1).every((a) => a.parentCode === null)).toBe(true);
  });

  it('links every level as the published hierarchy says: prefix, interior point, STADSOMRAD', () => {
    const hierarchy = readCsv(path.join(DATA, 'goteborg/hierarchy_2024.csv'));
    const byCode = new Map(result.areas.map((a) => [`${a.level}:${a.code}`, a]));
    for (const row of hierarchy) {
      const bas = byCode.get(`4:${row.basomrade}`);
      expect(bas?.parentCode).toBe(row.primaromrade);
      expect(byCode.get(`3:${row.primaromrade}`)?.parentCode).toBe(row.mellanomrade);
      expect(byCode.get(`2:${row.mellanomrade}`)?.parentCode).toBe(row.stadsomrade);
    }
    for (const mellan of result.areas.filter((a) => a.level === 2)) expect(mellan.parentCode).toBe(String(mellan.properties.STADSOMRAD));
    expect(new Set(hierarchy.map((r) => r.basomrade)).size).toBe(1016);
  });

  it('finds no overlaps and the same holes in every level, reported once', () => {
    expect(result.stats.levels.map((l) => l.overlapPairs)).toEqual([0, 0, 0, 0]);
    expect(result.stats.levels[3].gaps).toBe(6);
    const gaps = issues(result, 'GAP').filter((i) => i.level === 'basområde' && i.position);
    expect(gaps.map((i) => Math.round(i.areaM2 as number))).toEqual([39322, 12461, 9233, 3309, 2413, 720]);
    expect(result.stats.levels.every((l) => l.kommunCoverage !== null && l.kommunCoverage > 0.85)).toBe(true);
  });

  it('runs the overlap check in well under 10 s and the whole import in under 30 s', () => {
    expect(result.stats.timingsMs.overlaps).toBeLessThan(10_000);
    expect(elapsed).toBeLessThan(30_000);
  });

  it('derives the primärområden from basområde code prefixes when the basområden are imported alone', () => {
    const alone = run(dataFile('goteborg/basomraden_2024_wgs84.geojson'), {
      levels: [
        { name: 'primärområde', codeLength: 3 },
        { name: 'basområde', codeLength: 5 },
      ],
    });
    expect(alone.ok).toBe(true);
    expect(alone.levels.map((l) => [l.name, l.count, l.origin])).toEqual([
      ['primärområde', 96, 'derived'],
      ['basområde', 1016, 'features'],
    ]);
    // A derived primärområde is the union of its basområden, so its area is their sum.
    const sums = new Map<string, number>();
    for (const bas of alone.areas.filter((a) => a.level === 2)) sums.set(bas.parentCode as string, (sums.get(bas.parentCode as string) ?? 0) + (bas.areaM2 as number));
    for (const primar of alone.areas.filter((a) => a.level === 1)) expect(primar.areaM2).toBeCloseTo(sums.get(primar.code) as number, -1);
    const fromFile = new Map(result.areas.filter((a) => a.level === 3).map((a) => [a.code, a.areaM2 as number]));
    const total = (m: Iterable<number>) => [...m].reduce((s, v) => s + v, 0);
    expect(total(alone.areas.filter((a) => a.level === 1).map((a) => a.areaM2 as number)) / total(fromFile.values())).toBeCloseTo(1, 2);
  });
});

describe('progress and cancellation', () => {
  it('reports progress that only grows and ends at its total', () => {
    const reports: [number, number][] = [];
    const result = run(geojson(tiles(['1', '2', '3', '4', '5', '6', '7', '8', '9'])), { onProgress: (done, total) => reports.push([done, total]) });
    expect(result.ok).toBe(true);
    expect(reports.length).toBeGreaterThan(3);
    for (let i = 1; i < reports.length; i++) expect(reports[i][0]).toBeGreaterThanOrEqual(reports[i - 1][0]);
    expect(reports.at(-1)?.[0]).toBe(reports.at(-1)?.[1]);
  });

  it('stops when its signal is aborted', () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped by the user'));
    expect(() => importNyko(geojson(tiles(['1'])), { kommun: '1480', signal: controller.signal })).toThrow('stopped by the user');
  });
});

describe('coordinates', () => {
  it('places the synthetic tiles south-west of Göteborg’s centre (a check of the fixtures)', () => {
    const [lon, lat] = toWgs84([E0, N0], 3006);
    expect(lon).toBeCloseTo(11.9, 1);
    expect(lat).toBeCloseTo(57.66, 1);
  });
});

// Last in the file, so it runs after every test above.
describe('issue registry', () => {
  it('has every issue code produced by at least one test above', () => {
    expect(Object.keys(NYKO_ISSUE_CODES).filter((code) => !seen.has(code as NykoIssueCode))).toEqual([]);
  });
});
