// NYKO estimates through the gateway: Göteborg's 1016 basområden alone, then with estimates computed by statistics and
// mobility from each area's composition (@requires), compared in one run on one gateway.
import { postGraphql, runLoad, type LoadOptions, type LoadResult } from './http.ts';

export interface NykoEstimateRow {
  target: string;
  query: string;
  result: LoadResult;
}

export interface NykoEstimateResults {
  rows: NykoEstimateRow[];
  settings: Pick<LoadOptions, 'concurrency' | 'warmupRequests' | 'maxRequests' | 'maxMs'>;
}

const AREAS = 'nykoAreas(kommun: "1480", level: "basomrade")';
const QUERIES: [string, string][] = [
  ['basområden, names only (baseline)', `{ ${AREAS} { id nyko { name } } }`],
  ['+ composition (nyko only)', `{ ${AREAS} { id nyko { name } nykoComposition { basis parts { areaId weight inside } } } }`],
  ['+ mobility estimate: residents, day and night', `{ ${AREAS} { id nyko { name } mobilityEstimate { residents { value lower upper } dayNightPopulation { night { value } day { value } } } } }`],
  ['+ population estimate (statistics)', `{ ${AREAS} { id nyko { name } populationEstimate(year: 2024) { estimate { value lower upper reason } } } }`],
];

/** One request at a time, so each row is the latency of one query, not contention. */
const SETTINGS = { concurrency: 1, warmupRequests: 3, maxRequests: 40, maxMs: 8_000 };

export async function measureNykoEstimates(gatewayUrl: string): Promise<NykoEstimateResults> {
  // Fails early when the estimates do not come back: 1016 areas with residents.
  const check = (await postGraphql(gatewayUrl, { query: QUERIES[2][1] })) as { nykoAreas: { mobilityEstimate: { residents: { value: number | null } } }[] };
  const withValue = check.nykoAreas.filter((area) => typeof area.mobilityEstimate?.residents.value === 'number').length;
  if (check.nykoAreas.length !== 1016 || withValue !== 1016) throw new Error(`expected 1016 basområden with residents, got ${check.nykoAreas.length} (${withValue} with a value)`);
  const rows: NykoEstimateRow[] = [];
  for (const [target, query] of QUERIES) rows.push({ target, query, result: await runLoad({ url: gatewayUrl, ...SETTINGS, request: () => ({ query }) }) });
  return { rows, settings: SETTINGS };
}
