// Renders the results as the markdown of docs/benchmarks.md and as a short stdout summary.
import os from 'node:os';
import type { LoadResult } from './http.ts';
import type { InProcessLookups } from './lookups.ts';
import type { StartupResults } from './startup.ts';
import type { GatewayResults } from './gateway.ts';
import type { DefaultDatasetFigures, PipelineFigures } from './mobility.ts';
import type { LatencyRow, StatisticsResults } from './statistics.ts';
import type { NykoEstimateResults } from './nyko.ts';
import { median, ms, rate, ratio } from './util.ts';

export interface HttpRow {
  target: string;
  result: LoadResult;
}

export interface BenchResults {
  date: Date;
  totalSeconds: number;
  startup: StartupResults;
  lookups: { inProcess: InProcessLookups; http: HttpRow[]; concurrency: number };
  federated: {
    http: HttpRow[];
    distinct: HttpRow[];
    concurrency: number;
    query: string;
    directQuery: string;
    distinctQuery: string;
    /** Bounds of each row: [requests, seconds] for the identical and the distinct tables. */
    bounds: { identical: [number, number]; distinct: [number, number] };
  };
  statistics: StatisticsResults;
  mobility: { pipeline: PipelineFigures; defaultDataset: DefaultDatasetFigures };
  nyko: NykoEstimateResults;
  gateways: GatewayResults;
  subgraphNames: string[];
}

