// `npm run mobility:import -- --activities … --od … --provider … --from … --to … --method-version …`: imports a delivery of mobile-network aggregates.
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import {
  areaLookup,
  checkDescription,
  describeDelivery,
  FILE_KINDS,
  FILE_SPECS,
  frameAreas,
  importDelivery,
  type DeliveryDescription,
  type FileKind,
  type FileProgress,
  type ImportResult,
} from '../subgraphs/mobility/delivery/index.ts';

const number = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, noun: string) => `${number(value)} ${value === 1 ? noun : `${noun}s`}`;

const USAGE = `Usage: npm run mobility:import -- [--activities <a.csv>] [--od <od.csv>] [--long-trips <l.csv>]
         --provider <name> --from <YYYY-MM-DD> --to <YYYY-MM-DD> --method-version <version>
         [--description <text>] [--protected-by-provider <k>] [--store <file>] [--replace] [--dry-run]

Imports a delivery of mobile-network aggregates (docs/mobility-delivery.md describes the files) into the delivery
store. Every file is validated completely first; the delivery is then written in one transaction, or not at all.

  --activities   CSV area,date,hour,type,persons[,devices]: persons present per area, day, hour (0–23 or all) and
                 type (home, work, other or all).
  --od           CSV origin,destination,date,hour,trips[,devices][,mode]: trips per origin, destination, day and
                 start hour; mode ROAD, RAIL, AIR, UNKNOWN or empty.
  --long-trips   CSV origin,final_destination,date,trips[,devices][,mode]: final destinations of long trips.
                 Areas are ids with their kind: deso2018:0180C1010, regso2020:0180R001, kommun:0180, lan:01,
                 country:SE, grid1km:3520006860000. Separator , or ; (then 12,5 is read as 12.5).
  --provider     Who delivered, e.g. Telia.
  --from, --to   The period, inclusive: every day of it must have rows in every file given.
  --method-version  The definitions the provider used, e.g. scb-mno-2023.1.
  --description  Free text kept with the delivery.
  --protected-by-provider  The k the provider already suppressed cells under; required when a file has no
                 devices column (disclosure control then cannot count devices itself).
  --store        The delivery store (default MOBILITY_DELIVERY_STORE, var/mobility-deliveries.sqlite).
  --replace      Replace the stored deliveries whose periods overlap this one (else an overlap is refused).
  --dry-run      Validate and report only; the store is not written.

Exit status: 0 imported (or valid, with --dry-run); 1 refused (invalid files, or an overlap without --replace),
nothing written; 2 usage error.`;

class UsageError extends Error {}

class Interrupted extends Error {
  constructor(
    signal: string,
    readonly exitCode: number,
  ) {
    super(`interrupted (${signal}) while validating: nothing was written`);
  }
}

const controller = new AbortController();

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        activities: { type: 'string' },
        od: { type: 'string' },
        'long-trips': { type: 'string' },
        provider: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'method-version': { type: 'string' },
        description: { type: 'string' },
        'protected-by-provider': { type: 'string' },
        store: { type: 'string' },
        replace: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Progress on stderr once a file takes more than a second: rows read and how far into the file. */
function progressPrinter(files: Partial<Record<FileKind, string>>): (progress: FileProgress) => void {
  const sizes = new Map(Object.values(files).flatMap((file) => (file ? [[file, statSync(file).size] as const] : [])));
  return ({ file, rows, bytesRead, done }) => {
    const size = sizes.get(file) ?? 0;
    const share = size > 0 ? ` (${Math.min(100, Math.round((100 * bytesRead) / size))} %)` : '';
    // On a terminal the line is rewritten in place until the file is done.
    process.stderr.write(`${path.basename(file)}: ${number(rows)} rows checked${share}${process.stderr.isTTY && !done ? '\r' : '\n'}`);
  };
}

function summary(result: ImportResult, delivery: DeliveryDescription, store: string, seconds: number): string {
  const lines: string[] = [];
  const what = `${delivery.provider}, ${delivery.from} to ${delivery.to}, method ${delivery.methodVersion}`;
  if (result.outcome === 'imported') lines.push(`Imported delivery #${result.deliveryId} (${what}) into ${store}.`);
  else lines.push(`Dry run: the delivery (${what}) is valid; ${store} was not written.`);
  if (result.overlaps.length > 0) {
    const verb = result.outcome === 'imported' ? 'Replaced' : 'Would replace';
    lines.push(`${verb} ${result.overlaps.map(describeDelivery).join(', ')} (all of ${result.overlaps.length === 1 ? 'its' : 'their'} days).`);
  }
  for (const file of result.files) {
    const levels = file.coverage.map((entry) => `${entry.other ? `${entry.level}→${entry.other}` : entry.level} ${number(entry.rows)}`).join(', ');
    lines.push(
      `  ${path.basename(file.path)}: ${plural(file.rows, 'row')}, ${plural(file.areas, 'area')}, ${plural(file.dates, 'date')}; ${levels}; ` +
        `devices ${file.devices ? 'given' : `not given (protected by the provider at k = ${delivery.protectedByProviderK})`}; sha256 ${file.digest.sha256.slice(0, 16)}…`,
    );
  }
  const warnings = result.report.countsByCode().filter((entry) => entry.severity === 'warning');
  lines.push(warnings.length === 0 ? 'No warnings.' : `Warnings: ${warnings.map((entry) => `${entry.code} ${number(entry.count)}`).join(', ')} (listed above).`);
  lines.push(`${seconds.toFixed(1)} s.`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const missing = (['provider', 'from', 'to', 'method-version'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
  const files: Partial<Record<FileKind, string>> = { activities: values.activities, od: values.od, longTrips: values['long-trips'] };
  const k = values['protected-by-provider'];
  const delivery: DeliveryDescription = {
    provider: values.provider!,
    from: values.from!,
    to: values.to!,
    methodVersion: values['method-version']!,
    description: values.description,
    protectedByProviderK: k !== undefined && /^\d+$/.test(k) ? Number(k) : undefined,
  };
  const problems = checkDescription(delivery, files);
  if (k !== undefined && !/^\d+$/.test(k)) problems.push(`--protected-by-provider "${k}" is not a whole number; expected the provider's k, e.g. --protected-by-provider 5.`);
  for (const kind of FILE_KINDS) {
    const file = files[kind];
    if (file === undefined) continue;
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      // reported below
    }
    if (!isFile) problems.push(`${FILE_SPECS[kind].option} ${file} is not a file.`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const config = loadConfig();
  const store = path.resolve(values.store ?? config.mobility.deliveryStore);
  // Validation stops at the next line; a write in progress is synchronous, so a signal is handled once it committed or rolled back.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => controller.abort(new Interrupted(signal, code)));
  }
  const started = performance.now();
  const result = await importDelivery({
    files,
    delivery,
    store,
    frame: areaLookup(frameAreas(config.dataDir, config.mobility.seed)),
    replace: values.replace,
    dryRun: values['dry-run'],
    onProgress: progressPrinter(files),
    signal: controller.signal,
  });
  const seconds = (performance.now() - started) / 1000;
  const report = result.report.format();
  if (result.outcome === 'refused') {
    process.stderr.write(`Refused, nothing was written to ${store}.\n${report}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${report ? `${report}\n` : ''}${summary(result, delivery, store, seconds)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mobility-import failed: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : error instanceof Interrupted ? error.exitCode : 1;
});
