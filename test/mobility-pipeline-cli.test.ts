// `npm run mobility:pipeline` on small operator-style files: outputs with original ids and area codes, sorting,
// all-or-nothing validation that leaves --out as it was, usage errors; and the CSV formats it reads and writes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { METHOD_VERSION } from '../subgraphs/mobility/model.ts';
import { csvField, parseCsvLine, parseTime, readCells, readEvents, toBatch } from '../subgraphs/mobility/pipeline/io.ts';

const run = promisify(execFile);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-mobility-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/mobility-pipeline.ts', ...args], { cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A folder of its own under tmp with the given files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const csv = (text: string) => readFileSync(text, 'utf8').trim().split('\n');

/**
 * Home cells H1/H2 and work cells W1/W2 hand over to each other; the route M1–M2 between them touches neither. x/y are
 * SWEREF 99 TM metres in Stockholm; H2 lists H1 only one way round and W1 lists W2 with a semicolon, W2 uses a space.
 */
const CELLS = `cell,area,x,y,neighbours
H1,0180C1010,674000,6580000,
H2,0180C1010,674300,6580000,H1
M1,0180C1020,676000,6581000,M2
M2,0180C1020,678000,6582000,
W1,0180C1030,680000,6583000,W2;W1
W2,0180C1030,680300,6583000,W1 M9
M9,0180C1030,680300,6583300,
`;

/** Tuesday 15 November 2022, Swedish winter time. */
const DAY = Date.parse('2022-11-15T00:00:00+01:00') / 1000;
const iso = (minutes: number) => new Date((DAY + minutes * 60 + 3600) * 1000).toISOString().slice(0, 19) + '+01:00';

/** A commuter's day, every 10 minutes, hopping between two cells at each place; every third time as Unix seconds. */
function commuterEvents(device: string): string[] {
  const rows: string[] = [];
  let k = 0;
  const at = (minutes: number, cell: string) => {
    rows.push(`${device},${k++ % 3 === 0 ? DAY + minutes * 60 : iso(minutes)},${cell}`);
  };
  for (let m = 0; m <= 7 * 60 + 20; m += 10) at(m, m % 20 ? 'H2' : 'H1');
  at(7 * 60 + 35, 'M1');
  at(7 * 60 + 45, 'M2');
  for (let m = 8 * 60; m <= 16 * 60 + 30; m += 10) at(m, m % 20 ? 'W2' : 'W1');
  at(16 * 60 + 45, 'M2');
  at(16 * 60 + 55, 'M1');
  for (let m = 17 * 60 + 10; m <= 23 * 60 + 50; m += 10) at(m, m % 20 ? 'H1' : 'H2');
  return rows;
}

const EVENTS = ['device,time,cell', ...commuterEvents('imsi:9f86d081')].join('\n') + '\n';
const PER_DEVICE = commuterEvents('x').length;

