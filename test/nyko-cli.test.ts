// `npm run nyko:import` through a child process: exit codes, the report, progress on stderr, dry runs, refusal and replace.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import type { Polygon } from '../lib/geojson.ts';
import { areasOfVersion, listVersions } from '../subgraphs/nyko/queries.ts';
import { openNykoStore } from '../subgraphs/nyko/store.ts';
import { E0, N0, grid, rect, storeDigest, tilesFile, type TileFeature } from './fixtures/nyko/store-fixtures.ts';

const run = promisify(execFile);

let tmp: string;
let seeded: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-nyko-cli-'));
  // Seeded once here; each test works on its own copy.
  seeded = path.join(tmp, 'seeded.sqlite');
  openNykoStore(seeded).close();
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/nyko-import.ts', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NYKO_STORE: path.join(tmp, 'unused.sqlite') } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A copy of the seeded store for one test. */
function storeCopy(name: string): string {
  const file = path.join(tmp, `${name}.sqlite`);
  copyFileSync(seeded, file);
  return file;
}

function digest(file: string): string {
  const store = openNykoStore(file, { readonly: true });
  try {
    return storeDigest(store.sqlite);
  } finally {
    store.close();
  }
}

function writeTiles(name: string, features: TileFeature[]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, tilesFile(features).bytes);
  return file;
}

const base = (label: string, validFrom: string) => ['--kommun', '1480', '--scheme', 'rutor', '--label', label, '--valid-from', validFrom];

