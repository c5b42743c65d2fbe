// `npm run nyko:import -- --kommun … --scheme … --label … --valid-from … --layer level=file …`: imports a version of a kommun's NYKO areas.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { slugify } from '../subgraphs/nyko/ids.ts';
import { IssueLog } from '../subgraphs/nyko/import/issues.ts';
import { readLayer } from '../subgraphs/nyko/import/readers.ts';
import type { NykoFieldMapping, NykoFileOptions, NykoInput, NykoIssue, NykoLayerInput, NykoLevelSpec } from '../subgraphs/nyko/import/index.ts';
import { openNykoStore, type NykoStore } from '../subgraphs/nyko/store.ts';
import { importVersion, type ImportProgress, type ImportVersionRequest, type ImportVersionResult } from '../subgraphs/nyko/versions.ts';

const number = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, noun: string) => `${number(value)} ${value === 1 ? noun : `${noun}s`}`;

const USAGE = `Usage: npm run nyko:import -- --kommun <code> --scheme <slug> --label <label> --valid-from <YYYY-MM-DD>
         (--layer <level>=<file> [--layer <level>=<file> …] | --file <file> [--levels <name>[:<length>],…])
         [--crs [<level>=]EPSG:<n>] [--code-field [<level>=]<field>] [--name-field …] [--parent-field …]
         [--scheme-name <name>] [--store <file>] [--replace] [--dry-run] [--json] [--max-issues <n>]

Imports a version of a kommun's key-code areas (NYKO) into the NYKO store: every feature is validated first, then
the version, its lineage from the version before it and its correspondence to DeSO and RegSO are written in one
transaction, or nothing is.

  --kommun       Four-digit kommun code, e.g. 1480 (Göteborg).
  --scheme       Slug of the kommun's scheme: lowercase letters, digits, '-', e.g. omraden.
  --label        The version's label: digits, letters, '-', '.', e.g. 2024.
  --valid-from   First day the version is valid; the version before it ends the day before.
  --layer        One file per level, e.g. --layer basområde=basomraden.geojson; give each level once, in any order
                 (they are ordered coarse to fine by their number of areas). GeoJSON, zipped shapefile or CSV.
  --file         One file holding every level: by code prefix with --levels primärområde:3,basområde:5, by a level or
                 parent field, or a single level (named by --level-name, or guessed from the code field).
  --crs          The CRS of files that do not say (EPSG:3006, EPSG:3007 … EPSG:3018); never guessed for local zones.
  --code-field, --name-field, --parent-field
                 Which property holds the code, name or parent code (auto-detected otherwise); <level>= limits the
                 option to one layer.
  --scheme-name  Display name of the scheme (kept from before when not given).
  --store        The NYKO store (default NYKO_STORE, var/nyko.sqlite); created, and seeded with Göteborg 2024, when missing.
  --replace      Replace a version with the same label (else it is refused).
  --dry-run      Validate and compute everything, write nothing.
  --json         Print the result as JSON on stdout instead of the text report.
  --max-issues   How many errors and warnings to print (default 30).

Exit status: 0 imported (or valid, with --dry-run); 1 refused (invalid input, or the version exists without
--replace): nothing written; 2 usage error.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        kommun: { type: 'string' },
        scheme: { type: 'string' },
        'scheme-name': { type: 'string' },
        label: { type: 'string' },
        'valid-from': { type: 'string' },
        layer: { type: 'string', multiple: true },
        file: { type: 'string' },
        levels: { type: 'string' },
        'level-name': { type: 'string' },
        crs: { type: 'string', multiple: true },
        'code-field': { type: 'string', multiple: true },
        'name-field': { type: 'string', multiple: true },
        'parent-field': { type: 'string', multiple: true },
        store: { type: 'string' },
        replace: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        'max-issues': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readInput(option: string, file: string): NykoInput {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // reported below
  }
  // A file that is not there is bad input (exit 1), not bad usage.
  if (!isFile) throw new Error(`${option} ${file} is not a file.`);
  return { fileName: path.basename(file), bytes: readFileSync(file) };
}

/**
 * Per-layer options: `--crs EPSG:3007` applies to every file, `--crs basområde=EPSG:3007` to one layer. Level names
 * are compared by slug, so basomrade and basområde are the same level.
 */
function perLevel(option: string, values: string[] | undefined, levels: string[] | null): (level: string | null) => string | undefined {
  const general: string[] = [];
  const specific = new Map<string, string>();
  for (const value of values ?? []) {
    const at = value.indexOf('=');
    if (at < 0 || levels === null) {
      general.push(value);
      continue;
    }
    const level = slugify(value.slice(0, at));
    if (!levels.some((l) => slugify(l) === level)) throw new UsageError(`--${option} ${value}: there is no --layer ${value.slice(0, at)}=…; levels given: ${levels.join(', ')}.`);
    specific.set(level, value.slice(at + 1));
  }
  if (general.length > 1) throw new UsageError(`--${option} is given ${general.length} times without <level>=; give it once, or once per level.`);
  return (level) => (level !== null ? specific.get(slugify(level)) : undefined) ?? general[0];
}

function fileOptions(values: ReturnType<typeof parse>, level: string | null, levels: string[] | null): NykoFileOptions {
  const crs = perLevel('crs', values.crs, levels)(level);
  const mapping: NykoFieldMapping = {
    code: perLevel('code-field', values['code-field'], levels)(level),
    name: perLevel('name-field', values['name-field'], levels)(level),
    parent: perLevel('parent-field', values['parent-field'], levels)(level),
  };
  return { crs, mapping: Object.values(mapping).some((v) => v !== undefined) ? mapping : undefined };
}

/** `primärområde:3,basområde:5` → levels of a prefix-nested single file. */
function parseLevels(value: string): NykoLevelSpec[] {
  return value.split(',').map((part) => {
    const [name, length] = part.split(':').map((s) => s.trim());
    if (!name || (length !== undefined && !/^\d+$/.test(length))) throw new UsageError(`--levels ${value}: expected <name>[:<code length>],…, e.g. primärområde:3,basområde:5.`);
    return length === undefined ? { name } : { name, codeLength: Number(length) };
  });
}

/** Layers ordered coarse to fine: a parent level never has more areas than its children. */
function orderLayers(layers: NykoLayerInput[]): NykoLayerInput[] {
  const counted = layers.map((layer, i) => ({ layer, i, count: readLayer(layer.input.fileName, layer.input.bytes, layer.layer, new IssueLog())?.features.length ?? Infinity }));
  return counted.sort((a, b) => a.count - b.count || a.i - b.i).map((c) => c.layer);
}

function buildRequest(values: ReturnType<typeof parse>): ImportVersionRequest {
  const missing = (['kommun', 'scheme', 'label', 'valid-from'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
  if ((values.layer === undefined) === (values.file === undefined)) throw new UsageError('Give either --layer <level>=<file> (one per level) or --file <file>, not both and not neither.');
  const request: ImportVersionRequest = {
    kommun: values.kommun!,
    scheme: values.scheme!,
    schemeName: values['scheme-name'],
    label: values.label!,
    validFrom: values['valid-from']!,
    importedBy: 'cli',
    replace: values.replace,
    dryRun: values['dry-run'],
  };
  if (values.layer) {
    const specs = values.layer.map((value) => {
      const at = value.indexOf('=');
      if (at <= 0 || at === value.length - 1) throw new UsageError(`--layer ${value}: expected <level>=<file>, e.g. --layer basområde=basomraden.geojson.`);
      return { level: value.slice(0, at), file: value.slice(at + 1) };
    });
    const names = specs.map((s) => s.level);
    const twice = names.find((name, i) => names.findIndex((other) => slugify(other) === slugify(name)) !== i);
    if (twice) throw new UsageError(`--layer ${twice} is given twice; give each level once.`);
    if (values.levels || values['level-name']) throw new UsageError('--levels and --level-name go with --file; with --layer, each layer is one level.');
    request.layers = orderLayers(specs.map((s) => ({ level: s.level, input: readInput(`--layer ${s.level}=`, s.file), ...fileOptions(values, s.level, names) })));
  } else {
    request.input = readInput('--file', values.file!);
    request.options = { ...fileOptions(values, null, null), levels: values.levels ? parseLevels(values.levels) : undefined, levelName: values['level-name'] };
  }
  return request;
}

/** One bar on a terminal, rewritten in place; a line per phase otherwise (CI logs). */
function progressPrinter(stream: NodeJS.WriteStream): (progress: ImportProgress) => void {
  let phase = '';
  return ({ phase: current, fraction }) => {
    const width = 30;
    const filled = Math.round(fraction * width);
    const line = `nyko-import [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${current}`;
    if (stream.isTTY) stream.write(`\r${line.padEnd(60)}${fraction >= 1 ? '\n' : ''}`);
    else if (current !== phase) stream.write(`${line}\n`);
    phase = current;
  };
}

function describeIssue(issue: NykoIssue): string {
  // The message names the feature and code already; the file says which layer.
  return `  ${issue.severity} ${issue.code}${issue.fileName ? ` [${issue.fileName}]` : ''}: ${issue.message}\n      → ${issue.hint}`;
}

function describeIssues(issues: NykoIssue[], max: number): string[] {
  const lines = issues.slice(0, max).map(describeIssue);
  if (issues.length > max) lines.push(`  … ${plural(issues.length - max, 'more issue')}: pass --max-issues ${issues.length} to see them all, or --json.`);
  return lines;
}

function report(result: ImportVersionResult, store: string, max: number, seconds: number): string {
  const lines: string[] = [];
  const parse = result.report;
  const version = result.version;
  if (parse) {
    for (const source of parse.sources) {
      const crs = source.crs ? `${source.crs} (from ${source.crsFrom})` : 'no CRS';
      lines.push(`Read ${source.fileName}: ${source.format ?? 'unreadable'}, ${plural(source.features, 'feature')}, ${crs}, code field ${source.mapping.code ?? '–'}, name field ${source.mapping.name ?? '–'}.`);
    }
    if (parse.levels.length > 0) {
      lines.push(`Levels, coarse to fine: ${parse.levels.map((l) => `${l.name} ${number(l.count)}${l.parentLink ? ` (linked by ${l.parentLink})` : ''}`).join(' → ')}.`);
    }
    const errors = parse.issues.filter((i) => i.severity === 'error').length;
    const warnings = parse.issues.length - errors;
    if (parse.issues.length > 0) lines.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}:`, ...describeIssues(parse.issues, max));
  }
  for (const computed of result.lineage) {
    for (const { level, summary } of computed.levels) {
      const retired = summary.retiredCodes.map((c) => `${c.code} ${c.relations.join('/')}${c.to.length ? ` → ${c.to.join(', ')}` : ''}`);
      const created = summary.newCodes.map((c) => `${c.code} ${c.relations.join('/')}${c.from.length ? ` ← ${c.from.join(', ')}` : ''}`);
      lines.push(
        `Lineage ${computed.from} → ${computed.to}, ${level}: ${number(summary.unchanged)} unchanged, ${plural(summary.boundaryChanged, 'boundary change')}, ` +
          `${plural(summary.retiredCodes.length, 'retired code')}${retired.length ? ` (${retired.join('; ')})` : ''}, ${plural(summary.newCodes.length, 'new code')}${created.length ? ` (${created.join('; ')})` : ''}.`,
      );
    }
    if (computed.unmatched.length > 0) lines.push(`  No lineage for ${computed.unmatched.join(', ')}: the level is in one of the two versions only.`);
  }
  for (const c of result.correspondence) {
    const target = `${c.targetKind === 'deso' ? 'DeSO' : 'RegSO'} ${c.targetVintage}`;
    const partial = c.targetsCovered - c.targetsWhollyCovered;
    lines.push(
      `Correspondence ${c.level} ↔ ${target}: ${plural(c.pairs, 'pair')}; ${number(c.targetsCovered)} of ${number(c.targets)} ${target} overlapped (their weights sum to 1)` +
        `${partial > 0 ? `, ${number(partial)} of them less than 99 % covered, whose residents are taken to live in the covered part (right where the rest is water)` : ''}; ` +
        `weights by area${c.weightLayer ? ` and by population (${c.weightLayer} ${c.weightYear})` : ''}.`,
    );
  }
  if (result.correspondence.length === 0 && result.ok) lines.push('Correspondence: no DeSO or RegSO geometry is shipped for this kommun, so none was computed.');
  if (version) {
    const what = `${version.id} (valid from ${version.validFrom}${version.validTo ? ` to ${version.validTo}` : ''}; ${plural(version.areaCount, 'area')}; ${plural(result.rows, 'row')})`;
    const replaced = result.replaced ? `, replacing the version imported ${result.replaced.importedAt}` : '';
    lines.push(result.written ? `Wrote ${what}${replaced} to ${store} in ${seconds.toFixed(1)} s.` : `Dry run: ${what} is valid${replaced ? ` and would replace the version imported ${result.replaced?.importedAt}` : ''}; nothing was written to ${store}.`);
  }
  return lines.join('\n');
}

