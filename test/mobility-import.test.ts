// Importing delivered aggregates: every validation problem with its line, all-or-nothing writes, overlaps, and the CLI's exit codes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import {
  areaLookup,
  frameAreas,
  importDelivery,
  readDeliveries,
  type DeliveryDescription,
  type FileKind,
  type ImportOptions,
  type ImportResult,
} from '../subgraphs/mobility/delivery/index.ts';
import { FILE_NAMES, filesIn, importOrFail, TELIA, writeFolder } from './fixtures/mobility-delivery/deliveries.ts';
import { testConfig } from './harness.ts';

const run = promisify(execFile);
let tmp: string;
let frame: ImportOptions['frame'];
let folders = 0;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-import-'));
  const config = testConfig();
  frame = areaLookup(frameAreas(config.dataDir, config.mobility.seed));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOURS = [...Array.from({ length: 24 }, (_, hour) => String(hour)), 'all'];

/** Activities of a DeSO and its kommun for every hour and the whole day of each date: a delivery with no warnings. */
function activityLines(dates: readonly string[]): string[] {
  const lines = ['area,date,hour,type,persons,devices'];
  for (const date of dates) {
    for (const area of ['deso2018:0180C1010', 'kommun:0180']) {
      HOURS.forEach((hour, i) => lines.push(`${area},${date},${hour},all,${hour === 'all' ? 400 : 100 + i},${hour === 'all' ? 60 : 20}`));
    }
  }
  return lines;
}

/** Trips between two DeSO in every hour of each date. */
function odLines(dates: readonly string[]): string[] {
  const lines = ['origin,destination,date,hour,trips,devices'];
  for (const date of dates) for (let hour = 0; hour < 24; hour++) lines.push(`deso2018:0180C1010,deso2018:0180C1020,${date},${hour},10.5,3`);
  return lines;
}

/** A new folder with the given files, and their paths by kind. */
function delivery(files: Partial<Record<FileKind, string[]>>): { dir: string; files: Partial<Record<FileKind, string>> } {
  const kinds = Object.keys(files) as FileKind[];
  const dir = writeFolder(path.join(tmp, `delivery-${++folders}`), Object.fromEntries(kinds.map((kind) => [FILE_NAMES[kind], files[kind]!])));
  return { dir, files: filesIn(dir, kinds) };
}

function validate(files: Partial<Record<FileKind, string>>, period: Partial<DeliveryDescription> = {}, options: Partial<ImportOptions> = {}): Promise<ImportResult> {
  return importDelivery({
    files,
    delivery: { ...TELIA, from: '2022-11-15', to: '2022-11-15', ...period },
    store: path.join(tmp, `unused-${++folders}.sqlite`),
    frame,
    dryRun: true,
    ...options,
  });
}

/** The described problems of a severity as [code, line, column, value]. */
const problems = (result: ImportResult, severity: 'error' | 'warning') =>
  result.report.problems(severity).map((problem) => [problem.code, problem.line ?? null, problem.column ?? null, problem.value ?? null]);

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Everything a store holds: its deliveries and every row of every table. */
function contents(file: string) {
  const db = new Database(file, { fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return { deliveries: readDeliveries(db), rows: Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all()])) };
  } finally {
    db.close();
  }
}