export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${model} (${cpus.length} logical CPUs), ${os.platform()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`;
}

const range = (values: number[]) => (values.length ? `${ms(Math.min(...values))}–${ms(Math.max(...values))}` : 'n/a');

function httpTable(rows: HttpRow[]): string {
  const direct = rows[0]?.result;
  const lines = [
    '| Target | Requests | Requests/s | p50 (ms) | p99 (ms) | Throughput vs direct | p50 vs direct | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { target, result } of rows) {
    const sameAsDirect = result === direct;
    lines.push(
      `| ${target} | ${result.requests} | ${rate(result.perSecond)} | ${ms(result.p50)} | ${ms(result.p99)} | ` +
        `${sameAsDirect ? '1.00× (baseline)' : ratio(result.perSecond / direct.perSecond)} | ` +
        `${sameAsDirect ? '1.00× (baseline)' : ratio(result.p50 / direct.p50)} | ${result.errors} |`,
    );
  }
  return lines.join('\n');
}

const count = (value: number) => value.toLocaleString('en-US');
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(bytes < 1e5 ? 3 : 2);
/** Body megabytes (10⁶ bytes) per second. */
const mbPerSecond = (bytes: number, milliseconds: number) => (bytes / 1e6 / (milliseconds / 1000)).toFixed(1);

function latencyTable(baseline: LatencyRow, rows: LatencyRow[]): string {
  const base = baseline.result;
  const lines = [
    '| Query | Requests | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | Throughput vs 1-year list | p50 vs 1-year list | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { target, result } of [baseline, ...rows]) {
    const isBase = result === base;
    lines.push(
      `| ${target} | ${result.requests} | ${rate(result.perSecond)} | ${ms(result.p50)} | ${ms(result.p95)} | ${ms(result.p99)} | ` +
        `${isBase ? '1.00× (baseline)' : ratio(result.perSecond / base.perSecond)} | ${isBase ? '1.00× (baseline)' : ratio(result.p50 / base.p50)} | ${result.errors} |`,
    );
  }
  return lines.join('\n');
}

function renderStatistics(statistics: StatisticsResults): string {
  const { decode, merge, plans, fetch, federated } = statistics;
  const decodeLines = [
    '| Input | Cells (null) | Body (MB) | `JSON.parse` (ms) | `decodeJsonStat` (ms) | Cells/s (decode) | MB/s (decode) | Runs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...decode.map(
      (row) =>
        `| ${row.input} | ${count(row.cells)} (${count(row.missing)}) | ${megabytes(row.bytes)} | ${ms(row.parseMs)} | ${ms(row.decodeMs)} | ` +
        `${rate(row.cells / (row.decodeMs / 1000))} | ${mbPerSecond(row.bytes, row.decodeMs)} | ${row.runs} |`,
    ),
  ].join('\n');
  const planLines = [
    '| Selection | Cells | Cells per call | Calls planned | Minimum ⌈cells ÷ limit⌉ | Split on | Largest call (cells) | Planning (ms) |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
    ...plans.map(
      (row) =>
        `| ${row.selection} | ${count(row.cells)} | ${count(row.maxCells)} | ${row.chunks} | ${row.minimumChunks} | ${row.splitVariables.join(', ') || '–'} | ` +
        `${count(row.largestChunk)} | ${ms(row.medianMs)} |`,
    ),
  ].join('\n');
  const { settings } = federated;
  return `## Statistics: JSON-stat decoding

In process, one thread, the median of the runs after a warm-up. \`decodeJsonStat\` turns a parsed JSON-stat 2.0 answer into
one row per cell (codes, value, status); \`JSON.parse\` of the same body is shown beside it, since the client does both
per call. MB/s is body megabytes (10⁶ bytes) decoded per second. The real answer is SCB's recorded TAB6471 response; the
synthetic one has the shape and labels of one full SCB call of the 1M-cell selection below (the first call of its plan at
150 000 cells), with ${count(decode[1]?.missing ?? 0)} cells sent as null with status \`..\`. Decoding allocates an object and a code
array per cell, so the large answer decodes fewer cells per second than the small one.

${decodeLines}

**\`mergeDatasets\`** of the ${merge.parts} decoded answers of that selection (${merge.cellsPerPart.map(count).join(', ')} cells) into one dataset of
${count(merge.cells)} cells, with the table's metadata as the client passes it: **${ms(merge.medianMs)} ms** (median of ${merge.runs} runs,
${rate(merge.cells / (merge.medianMs / 1000))} cells/s). It runs on the statistics subgraph's only thread, so nothing else is answered meanwhile.

## Statistics: splitting a selection over SCB's cell limit

\`planSelection\` against SCB's real TAB6471 metadata (${count(plans[0]?.cells ?? 0)} cells: 312 regions × 134 ages × 3 sexes × 1 content ×
16 months) at SCB's 150 000 cells per call (PxWebApi 2.0) and at 100 000 (what the client applies to v1 tables). "Calls
planned" is the number of chunks; a plan is as good as possible when it equals the minimum. Planning time is the median of
${plans[0]?.runs ?? 0} runs.

${planLines}

**The ${count(fetch.cells)}-cell selection fetched** (the second selection above: every region, age and sex, the 8 newest months)
from the fake SCB server (\`test/fake-pxweb.ts\`, SCB's live limits: ${count(fetch.fakeLimits.maxDataCells)} cells per call,
${fetch.fakeLimits.maxCallsPerTimeWindow} calls per ${fetch.fakeLimits.timeWindow} s) through \`createPxWebClient\` in live mode with an empty temporary cache file. The fake
runs in this process, so the wall time includes it building and serialising its answers.

| Figure | Value |
|---|---:|
| Data calls the fake recorded | ${fetch.dataCalls} (minimum ${fetch.minimumChunks}) |
| All calls the fake recorded (/config, table info, metadata, data) | ${fetch.allCalls} |
| Call-window violations (429 for exceeding the window) | ${fetch.violations} |
| Retries | ${fetch.retries} |
| Rows returned (null values) | ${count(fetch.rows)} (${count(fetch.missing)}) |
| Wall time, call to merged answer (ms) | ${ms(fetch.wallMs)} |
| of which metadata, data calls and decoding (ms) | ${ms(fetch.callsMs)} |
| of which \`mergeDatasets\` and writing the result to the cache (ms) | ${ms(fetch.mergeAndCacheMs)} |
| The same selection again, answered from the cache (ms) | ${ms(fetch.cachedMs)} |

The client reads /config first and waits for its limiter before every call; the bench fails if the fake records any
call-window violation. With ${fetch.allCalls} calls this selection stays well inside the window of ${fetch.fakeLimits.maxCallsPerTimeWindow}, so the limiter never has to wait here.

## Statistics: federated population queries

Through the gateway (${federated.planner} planner), right after the kommun list above on the same gateway, with the same
settings: ${settings.concurrency} concurrent identical requests after ${settings.warmupRequests} warm-up requests, each row stopping after
${settings.maxRequests} requests or ${settings.maxMs / 1000} s, so a slow query has fewer requests behind its p95 and p99. The 1-year list is the
"gateway, ${federated.planner} planner" row of the identical-requests table above; the ratios compare with it.

${latencyTable(federated.baseline, federated.rows)}

The 3-year row shows what two more years cost (the three years' 870 keys go to the store in one batched query); the
difference between it and the next row is what \`populationByAge\` adds for 290 kommuner.

- 1-year list: \`${federated.baseline.query}\`.
${federated.rows
  .map((row) =>
    row.operation
      ? `- ${row.target}: \`${row.operation}\`, every DeSO of Falun with its population, income, labour market, education, housing and demography facts.`
      : `- ${row.target}: \`${row.query}\`.`,
  )
  .join('\n')}

