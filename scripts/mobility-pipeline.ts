// `npm run mobility:pipeline -- --events … --cells … --out …`: runs the mobile-network pipeline on an operator's traces.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIVITY_TYPES, METHOD_VERSION } from '../subgraphs/mobility/model.ts';
import { DEFAULT_TIME_ZONE, LocalClock } from '../subgraphs/mobility/pipeline/clock.ts';
import { runPipeline, type PipelineOptions } from '../subgraphs/mobility/pipeline/index.ts';
import {
  checkOutputFolder,
  formatTime,
  MAX_DEVICES,
  MAX_EVENTS,
  midnightBefore,
  readCells,
  readEvents,
  StagedFolder,
  toBatch,
  writeResults,
  type FileDigest,
} from '../subgraphs/mobility/pipeline/io.ts';
import { resolveSegmentOptions } from '../subgraphs/mobility/pipeline/segment.ts';

const number = (value: number) => value.toLocaleString('en-US');
const count = (value: number, noun: string) => `${number(value)} ${value === 1 ? noun : `${noun}s`}`;

const USAGE = `Usage: npm run mobility:pipeline -- --events <events.csv> --cells <cells.csv> --out <folder>
         [--time-zone ${DEFAULT_TIME_ZONE}] [--epoch 2022-11-15T00:00:00+01:00]

Turns an operator's signal events into activities (stays of at least 40 minutes, labelled home, work or other) and
trips between them, by SCB's definitions (method ${METHOD_VERSION}), and writes activities.csv, trips.csv and
summary.json to --out. Every line is checked first: on any problem nothing is written and --out is left as it was.

  --events     CSV, header device,time,cell: a device id (any string); the time as ISO 8601 with a UTC offset
               (2022-11-15T08:00:00+01:00) or as Unix seconds; a cell id of --cells. In any order: events are
               sorted by device, then time.
  --cells      CSV, header cell,area,x,y,neighbours: a cell id; its area code (e.g. a DeSO); x and y in SWEREF 99 TM
               (EPSG:3006) metres; the ids of its handover neighbours separated by spaces or semicolons (adjacency is
               made symmetric).
  --out        Folder for the outputs: created, or replaced if it holds only a previous run's output.
  --time-zone  IANA time zone of the local hours that label home (night) and work (weekday mornings), and of the
               output times (default ${DEFAULT_TIME_ZONE}).
  --epoch      Start of the period, ISO 8601 (default: local midnight before the first event); no event may be earlier.

Events are held in memory, about 24 bytes each at peak: at most ${number(MAX_EVENTS)} events and ${number(MAX_DEVICES)} devices per run.
Split a larger trace by device and run each part.`;

class UsageError extends Error {}

const describeInput = (digest: FileDigest) => ({ file: path.basename(digest.path), path: digest.path, bytes: digest.bytes, sha256: digest.sha256 });

let staged: StagedFolder | undefined;

/**
 * An interrupted run leaves --out as it was. The outputs are written and put in place synchronously, so a signal
 * arriving meanwhile is handled once they are (a crash or SIGKILL mid-write leaves a hidden .<out>.partial-* folder).
 */
