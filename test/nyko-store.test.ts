// The durable NYKO store: seeding once, forward migrations, versions and validity, refusal and replace, atomic writes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { readCsv } from '../lib/csv.ts';
import { createTableStatements } from '../lib/db.ts';
import { formatNykoId, parseNykoId, slugify } from '../subgraphs/nyko/ids.ts';
import { areaById, areasOfVersion, childrenOf, getVersion, lineageBetweenVersions, listSchemes, listVersions, parentOf, versionAt } from '../subgraphs/nyko/queries.ts';
import { MIGRATIONS, NykoStoreError, openNykoStore, STORE_SCHEMA_VERSION, type Migration, type NykoStore } from '../subgraphs/nyko/store.ts';
import { tables } from '../subgraphs/nyko/tables.ts';
import { importVersion, type ImportVersionRequest } from '../subgraphs/nyko/versions.ts';
import { grid, rect, rowCounts, storeDigest, tilesFile, type TileFeature } from './fixtures/nyko/store-fixtures.ts';

let tmp: string;
let store: NykoStore;
let seededIn: number;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-nyko-store-'));
  const started = performance.now();
  store = openNykoStore(path.join(tmp, 'nyko.sqlite'));
  seededIn = performance.now() - started;
}, 120_000);

afterAll(() => {
  store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A version of the synthetic scheme `1480/rutor` made of the given tiles. */
function tiles(label: string, validFrom: string, features: TileFeature[], extra: Partial<ImportVersionRequest> = {}): ImportVersionRequest {
  return { kommun: '1480', scheme: 'rutor', schemeName: 'Rutor', label, validFrom, input: tilesFile(features), options: { levelName: 'ruta' }, importedBy: 'test', ...extra };
}

describe('the embedded default', () => {
  it('seeds Göteborg 2024 on first open: four levels, 1,152 areas, valid from 2024-01-01, imported by "embedded"', () => {
    expect(listSchemes(store)).toMatchObject([
      {
        id: '1480/omraden',
        kommun: '1480',
        name: 'Göteborgs Stads områdesindelning',
        levels: [
          { slug: 'stadsomrade', name: 'stadsområde' },
          { slug: 'mellanomrade', name: 'mellanområde' },
          { slug: 'primaromrade', name: 'primärområde' },
          { slug: 'basomrade', name: 'basområde' },
        ],
      },
    ]);
    const versions = listVersions(store, '1480/omraden');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ id: '1480/omraden/2024', label: '2024', validFrom: '2024-01-01', validTo: null, importedBy: 'embedded', areaCount: 1152, sourceCrs: 'EPSG:4326' });
    expect(versions[0].sources.map((s) => s.fileName)).toEqual(['stadsomraden_2024_wgs84.geojson', 'mellanomraden_2024_wgs84.geojson', 'primaromraden_2024_wgs84.geojson', 'basomraden_2024_wgs84.geojson']);
    expect(versions[0].sources.every((s) => /^[0-9a-f]{64}$/.test(s.sha256))).toBe(true);
    expect(['stadsomrade', 'mellanomrade', 'primaromrade', 'basomrade'].map((level) => areasOfVersion(store, '1480/omraden/2024', level).length)).toEqual([4, 36, 96, 1016]);
    // Seeding is an import of four layers plus correspondence to 320 DeSO and 147 RegSO: seconds, not minutes.
    expect(seededIn).toBeLessThan(60_000);
  });

  it('does not seed again when the scheme has a version: reopening changes nothing', () => {
    const before = storeDigest(store.sqlite);
    store.close();
    store = openNykoStore(path.join(tmp, 'nyko.sqlite'));
    expect(storeDigest(store.sqlite)).toBe(before);
    expect(listVersions(store, '1480/omraden')).toHaveLength(1);
  });

  it('stores areas under nyko ids whose parents follow the published hierarchy (hierarchy_2024.csv)', () => {
    const hierarchy = readCsv(path.join(PROJECT_ROOT, 'data/nyko/goteborg/hierarchy_2024.csv'));
    const id = (level: string, code: string) => formatNykoId({ kommun: '1480', scheme: 'omraden', version: '2024', level, code });
    for (const row of hierarchy.slice(0, 1016)) {
      const bas = areaById(store, id('basomrade', row.basomrade));
      expect(bas?.parentId).toBe(id('primaromrade', row.primaromrade));
    }
    const row = hierarchy.find((r) => r.basomrade === '10101') as Record<string, string>;
    const primar = parentOf(store, 'nyko:1480/omraden/2024/basomrade/10101');
    expect(primar).toMatchObject({ code: row.primaromrade, name: row.primaromrade_namn, levelName: 'primärområde' });
    expect(parentOf(store, primar!.id)).toMatchObject({ code: row.mellanomrade, levelSlug: 'mellanomrade' });
    expect(childrenOf(store, primar!.id).map((a) => a.code)).toContain('10101');
    const top = childrenOf(store, 'kommun:1480', '1480/omraden/2024');
    expect(top.map((a) => [a.code, a.levelSlug])).toEqual(['1', '2', '3', '4'].map((code) => [code, 'stadsomrade']));
    expect(parentOf(store, top[0].id)).toBeNull();
    // Geometry in WGS84 with a point inside the area for labels.
    const bas = areaById(store, id('basomrade', '10101'))!;
    expect(JSON.parse(bas.geometry!).type).toBe('MultiPolygon');
    expect(bas.pointLon!).toBeGreaterThan(bas.minLon!);
    expect(bas.pointLat!).toBeLessThan(bas.maxLat!);
    expect(bas.areaM2).toBeGreaterThan(10_000);
  });
});