p50, p95 and p99 come from the same measured requests (from the call to the end of the body). Identical requests let the gateway share subgraph requests that are in flight
together (see above), so a slow query costs less here than distinct requests would.
`;
}

export function renderMarkdown(results: BenchResults): string {
  const { startup, lookups, federated } = results;
  const runs = startup.processRuns;
  const healthy = runs.map((run) => run.healthyMs);
  const first = runs.map((run) => run.firstQueryMs);
  const exit = runs.map((run) => run.exitMs);
  const cleanExits = runs.filter((run) => run.exitCode === 0 && run.portsFreed).length;
  const inProcess = lookups.inProcess;
  return `# Benchmarks

Generated by \`npm run bench\` (\`bench/index.ts\`) on ${results.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${results.totalSeconds.toFixed(0)} s.

- Machine: ${machine()}.
- Subgraphs: ${results.subgraphNames.join(', ')}.

> **These figures come from a single run on a shared, noisy machine.** Absolute numbers move by tens of percent between
> runs; compare the ratios within one table, not the numbers between runs or machines. Rerun \`npm run bench\` to refresh
> this file (it is overwritten).

## Start-up

Stores are built into a fresh temporary directory from \`data/\`; "warm" opens reuse the built store (the median of
${startup.geo.warmMs.length} opens in the same process, so the OS file cache and the JIT are warm too).

| Step | Median (ms) | Range (ms) | Runs |
|---|---:|---:|---:|
| Geo store, cold build + open (\`createGeoSource\`, empty store dir) | ${ms(startup.geo.coldMs)} | – | 1 |
| Geo store, warm open (\`createGeoSource\`, spatial index rebuilt in memory) | ${ms(median(startup.geo.warmMs))} | ${range(startup.geo.warmMs)} | ${startup.geo.warmMs.length} |
| Statistics store, cold build + open (\`createStatisticsSource\`) | ${ms(startup.statistics.coldMs)} | – | 1 |
| Statistics store, warm open | ${ms(median(startup.statistics.warmMs))} | ${range(startup.statistics.warmMs)} | ${startup.statistics.warmMs.length} |
| Mobility store, cold build + open (\`createMobilitySource\`: generate, pipeline, aggregate) | ${ms(startup.mobility.coldMs)} | – | 1 |
| Mobility store, warm open | ${ms(median(startup.mobility.warmMs))} | ${range(startup.mobility.warmMs)} | ${startup.mobility.warmMs.length} |
| \`node --import tsx scripts/start.ts\`: spawn → gateway \`/healthcheck\` 200 | ${ms(median(healthy))} | ${range(healthy)} | ${runs.length} |
| \`node --import tsx scripts/start.ts\`: spawn → first federated query answered | ${ms(median(first))} | ${range(first)} | ${runs.length} |
| SIGTERM → \`scripts/start.ts\` exited | ${ms(median(exit))} | ${range(exit)} | ${runs.length} |

The whole-process start uses warm stores (the same temporary directory) and free loopback ports for every part; it
includes tsx compiling the TypeScript in ${results.subgraphNames.length + 2} Node processes on ${os.cpus().length} CPUs. The first query is
\`{ areas(level: KOMMUN, first: 1) { nodes { id name population(year: 2020) { value } } } }\`, so both subgraphs must be
up. ${cleanExits} of ${runs.length} runs exited with code 0 on SIGTERM with every port closed afterwards.

## Point lookups (\`areasAt\`)

${inProcess.points.toLocaleString('en-US')} pseudo-random WGS84 points (fixed seed) uniformly inside rough boxes around the regions with shipped DeSO
polygons, taken in turn: Göteborgsregionen (lon 11.5–12.8, lat 57.3–58.1), Dalarna (12.1–16.8, 60.0–62.3) and
Stockholms län (17.2–19.4, 58.7–60.3). The boxes include sea and neighbouring län, so not every point hits a DeSO.

**In process** (\`source.areasAt\`, one thread, after 500 warm-up lookups): **${rate(inProcess.perSecond)} lookups/s**
(${inProcess.points.toLocaleString('en-US')} lookups in ${inProcess.seconds.toFixed(2)} s), ${inProcess.meanAreas.toFixed(2)} areas found per point on average,
${(inProcess.hitShare * 100).toFixed(1)} % of points inside at least one shipped polygon.

**Over HTTP**: \`query AreasAt($p: [Float!]!) { areasAt(point: $p) { id } }\`, the points in turn, ${lookups.concurrency} concurrent
requests with Node's fetch (keep-alive) after a warm-up, closed loop.

${httpTable(lookups.http)}

## Federated query

Through the gateway: \`${federated.query}\` (geo lists the 290 kommuner, statistics resolves
their population in one \`_entities\` batch). Directly to the geo subgraph: the same fields without population,
\`${federated.directQuery}\`. ${federated.concurrency} concurrent requests after a short warm-up; each row stops after
${federated.bounds.identical[0]} requests or ${federated.bounds.identical[1]} s, whichever comes first (${federated.bounds.distinct[0]} requests or ${federated.bounds.distinct[1]} s for distinct requests).

**Identical requests** (the query above, repeated):

${httpTable(federated.http)}

The gateway's HTTP executor (\`@graphql-tools/executor-http\`) shares identical subgraph requests that are in flight at
the same time, so with ${federated.concurrency} copies of one query in flight the subgraphs do less work than for ${federated.concurrency} direct calls; that
is why the gateway can beat the direct subgraph in this table. **Distinct requests** defeat that sharing:
\`${federated.distinctQuery}\` with \`n\` cycling over 290–789 (always the same 290 kommuner) and \`y\` over 1950–2020
(one SQL query per batch whatever the year); the direct row varies \`first\` the same way.

${httpTable(federated.distinct)}

${renderGateways(results.gateways)}
${renderStatistics(results.statistics)}
${renderMobility(results.mobility)}
${renderNyko(results.nyko)}
## How it is measured

- Everything HTTP runs in **one Node process**: the subgraphs (\`startSubgraph\` on port 0), the gateway
  (\`createGateway\` on port 0, one planner at a time) and the load generator share one JavaScript thread, over
  loopback. Gateway rows therefore include the subgraph work on the same thread; the ratios show what the gateway adds
  on top of a direct subgraph call, not what a separately deployed gateway would cost.
- Latency is per request from \`fetch\` to the end of the body, nearest-rank percentiles; failed requests are counted
  as errors and left out of the timings.
- "Throughput vs direct" is gateway requests/s ÷ direct requests/s; "p50 vs direct" is gateway p50 ÷ direct p50.
- Rust planner: \`@graphql-hive/router-runtime\` (the default, \`QUERY_PLANNER=rust\`); JS planner: \`QUERY_PLANNER=js\`.
- The statistics decoding, planning and fetch figures are taken in the same process before the subgraphs start, so
  nothing else runs on its thread; the fake SCB server of the fetch shares that thread with the client.
`;
}

