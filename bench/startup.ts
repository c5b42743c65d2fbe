// Start-up figures: building and opening the stores in process, and `scripts/start.ts` as a whole from spawn to first answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { createLogger } from '../lib/log.ts';
import { PROJECT_ROOT } from '../lib/config.ts';
import { createGeoSource } from '../subgraphs/geo/source.ts';
import { createMobilitySource } from '../subgraphs/mobility/source.ts';
import { createStatisticsSource } from '../subgraphs/statistics/source.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { postGraphql } from './http.ts';
import { benchConfig } from './stack.ts';
import { freePort, median, sleep } from './util.ts';

export interface SourceTimes {
  coldMs: number;
  warmMs: number[];
}

export interface StartupResults {
  geo: SourceTimes;
  statistics: SourceTimes;
  mobility: SourceTimes;
  /** Per run of scripts/start.ts. */
  processRuns: { healthyMs: number; firstQueryMs: number; exitMs: number; exitCode: number | null; portsFreed: boolean }[];
}

function time<T extends { close(): void }>(open: () => T): number {
  const started = performance.now();
  const source = open();
  const elapsed = performance.now() - started;
  source.close();
  return elapsed;
}

/** Cold build then `warmRuns` warm opens of each source, into the (empty) storeDir. */
export function measureSources(storeDir: string, warmRuns: number): Pick<StartupResults, 'geo' | 'statistics' | 'mobility'> {
  const config = benchConfig(storeDir);
  const log = createLogger('bench', 'warn');
  const measure = (open: () => { close(): void }): SourceTimes => ({
    coldMs: time(open),
    warmMs: Array.from({ length: warmRuns }, () => time(open)),
  });
  return {
    geo: measure(() => createGeoSource(config, log)),
    statistics: measure(() => createStatisticsSource(config, log)),
    mobility: measure(() => createMobilitySource(config, log)),
  };
}

/** Builds every other subgraph's store too, so `scripts/start.ts` starts warm whatever subgraphs the list holds. */
export async function prebuildAllStores(storeDir: string): Promise<void> {
  const config = benchConfig(storeDir);
  for (const module of subgraphs) {
    const source = await module.createSource(config, createLogger(module.name, 'warn'));
    await module.closeSource?.(source);
  }
}

const FIRST_QUERY = '{ areas(level: KOMMUN, first: 1) { nodes { id name population(year: 2020) { value } } } }';

async function answers(url: string, check: () => Promise<boolean>, child: ChildProcess, deadlineMs: number, stderr: () => string): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`scripts/start.ts exited (${child.exitCode ?? child.signalCode}) before ${url} answered:\n${stderr()}`);
    }
    try {
      if (await check()) return;
    } catch {
      // Not listening or not ready yet.
    }
    if (performance.now() - started > deadlineMs) throw new Error(`${url} did not answer within ${deadlineMs} ms:\n${stderr()}`);
    await sleep(20);
  }
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

/** One run: spawn `node --import tsx scripts/start.ts`, wait for /healthcheck and a federated query, SIGTERM, wait for exit. */
async function startOnce(storeDir: string): Promise<StartupResults['processRuns'][number]> {
  const gatewayPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, REGIONGRAPH_STORE_DIR: storeDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1', GATEWAY_PORT: String(gatewayPort) };
  for (const module of subgraphs) {
    const key = module.name.toUpperCase();
    env[`${key}_PORT`] = String(await freePort());
    delete env[`${key}_URL`];
  }
  const origin = `http://127.0.0.1:${gatewayPort}`;
  const started = performance.now();
  // Its own process group, so a hung run can be killed with its children.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // After a clean exit the group is empty and this is a no-op; after a failure it takes the subgraph and gateway children too.
  const killGroup = () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killGroup);
  try {
    await answers(`${origin}/healthcheck`, async () => (await fetch(`${origin}/healthcheck`)).status === 200, child, 60_000, () => stderr);
    const healthyMs = performance.now() - started;
    await answers(`${origin}/graphql`, async () => (await postGraphql(`${origin}/graphql`, { query: FIRST_QUERY }), true), child, 30_000, () => stderr);
    const firstQueryMs = performance.now() - started;
    const stopping = performance.now();
    child.kill('SIGTERM');
    const inTime = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
    const exitMs = performance.now() - stopping;
    if (!inTime) throw new Error(`scripts/start.ts did not exit within 15 s of SIGTERM:\n${stderr}`);
    const urls = [`${origin}/healthcheck`, ...subgraphs.map((module) => `http://127.0.0.1:${env[`${module.name.toUpperCase()}_PORT`]}/health`)];
    const portsFreed = (await Promise.all(urls.map(refused))).every(Boolean);
    return { healthyMs, firstQueryMs, exitMs, exitCode: child.exitCode, portsFreed };
  } finally {
    killGroup();
    process.removeListener('exit', killGroup);
  }
}

export async function measureProcessStart(storeDir: string, runs: number): Promise<StartupResults['processRuns']> {
  const results: StartupResults['processRuns'] = [];
  for (let i = 0; i < runs; i++) results.push(await startOnce(storeDir));
  return results;
}

export const medianOf = <T>(rows: readonly T[], pick: (row: T) => number) => median(rows.map(pick));
