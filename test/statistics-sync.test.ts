// `npm run sync` against the fake PxWeb server: the CLI's surface, the facts it adds to the store, resuming, and SCB's limits.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT, type AppConfig } from '../lib/config.ts';
import { createPxWebClient } from '../subgraphs/statistics/pxweb/client.ts';
import { SYNC_ENTRIES, syncEntry } from '../subgraphs/statistics/facts/sync.ts';
import { readSyncFile, syncFilePath } from '../subgraphs/statistics/facts/sync-files.ts';
import { createStatisticsSource } from '../subgraphs/statistics/source.ts';
import { startFakePxWeb, type FakePxWeb } from './fake-pxweb.ts';

const run = promisify(execFile);

let fake: FakePxWeb;
let tmp: string;

beforeAll(async () => {
  // A cell limit far below SCB's 150 000, so the entry's 14 976 cells must be split.
  fake = await startFakePxWeb({ maxDataCells: 4_000, maxCallsPerTimeWindow: 30, timeWindow: 10 });
});
afterAll(() => fake?.close());
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function env(dir: string): Record<string, string> {
  return {
    ...process.env,
    PXWEB_URL: fake.url,
    REGIONGRAPH_STORE_DIR: path.join(dir, 'var'),
    REGIONGRAPH_SYNC_DIR: path.join(dir, 'sync'),
    LOG_LEVEL: 'error',
  } as Record<string, string>;
}

async function sync(args: string[], dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/sync.ts', ...args], { cwd: PROJECT_ROOT, env: env(dir) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const dataCalls = () => fake.calls.filter((call) => call.path.endsWith('/data'));

describe('npm run sync', () => {
  it('lists what it can refresh', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-sync-'));
    const { code, stdout } = await sync(['--list'], tmp);
    expect(code).toBe(0);
    for (const entry of SYNC_ENTRIES) expect(stdout).toContain(entry.id);
  });

  it('refuses an unknown entry with a message naming the known ones and exit code 2', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-sync-'));
    const { code, stderr } = await sync(['population-everywhere'], tmp);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown sync entry: population-everywhere');
    expect(stderr).toContain('population-month');
  });

  it('plans within the cell limit, writes the facts, reports what changed, and the store then serves them', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-sync-'));
    fake.reset();
    const first = await sync(['population-month'], tmp);
    expect(first.stderr).not.toContain('failed');
    expect(first.code).toBe(0);
    // 312 regions × TotSA × 3 sexes × 16 months, split into the fewest calls of at most 4 000 cells.
    expect(first.stdout).toContain('14,976 cells in 4 calls (fewest possible 4)');
    expect(first.stdout).toMatch(/14,\d{3} facts: 14,\d{3} new, 0 changed/);
    expect(dataCalls()).toHaveLength(4);
    expect(fake.violations).toEqual([]);

    const config: AppConfig = loadConfig(env(tmp));
    const source = createStatisticsSource(config);
    try {
      const [stockholm] = source.factsFor([{ areaId: 'lan:01', measure: 'population', period: '2026M02', sex: 'total', ageFrom: 0, ageTo: null, category: '' }]);
      expect(stockholm?.value).toBe(fake.cell('TAB6471', { Region: '01', Alder: 'TotSA', Kon: 'TotSa', ContentsCode: '000007SF', Tid: '2026M02' }).value);
      expect(source.dataset(stockholm!.dataset)).toMatchObject({ tableId: 'TAB6471', shipped: false, cellKeyNoise: true });
    } finally {
      await source.close();
    }

    const again = await sync(['population-month'], tmp);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 new, 0 changed, 14,\d{3} unchanged, 0 removed/);
  });

  it('fails with exit code 1 and SCB’s reason when the API rejects the table', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-sync-'));
    const { code, stderr } = await sync(['population-kommun'], tmp);
    expect(code).toBe(1);
    expect(stderr).toContain('sync failed');
    expect(stderr).toContain('Non-existent table');
  });
});

describe('an interrupted sync', () => {
  it('resumes from the calls it already made, never repeating them', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-sync-'));
    fake.reset();
    const client = createPxWebClient({ baseUrl: fake.url, language: 'sv', timeoutMs: 5_000, mode: 'live', cacheFile: path.join(tmp, 'cache.sqlite'), maxRetries: 1, retryBaseMs: 10 });
    const entry = SYNC_ENTRIES.find((candidate) => candidate.id === 'population-month')!;
    const options = {
      client,
      syncDir: path.join(tmp, 'sync'),
      partialDir: path.join(tmp, 'partial'),
      baseUrl: fake.url,
      currentValues: (facts: unknown[]) => facts.map(() => undefined),
    };
    try {
      // SCB goes down after the second call: every later data call fails.
      const interrupted = syncEntry(entry, {
        ...options,
        onProgress: ({ done }) => {
          if (done === 2) fake.failNext(100, { status: 503 }, '/data');
        },
      });
      await expect(interrupted).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(existsSync(syncFilePath(options.syncDir, entry.id))).toBe(false);
      const callsBefore = dataCalls().filter((call) => call.status === 200).length;
      expect(callsBefore).toBe(2);

      fake.reset();
      const report = await syncEntry(entry, options);
      expect(report.reusedCalls).toBe(2);
      expect(dataCalls()).toHaveLength(2);
      expect(readSyncFile(syncFilePath(options.syncDir, entry.id)).facts).toHaveLength(report.facts);
      expect(fake.violations).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