function renderNyko({ rows, settings }: NykoEstimateResults): string {
  const base = rows[0].result;
  const lines = rows.map(
    ({ target, result }) => `| ${target} | ${result.requests} | ${ms(result.p50)} | ${ms(result.p99)} | ${result === base ? '1.00× (baseline)' : ratio(result.p50 / base.p50)} | ${result.errors} |`,
  );
  return `## NYKO estimates

Göteborg's 1016 basområden (\`nykoAreas(kommun: "1480", level: "basomrade")\`) through the gateway (Rust planner), one
request at a time (${settings.warmupRequests} warm-up, then up to ${settings.maxRequests} requests or ${settings.maxMs / 1000} s per row). The estimates are
computed by statistics and mobility from each area's composition, which the gateway fetches from nyko and hands on
with \`@requires\`: one extra nyko call and one \`_entities\` batch per estimating subgraph.

| Query | Requests | p50 (ms) | p99 (ms) | p50 vs names only | Errors |
|---|---:|---:|---:|---:|---:|
${lines.join('\n')}
`;
}

/** The ratios the gateway section reports: gateway vs direct, cached vs uncached, Hive vs @apollo/gateway. */
export function gatewayRatios({ rows }: GatewayResults) {
  const [direct, hive, cached, apollo] = rows;
  return {
    /** Hive's p50 one at a time ÷ direct's (below 1: Hive faster), and its requests/s 8 at once ÷ direct's. */
    hiveVsDirect: { p50: hive.sequential.p50 / direct.sequential.p50, throughput: hive.concurrent.perSecond / direct.concurrent.perSecond },
    /** Uncached p50 ÷ cached p50 (the issue's bar: at least 20), and cached requests/s ÷ uncached. */
    cachedVsUncached: { p50: hive.sequential.p50 / cached.sequential.p50, throughput: cached.concurrent.perSecond / hive.concurrent.perSecond },
    /** Hive's p50 one at a time ÷ @apollo/gateway's (below 1: Hive faster), requests/s and p99 8 at once likewise. */
    hiveVsApollo: {
      p50: hive.sequential.p50 / apollo.sequential.p50,
      p99: hive.concurrent.p99 / apollo.concurrent.p99,
      throughput: hive.concurrent.perSecond / apollo.concurrent.perSecond,
    },
  };
}

