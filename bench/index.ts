// `npm run bench`: start-up, point lookups, federated queries, the gateway comparison and the statistics client in one bounded run; writes docs/benchmarks.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../lib/config.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { postGraphql, runLoad, type LoadOptions } from './http.ts';
import { benchPoints, lookupLoad, measureInProcess } from './lookups.ts';
import { renderMarkdown, renderSummary, type BenchResults, type HttpRow } from './report.ts';
import { measureGateways } from './gateway.ts';
import { startGateway, startSubgraphs } from './stack.ts';
import { measureDefaultDataset, measurePipeline } from './mobility.ts';
import { measureNykoEstimates, type NykoEstimateResults } from './nyko.ts';
import { measureDecoding, measureFetch, measurePlanning, measurePopulationQueries, type LatencyRow, type StatisticsResults } from './statistics.ts';
import { measureProcessStart, measureSources, prebuildAllStores } from './startup.ts';

const LOOKUP_SETTINGS = { concurrency: 8, warmupRequests: 200, maxRequests: 3000, maxMs: 25_000 } satisfies Partial<LoadOptions>;
const FEDERATED_SETTINGS = { concurrency: 8, warmupRequests: 16, maxRequests: 500, maxMs: 9_000 } satisfies Partial<LoadOptions>;
// The distinct-request rows are an extra beside the brief's query; shorter, so the whole run stays near 2-3 minutes on a busy machine.
const DISTINCT_SETTINGS = { ...FEDERATED_SETTINGS, maxRequests: 300, maxMs: 6_000 } satisfies Partial<LoadOptions>;
// The population queries are compared with the kommun list (FEDERATED_SETTINGS) on the same gateway, so only the time bound differs.
const POPULATION_SETTINGS = { ...FEDERATED_SETTINGS, maxMs: 8_000 } satisfies Partial<LoadOptions>;
const POPULATION_PLANNER = 'rust';
const FEDERATED_QUERY = '{ areas(level: KOMMUN, first: 290) { nodes { id name population(year: 2020) { value } } } }';
const DIRECT_QUERY = '{ areas(level: KOMMUN, first: 290) { nodes { id name } } }';
// The gateway's HTTP executor shares identical upstream requests that are in flight at once, so concurrent copies of one
// query cost the subgraphs less. These variants make every request distinct: any first >= 290 returns the same 290
// kommuner, and every year costs the same one SQL query.
const DISTINCT_FEDERATED_QUERY =
  'query Kommuner($n: Int!, $y: Int!) { areas(level: KOMMUN, first: $n) { nodes { id name population(year: $y) { value } } } }';
const DISTINCT_DIRECT_QUERY = 'query Kommuner($n: Int!) { areas(level: KOMMUN, first: $n) { nodes { id name } } }';
const distinctVariables = (i: number) => ({ n: 290 + (i % 500), y: 2020 - (i % 71) });

const started = performance.now();
const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

/** Fails early when the federated query does not return 290 kommuner with population figures. */
async function checkFederated(url: string): Promise<void> {
  const data = (await postGraphql(url, { query: FEDERATED_QUERY })) as { areas: { nodes: { population: { value: number } | null }[] } };
  const nodes = data.areas.nodes;
  const withPopulation = nodes.filter((node) => typeof node.population?.value === 'number').length;
  if (nodes.length !== 290 || withPopulation !== 290) throw new Error(`${url}: expected 290 kommuner with population, got ${nodes.length} (${withPopulation} with population)`);
}

