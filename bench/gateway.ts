// The gateway in `npm run bench`: one heavy federated query fetched from the subgraphs by hand, through Hive Gateway uncached and cached, and through @apollo/gateway, each server its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { PROJECT_ROOT } from '../lib/config.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { postGraphql, runLoad, type LoadOptions, type LoadResult } from './http.ts';
import { freePort, sleep } from './util.ts';

/** Every DeSO of Stockholms län (1,362) from geo, with its population from statistics and its day and night population from mobility. */
export const HEAVY_QUERY =
  '{ area(id: "lan:01") { children(level: DESO) { id population(year: 2024) { value } mobility { dayNightPopulation { night { value } day { value } } } } } }';
const DESO_COUNT = 1362;
const GEO_QUERY = '{ area(id: "lan:01") { children(level: DESO) { id } } }';
const STATISTICS_QUERY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { population(year: 2024) { value } } } }';
const MOBILITY_QUERY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Area { mobility { dayNightPopulation { night { value } day { value } } } } } }';

/**
 * Two loads per target, identical requests both: one at a time (latency without any overlap, so every request does the
 * whole work) and 8 at once (throughput; Hive's HTTP executor then shares identical subgraph calls that are in flight
 * together, which the calls-per-request column shows). Each stops after its requests or its seconds.
 */
const ONE_AT_A_TIME = { concurrency: 1, warmupRequests: 2, maxRequests: 30, maxMs: 10_000 } satisfies Partial<LoadOptions>;
const EIGHT_AT_ONCE = { concurrency: 8, warmupRequests: 8, maxRequests: 400, maxMs: 12_000 } satisfies Partial<LoadOptions>;
// Hits take milliseconds: more requests in less time.
const CACHED_ONE_AT_A_TIME = { ...ONE_AT_A_TIME, warmupRequests: 20, maxRequests: 1000, maxMs: 4_000 } satisfies Partial<LoadOptions>;
const CACHED_EIGHT_AT_ONCE = { ...EIGHT_AT_ONCE, warmupRequests: 40, maxRequests: 3000, maxMs: 5_000 } satisfies Partial<LoadOptions>;

type LoadSettings = typeof ONE_AT_A_TIME;

export interface GatewayRow {
  target: string;
  /** Concurrency 1. */
  sequential: LoadResult;
  /** Concurrency 8. */
  concurrent: LoadResult;
  /** Requests the subgraphs received per request measured at concurrency 8 (from their request log). */
  subgraphCallsPerRequest: number;
}

export interface GatewayResults {
  query: string;
  /** The 1-minute load average when the section started: what else the machine was doing. */
  loadAverage: number;
  deso: number;
  responseBytes: number;
  settings: { sequential: LoadSettings; concurrent: LoadSettings; cachedSequential: LoadSettings; cachedConcurrent: LoadSettings };
  /** direct, Hive uncached, Hive cached, @apollo/gateway, in that order. */
  rows: GatewayRow[];
}

interface Part {
  child: ChildProcess;
  /** The last lines it wrote to stderr, for errors. */
  stderr(): string;
  /** How many `request` lines it has logged (subgraphs log each request at LOG_LEVEL=debug). */
  requests(): number;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script> <args>` in its own process group with `env` on top of this process's. */
function startPart(script: string, args: string[], env: Record<string, string>): Part {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let tail = '';
  let requests = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    requests += text.split('"message":"request"').length - 1;
    tail = (tail + text).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    stderr: () => tail,
    requests: () => requests,
    stop: async () => {
      kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => kill('SIGKILL'))]);
      process.removeListener('exit', killOnExit);
    },
  };
}

/** Waits until `check` passes, failing early when the part exits and after `deadlineMs`. */
async function until(part: Part, what: string, check: () => Promise<boolean>, deadlineMs = 120_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (part.child.exitCode !== null) throw new Error(`${what} exited (${part.child.exitCode}):\n${part.stderr()}`);
    if (await check().catch(() => false)) return;
    if (performance.now() - started > deadlineMs) throw new Error(`${what} did not answer within ${deadlineMs} ms:\n${part.stderr()}`);
    await sleep(50);
  }
}

interface Deso {
  id: string;
  population: { value: number | null } | null;
  mobility: { dayNightPopulation: { night: { value: number | null }; day: { value: number | null } } } | null;
}

/**
 * The same answer without a gateway, as a client would have to build it: the DeSO ids from geo, then statistics' and
 * mobility's fields for all of them in one entity call each (in parallel), merged by hand in geo's order.
 */
async function fetchDirect(urls: Record<string, string>): Promise<unknown> {
  const geo = (await postGraphql(urls.geo, { query: GEO_QUERY })) as { area: { children: { id: string }[] } };
  const representations = geo.area.children.map(({ id }) => ({ __typename: 'Area', id }));
  const [statistics, mobility] = (await Promise.all([
    postGraphql(urls.statistics, { query: STATISTICS_QUERY, variables: { r: representations } }),
    postGraphql(urls.mobility, { query: MOBILITY_QUERY, variables: { r: representations } }),
  ])) as [{ _entities: Pick<Deso, 'population'>[] }, { _entities: Pick<Deso, 'mobility'>[] }];
  const children: Deso[] = geo.area.children.map(({ id }, i) => ({ id, ...statistics._entities[i], ...mobility._entities[i] }));
  return { area: { children } };
}

/** Fails the bench unless a variant returns exactly what the first one did. */
function sameAnswer(target: string, expected: unknown, actual: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`${target} answered the heavy query differently from the subgraphs called directly`);
}

/** Measures one target one request at a time, then 8 at once, counting the subgraph requests the latter cause. */
async function measure(target: string, subgraphPart: Part, load: Omit<LoadOptions, keyof LoadSettings>, cached: boolean): Promise<GatewayRow> {
  const sequential = await runLoad({ ...load, ...(cached ? CACHED_ONE_AT_A_TIME : ONE_AT_A_TIME) });
  const concurrent = cached ? CACHED_EIGHT_AT_ONCE : EIGHT_AT_ONCE;
  // Warm-up first, so that the count covers the measured requests only.
  await runLoad({ ...load, ...concurrent, maxRequests: 0 });
  const before = subgraphPart.requests();
  const result = await runLoad({ ...load, ...concurrent, warmupRequests: 0 });
  // Log lines of the last requests may still be on their way.
  await sleep(200);
  return { target, sequential, concurrent: result, subgraphCallsPerRequest: (subgraphPart.requests() - before) / Math.max(1, result.requests + result.errors) };
}

/** A gateway process on a free port over the subgraphs, answering the heavy query. */
async function startGatewayPart(script: string, path: string, env: Record<string, string>, subgraphUrls: Record<string, string>): Promise<{ url: string; part: Part }> {
  const port = await freePort();
  const urlEnv = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url]));
  const part = startPart(script, [], { ...env, ...urlEnv, GATEWAY_PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}${path}`;
  await until(part, script, async () => (await postGraphql(url, { query: '{ __typename }' })) !== undefined);
  return { url, part };
}