function renderGateways(gateways: GatewayResults): string {
  const { rows, settings } = gateways;
  const direct = rows[0];
  const ratios = gatewayRatios(gateways);
  const lines = [
    '| Target | One at a time: p50 (ms) | p99 (ms) | Requests | 8 at once: requests/s | p50 (ms) | p99 (ms) | Requests | Subgraph calls per request | p50 vs direct (one at a time) | Requests/s vs direct (8 at once) | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ target, sequential, concurrent, subgraphCallsPerRequest }) => {
      const isDirect = target === direct.target;
      return (
        `| ${target} | ${ms(sequential.p50)} | ${ms(sequential.p99)} | ${sequential.requests} | ${concurrent.perSecond.toFixed(1)} | ${ms(concurrent.p50)} | ${ms(concurrent.p99)} | ` +
        `${concurrent.requests} | ${subgraphCallsPerRequest.toFixed(2)} | ${isDirect ? '1.00× (baseline)' : ratio(sequential.p50 / direct.sequential.p50)} | ` +
        `${isDirect ? '1.00× (baseline)' : ratio(concurrent.perSecond / direct.concurrent.perSecond)} | ${sequential.errors + concurrent.errors} |`
      );
    }),
  ].join('\n');
  const bar = ratios.cachedVsUncached.p50 >= 20 ? 'meets' : 'misses';
  return `## Gateway: direct, Hive Gateway uncached and cached, @apollo/gateway

One heavy federated query, the same for every target: every DeSO of Stockholms län (${count(gateways.deso)}) from geo with its
population from statistics (null for all of them: the snapshot has DeSO population for Dalarna only, but statistics
still looks up every one) and its day and night population from mobility,
\`${gateways.query}\` (${megabytes(gateways.responseBytes)} MB of JSON). Every part is its own process on loopback: the
subgraphs (\`subgraphs/serve.ts all\`), one gateway at a time (\`gateway/index.ts\`, or \`bench/apollo-gateway.ts\` serving the
same supergraph with \`@apollo/gateway\` in Apollo Server), and this process sending requests and reading every answer.
Each target first returned exactly the same data; the cached gateway said \`x-response-cache: hit\` after its row.

- **Subgraphs called directly** is what a client without a gateway must do for the same answer: the DeSO ids from geo,
  then one \`_entities\` call each to statistics and mobility with all ${count(gateways.deso)} ids (in parallel), merged by hand.
- **Hive Gateway, uncached** is \`RESPONSE_CACHE=off\`; **cached** is the default, measured after warm-up requests filled
  the cache, so every measured request is a hit.
- **One at a time**: ${settings.sequential.maxRequests} requests or ${settings.sequential.maxMs / 1000} s after ${settings.sequential.warmupRequests} warm-up requests (cached: ${settings.cachedSequential.maxRequests} or ${settings.cachedSequential.maxMs / 1000} s):
  latency without overlap, so every uncached request does the whole work. **8 at once**: identical requests, ${settings.concurrent.maxRequests} or
  ${settings.concurrent.maxMs / 1000} s (cached: ${settings.cachedConcurrent.maxRequests} or ${settings.cachedConcurrent.maxMs / 1000} s). Hive's HTTP executor shares identical subgraph calls that are in flight at the same
  time, so at 8 at once it sends fewer subgraph calls per request (the column counts them from the subgraphs' request log);
  the direct client and \`@apollo/gateway\` do not share.

${lines}

**Ratios** (this run; a latency ratio below 1 means the first named is faster):

- Hive Gateway ÷ subgraphs called directly: p50 one at a time **${ratio(ratios.hiveVsDirect.p50)}**; requests/s 8 at once
  **${ratio(ratios.hiveVsDirect.throughput)}** (Hive sharing identical subgraph calls, the direct client not).
- Uncached ÷ cached p50 one at a time (Hive Gateway): **${ratio(ratios.cachedVsUncached.p50)}**, which ${bar} the issue's bar of 20×;
  cached ÷ uncached requests/s 8 at once: **${ratio(ratios.cachedVsUncached.throughput)}**. A hit still serialises and sends
  ${megabytes(gateways.responseBytes)} MB, and the client here parses it: that is most of a hit's time.
- Hive Gateway (Rust planner) ÷ \`@apollo/gateway\`: p50 one at a time **${ratio(ratios.hiveVsApollo.p50)}**; requests/s 8 at once
  **${ratio(ratios.hiveVsApollo.throughput)}**; p99 8 at once **${ratio(ratios.hiveVsApollo.p99)}**.

One at a time, an uncached row has only ${settings.sequential.maxRequests} requests at most, so its p99 is about its slowest request. The
1-minute load average was ${gateways.loadAverage.toFixed(1)} on ${os.cpus().length} CPUs when this section started: other work on the machine moves
these figures, the ratios within the table less.
`;
}