describe('npm run nyko:import', () => {
  it('exits 2 with the usage for missing, unknown or malformed arguments', async () => {
    const file = writeTiles('usage.geojson', grid(2));
    const missing = await cli(['--kommun', '1480', '--file', file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing --scheme, --label, --valid-from.');
    expect(missing.stderr).toContain('Usage: npm run nyko:import -- --kommun <code> --scheme <slug> --label <label> --valid-from <YYYY-MM-DD>');
    const unknown = await cli([...base('1', '2024-01-01'), '--file', file, '--codefield', 'NYKO']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--codefield'");
    const both = await cli([...base('1', '2024-01-01'), '--file', file, '--layer', `ruta=${file}`]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give either --layer <level>=<file> (one per level) or --file <file>');
    const date = await cli([...base('1', '2024-13-01'), '--file', file, '--store', storeCopy('usage')]);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('valid-from "2024-13-01" is not a date: expected YYYY-MM-DD');
    expect(date.stderr).toContain('refused (INVALID_REQUEST): nothing was written');
  });

  it('refuses an invalid file with exit 1, listing every error with its feature and a hint, and writes nothing', async () => {
    const store = storeCopy('invalid');
    const before = digest(store);
    const bowTie: Polygon = { type: 'Polygon', coordinates: [[[E0, N0 + 5000], [E0 + 1000, N0 + 6000], [E0 + 1000, N0 + 5000], [E0, N0 + 6000], [E0, N0 + 5000]]] };
    const file = writeTiles('invalid.geojson', [...grid(2), { code: '11', geometry: rect(3, 0) }, { code: '51', geometry: bowTie }]);
    const { code, stdout, stderr } = await cli([...base('1', '2024-01-01'), '--file', file, '--store', store]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/error DUPLICATE_CODE \[invalid\.geojson\]: .*11.*\n\s+→ /);
    expect(stderr).toMatch(/error SELF_INTERSECTION \[invalid\.geojson\]: .*feature 5/);
    expect(stderr).toContain('nyko-import: 2 errors in the input: nothing was written to');
    expect(digest(store)).toBe(before);
  });

  it('imports a version, then a second one, reporting levels, lineage and correspondence, with progress on stderr', async () => {
    const store = storeCopy('import');
    const first = await cli([...base('1', '2023-01-01'), '--file', writeTiles('v1.geojson', grid(3)), '--level-name', 'ruta', '--store', store]);
    expect(first.stderr).not.toContain('failed');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Read v1.geojson: geojson, 9 features, EPSG:3006 (from crs member), code field NYKO, name field NAMN.');
    expect(first.stdout).toContain('Levels, coarse to fine: ruta 9.');
    expect(first.stdout).toMatch(/Correspondence ruta ↔ DeSO 2025: \d+ pairs; \d+ of 320 DeSO 2025 overlapped \(their weights sum to 1\)/);
    expect(first.stdout).toMatch(/Wrote 1480\/rutor\/1 \(valid from 2023-01-01; 9 areas; [\d,]+ rows\) to .* in [\d.]+ s\./);
    expect(first.stderr).toMatch(/nyko-import \[#*-*\]\s+\d+% geometry/);
    expect(first.stderr).toMatch(/nyko-import \[#{30}\] 100% done/);

    // Tile 33 split in two halves, 11 and 12 merged into 10.
    const next = [...grid(3).filter((t) => !['11', '12', '33'].includes(t.code)), { code: '10', geometry: rect(0, 0, 1, 2) }, { code: '331', geometry: rect(2, 2, 0.5, 1) }, { code: '332', geometry: rect(2.5, 2, 0.5, 1) }];
    const second = await cli([...base('2', '2024-01-01'), '--file', writeTiles('v2.geojson', next), '--level-name', 'ruta', '--store', store]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'Lineage 1480/rutor/1 → 1480/rutor/2, ruta: 6 unchanged, 0 boundary changes, 3 retired codes (11 merge → 10; 12 merge → 10; 33 split → 331, 332), 3 new codes (10 merge ← 11, 12; 331 split ← 33; 332 split ← 33).',
    );
    const opened = openNykoStore(store, { readonly: true });
    expect(listVersions(opened, '1480/rutor').map((v) => [v.label, v.validTo, v.importedBy])).toEqual([
      ['1', '2023-12-31', 'cli'],
      ['2', null, 'cli'],
    ]);
    expect(areasOfVersion(opened, '1480/rutor/2').map((a) => a.code)).toEqual(['10', '13', '21', '22', '23', '31', '32', '331', '332']);
    opened.close();
  });

  it('validates and reports on a dry run but writes nothing, and does not create a missing store', async () => {
    const store = storeCopy('dry');
    const before = digest(store);
    const file = writeTiles('dry.geojson', grid(2));
    const dry = await cli([...base('1', '2024-01-01'), '--file', file, '--store', store, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Dry run: 1480\/rutor\/1 \(valid from 2024-01-01; 4 areas; [\d,]+ rows\) is valid; nothing was written to /);
    expect(digest(store)).toBe(before);
    const missing = path.join(tmp, 'never.sqlite');
    const fresh = await cli([...base('1', '2024-01-01'), '--file', file, '--store', missing, '--dry-run']);
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toContain('does not exist yet; the dry run compares with an empty store');
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a label the scheme has with exit 1 unless --replace is given, and orders layers coarse to fine', async () => {
    const store = storeCopy('replace');
    const parents = writeTiles('omraden.geojson', [
      { code: '1', geometry: rect(0, 0, 2, 2) },
      { code: '2', geometry: rect(2, 0, 2, 2) },
    ]);
    const children = writeTiles('delomraden.geojson', [...grid(4, 2)].map((t) => ({ ...t, code: `${Number(t.code[0]) <= 2 ? 1 : 2}${t.code}` })));
    // Fine level first on the command line: the CLI puts the two-area level on top.
    const args = [...base('1', '2024-01-01'), '--layer', `delområde=${children}`, '--layer', `område=${parents}`, '--store', store];
    const first = await cli(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Levels, coarse to fine: område 2 → delområde 8 (linked by prefix).');
    const before = digest(store);
    const again = await cli(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Version 1 of 1480/rutor already exists');
    expect(again.stderr).toContain('→ Ask for replace (--replace) to overwrite it, or choose another label.');
    expect(again.stderr).toContain('refused (VERSION_EXISTS): nothing was written');
    expect(digest(store)).toBe(before);
    const replaced = await cli([...args, '--replace']);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(/Wrote 1480\/rutor\/1 .*, replacing the version imported \d{4}-/);
  });

  it('prints the whole result as JSON with --json: every issue, levels, lineage and correspondence, no geometry', async () => {
    const store = storeCopy('json');
    const { code, stdout } = await cli([...base('1', '2024-01-01'), '--file', writeTiles('json.geojson', grid(2)), '--level-name', 'ruta', '--store', store, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: true, written: true, dryRun: false, refusal: null, version: { id: '1480/rutor/1', areaCount: 4, importedBy: 'cli' } });
    expect(result.levels).toMatchObject([{ name: 'ruta', count: 4 }]);
    expect(result.correspondence).toMatchObject([{ level: 'ruta', targetKind: 'deso' }, { level: 'ruta', targetKind: 'regso' }]);
    expect(Array.isArray(result.issues)).toBe(true);
    expect(stdout).not.toContain('"coordinates"');
  });
});
