// `npm run sync -- <entry…|all>`: refreshes the statistics snapshot from SCB's live PxWeb API (see README "Sync").
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { createPxWebClient } from '../subgraphs/statistics/pxweb/client.ts';
import { SYNC_ENTRIES, syncEntry, type SyncProgress, type SyncReport } from '../subgraphs/statistics/facts/sync.ts';
import { createStatisticsSource, type StatisticsSource } from '../subgraphs/statistics/source.ts';

const USAGE = `Usage: npm run sync -- <entry…|all> [--dry-run]
       npm run sync -- --list

Reads from PXWEB_URL (default SCB's PxWebApi 2.0) within its published call and cell limits, writes each entry to
REGIONGRAPH_SYNC_DIR (default data/scb/sync/) and reports what changed. An interrupted sync resumes where it stopped.`;

class UsageError extends Error {}

const number = (value: number) => value.toLocaleString('en-US');
const calls = (count: number) => `${number(count)} ${count === 1 ? 'call' : 'calls'}`;

/** A one-line bar on a terminal, a line per call otherwise (CI logs). */
function progressPrinter(stream: NodeJS.WriteStream) {
  return (progress: SyncProgress) => {
    const width = 24;
    const filled = Math.round((progress.done / progress.total) * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const line = `${progress.entry} ${bar} ${progress.done}/${calls(progress.total)}${progress.reused ? ` (${progress.reused} resumed)` : ''}`;
    if (stream.isTTY) stream.write(`\r${line}${progress.done === progress.total ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
}

function describe(report: SyncReport, dryRun: boolean): string {
  const plan = `${report.tableId} (updated ${report.updated}): ${number(report.cells)} cells in ${calls(report.calls)} (fewest possible ${report.minimumCalls})`;
  if (dryRun) return `${report.entry}: ${plan}`;
  const lines = [
    `${report.entry}: ${plan}`,
    `  ${number(report.facts)} facts: ${number(report.added)} new, ${number(report.changed)} changed, ${number(report.unchanged)} unchanged, ${number(report.removed)} removed since the last sync`,
    ...report.examples.map((change) => `  changed ${change.key}: ${change.before ?? 'null'} → ${change.after ?? 'null'}`),
    `  written to ${path.relative(process.cwd(), report.file)}`,
  ];
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { list: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.list) {
    for (const entry of SYNC_ENTRIES) process.stdout.write(`${entry.id.padEnd(28)} ${entry.tableId.padEnd(8)} ${entry.description}\n`);
    return;
  }
  if (positionals.length === 0) throw new UsageError('Name what to sync, or "all".');
  const names = positionals.includes('all') ? SYNC_ENTRIES.map((entry) => entry.id) : positionals;
  const unknown = names.filter((name) => !SYNC_ENTRIES.some((entry) => entry.id === name));
  if (unknown.length) throw new UsageError(`Unknown sync entry: ${unknown.join(', ')}. Known: ${SYNC_ENTRIES.map((e) => e.id).join(', ')}.`);

  const config = loadConfig();
  const log = createLogger('sync', config.logLevel);
  // Sync always calls the API; the running subgraphs keep their own mode.
  const client = createPxWebClient({ ...config.pxweb, mode: 'live', cacheFile: path.join(config.storeDir, 'pxweb-cache.sqlite'), log });
  // The store is opened (and built, on a fresh machine) only once there is something to compare with it.
  let current = null as StatisticsSource | null;
  const dryRun = values['dry-run'] === true;
  try {
    for (const name of names) {
      const entry = SYNC_ENTRIES.find((candidate) => candidate.id === name)!;
      const report = await syncEntry(entry, {
        client,
        syncDir: config.syncDir,
        partialDir: path.join(config.storeDir, 'sync-partial'),
        baseUrl: config.pxweb.baseUrl,
        currentValues: (facts) => (current ??= createStatisticsSource(config, log)).currentValues(facts),
        onProgress: progressPrinter(process.stderr),
        dryRun,
      });
      process.stdout.write(`${describe(report, dryRun)}\n`);
    }
    const stats = client.stats();
    process.stdout.write(`${calls(stats.calls)} to ${config.pxweb.baseUrl}${stats.retries ? `, ${stats.retries} retried` : ''}.`);
    process.stdout.write(dryRun ? '\n' : ' Restart the statistics subgraph (or npm start) to serve the new figures.\n');
  } finally {
    await current?.close();
    await client.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sync failed: ${message}\n`);
  if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