function renderMobility({ pipeline, defaultDataset: data }: BenchResults['mobility']): string {
  return `## Mobility: the 40-minute pipeline

\`runPipeline\` (segmentation with SCB's 40-minute rule over same-or-adjacent cells, home/work/other labels, trips)
timed alone on one thread, so events per second here are **per core**. The goal is at least 1 million.

| Input | Events | Devices | Activities | Trips | Seconds (median) | Events/s per core |
|---|---:|---:|---:|---:|---:|---:|
| seeded week of commuter traces on a ${count(pipeline.cells)}-cell grid (\`bench/mobility.ts\`) | ${count(pipeline.events)} | ${count(pipeline.devices)} | ${count(pipeline.activities)} | ${count(pipeline.trips)} | ${pipeline.seconds.toFixed(2)} | ${rate(pipeline.eventsPerSecond)} |
| the default synthetic data set (real frame, sample ${data.sampleShare}, one day) | ${count(data.events)} | ${count(data.devices)} | ${count(data.activities)} | ${count(data.trips)} | ${data.pipelineSeconds.toFixed(2)} | ${rate(data.eventsPerSecond)} |

Generating the default data set (frame, cells, commuting and other models, diaries, events) took
${data.generateSeconds.toFixed(1)} s; the mobility store's cold build above adds writing the aggregates at every level.
`;
}

export function renderSummary(results: BenchResults): string {
  const { startup, lookups, federated } = results;
  const row = (r: HttpRow, base: LoadResult) =>
    `  ${r.target.padEnd(40)} ${rate(r.result.perSecond).padStart(7)} req/s  p50 ${ms(r.result.p50).padStart(6)} ms  p99 ${ms(r.result.p99).padStart(6)} ms  ` +
    `(${ratio(r.result.perSecond / base.perSecond)} of direct throughput, errors ${r.result.errors})`;
  const runs = startup.processRuns;
  return [
    `regiongraph bench — ${machine()}`,
    `Start-up: geo cold ${ms(startup.geo.coldMs)} ms, warm ${ms(median(startup.geo.warmMs))} ms; statistics cold ${ms(startup.statistics.coldMs)} ms, warm ${ms(median(startup.statistics.warmMs))} ms`,
    `  scripts/start.ts: healthy ${ms(median(runs.map((r) => r.healthyMs)))} ms, first query ${ms(median(runs.map((r) => r.firstQueryMs)))} ms, exit after SIGTERM ${ms(median(runs.map((r) => r.exitMs)))} ms (median of ${runs.length}; exit codes ${runs.map((r) => r.exitCode).join(', ')})`,
    `Point lookups in process: ${rate(lookups.inProcess.perSecond)} /s, ${lookups.inProcess.meanAreas.toFixed(2)} areas per point`,
    'Point lookups over HTTP (concurrency 8):',
    ...lookups.http.map((r) => row(r, lookups.http[0].result)),
    'Federated kommun list (concurrency 8):',
    ...federated.http.map((r) => row(r, federated.http[0].result)),
    'Federated kommun list, distinct requests (no in-flight sharing):',
    ...federated.distinct.map((r) => row(r, federated.distinct[0].result)),
    ...gatewaySummary(results.gateways),
    ...statisticsSummary(results.statistics),
    `Mobility pipeline: ${rate(results.mobility.pipeline.eventsPerSecond)} events/s per core (${count(results.mobility.pipeline.events)} events); default data set ${rate(results.mobility.defaultDataset.eventsPerSecond)} events/s, generated in ${results.mobility.defaultDataset.generateSeconds.toFixed(1)} s`,
    'NYKO estimates, 1016 basområden, one at a time:',
    ...results.nyko.rows.map((r) => `  ${r.target.padEnd(46)} p50 ${ms(r.result.p50).padStart(7)} ms (${ratio(r.result.p50 / results.nyko.rows[0].result.p50)} of names only), errors ${r.result.errors}`),
    `Total ${results.totalSeconds.toFixed(0)} s; written to docs/benchmarks.md`,
  ].join('\n');
}