function onSignal(signal: NodeJS.Signals, code: number): void {
  process.once(signal, () => {
    const written = staged?.committed === true;
    staged?.discard();
    process.stderr.write(`mobility-pipeline interrupted (${signal}): ${written ? 'the outputs were already written' : 'nothing was written'}\n`);
    process.exit(code);
  });
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        cells: { type: 'string' },
        out: { type: 'string' },
        'time-zone': { type: 'string' },
        epoch: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: string[]): Promise<void> {
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const missing = (['events', 'cells', 'out'] as const).filter((name) => !values[name]);
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
  const eventsFile = values.events!;
  const cellsFile = values.cells!;
  const out = path.resolve(values.out!);
  const timeZone = values['time-zone'] ?? DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new UsageError(`--time-zone ${timeZone} is not an IANA time zone; expected e.g. ${DEFAULT_TIME_ZONE}.`);
  }
  let given: { epoch: string; epochUnix: number } | undefined;
  if (values.epoch !== undefined) {
    try {
      const clock = new LocalClock({ epoch: values.epoch, timeZone }, 0);
      given = { epoch: formatTime(clock, 0), epochUnix: clock.epochUnix };
    } catch {
      throw new UsageError(`--epoch ${values.epoch} is not an ISO 8601 timestamp; expected e.g. 2022-11-15T00:00:00+01:00 or 2022-11-15.`);
    }
  }
  for (const [option, file] of [['--events', eventsFile], ['--cells', cellsFile]]) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new Error(`${option} ${file} is not a file`);
  }
  checkOutputFolder(out);

  const started = performance.now();
  const cells = await readCells(cellsFile);
  const table = await readEvents(eventsFile, cells, { epochUnix: given?.epochUnix });
  const readSeconds = (performance.now() - started) / 1000;
  const { epoch, epochUnix } = given ?? midnightBefore(table.minTime, timeZone);
  const batch = toBatch(table, epoch, epochUnix);
  const pipelineOptions: PipelineOptions = { timeZone };
  const result = runPipeline(batch, cells.plan, cells.areaCodes.length, pipelineOptions);

  const byType = Object.fromEntries(ACTIVITY_TYPES.map((type) => [type, 0])) as Record<(typeof ACTIVITY_TYPES)[number], number>;
  for (const activity of result.activities) byType[ACTIVITY_TYPES[activity.type]]++;
  let devicesWithHome = 0;
  for (const home of result.home) if (home >= 0) devicesWithHome++;
  const clock = new LocalClock({ epoch, timeZone }, table.maxTime - epochUnix);
  const counts = {
    eventsRead: table.length,
    outOfOrder: table.outOfOrder,
    outOfOrderWithinDevice: table.outOfOrderWithinDevice,
    duplicatesDropped: result.stats.dropped,
    devices: result.stats.devices,
    devicesWithHome,
    cells: cells.cellIds.length,
    areas: cells.areaCodes.length,
    activities: result.activities.length,
    activitiesByType: byType,
    trips: result.trips.length,
  };
  const period = { firstEvent: formatTime(clock, table.minTime - epochUnix), lastEvent: formatTime(clock, table.maxTime - epochUnix) };
  const summary = {
    methodVersion: METHOD_VERSION,
    inputs: { events: describeInput(table.digest), cells: describeInput(cells.digest) },
    options: {
      timeZone,
      epoch,
      epochFrom: given ? '--epoch' : 'local midnight before the first event',
      segments: resolveSegmentOptions(pipelineOptions),
      labels: 'pipeline defaults: home by night hours 0–6 local; work a stay of at least 4 h away from home starting 6–11 local on Monday–Friday',
    },
    period,
    counts,
    outputs: ['activities.csv', 'trips.csv'],
  };

  mkdirSync(path.dirname(out), { recursive: true });
  staged = new StagedFolder(out);
  try {
    writeResults(staged.dir, result, batch, table.deviceIds, cells.areaCodes);
    writeFileSync(path.join(staged.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    staged.commit();
  } catch (error) {
    staged.discard();
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;

  const lines = [
    `Read ${count(counts.eventsRead, 'event')} of ${count(counts.devices, 'device')} in ${count(counts.cells, 'cell')} (${count(counts.areas, 'area')}), ${period.firstEvent} to ${period.lastEvent}, in ${readSeconds.toFixed(1)} s.`,
    counts.outOfOrder === 0
      ? `Events were already sorted by device, then time; ${count(counts.duplicatesDropped, 'duplicate')} dropped.`
      : `Sorted by device, then time: ${count(counts.outOfOrder, 'event')} out of order in the file (${number(counts.outOfOrderWithinDevice)} earlier than the same device's previous event); ${count(counts.duplicatesDropped, 'duplicate')} dropped.`,
    `${number(counts.activities)} ${counts.activities === 1 ? 'activity' : 'activities'} (${ACTIVITY_TYPES.map((type) => `${number(byType[type])} ${type}`).join(', ')}), ${count(counts.trips, 'trip')}; ${number(devicesWithHome)} of ${number(counts.devices)} devices have a home.`,
    `Wrote activities.csv, trips.csv, summary.json to ${values.out} (epoch ${epoch}, ${timeZone}, method ${METHOD_VERSION}).`,
    `${seconds.toFixed(1)} s in all, ${number(Math.round(counts.eventsRead / Math.max(seconds, 1e-3)))} events/s.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mobility-pipeline failed: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