describe('ids', () => {
  it('formats and parses nyko:<kommun>/<scheme>/<version>/<level>/<code>, escaping codes that hold a slash', () => {
    const ref = { kommun: '1480', scheme: 'omraden', version: '2024', level: 'basomrade', code: '10101' };
    expect(formatNykoId(ref)).toBe('nyko:1480/omraden/2024/basomrade/10101');
    expect(parseNykoId('nyko:1480/omraden/2024/basomrade/10101')).toEqual(ref);
    const odd = { ...ref, code: 'A/1 b' };
    expect(parseNykoId(formatNykoId(odd))).toEqual(odd);
    expect(slugify('Primärområde')).toBe('primaromrade');
    expect(slugify('Stadsdelsområde 2')).toBe('stadsdelsomrade-2');
  });

  it('says what was expected when an id does not parse', () => {
    expect(() => parseNykoId('deso2025:1480C2650')).toThrow(/expected nyko:<kommun>\/<scheme>\/<version>\/<level>\/<code>, e\.g\. "nyko:1480\/omraden\/2024\/basomrade\/10101"/);
    expect(() => parseNykoId('nyko:1480/omraden/2024/10101')).toThrow(/4 part\(s\)/);
    expect(() => parseNykoId('nyko:1480/omraden/2024/basområde/10101')).toThrow(/Did you mean "basomrade"\?/);
    expect(() => parseNykoId('nyko:148/omraden/2024/basomrade/10101')).toThrow(/four digits/);
    expect(() => parseNykoId('nyko:1480/omraden/2024 v2/basomrade/10101')).toThrow(/version label/);
    try {
      parseNykoId('x');
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('migrations', () => {
  /** Columns and indexes of every table, as SQLite reports them. */
  function shape(sqlite: Database.Database) {
    const names = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return Object.fromEntries(
      names.map((name) => [
        name,
        {
          columns: sqlite.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info('${name}') ORDER BY cid`).all(),
          indexes: sqlite.prepare(`SELECT name, "unique" FROM pragma_index_list('${name}') WHERE origin = 'c' ORDER BY name`).all(),
        },
      ]),
    );
  }

  it('creates exactly the tables, columns and indexes the drizzle definitions describe', () => {
    const migrated = openNykoStore(':memory:', { seed: false });
    const reference = new Database(':memory:');
    for (const table of tables) for (const statement of createTableStatements(table)) reference.exec(statement);
    expect(shape(migrated.sqlite)).toEqual(shape(reference));
    expect(migrated.sqlite.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: STORE_SCHEMA_VERSION });
    migrated.close();
    reference.close();
  });

  const note: Migration = {
    version: 2,
    description: 'a note on each scheme',
    up: (sqlite) => sqlite.exec('ALTER TABLE scheme ADD COLUMN note text'),
  };

  it('applies a new migration once, keeping the data, and refuses a store newer than the code', () => {
    const file = path.join(tmp, 'migrations.sqlite');
    const first = openNykoStore(file, { seed: false });
    expect(importVersion(first, tiles('1', '2020-01-01', grid(2))).ok).toBe(true);
    first.close();
    const second = openNykoStore(file, { seed: false, migrations: [...MIGRATIONS, note] });
    expect(second.sqlite.prepare('SELECT version FROM schema_version ORDER BY version').all()).toEqual([{ version: 1 }, { version: 2 }]);
    expect(second.sqlite.prepare("SELECT note FROM scheme WHERE id = '1480/rutor'").get()).toEqual({ note: null });
    expect(areasOfVersion(second, '1480/rutor/1')).toHaveLength(4);
    second.close();
    const third = openNykoStore(file, { seed: false, migrations: [...MIGRATIONS, note] });
    expect(third.sqlite.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({ n: 2 });
    third.close();
    expect(() => openNykoStore(file, { seed: false })).toThrow(/schema version 2, newer than this code \(1\)/);
  });

  it('rolls a failing migration back: the store stays at the version before', () => {
    const file = path.join(tmp, 'failing.sqlite');
    openNykoStore(file, { seed: false }).close();
    const broken: Migration = {
      version: 2,
      description: 'fails half-way',
      up: (sqlite) => {
        sqlite.exec('CREATE TABLE half (x integer)');
        throw new Error('migration failed');
      },
    };
    expect(() => openNykoStore(file, { seed: false, migrations: [...MIGRATIONS, broken] })).toThrow('migration failed');
    const reopened = openNykoStore(file, { seed: false });
    expect(reopened.sqlite.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({ v: 1 });
    expect(reopened.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    reopened.close();
  });

  it('refuses a SQLite file that is not a NYKO store, and a read-only open of a store that needs migrating', () => {
    const other = path.join(tmp, 'other.sqlite');
    const sqlite = new Database(other);
    sqlite.exec('CREATE TABLE area (id text)');
    sqlite.close();
    expect(() => openNykoStore(other)).toThrow(NykoStoreError);
    expect(() => openNykoStore(other)).toThrow(/not a NYKO store.*give another store path/);
    const old = path.join(tmp, 'old.sqlite');
    openNykoStore(old, { seed: false }).close();
    expect(() => openNykoStore(old, { readonly: true, migrations: [...MIGRATIONS, note] })).toThrow(/open it once read-write/);
    expect(() => openNykoStore(path.join(tmp, 'missing.sqlite'), { readonly: true })).toThrow(/Cannot open the NYKO store/);
  });
});

describe('versions', () => {
  let scratch: NykoStore;
  beforeAll(() => {
    scratch = openNykoStore(path.join(tmp, 'versions.sqlite'), { seed: false });
  });
  afterAll(() => scratch.close());

  it('closes the previous version the day before the next begins, also when a version is put in between', () => {
    expect(importVersion(scratch, tiles('2020', '2020-01-01', grid(3))).ok).toBe(true);
    expect(importVersion(scratch, tiles('2022', '2022-07-01', grid(3))).ok).toBe(true);
    expect(listVersions(scratch, '1480/rutor').map((v) => [v.label, v.validFrom, v.validTo])).toEqual([
      ['2020', '2020-01-01', '2022-06-30'],
      ['2022', '2022-07-01', null],
    ]);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2022')).toHaveLength(9);
    const between = importVersion(scratch, tiles('2021', '2021-03-01', grid(3)));
    expect(between.lineage.map((l) => `${l.from} → ${l.to}`)).toEqual(['1480/rutor/2020 → 1480/rutor/2021', '1480/rutor/2021 → 1480/rutor/2022']);
    expect(listVersions(scratch, '1480/rutor').map((v) => [v.label, v.validFrom, v.validTo])).toEqual([
      ['2020', '2020-01-01', '2021-02-28'],
      ['2021', '2021-03-01', '2022-06-30'],
      ['2022', '2022-07-01', null],
    ]);
    // Lineage runs between consecutive versions only.
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2022')).toEqual([]);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2021').every((l) => l.relation === 'unchanged')).toBe(true);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2021', '1480/rutor/2022')).toHaveLength(9);
  });

  it('answers which version was valid on a date, and keeps old versions queryable', () => {
    expect(versionAt(scratch, '1480/rutor', '2019-12-31')).toBeNull();
    expect(versionAt(scratch, '1480/rutor', '2020-01-01')?.label).toBe('2020');
    expect(versionAt(scratch, '1480/rutor', '2021-02-28')?.label).toBe('2020');
    expect(versionAt(scratch, '1480/rutor', '2021-03-01')?.label).toBe('2021');
    expect(versionAt(scratch, '1480/rutor', '2030-01-01')?.label).toBe('2022');
    expect(areasOfVersion(scratch, '1480/rutor/2020').map((a) => a.id)).toContain('nyko:1480/rutor/2020/ruta/11');
    expect(getVersion(scratch, '1480/rutor/2020')?.levels).toMatchObject([{ level: 1, name: 'ruta', slug: 'ruta', count: 9 }]);
  });

  it('refuses a label the scheme has unless replace is asked for, and then replaces that version', () => {
    const before = storeDigest(scratch.sqlite);
    const refused = importVersion(scratch, tiles('2021', '2021-03-01', grid(3)));
    expect(refused).toMatchObject({ ok: false, written: false, refusal: { code: 'VERSION_EXISTS' } });
    expect(refused.refusal?.message).toContain('Version 2021 of 1480/rutor already exists');
    expect(refused.refusal?.hint).toContain('replace');
    expect(storeDigest(scratch.sqlite)).toBe(before);

    const renamed = grid(3).map((t) => ({ ...t, name: `Ny ${t.code}` }));
    const old = getVersion(scratch, '1480/rutor/2021')!;
    const replaced = importVersion(scratch, tiles('2021', '2021-03-01', renamed, { replace: true }));
    expect(replaced).toMatchObject({ ok: true, written: true, replaced: { id: '1480/rutor/2021', importedAt: old.importedAt } });
    expect(areaById(scratch, 'nyko:1480/rutor/2021/ruta/11')?.name).toBe('Ny 11');
    expect(listVersions(scratch, '1480/rutor').map((v) => v.label)).toEqual(['2020', '2021', '2022']);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2021')).toHaveLength(9);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2021', '1480/rutor/2022')).toHaveLength(9);
  });

  it('moves a replaced version to its new date: the versions it left become consecutive again', () => {
    const moved = importVersion(scratch, tiles('2021', '2023-01-01', grid(3), { replace: true }));
    expect(moved.ok).toBe(true);
    expect(listVersions(scratch, '1480/rutor').map((v) => [v.label, v.validTo])).toEqual([
      ['2020', '2022-06-30'],
      ['2022', '2022-12-31'],
      ['2021', null],
    ]);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2022')).toHaveLength(9);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2022', '1480/rutor/2021')).toHaveLength(9);
    expect(lineageBetweenVersions(scratch, '1480/rutor/2020', '1480/rutor/2021')).toEqual([]);
  });

  it('refuses a second version starting on the same day, and malformed requests, before reading any file', () => {
    expect(importVersion(scratch, tiles('x', '2020-01-01', grid(1))).refusal).toMatchObject({ code: 'VALID_FROM_TAKEN' });
    expect(importVersion(scratch, tiles('x', '2020-02-30', grid(1))).refusal?.message).toMatch(/not a date: expected YYYY-MM-DD/);
    expect(importVersion(scratch, tiles('a b', '2020-02-01', grid(1))).refusal?.message).toMatch(/version label "a b"/);
    expect(importVersion(scratch, { ...tiles('x', '2020-02-01', grid(1)), scheme: 'Rutor' }).refusal?.message).toMatch(/Did you mean "rutor"/);
    expect(importVersion(scratch, { ...tiles('x', '2020-02-01', grid(1)), kommun: '1399' }).refusal?.message).toMatch(/1399 is not one of SCB's kommun codes/);
  });
});

describe('atomicity', () => {
  let scratch: NykoStore;
  beforeAll(() => {
    scratch = openNykoStore(path.join(tmp, 'atomic.sqlite'), { seed: false });
    expect(importVersion(scratch, tiles('1', '2020-01-01', grid(8))).ok).toBe(true);
  });
  afterAll(() => scratch.close());

  it('writes nothing for an input with errors and returns every error with its feature', () => {
    const before = storeDigest(scratch.sqlite);
    const bad = [...grid(2), { code: '11', geometry: rect(5, 5) }];
    const result = importVersion(scratch, tiles('2', '2021-01-01', bad));
    expect(result).toMatchObject({ ok: false, written: false, refusal: null });
    expect(result.report?.issues.filter((i) => i.severity === 'error')).toMatchObject([{ code: 'DUPLICATE_CODE', feature: 4, value: '11' }]);
    expect(storeDigest(scratch.sqlite)).toBe(before);
  });

  it('leaves the store exactly as it was when the write fails half-way, also while replacing a version', () => {
    const before = storeDigest(scratch.sqlite);
    const counts = rowCounts(scratch.sqlite);
    const next = grid(8).map((t) => (t.code === '11' ? { ...t, geometry: rect(0, 0, 1, 0.5) } : t));
    const dry = importVersion(scratch, tiles('2', '2021-01-01', next, { dryRun: true }));
    expect(dry).toMatchObject({ ok: true, written: false });
    expect(dry.rows).toBeGreaterThan(100);
    expect(storeDigest(scratch.sqlite)).toBe(before);

    const half = Math.floor(dry.rows / 2);
    expect(() => importVersion(scratch, tiles('2', '2021-01-01', next, { failAfterRows: half }))).toThrow(/Injected failure after \d+ rows/);
    expect(rowCounts(scratch.sqlite)).toEqual(counts);
    expect(storeDigest(scratch.sqlite)).toBe(before);

    // Replacing deletes the old version first: a failure after that must bring it back.
    expect(() => importVersion(scratch, tiles('1', '2020-01-01', next, { replace: true, failAfterRows: half }))).toThrow(/Injected failure/);
    expect(storeDigest(scratch.sqlite)).toBe(before);

    expect(importVersion(scratch, tiles('2', '2021-01-01', next)).rows).toBe(dry.rows);
    expect(rowCounts(scratch.sqlite).version).toBe(2);
  });

  it('refuses to write when another import changed the scheme while this one was computed', () => {
    let nested = false;
    const result = importVersion(
      scratch,
      tiles('3', '2022-01-01', grid(2), {
        onProgress: ({ phase }) => {
          if (phase !== 'correspondence' || nested) return;
          nested = true;
          expect(importVersion(scratch, tiles('4', '2023-01-01', grid(2))).written).toBe(true);
        },
      }),
    );
    expect(result.refusal).toMatchObject({ code: 'STORE_CHANGED' });
    expect(listVersions(scratch, '1480/rutor').map((v) => v.label)).toEqual(['1', '2', '4']);
  });

  it('reads a store opened read-only and allows only dry runs on it', () => {
    const readonly = openNykoStore(path.join(tmp, 'atomic.sqlite'), { readonly: true });
    expect(listVersions(readonly, '1480/rutor')).toHaveLength(3);
    expect(importVersion(readonly, tiles('5', '2024-01-01', grid(2))).refusal?.message).toMatch(/read-only/);
    expect(importVersion(readonly, tiles('5', '2024-01-01', grid(2), { dryRun: true })).ok).toBe(true);
    readonly.close();
  });
});