export async function measureGateways(storeDir: string, progress: (message: string) => void): Promise<GatewayResults> {
  const loadAverage = os.loadavg()[0];
  const ports = Object.fromEntries(await Promise.all(subgraphs.map(async (module) => [module.name, await freePort()] as const)));
  const subgraphUrls = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}/graphql`]));
  const portEnv = Object.fromEntries(Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)]));
  progress('gateway comparison: starting the subgraphs in one process');
  // LOG_LEVEL=debug: each subgraph logs every request, which is how the calls per request are counted.
  const subgraphPart = startPart('subgraphs/serve.ts', ['all'], { ...portEnv, REGIONGRAPH_STORE_DIR: storeDir, HOST: '127.0.0.1', LOG_LEVEL: 'debug' });
  try {
    for (const [name, url] of Object.entries(subgraphUrls)) {
      await until(subgraphPart, `the ${name} subgraph`, async () => (await fetch(url.replace(/graphql$/, 'health'))).ok);
    }
    const expected = await fetchDirect(subgraphUrls);
    const deso = (expected as { area: { children: unknown[] } }).area.children.length;
    if (deso !== DESO_COUNT) throw new Error(`Expected the ${DESO_COUNT} DeSO of Stockholms län, got ${deso}`);
    const rows: GatewayRow[] = [];
    progress('gateway comparison: the subgraphs called directly');
    rows.push(await measure('subgraphs called directly (no gateway)', subgraphPart, { url: '', request: () => ({ query: '' }), send: () => fetchDirect(subgraphUrls) }, false));

    const variants: { target: string; script: string; path: string; env: Record<string, string> }[] = [
      { target: 'Hive Gateway, uncached (RESPONSE_CACHE=off)', script: 'gateway/index.ts', path: '/graphql', env: { RESPONSE_CACHE: 'off' } },
      { target: 'Hive Gateway, cached (RESPONSE_CACHE=on, hits)', script: 'gateway/index.ts', path: '/graphql', env: { RESPONSE_CACHE: 'on' } },
      // Apollo Server's standalone server answers GraphQL at its root.
      { target: '@apollo/gateway 2.14.4 (Apollo Server 5)', script: 'bench/apollo-gateway.ts', path: '/', env: {} },
    ];
    let responseBytes = 0;
    for (const variant of variants) {
      progress(`gateway comparison: ${variant.target}`);
      const { url, part } = await startGatewayPart(variant.script, variant.path, variant.env, subgraphUrls);
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: HEAVY_QUERY }) });
        const text = await response.text();
        responseBytes = Math.max(responseBytes, Buffer.byteLength(text));
        sameAnswer(variant.target, expected, (JSON.parse(text) as { data: unknown }).data);
        rows.push(await measure(variant.target, subgraphPart, { url, request: () => ({ query: HEAVY_QUERY }) }, variant.env.RESPONSE_CACHE === 'on'));
        if (variant.env.RESPONSE_CACHE === 'on') {
          const marker = (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: HEAVY_QUERY }) })).headers.get('x-response-cache');
          if (marker !== 'hit') throw new Error(`The cached gateway did not answer from its cache (x-response-cache: ${marker})`);
        }
      } finally {
        await part.stop();
      }
    }
    const settings = { sequential: ONE_AT_A_TIME, concurrent: EIGHT_AT_ONCE, cachedSequential: CACHED_ONE_AT_A_TIME, cachedConcurrent: CACHED_EIGHT_AT_ONCE };
    return { query: HEAVY_QUERY, loadAverage, deso, responseBytes, settings, rows };
  } finally {
    await subgraphPart.stop();
  }
}