function gatewaySummary(gateways: GatewayResults): string[] {
  const ratios = gatewayRatios(gateways);
  return [
    `Gateway comparison, every DeSO of Stockholms län (${count(gateways.deso)}) with statistics and mobility fields:`,
    ...gateways.rows.map(
      (row) =>
        `  ${row.target.padEnd(46)} one at a time p50 ${ms(row.sequential.p50).padStart(6)} ms; 8 at once ${row.concurrent.perSecond.toFixed(1).padStart(6)} req/s ` +
        `p99 ${ms(row.concurrent.p99).padStart(6)} ms, ${row.subgraphCallsPerRequest.toFixed(2)} subgraph calls/request, errors ${row.sequential.errors + row.concurrent.errors}`,
    ),
    `  uncached ÷ cached p50 ${ratio(ratios.cachedVsUncached.p50)}; Hive ÷ direct p50 ${ratio(ratios.hiveVsDirect.p50)}; Hive ÷ @apollo/gateway p50 ${ratio(ratios.hiveVsApollo.p50)}, requests/s ${ratio(ratios.hiveVsApollo.throughput)}`,
  ];
}

function statisticsSummary(statistics: StatisticsResults): string[] {
  const { decode, merge, plans, fetch, federated } = statistics;
  const base = federated.baseline.result;
  return [
    'Statistics:',
    ...decode.map(
      (row) =>
        `  decodeJsonStat, ${row.input}: ${count(row.cells)} cells in ${ms(row.decodeMs)} ms (${rate(row.cells / (row.decodeMs / 1000))} cells/s, ` +
        `${mbPerSecond(row.bytes, row.decodeMs)} MB/s)`,
    ),
    `  mergeDatasets, ${merge.parts} parts, ${count(merge.cells)} cells: ${ms(merge.medianMs)} ms`,
    ...plans.map((row) => `  planSelection, ${row.selection} (${count(row.cells)} cells) at ${count(row.maxCells)}: ${row.chunks} calls (minimum ${row.minimumChunks}) in ${ms(row.medianMs)} ms`),
    `  ${count(fetch.cells)} cells from the fake SCB: ${fetch.dataCalls} data calls (minimum ${fetch.minimumChunks}), ${fetch.violations} window violations, ${ms(fetch.wallMs)} ms ` +
      `(merge + cache write ${ms(fetch.mergeAndCacheMs)} ms); again from the cache ${ms(fetch.cachedMs)} ms`,
    `Population queries, gateway (${federated.planner} planner, concurrency ${federated.settings.concurrency}):`,
    ...[federated.baseline, ...federated.rows].map(
      (row) =>
        `  ${row.target.padEnd(44)} ${rate(row.result.perSecond).padStart(5)} req/s  p50 ${ms(row.result.p50).padStart(6)}  p95 ${ms(row.result.p95).padStart(6)}  ` +
        `p99 ${ms(row.result.p99).padStart(6)} ms  (p50 ${ratio(row.result.p50 / base.p50)} of the 1-year list, errors ${row.result.errors})`,
    ),
  ];
}