describe('validation of a delivery', () => {
  it('reports every invalid activities line with its line, column and value, and refuses the delivery', async () => {
    const { files } = delivery({
      activities: [
        'area,date,hour,type,persons,devices',
        'deso2018:0180C1010,2022-11-15,all,all,1200,400',
        'deso2018:0180C1010,2022-11-15,3,all,1000,350',
        '0180C1010,2022-11-15,3,home,10,3',
        'deso2025:0180C1010,2022-11-15,3,home,10,3',
        'deso2018:0180C9999,2022-11-15,3,home,10,3',
        'grid1km:1000006000000,2022-11-15,3,home,10,3',
        'deso2018:0180C1010,2022-11-31,3,home,10,3',
        'deso2018:0180C1010,2022-11-17,3,home,10,3',
        'deso2018:0180C1010,2022-11-15,24,home,10,3',
        'deso2018:0180C1010,2022-11-15,3,visitor,10,3',
        'deso2018:0180C1010,2022-11-15,3,home,1 200,3',
        'deso2018:0180C1010,2022-11-15,3,work,-3,1',
        'deso2018:0180C1010,2022-11-15,3,other,4,2.5',
        'deso2018:0180C1010,2022-11-15,4,other,4,0',
        'deso2018:0180C1010,2022-11-15,3,all,990,340',
        'deso2018:0180C1010,2022-11-15,5,all',
        'deso2018:0180C1010,"2022-11-15,5,all,1,1',
      ],
    });
    const result = await validate(files, { to: '2022-11-16' });
    expect(result.outcome).toBe('refused');
    expect(problems(result, 'error')).toEqual([
      ['MISSING_DATE', null, 'date', '2022-11-16'],
      ['BARE_AREA_CODE', 4, 'area', '0180C1010'],
      ['BAD_AREA_ID', 5, 'area', 'deso2025:0180C1010'],
      ['UNKNOWN_AREA', 6, 'area', 'deso2018:0180C9999'],
      ['UNKNOWN_AREA', 7, 'area', 'grid1km:1000006000000'],
      ['BAD_DATE', 8, 'date', '2022-11-31'],
      ['OUTSIDE_PERIOD', 9, 'date', '2022-11-17'],
      ['BAD_HOUR', 10, 'hour', '24'],
      ['BAD_TYPE', 11, 'type', 'visitor'],
      ['BAD_NUMBER', 12, 'persons', '1 200'],
      ['NEGATIVE', 13, 'persons', '-3'],
      ['BAD_DEVICES', 14, 'devices', '2.5'],
      ['COUNT_WITHOUT_DEVICES', 15, 'devices', '0'],
      ['DUPLICATE_KEY', 16, null, null],
      ['FIELD_COUNT', 17, null, 'deso2018:0180C1010,2022-11-15,5,all'],
      ['FIELD_COUNT', 18, null, 'deso2018:0180C1010,"2022-11-15,5,all,1,1'],
    ]);
    const text = result.report.format();
    expect(text).toContain('line 4, column area: "0180C1010" is a bare code; write area ids with their kind');
    expect(text).toContain('Did you mean "deso2018:0180C1010"?');
    expect(text).toContain('line 9, column date: date 2022-11-17 is outside the declared period 2022-11-15 to 2022-11-16; fix --from/--to or remove the row');
    expect(text).toContain('line 12, column persons: persons "1 200" is not a number (no thousands separators)');
    expect(text).toContain('line 16: the same date, area, hour, type as line 3');
    expect(text).toContain('no rows for 2022-11-16, a day of the declared period');
  });

  it('reads ; separated files with a byte-order mark, CRLF and decimal commas, and checks modes, mixed mode rows and duplicates', async () => {
    const { files } = delivery({
      od: [
        '\uFEFForigin;destination;date;hour;trips;devices;mode\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;7;12,5;4;road\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;7;3;1;RAIL\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;7;3;1;BIKE\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;7;2;1;\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;7;1;1;ROAD\r',
        'kommun:180;kommun:0180;2022-11-15;7;1;1;\r',
        'deso2018:0180C1010;deso2018:0180C1020;2022-11-15;8;1.5;1;\r',
      ],
    });
    const result = await validate(files);
    expect(problems(result, 'error')).toEqual([
      ['BAD_MODE', 4, 'mode', 'BIKE'],
      ['MIXED_MODE_ROWS', 5, 'mode', null],
      ['DUPLICATE_KEY', 6, null, null],
      ['BAD_AREA_ID', 7, 'origin', 'kommun:180'],
    ]);
    const text = result.report.format();
    expect(text).toContain('has a row without a mode (line 5) and rows by mode (line 2); give either the total or the rows by mode');
    expect(text).toContain('line 6: the same date, origin, destination, hour, mode as line 2');

    // With the separator a comma, a decimal comma is a field too many.
    const comma = delivery({ od: ['origin,destination,date,hour,trips,devices', 'deso2018:0180C1010,deso2018:0180C1020,2022-11-15,7,12,5,4'] });
    expect(problems(await validate(comma.files), 'error')).toEqual([
      ['MISSING_DATE', null, 'date', '2022-11-15'],
      ['FIELD_COUNT', 2, null, 'deso2018:0180C1010,deso2018:0180C1020,2022-11-15,7,12,5,4'],
    ]);
  });

  it('reports a day of the period without rows as an error and an hour without rows as a warning', async () => {
    const lines = odLines(['2022-11-15', '2022-11-17']).filter((line) => !line.includes(',2022-11-17,3,'));
    const result = await validate(delivery({ od: lines }).files, { to: '2022-11-17' });
    expect(result.outcome).toBe('refused');
    expect(problems(result, 'error')).toEqual([['MISSING_DATE', null, 'date', '2022-11-16']]);
    expect(problems(result, 'warning')).toEqual([['MISSING_HOUR', null, 'hour', '2022-11-17']]);
    expect(result.report.format()).toContain('no rows on 2022-11-17 for hour 3; if no data was lost, ignore this');
  });

  it('needs devices or --protected-by-provider, and warns about cells under the provider’s k', async () => {
    const withoutDevices = ['area,date,hour,type,persons', ...activityLines(['2022-11-15']).slice(1).map((line) => line.split(',').slice(0, 5).join(','))];
    const { files } = delivery({ activities: withoutDevices, od: odLines(['2022-11-15']) });
    const unprotected = await validate(files);
    expect(problems(unprotected, 'error')).toEqual([['NO_DEVICES', 1, 'devices', null]]);
    expect(unprotected.report.format()).toContain('if the provider already suppressed cells under its k, say so with --protected-by-provider <k>');

    const protectedResult = await validate(files, { protectedByProviderK: 5 });
    expect(protectedResult.outcome).toBe('validated');
    // The OD cells have 3 devices, fewer than the k the provider claims.
    expect(protectedResult.report.countsByCode()).toEqual([{ code: 'BELOW_PROVIDER_K', severity: 'warning', count: 24, described: 24 }]);
  });

  it('warns, without refusing, about counts that are possible but suspicious', async () => {
    const { files } = delivery({
      activities: [
        'area,date,hour,type,persons,devices,note',
        ...activityLines(['2022-11-15']).slice(1).map((line) => `${line},x`),
        'deso2018:0180C1020,2022-11-15,3,home,2,5,x',
        'deso2018:0180C1020,2022-11-15,3,all,1,1,x',
        'deso2018:0180C1020,2022-11-15,all,home,1,1,x',
      ],
      od: [
        ...odLines(['2022-11-15']),
        'deso2018:0180C1010,deso2018:0180C1020,2022-11-15,all,200,40',
      ],
    });
    const result = await validate(files);
    expect(result.outcome).toBe('validated');
    expect(problems(result, 'warning')).toEqual([
      ['UNKNOWN_COLUMN', 1, 'note', null],
      ['DEVICES_ABOVE_COUNT', 52, 'devices', '5'],
      ['ALL_TYPES_BELOW_TYPE', 53, 'devices', '1'],
      ['WHOLE_DAY_BELOW_HOUR', 54, 'devices', '1'],
      ['WHOLE_DAY_BELOW_HOURS', 26, 'trips', '200'],
    ]);
    expect(result.report.format()).toContain('hour all has 200 trips, the hours add up to 252; the whole day should be at least the sum of its hours');
  });

  it('describes the first 50 problems of a code and counts the rest', async () => {
    const lines = ['area,date,hour,type,persons,devices', ...Array.from({ length: 60 }, (_, i) => `deso2018:0180C1010,2022-11-15,${30 + i},all,1,1`)];
    const result = await validate(delivery({ activities: lines }).files);
    const [badHour] = result.report.countsByCode().filter((entry) => entry.code === 'BAD_HOUR');
    expect(badHour).toEqual({ code: 'BAD_HOUR', severity: 'error', count: 60, described: 50 });
    expect(result.report.format()).toContain('… and 10 more BAD_HOUR');
  });

  it('refuses a header without a required column, and an empty file, saying which header it expected', async () => {
    const result = await validate(delivery({ activities: ['area,date,hour,kind,persons,devices', 'deso2018:0180C1010,2022-11-15,3,all,1,1'], od: [''] }).files);
    expect(problems(result, 'error')).toEqual([
      ['HEADER', 1, null, 'area,date,hour,kind,persons,devices'],
      ['HEADER', 1, null, ''],
    ]);
    expect(result.report.format()).toContain('no column type; expected the header area,date,hour,type,persons,[devices] (separator , or ;)');
  });
});