describe('npm run mobility:pipeline', () => {
  it('turns a commuter with handover hops into home and work activities and two trips, with the original ids', async () => {
    const dir = folder('commuter', { 'events.csv': EVENTS, 'cells.csv': CELLS });
    const out = path.join(dir, 'out');
    const { code, stdout, stderr } = await cli(['--events', path.join(dir, 'events.csv'), '--cells', path.join(dir, 'cells.csv'), '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Read ${PER_DEVICE} events of 1 device`);
    expect(stdout).toMatch(/3 activities \(2 home, 1 work, 0 other\), 2 trips; 1 of 1 devices have a home/);
    expect(stdout).toMatch(/[\d,]+ events\/s/);

    expect(csv(path.join(out, 'activities.csv'))).toEqual([
      'device,area,start,end,type',
      'imsi:9f86d081,0180C1010,2022-11-15T00:00:00+01:00,2022-11-15T07:20:00+01:00,home',
      'imsi:9f86d081,0180C1030,2022-11-15T08:00:00+01:00,2022-11-15T16:30:00+01:00,work',
      'imsi:9f86d081,0180C1010,2022-11-15T17:10:00+01:00,2022-11-15T23:50:00+01:00,home',
    ]);
    const trips = csv(path.join(out, 'trips.csv'));
    expect(trips[0]).toBe('device,origin,destination,start,end,distance_m');
    expect(trips.slice(1).map((line) => line.split(',').slice(0, 5).join(','))).toEqual([
      'imsi:9f86d081,0180C1010,0180C1030,2022-11-15T07:20:00+01:00,2022-11-15T08:00:00+01:00',
      'imsi:9f86d081,0180C1030,0180C1010,2022-11-15T16:30:00+01:00,2022-11-15T17:10:00+01:00',
    ]);
    // Between a home cell and a work cell: 6.0–6.3 km east and 3 km north.
    for (const line of trips.slice(1)) expect(Number(line.split(',')[5])).toBeGreaterThan(6_500);

    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.methodVersion).toBe(METHOD_VERSION);
    expect(summary.counts).toMatchObject({ eventsRead: PER_DEVICE, devices: 1, duplicatesDropped: 0, outOfOrder: 0, activities: 3, trips: 2, devicesWithHome: 1 });
    expect(summary.counts.activitiesByType).toEqual({ home: 2, work: 1, other: 0 });
    expect(summary.options).toMatchObject({ timeZone: 'Europe/Stockholm', epoch: '2022-11-15T00:00:00+01:00' });
    expect(summary.inputs.events.file).toBe('events.csv');
    expect(summary.inputs.events.sha256).toBe(createHash('sha256').update(EVENTS).digest('hex'));
    expect(summary.inputs.cells.sha256).toBe(createHash('sha256').update(CELLS).digest('hex'));
    // Nothing but the outputs: the temporary folder is gone.
    expect(readdirSync(dir).sort()).toEqual(['cells.csv', 'events.csv', 'out']);
  });

  it('sorts unsorted events by device, then time, says how many were out of order and drops duplicates', async () => {
    const rows = [...commuterEvents('imsi:9f86d081'), ...commuterEvents('"op 2, device 7"')];
    // A fixed interleaving: device blocks and times both out of order.
    const shuffled = rows.map((row, i) => ({ row, key: (i * 7919) % rows.length })).sort((a, b) => a.key - b.key).map(({ row }) => row);
    shuffled.splice(10, 0, shuffled[3]);
    const dir = folder('unsorted', { 'events.csv': ['device,time,cell', ...shuffled].join('\r\n'), 'cells.csv': CELLS });
    const out = path.join(dir, 'out');
    const { code, stdout, stderr } = await cli(['--events', path.join(dir, 'events.csv'), '--cells', path.join(dir, 'cells.csv'), '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.counts.eventsRead).toBe(2 * PER_DEVICE + 1);
    expect(summary.counts.outOfOrder).toBeGreaterThan(20);
    expect(summary.counts.outOfOrderWithinDevice).toBeGreaterThan(20);
    expect(summary.counts.duplicatesDropped).toBe(1);
    expect(stdout).toContain(`Sorted by device, then time: ${summary.counts.outOfOrder} events out of order`);
    expect(stdout).toContain('1 duplicate dropped');

    const activities = csv(path.join(out, 'activities.csv'));
    const types = (device: string) => activities.filter((line) => line.startsWith(`${device},`)).map((line) => line.split(',').at(-1));
    expect(types('imsi:9f86d081')).toEqual(['home', 'work', 'home']);
    // The id with a comma comes back quoted.
    expect(types('"op 2, device 7"')).toEqual(['home', 'work', 'home']);
    expect(csv(path.join(out, 'trips.csv'))).toHaveLength(1 + 4);
  });

  it('refuses a malformed line with exit 1, naming the file and line, and leaves an existing --out as it was', async () => {
    const dir = folder('malformed', { 'events.csv': EVENTS, 'cells.csv': CELLS });
    const out = path.join(dir, 'out');
    expect((await cli(['--events', path.join(dir, 'events.csv'), '--cells', path.join(dir, 'cells.csv'), '--out', out])).code).toBe(0);
    const before = Object.fromEntries(readdirSync(out).map((name) => [name, { text: readFileSync(path.join(out, name), 'utf8'), mtime: statSync(path.join(out, name)).mtimeMs }]));

    const lines = EVENTS.split('\n');
    lines[4] = 'imsi:9f86d081,yesterday,H1';
    lines[9] = 'imsi:9f86d081,2022-11-15T01:00:00+01:00,X1';
    writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n'));
    const { code, stdout, stderr } = await cli(['--events', path.join(dir, 'bad.csv'), '--cells', path.join(dir, 'cells.csv'), '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${path.join(dir, 'bad.csv')} line 5: time "yesterday" is not a time: expected an ISO 8601 timestamp`);
    expect(stderr).toContain(`${path.join(dir, 'bad.csv')} line 10: cell "X1" is not in cells.csv`);
    expect(stderr).toContain('2 problems, nothing was written');

    const after = Object.fromEntries(readdirSync(out).map((name) => [name, { text: readFileSync(path.join(out, name), 'utf8'), mtime: statSync(path.join(out, name)).mtimeMs }]));
    expect(after).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['bad.csv', 'cells.csv', 'events.csv', 'out']);
  });

  it('exits 2 with the usage when arguments are missing or unknown', async () => {
    const missing = await cli(['--events', 'events.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing --cells, --out.');
    expect(missing.stderr).toContain('Usage: npm run mobility:pipeline -- --events <events.csv> --cells <cells.csv> --out <folder>');
    const unknown = await cli(['--events', 'e.csv', '--cells', 'c.csv', '--out', 'o', '--timezone', 'UTC']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--timezone'");
    expect(unknown.stderr).toContain('Usage:');
  });

  it('refuses a neighbour that is not a cell, naming its line, and writes nothing', async () => {
    const dir = folder('neighbour', { 'events.csv': EVENTS, 'cells.csv': CELLS.replace('W1 M9', 'W1 M8') });
    const out = path.join(dir, 'out');
    const { code, stderr } = await cli(['--events', path.join(dir, 'events.csv'), '--cells', path.join(dir, 'cells.csv'), '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${path.join(dir, 'cells.csv')} line 7: neighbour "M8" of cell "W2" is not a cell of cells.csv`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['cells.csv', 'events.csv']);
  });
});

describe('mobility pipeline file formats', () => {
  it('reads times as ISO 8601 with a UTC offset or Unix seconds, and says what it expected otherwise', () => {
    expect(parseTime('2022-11-15T08:00:00+01:00')).toBe(1668495600);
    expect(parseTime('2022-11-15 07:00:00Z')).toBe(1668495600);
    expect(parseTime('2022-11-15T08:00:00.750+0100')).toBe(1668495600);
    expect(parseTime('1668495600')).toBe(1668495600);
    expect(parseTime('1668495600.9')).toBe(1668495600);
    expect(() => parseTime('2022-11-15T08:00:00')).toThrow(/no UTC offset/);
    expect(() => parseTime('1668495600000')).toThrow(/milliseconds/);
    expect(() => parseTime('2022-02-30T08:00:00+01:00')).toThrow(/not a valid date/);
    expect(() => parseTime('')).toThrow(/expected an ISO 8601 timestamp with a UTC offset .* or Unix seconds/);
  });

  it('splits and quotes CSV fields', () => {
    expect(parseCsvLine('a, b ,"c,""d"""')).toEqual(['a', 'b', 'c,"d"']);
    expect(() => parseCsvLine('a,"b')).toThrow(/not closed/);
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });

  it('makes adjacency symmetric, numbers devices by first appearance and sorts each device by time', async () => {
    const dir = folder('formats', {
      'cells.csv': CELLS,
      'events.csv': ['device,time,cell', 'b,1668495700,W1', 'a,1668495600,H1', 'b,1668495600,W2', 'a,1668495660,H2'].join('\n'),
    });
    const cells = await readCells(path.join(dir, 'cells.csv'));
    const id = (name: string) => cells.cellIndex.get(name)!;
    const names = (name: string) => cells.plan.neighbours[id(name)].map((n) => cells.cellIds[n]).sort();
    expect(names('H1')).toEqual(['H2']);
    expect(names('W1')).toEqual(['W2']);
    expect(names('W2')).toEqual(['M9', 'W1']);
    expect(cells.areaCodes).toEqual(['0180C1010', '0180C1020', '0180C1030']);

    const table = await readEvents(path.join(dir, 'events.csv'), cells);
    expect(table.deviceIds).toEqual(['b', 'a']);
    expect([table.outOfOrder, table.outOfOrderWithinDevice]).toEqual([1, 1]);
    const batch = toBatch(table, '2022-11-15T00:00:00+01:00', DAY);
    expect([...batch.device]).toEqual([0, 0, 1, 1]);
    expect([...batch.time]).toEqual([28_800, 28_900, 28_800, 28_860]);
    expect([...batch.cell].map((c) => cells.cellIds[c])).toEqual(['W2', 'W1', 'H1', 'H2']);
  });
});