async function main(): Promise<void> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'regiongraph-bench-'));
  try {
    progress(`building stores into ${storeDir}`);
    const sources = measureSources(storeDir, 5);
    await prebuildAllStores(storeDir);
    progress('starting scripts/start.ts 3 times');
    const processRuns = await measureProcessStart(storeDir, 3);

    const points = benchPoints(10_000);
    progress('point lookups in process');
    const inProcess = measureInProcess(storeDir, points);

    progress('statistics: JSON-stat decoding and merging');
    const decoding = measureDecoding();
    progress('statistics: split planning');
    const plans = measurePlanning();
    progress('statistics: 1M-cell selection from the fake SCB server');
    const fetched = await measureFetch();

    progress('mobility: pipeline throughput on a 5M-event batch');
    const pipeline = await measurePipeline();
    progress('mobility: the default synthetic data set, generated and piped');
    const config = loadConfig({ REGIONGRAPH_STORE_DIR: storeDir });
    const defaultDataset = measureDefaultDataset(config.dataDir, config.mobility.seed, config.mobility.sampleShare, config.mobility.dates);

    const stack = await startSubgraphs(storeDir);
    const geoUrl = stack.urls.geo;
    const lookupRows: HttpRow[] = [];
    const federatedRows: HttpRow[] = [];
    const distinctRows: HttpRow[] = [];
    let populationBaseline: LatencyRow | undefined;
    let populationRows: LatencyRow[] = [];
    let nykoEstimates: NykoEstimateResults | undefined;
    try {
      progress('point lookups, geo subgraph direct');
      lookupRows.push({ target: 'geo subgraph, direct', result: await lookupLoad(geoUrl, points, LOOKUP_SETTINGS) });
      progress('kommun list, geo subgraph direct');
      federatedRows.push({
        target: 'geo subgraph, direct (no population)',
        result: await runLoad({ url: geoUrl, ...FEDERATED_SETTINGS, request: () => ({ query: DIRECT_QUERY }) }),
      });
      distinctRows.push({
        target: 'geo subgraph, direct (no population)',
        result: await runLoad({
          url: geoUrl,
          ...DISTINCT_SETTINGS,
          request: (i) => ({ query: DISTINCT_DIRECT_QUERY, variables: { n: distinctVariables(i).n } }),
        }),
      });
      for (const planner of ['rust', 'js'] as const) {
        const gateway = await startGateway(storeDir, planner, stack.urls);
        try {
          await checkFederated(gateway.url);
          progress(`point lookups, gateway (${planner} planner)`);
          lookupRows.push({ target: `gateway, ${planner} planner`, result: await lookupLoad(gateway.url, points, LOOKUP_SETTINGS) });
          progress(`federated kommun list, gateway (${planner} planner)`);
          const kommunList = await runLoad({ url: gateway.url, ...FEDERATED_SETTINGS, request: () => ({ query: FEDERATED_QUERY }) });
          federatedRows.push({ target: `gateway, ${planner} planner (with population)`, result: kommunList });
          if (planner === POPULATION_PLANNER) {
            progress(`population queries and FalunDesoFacts, gateway (${planner} planner)`);
            populationBaseline = { target: 'kommun list, 1 year (2020)', query: FEDERATED_QUERY, result: kommunList };
            populationRows = (await measurePopulationQueries(gateway.url, POPULATION_SETTINGS)).rows;
            progress(`NYKO estimates on Göteborg's basområden, gateway (${planner} planner)`);
            nykoEstimates = await measureNykoEstimates(gateway.url);
          }
          distinctRows.push({
            target: `gateway, ${planner} planner (with population)`,
            result: await runLoad({
              url: gateway.url,
              ...DISTINCT_SETTINGS,
              request: (i) => ({ query: DISTINCT_FEDERATED_QUERY, variables: distinctVariables(i) }),
            }),
          });
        } finally {
          await gateway.close();
        }
      }
    } finally {
      await stack.close();
    }

    // After the in-process stack has stopped: each part of this comparison is its own process.
    const gateways = await measureGateways(storeDir, progress);

    if (!populationBaseline) throw new Error(`The population queries were not measured (planner ${POPULATION_PLANNER})`);
    if (!nykoEstimates) throw new Error(`The NYKO estimates were not measured (planner ${POPULATION_PLANNER})`);
    const statistics: StatisticsResults = {
      ...decoding,
      plans,
      fetch: fetched,
      federated: { baseline: populationBaseline, rows: populationRows, planner: POPULATION_PLANNER, settings: POPULATION_SETTINGS },
    };
    const results: BenchResults = {
      date: new Date(),
      totalSeconds: (performance.now() - started) / 1000,
      startup: { ...sources, processRuns },
      lookups: { inProcess, http: lookupRows, concurrency: LOOKUP_SETTINGS.concurrency },
      federated: {
        http: federatedRows,
        distinct: distinctRows,
        concurrency: FEDERATED_SETTINGS.concurrency,
        query: FEDERATED_QUERY,
        directQuery: DIRECT_QUERY,
        distinctQuery: DISTINCT_FEDERATED_QUERY,
        bounds: {
          identical: [FEDERATED_SETTINGS.maxRequests, FEDERATED_SETTINGS.maxMs / 1000],
          distinct: [DISTINCT_SETTINGS.maxRequests, DISTINCT_SETTINGS.maxMs / 1000],
        },
      },
      statistics,
      mobility: { pipeline, defaultDataset },
      nyko: nykoEstimates,
      gateways,
      subgraphNames: subgraphs.map((module) => module.name),
    };
    const file = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
    writeFileSync(file, renderMarkdown(results));
    process.stdout.write(`${renderSummary(results)}\n`);
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
}

// The gateway runtime keeps signal handlers registered after dispose, so the process is ended explicitly.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