function toJson(result: ImportVersionResult) {
  // The areas (with geometry) are in the store, not in a report.
  const { report: parse, ...rest } = result;
  return { ...rest, issues: parse?.issues ?? [], levels: parse?.levels ?? [], sources: parse?.sources ?? [], stats: parse?.stats ?? null };
}

/** A dry run reads the store as it is and never creates, migrates or seeds it. */
function openForRun(file: string, dryRun: boolean, dataDir: string, onProgress: (progress: ImportProgress) => void): NykoStore {
  if (!dryRun) return openNykoStore(file, { dataDir, onSeedProgress: onProgress });
  if (existsSync(file)) return openNykoStore(file, { dataDir, readonly: true });
  return openNykoStore(':memory:', { dataDir, seed: false });
}

function main(argv: string[]): void {
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const max = values['max-issues'] === undefined ? 30 : Number(values['max-issues']);
  if (!Number.isInteger(max) || max < 0) throw new UsageError(`--max-issues ${values['max-issues']} is not a whole number ≥ 0.`);
  const request = buildRequest(values);
  const config = loadConfig();
  // --store is relative to where the command runs, like the input files; the default lives in the project.
  const file = values.store ? path.resolve(values.store) : config.nyko.store;
  const storeLabel = values.store ?? path.relative(process.cwd(), file);
  const onProgress = progressPrinter(process.stderr);
  const started = performance.now();
  // No SIGINT handler: the import runs synchronously, so a handler could only run after it; the default action ends
  // the process at once, and SQLite rolls an unfinished transaction back, leaving the store as it was.
  const store = openForRun(file, request.dryRun === true, config.dataDir, onProgress);
  let result: ImportVersionResult;
  try {
    if (request.dryRun && !existsSync(file)) process.stderr.write(`nyko-import: ${storeLabel} does not exist yet; the dry run compares with an empty store.\n`);
    result = importVersion(store, { ...request, onProgress });
  } finally {
    store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (values.json) process.stdout.write(`${JSON.stringify(toJson(result), null, 2)}\n`);
  if (result.refusal) {
    if (!values.json) process.stderr.write(`${result.refusal.message}\n  → ${result.refusal.hint}\n`);
    process.stderr.write(`nyko-import: refused (${result.refusal.code}): nothing was written to ${storeLabel}.\n`);
    process.exitCode = result.refusal.code === 'INVALID_REQUEST' ? 2 : 1;
    return;
  }
  const text = report(result, storeLabel, max, seconds);
  if (!result.ok) {
    if (!values.json) process.stderr.write(`${text}\n`);
    const errors = result.report?.issues.filter((i) => i.severity === 'error').length ?? 0;
    process.stderr.write(`nyko-import: ${plural(errors, 'error')} in the input: nothing was written to ${storeLabel}.\n`);
    process.exitCode = 1;
    return;
  }
  if (!values.json) process.stdout.write(`${text}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nyko-import failed: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}