describe('writing a delivery', () => {
  const base = (dates: string[]) => delivery({ activities: activityLines(dates), od: odLines(dates) }).files;
  const period = (from: string, to: string) => ({ ...TELIA, from, to });
  /** A hook that throws once half the rows are written, recording how far it got. */
  const failHalfWay = (seen: number[]) => ({
    chunkRows: 10,
    afterChunk(written: number, total: number) {
      seen.push(written);
      if (written >= total / 2) throw new Error('injected failure half-way');
    },
  });

  it('leaves the store byte-identical when a write fails half-way, also while replacing a delivery', async () => {
    const dir = mkdtempSync(path.join(tmp, 'atomic-'));
    const store = path.join(dir, 'deliveries.sqlite');
    await importOrFail({ files: base(['2022-11-15']), delivery: period('2022-11-15', '2022-11-15'), store, frame });
    await importOrFail({ files: base(['2022-11-16']), delivery: period('2022-11-16', '2022-11-16'), store, frame });
    const hash = sha256(store);
    const before = contents(store);
    expect(before.deliveries).toHaveLength(2);
    expect(sha256(store)).toBe(hash);

    const seen: number[] = [];
    const added = importDelivery({ files: base(['2022-11-17']), delivery: period('2022-11-17', '2022-11-17'), store, frame, hooks: failHalfWay(seen) });
    await expect(added).rejects.toThrow('injected failure half-way');
    // It failed mid-copy: some chunks were written inside the transaction before the failure.
    expect(seen.length).toBeGreaterThan(1);
    expect(sha256(store)).toBe(hash);
    expect(readdirSync(dir)).toEqual(['deliveries.sqlite']);

    const replacing = importDelivery({
      files: base(['2022-11-15', '2022-11-16']), delivery: period('2022-11-15', '2022-11-16'), store, frame, replace: true, hooks: failHalfWay([]),
    });
    await expect(replacing).rejects.toThrow('injected failure half-way');
    expect(sha256(store)).toBe(hash);
    expect(contents(store)).toEqual(before);
  });

  it('removes the store a failed first import created', async () => {
    const dir = mkdtempSync(path.join(tmp, 'first-'));
    const store = path.join(dir, 'deliveries.sqlite');
    await expect(importDelivery({ files: base(['2022-11-15']), delivery: period('2022-11-15', '2022-11-15'), store, frame, hooks: failHalfWay([]) })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});

// Each run starts tsx and loads the area frame: a few seconds.
describe('npm run mobility:import', { timeout: 60_000 }, () => {
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/mobility-import.ts', ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, MOBILITY_DELIVERY_STORE: path.join(tmp, 'default-store-never-written.sqlite') },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }
  const periodArgs = (from: string, to: string) => ['--provider', 'Telia', '--from', from, '--to', to, '--method-version', 'scb-mno-2023.1'];
  const fileArgs = (files: Partial<Record<FileKind, string>>) => [
    ...(files.activities ? ['--activities', files.activities] : []),
    ...(files.od ? ['--od', files.od] : []),
  ];

  it('imports a delivery, prints a summary, and records the files’ hashes, row counts and devices', async () => {
    const store = path.join(mkdtempSync(path.join(tmp, 'cli-')), 'deliveries.sqlite');
    const { files } = delivery({ activities: activityLines(['2022-11-15', '2022-11-16']), od: odLines(['2022-11-15', '2022-11-16']) });
    const { code, stdout, stderr } = await cli([...fileArgs(files), ...periodArgs('2022-11-15', '2022-11-16'), '--description', 'November test', '--store', store]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Imported delivery #1 (Telia, 2022-11-15 to 2022-11-16, method scb-mno-2023.1) into ${store}.`);
    expect(stdout).toContain('activities.csv: 100 rows, 2 areas, 2 dates; DESO 50, KOMMUN 50; devices given; sha256');
    expect(stdout).toContain('od.csv: 48 rows, 2 areas, 2 dates; DESO→DESO 48; devices given');
    expect(stdout).toContain('No warnings.');

    const [recorded] = contents(store).deliveries;
    expect(recorded).toMatchObject({ id: 1, provider: 'Telia', periodFrom: '2022-11-15', periodTo: '2022-11-16', methodVersion: 'scb-mno-2023.1', description: 'November test', protectedByProviderK: null });
    expect(Date.parse(recorded.importedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(recorded.files.map((file) => [file.kind, file.rows, file.devices, file.sha256])).toEqual([
      ['activities', 100, true, sha256(files.activities!)],
      ['od', 48, true, sha256(files.od!)],
    ]);
    expect(existsSync(path.join(tmp, 'default-store-never-written.sqlite'))).toBe(false);
  });

  it('refuses an invalid delivery with exit 1, naming file, line and column, and leaves the store as it was', async () => {
    const store = path.join(mkdtempSync(path.join(tmp, 'cli-')), 'deliveries.sqlite');
    await importOrFail({ files: delivery({ activities: activityLines(['2022-11-15']) }).files, delivery: { ...TELIA, from: '2022-11-15', to: '2022-11-15' }, store, frame });
    const hash = sha256(store);
    const lines = activityLines(['2022-11-16']);
    lines[3] = 'deso2018:0180C1010,2022-11-16,2,all,many,20';
    const { files } = delivery({ activities: lines });
    const { code, stdout, stderr } = await cli([...fileArgs(files), ...periodArgs('2022-11-16', '2022-11-16'), '--store', store]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`Refused, nothing was written to ${store}.`);
    expect(stderr).toContain(`${files.activities}, line 4, column persons: persons "many" is not a number; expected a count of 0 or more, e.g. 12.5 [BAD_NUMBER]`);
    expect(sha256(store)).toBe(hash);
    expect(contents(store).deliveries).toHaveLength(1);
  });

  it('refuses an overlapping period unless --replace, which replaces exactly the deliveries it overlaps', async () => {
    const store = path.join(mkdtempSync(path.join(tmp, 'cli-')), 'deliveries.sqlite');
    const files = (dates: string[]) => fileArgs(delivery({ activities: activityLines(dates) }).files);
    for (const date of ['2022-11-15', '2022-11-16']) {
      await importOrFail({ files: delivery({ activities: activityLines([date]) }).files, delivery: { ...TELIA, from: date, to: date }, store, frame });
    }

    const overlap = await cli([...files(['2022-11-14', '2022-11-15']), ...periodArgs('2022-11-14', '2022-11-15'), '--store', store]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toMatch(/the period 2022-11-14 to 2022-11-15 overlaps #1 \(Telia 2022-11-15 to 2022-11-15, scb-mno-2023\.1, imported [^)]+\) in .*; pass --replace to replace it, or fix --from\/--to \[PERIOD_OVERLAP\]/);

    const replaced = await cli([...files(['2022-11-14', '2022-11-15']), ...periodArgs('2022-11-14', '2022-11-15'), '--store', store, '--replace']);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('Imported delivery #3');
    expect(replaced.stdout).toMatch(/Replaced #1 \(Telia 2022-11-15 to 2022-11-15/);
    const after = contents(store);
    expect(after.deliveries.map((d) => [d.id, d.periodFrom, d.periodTo])).toEqual([[3, '2022-11-14', '2022-11-15'], [2, '2022-11-16', '2022-11-16']]);
    const dates = [...new Set((after.rows.activity as { date: string }[]).map((row) => row.date))].sort();
    expect(dates).toEqual(['2022-11-14', '2022-11-15', '2022-11-16']);
  });

  it('validates only with --dry-run: a new store is not created and an existing one is not touched', async () => {
    const dir = mkdtempSync(path.join(tmp, 'cli-'));
    const store = path.join(dir, 'deliveries.sqlite');
    const { files } = delivery({ activities: activityLines(['2022-11-15']) });
    const dry = await cli([...fileArgs(files), ...periodArgs('2022-11-15', '2022-11-15'), '--store', store, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run: the delivery (Telia, 2022-11-15 to 2022-11-15, method scb-mno-2023.1) is valid; ${store} was not written.`);
    expect(readdirSync(dir)).toEqual([]);

    await importOrFail({ files, delivery: { ...TELIA, from: '2022-11-15', to: '2022-11-15' }, store, frame });
    const hash = sha256(store);
    const again = await cli([...fileArgs(files), ...periodArgs('2022-11-15', '2022-11-15'), '--store', store, '--replace', '--dry-run']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Would replace #1 \(Telia 2022-11-15 to 2022-11-15/);
    expect(sha256(store)).toBe(hash);
    expect(readdirSync(dir)).toEqual(['deliveries.sqlite']);
  });

  it('exits 2 with the usage for missing, unknown or malformed options and for a file that is not there', async () => {
    const missing = await cli(['--activities', 'a.csv', '--provider', 'Telia']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing --from, --to, --method-version.');
    expect(missing.stderr).toContain('Usage: npm run mobility:import --');

    const unknown = await cli(['--activites', 'a.csv', ...periodArgs('2022-11-15', '2022-11-15')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--activites'");

    const malformed = await cli(['--od', path.join(tmp, 'nowhere.csv'), '--provider', 'Telia', '--from', '2022-11-15', '--to', '15/11/2022', '--method-version', 'scb mno', '--protected-by-provider', 'five']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--method-version "scb mno" must be one word, e.g. --method-version scb-mno-2023.1.');
    expect(malformed.stderr).toContain('--to "15/11/2022" is not an ISO date; expected YYYY-MM-DD, e.g. --to 2022-11-01.');
    expect(malformed.stderr).toContain('--protected-by-provider "five" is not a whole number');
    expect(malformed.stderr).toContain(`--od ${path.join(tmp, 'nowhere.csv')} is not a file.`);

    const noFiles = await cli(periodArgs('2022-11-15', '2022-11-15'));
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toContain('Give at least one file: --activities <file.csv>, --od <file.csv>, --long-trips <file.csv>.');
  });
});
